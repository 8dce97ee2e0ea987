"""A change set's record in the state home (`manifest.json`): which files it wrote, their
backups and hashes, and how far it got. `changes.apply` writes it, `history` (undo) reads it
back, checked: a damaged record is said, never half-trusted."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from wizard.errors import FilesError
from wizard.jsontypes import JsonObject, as_int, as_list, as_object, as_str
from wizard.vocab import Word


class ChangeSetStatus(Word):
    """Where a change set (or a batch of them) stands, as its manifest says: the one list of
    states `undo`, `undo --list`, the apply and the batches read."""

    APPLYING = "applying"  # backups made, files may be half changed: undo restores them
    APPLIED = "applied"
    ROLLED_BACK = "rolled-back"  # a failed apply put every file back: nothing to undo
    UNDONE = "undone"
    UNKNOWN = "unknown"  # a manifest whose state this version cannot read: never undone

    @property
    def undoable(self) -> bool:
        return self in (ChangeSetStatus.APPLIED, ChangeSetStatus.APPLYING)

    @classmethod
    def read(cls, value: object) -> ChangeSetStatus:
        try:
            return cls(str(value))
        except ValueError:
            return cls.UNKNOWN


# What a backup holds instead of a key that went into the keyring (no .env line holds a NUL).
KEYRING_PLACEHOLDER = b"\x00flux-setup: the key is in the OS keyring\x00"


def damaged(folder: Path, what: str) -> FilesError:
    return FilesError(
        f"the record of change set {folder.name} is damaged ({what}): undo cannot trust it.",
        fix=f"Restore the files by hand from the backups in {folder}, or rerun `flux-setup run`.",
    )


@dataclass
class FileEntry:
    path: str  # absolute
    existed: bool
    backup: str | None  # the backup's name in the change set's folder
    sha_before: str | None
    sha_after: str | None
    mode: int | None
    # The backup holds KEYRING_PLACEHOLDER where the key was: undo reads it from this entry.
    keyring_entry: str | None = None

    def to_json(self) -> JsonObject:
        return {
            "path": self.path,
            "existed": self.existed,
            "backup": self.backup,
            "sha_before": self.sha_before,
            "sha_after": self.sha_after,
            "mode": self.mode,
            **({"keyring_entry": self.keyring_entry} if self.keyring_entry else {}),
        }

    @classmethod
    def from_json(cls, data: object, folder: Path) -> FileEntry:
        entry = as_object(data)
        path, existed = entry.get("path"), entry.get("existed")
        if not isinstance(path, str) or not isinstance(existed, bool):
            raise damaged(folder, "a file entry of manifest.json is incomplete")
        if not Path(path).is_absolute():
            raise damaged(folder, f"{path!r} is not an absolute path")
        return cls(
            path,
            existed,
            as_str(entry.get("backup")),
            as_str(entry.get("sha_before")),
            as_str(entry.get("sha_after")),
            as_int(entry.get("mode")),
            as_str(entry.get("keyring_entry")),
        )


@dataclass
class Manifest:
    changeset: str
    project: str
    status: ChangeSetStatus
    files: list[FileEntry] = field(default_factory=list)

    def to_json(self) -> JsonObject:
        return {
            "changeset": self.changeset,
            "project": self.project,
            "status": self.status,
            "files": [f.to_json() for f in self.files],
        }

    @classmethod
    def from_json(cls, data: object, folder: Path) -> Manifest:
        manifest = as_object(data)
        changeset = manifest.get("changeset")
        if not isinstance(manifest.get("files"), list) or not isinstance(changeset, str):
            raise damaged(folder, "manifest.json is not a change set")
        return cls(
            changeset,
            str(manifest.get("project") or ""),
            ChangeSetStatus.read(manifest.get("status")),
            [FileEntry.from_json(f, folder) for f in as_list(manifest.get("files"))],
        )
