"""Change sets on record: list them, find one, and undo it (all its files, under the lock,
not split by a signal), after showing what undoing would write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wizard.changes import (
    FileChange,
    deferred_signals,
    lock_project,
    put_back,
    remove_stale_temp,
    sha,
)
from wizard.errors import FilesError
from wizard.fileio import check_target, read_optional
from wizard.manifest import KEYRING_PLACEHOLDER, ChangeSetStatus, FileEntry, Manifest, damaged
from wizard.state import Store

UNDOABLE = tuple(s for s in ChangeSetStatus if s.undoable)
Secrets = Callable[[str], "str | None"]  # a keyring entry's value, read only when needed


@dataclass
class Undone:
    changeset: str
    restored: list[str]
    # Of those, the files the change had created: undo removed them.
    removed: list[str] = field(default_factory=list)


@dataclass
class Entry:
    """One change set as `undo --list` shows it."""

    changeset: str
    status: ChangeSetStatus
    files: list[str]


def _folders(store: Store, project: Path) -> list[Path]:
    base = store.find_project_dir(project)
    folder = base / "changesets" if base else None
    if folder is None or not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.is_dir()), reverse=True)


def _manifest(store: Store, entry: Path) -> Manifest | None:
    manifest = store.read_json(entry / "manifest.json")
    if manifest is None:
        if (entry / "manifest.json").exists():
            raise damaged(entry, "manifest.json cannot be read")
        return None  # a change set that died before its record: nothing was written
    return Manifest.from_json(manifest, entry)


def list_changesets(store: Store, project: Path) -> list[Entry]:
    """Every change set of the project, newest first."""
    found = []
    for entry in _folders(store, project):
        manifest = _manifest(store, entry)
        if manifest is not None:
            files = [f.path for f in manifest.files]
            found.append(Entry(entry.name, manifest.status, files))
    return found


def find_changeset(
    store: Store, project: Path, name: str | None = None
) -> tuple[Path, Manifest] | None:
    """The named change set, or the newest that was applied (or was being applied when the
    process died); a damaged record on the way is said, not skipped."""
    for entry in _folders(store, project):
        if name is not None and entry.name != name:
            continue
        manifest = _manifest(store, entry)
        if manifest is None:
            continue
        if manifest.status in UNDOABLE:
            return entry, manifest
        if name is not None:
            raise FilesError(
                f"change set {name} is {manifest.status}: there is nothing of it to undo.",
                fix="`flux-setup undo --list` shows the change sets and their state.",
            )
    if name is not None:
        raise FilesError(
            f"there is no change set {name} in this project.",
            fix="`flux-setup undo --list` shows the change sets.",
        )
    return None


def interrupted(store: Store, project: Path) -> list[str]:
    """Change sets of the project left "applying" by a process that died mid-way (SIGKILL, a
    power cut): their files may be half old, half new. Newest first."""
    return [
        e.changeset for e in list_changesets(store, project) if e.status == ChangeSetStatus.APPLYING
    ]


def roll_back_interrupted(store: Store, project: Path, secrets: Secrets | None = None) -> list[str]:
    """Put back the files of every interrupted change set (what it wrote is undone, what it
    never reached is left), so that a new change starts from whole files. A file edited since
    stops it (exit 6, with `undo --force` as the fix); a change set being applied right now by
    another flux-setup holds the project's lock, which stops it too."""
    names = interrupted(store, project)
    for name in names:
        undo(store, project, name=name, secrets=secrets)
    return names


@dataclass
class UndoPlan:
    folder: Path
    manifest: Manifest
    restores: list[tuple[Path, bytes | None, int]]

    @property
    def changeset(self) -> str:
        return self.manifest.changeset

    def changes(self) -> list[FileChange]:
        """What undoing writes: from the files as they are to the backups."""
        return [FileChange(path, read_optional(path), before) for path, before, _ in self.restores]

    def diff(self) -> str:
        return "".join(change.diff(str(change.path)) for change in self.changes())


def _with_key(backup: bytes, entry: FileEntry, secrets: Secrets | None, path: Path) -> bytes:
    """The backup of a file whose key went into the keyring, with the key read back from there:
    the file as it was, byte for byte (its hash proves it), or a refusal that says why."""
    name = str(entry.keyring_entry)
    value = secrets(name) if secrets is not None else None
    restored = backup.replace(KEYRING_PLACEHOLDER, value.encode()) if value else None
    if restored is None or sha(restored) != entry.sha_before:
        raise FilesError(
            f"undo would put the key back into {path}, but the keyring entry {name} no longer "
            "holds the key that was moved (changed or removed since).",
            fix="Put the key back into the keyring (`flux-setup key set`) first, or edit "
            f"{path.name} by hand.",
        )
    return restored


def _restores(
    folder: Path, manifest: Manifest, force: bool, secrets: Secrets | None = None
) -> list[tuple[Path, bytes | None, int]]:
    restores: list[tuple[Path, bytes | None, int]] = []
    for entry in manifest.files:
        path = Path(entry.path)
        now = sha(read_optional(path))
        if now == entry.sha_before:
            continue  # never written (a crash before it), nothing to restore
        if now != entry.sha_after and not force:
            raise FilesError(
                f"{path} changed after flux-setup wrote it; undo would lose those edits.",
                fix="Rerun with `flux-setup undo --force` to restore it anyway.",
            )
        before = None
        if entry.existed:
            backup = folder / str(entry.backup)
            try:
                before = backup.read_bytes()
            except OSError:
                raise damaged(folder, f"the backup of {path} ({backup.name}) is missing") from None
            if entry.keyring_entry:
                before = _with_key(before, entry, secrets, path)
        check_target(path)
        restores.append((path, before, entry.mode if entry.mode is not None else 0o644))
    return restores


def plan_undo(
    store: Store,
    project: Path,
    *,
    name: str | None = None,
    force: bool = False,
    secrets: Secrets | None = None,
) -> UndoPlan:
    """What undoing the change set would restore, checked; nothing is written. `secrets`
    reads a keyring entry, for a change that moved a key there."""
    found = find_changeset(store, project, name)
    if found is None:
        raise FilesError("there is no applied change to undo in this project.", fix=None)
    folder, manifest = found
    return UndoPlan(folder, manifest, _restores(folder, manifest, force, secrets))


def undo(
    store: Store,
    project: Path,
    *,
    name: str | None = None,
    force: bool = False,
    secrets: Secrets | None = None,
) -> Undone:
    """Restore the files of a change set (the last applied one by default), refusing if one
    changed since. A project flux-setup never changed gets no state folder from asking."""
    plan_undo(store, project, name=name, force=force, secrets=secrets)  # refuse before the lock
    lock = lock_project(store, project)
    try:
        plan = plan_undo(store, project, name=name, force=force, secrets=secrets)  # again
        for entry in plan.manifest.files:
            remove_stale_temp(Path(entry.path))
        with deferred_signals():
            for path, before, mode in plan.restores:
                put_back(FileChange(path, before, None, new_mode=mode))
            plan.manifest.status = ChangeSetStatus.UNDONE
            store.write_json(plan.folder / "manifest.json", plan.manifest.to_json())
        return Undone(
            plan.changeset,
            [str(p) for p, _, _ in plan.restores],
            [str(p) for p, before, _ in plan.restores if before is None],
        )
    finally:
        lock.release()
