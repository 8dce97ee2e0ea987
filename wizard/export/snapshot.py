"""The catalogue snapshot a repository commits (`export catalog`, default
`.flux-setup/catalog.json`): each model's line, lifecycle and dates, and the time of the check
that listed them; never a key, a fingerprint, an organisation or what this key may call.
`check --offline` (the pre-commit hook) reads it where the state home has no catalogue: it
judges retirements and deprecations by it, not access."""

from __future__ import annotations

import json
import os
from pathlib import Path

from wizard import __version__, memory, untrusted
from wizard.catalog import Model
from wizard.export import renovate
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
    data = model.to_record()
    return {name: data.get(name) for name in FIELDS}


class Unreadable(Exception):
    """A file at the snapshot's path that is no snapshot this version reads; says why."""


def load(path: Path) -> memory.Record | None:
    """The snapshot as a saved catalogue of unverified models (so `check --offline` judges
    lifecycles by it, never access); None when there is no file there. A file that is no
    readable snapshot raises `Unreadable` saying why (a committed file is anyone's text:
    every field is checked as a saved record's is)."""
    if not os.path.lexists(path):
        return None
    data = _json(path)
    maker = data.get("generator")
    if isinstance(maker, str) and maker.startswith(renovate.GENERATOR.rsplit(" ", 1)[0]):
        raise Unreadable("it holds `flux-setup export renovate`'s datasource, not a snapshot")
    if data.get("format") != FORMAT:
        found = untrusted.text(json.dumps(data.get("format")), 20)
        raise Unreadable(f"its format is {found}; this version reads format {FORMAT}")
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
    if record is None or not record.models:
        raise Unreadable("it lists no model this version can read")
    return record


def _json(path: Path) -> JsonObject:
    try:
        if path.is_symlink() or not path.is_file():
            raise Unreadable("it is not a regular file (a snapshot is never read through a link)")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise Unreadable(f"it is over {MAX_FILE_BYTES // 1_000_000} MB")
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise Unreadable(f"it cannot be read ({exc.strerror})") from None
    except ValueError:
        raise Unreadable("it is not JSON") from None
    if not isinstance(data, dict):
        raise Unreadable("it is not a JSON object")
    return data


def _read(model: JsonObject) -> JsonObject:
    """One model of the file, checked: an ID of a model's form, words escaped."""
    if not untrusted.is_model_id(model.get("id")):
        return {}
    data = {name: model.get(name) for name in FIELDS}
    for name in ("display_name", "line"):
        if isinstance(data[name], str):
            data[name] = untrusted.text(data[name], 80)
    return data
