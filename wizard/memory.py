"""Memory between runs: the last detection per project and key fingerprint (never the key),
and what changed since."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from wizard import state
from wizard.detection import Detection


def _folder(project: Path) -> Path:
    return state.private_dir(state.project_dir(project) / "detections")


def _name(fingerprint: str) -> str:
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:16] + ".json"


def save(project: Path, detection: Detection) -> None:
    record = detection.to_json()
    record["prefer"] = list(detection.prefer)
    folder = _folder(project)
    state.write_json(folder / _name(detection.key_fingerprint), record)
    state.write_json(folder / "last.json", record)


def load(project: Path, fingerprint: str | None = None) -> dict[str, Any] | None:
    folder = state.project_dir(project) / "detections"
    path = folder / (_name(fingerprint) if fingerprint else "last.json")
    record = state.read_json(path)
    return record if isinstance(record, dict) else None


def changes_since(previous: dict[str, Any] | None, current: Detection) -> list[str]:
    """Sentences for the user: what the account or the catalogue did since the last run."""
    if not previous or not current.models:
        return []
    when = str(previous.get("checked_at", ""))[:10]
    before = {m["id"]: m for m in previous.get("models", []) if isinstance(m, dict) and "id" in m}
    out: list[str] = []
    for model in current.models:
        old = before.get(model.id)
        if old is None:
            if before:
                out.append(f"New model: {model.id} ({model.lifecycle}).")
            continue
        if model.callable and old.get("callable") is False:
            out.append(f"{model.id} is now callable (refused on {when}).")
        if model.callable is False and old.get("callable") is True:
            out.append(f"{model.id} is no longer callable (it was on {when}).")
        if model.lifecycle != old.get("lifecycle"):
            if model.lifecycle == "deprecated":
                retires = f", retires {model.retires_on}" if model.retires_on else ""
                out.append(f"{model.id} is now deprecated{retires}.")
            elif model.lifecycle == "retired":
                out.append(f"{model.id} was retired.")
    configured = current.configured
    if configured and current.configured_status in ("retired", "not_callable", "unknown_model"):
        old_status = (previous.get("configured") or {}).get("status")
        if (
            old_status in ("callable", "deprecated")
            and (previous.get("configured") or {}).get("model") == configured
        ):
            word = (
                "was retired"
                if current.configured_status == "retired"
                else "can no longer be called"
            )
            out.append(f"Your configured model {configured} {word}.")
    return out
