"""Batches: the change sets one `check --all --fix` applied, one per project, on record so that
`undo --batch` restores them all. Kept in the state home (a batch spans projects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from wizard.errors import FilesError
from wizard.jsontypes import JsonObject, as_object
from wizard.manifest import ChangeSetStatus
from wizard.state import Store, stamped_id


@dataclass
class Batch:
    name: str
    # (project folder, change set) in the order applied
    entries: list[tuple[str, str]] = field(default_factory=list)
    status: ChangeSetStatus = ChangeSetStatus.APPLYING

    def to_json(self) -> JsonObject:
        return {
            "batch": self.name,
            "status": self.status,
            "projects": [{"project": p, "changeset": c} for p, c in self.entries],
        }


def _folder(store: Store) -> Path:
    return store.private_dir(store.home / "batches")


def new(at: datetime) -> Batch:
    return Batch(stamped_id(at, unique=False))


def save(store: Store, batch: Batch) -> None:
    """Written after each project's change: a batch cut short still lists what it changed."""
    store.write_json(_folder(store) / f"{batch.name}.json", batch.to_json())


def _damaged(name: str) -> FilesError:
    return FilesError(
        f"the record of batch {name} is damaged: undo cannot trust it.",
        fix="Undo each project with `flux-setup undo --project DIR` (`undo --list` shows its "
        "change sets).",
    )


def _read(path: Path) -> Batch:
    data = as_object(Store.read_json(path))
    projects = data.get("projects")
    if not isinstance(projects, list):
        raise _damaged(path.stem)
    entries = []
    for entry in projects:
        if not isinstance(entry, dict):
            raise _damaged(path.stem)
        project, changeset = entry.get("project"), entry.get("changeset")
        if not isinstance(project, str) or not isinstance(changeset, str):
            raise _damaged(path.stem)
        entries.append((project, changeset))
    return Batch(path.stem, entries, ChangeSetStatus.read(data.get("status") or "applied"))


def find(store: Store, name: str) -> Batch:
    """The named batch, or the newest not yet undone for "last"."""
    home = store.home / "batches"
    names = sorted((p.stem for p in home.glob("*.json")), reverse=True) if home.is_dir() else []
    if name != "last":
        if name not in names:
            raise FilesError(
                f"there is no batch {name}.",
                fix=f"`flux-setup undo --batch` undoes the last one; the batches are in {home}.",
            )
        return _read(home / f"{name}.json")
    for candidate in names:
        batch = _read(home / f"{candidate}.json")
        if batch.status != ChangeSetStatus.UNDONE and batch.entries:
            return batch
    raise FilesError("there is no batch of `check --all --fix` to undo.", fix=None)
