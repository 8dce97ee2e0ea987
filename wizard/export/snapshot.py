"""The catalogue snapshot a repository commits (`export catalog`, default
`.flux-setup/catalog.json`): each model's line, lifecycle and dates, and the time of the check
that listed them; never a key, a fingerprint, an organisation or what this key may call.
`check --offline` (the pre-commit hook) reads it where the state home has no catalogue: it
judges retirements and deprecations by it, not access."""

from __future__ import annotations

import json
from pathlib import Path

from wizard import __version__, memory, untrusted
from wizard.catalog import Model
from wizard.fileio import MAX_FILE_BYTES
from wizard.jsontypes import JsonObject, as_list, as_object
from wizard.vocab import Status

DEFAULT_PATH = Path(".flux-setup") / "catalog.json"
FORMAT = 1
GENERATOR = f"flux-setup export catalog {__version__}"
# What a snapshot keeps of a model: public facts of the Models API, nothing of this key's.
FIELDS = ("id", "display_name", "line", "lifecycle", "created_at", "deprecated_at", "retires_at")


def default_path(project: Path) -> Path:
    return project / DEFAULT_PATH


def snapshot(models: list[Model], checked_at: str) -> JsonObject:
    return {
        "generator": GENERATOR,
        "format": FORMAT,
        "checked_at": checked_at,
        "models": [_model(m) for m in models],
    }


def _model(model: Model) -> JsonObject:
    data = model.to_json()
    data["created_at"] = model.created_at
    data["deprecated_at"] = model.deprecated_at
    return {name: data.get(name) for name in FIELDS}


def load(path: Path) -> memory.Record | None:
    """The snapshot as a saved catalogue of unverified models (so `check --offline` judges
    lifecycles by it, never access), or None when there is none or it cannot be read (a
    committed file is anyone's text: every field is checked as a saved record's is)."""
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    models = [m for m in (_read(as_object(m)) for m in as_list(data.get("models"))) if m]
    record = memory.Record.from_json(
        {
            "checked_at": data.get("checked_at"),
            "key": {"fingerprint": ""},
            "configured": {"status": str(Status.UNSET)},
            "models": models,
            "verified": False,
        }
    )
    return record if record is not None and record.models else None


def _read(model: JsonObject) -> JsonObject:
    """One model of the file, checked: an ID of a model's form, words escaped."""
    if not untrusted.is_model_id(model.get("id")):
        return {}
    data = {name: model.get(name) for name in FIELDS}
    for name in ("display_name", "line"):
        if isinstance(data[name], str):
            data[name] = untrusted.text(data[name], 80)
    return data
