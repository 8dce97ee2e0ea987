"""Planned file changes: a masked diff, then a locked, backed-up, atomic apply; and undo.

A failure at any point leaves every file either as it was or as planned: each file is written to
a temporary file in its own folder, fsynced and renamed over the original, and files already
written are put back if a later step fails. Backups and a manifest go to the state directory
first, so `undo` works even after a crash.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.errors import FilesError
from wizard.fileio import check_target, read_optional, write_atomic
from wizard.keys import mask_secrets
from wizard.manifest import KEYRING_PLACEHOLDER, ChangeSetStatus, FileEntry, Manifest
from wizard.state import Store, stamped_id
from wizard.vocab import Action
from wizard.written import WRITTEN_THIS_PROCESS

if TYPE_CHECKING:
    from filelock import BaseFileLock

Fault = Callable[[str], None]


def sha(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None


@dataclass
class FileChange:
    path: Path  # as the user names it (may be a symlink)
    before: bytes | None
    after: bytes | None  # None: delete
    why: str = ""
    new_mode: int = 0o644
    # False: the new file gets `new_mode` even over an existing file's (a .env that now holds a
    # key and was readable by others is tightened to 0600).
    keep_mode: bool = True
    # (entry, key): the key is being moved into that keyring entry, so the backup keeps a
    # placeholder in its place and undo reads the key back from the keyring (no file holds it).
    keyring: tuple[str, str] | None = field(default=None, repr=False)

    def backup_bytes(self) -> bytes | None:
        if self.before is None or self.keyring is None:
            return self.before
        return self.before.replace(self.keyring[1].encode(), KEYRING_PLACEHOLDER)

    @property
    def target(self) -> Path:
        """Where the bytes go: the file a symlink points at, so the link stays a link."""
        return Path(os.path.realpath(self.path))

    @property
    def action(self) -> Action:
        if self.before is None:
            return Action.CREATE
        return Action.DELETE if self.after is None else Action.MODIFY

    def diff(self, label: str | None = None) -> str:
        from wizard import difftext  # (and difflib) only for a preview: undo --list needs none

        # "a/" + an absolute path would read "a//home/...": the prefix joins, never doubles
        name = (label or str(self.path)).lstrip("/")
        before = (self.before or b"").decode("utf-8", "replace").lstrip("\ufeff")
        after = (self.after or b"").decode("utf-8", "replace").lstrip("\ufeff")
        lines = difftext.unified(  # a large file's few changed lines: not difflib on all
            before,
            after,
            fromfile="/dev/null" if self.before is None else f"a/{name}",
            tofile="/dev/null" if self.after is None else f"b/{name}",
        )
        text = "\n".join(lines) + "\n" if lines else ""
        return mask_secrets(text)


@dataclass
class Plan:
    project: Path
    changes: list[FileChange] = field(default_factory=list)

    def add(self, change: FileChange) -> None:
        if change.before == change.after:
            return
        for i, existing in enumerate(self.changes):
            if existing.target == change.target:
                self.changes[i] = replace(
                    change,
                    before=existing.before,
                    keep_mode=existing.keep_mode and change.keep_mode,
                )
                return
        self.changes.append(change)

    @property
    def empty(self) -> bool:
        return not self.changes

    def label(self, change: FileChange) -> str:
        try:
            return str(change.path.relative_to(self.project))
        except ValueError:
            return str(change.path)

    def diff(self) -> str:
        return "".join(c.diff(self.label(c)) for c in self.changes)

    def written(self) -> str:
        """What applying the plan did, for the line after it: a file it created has no backup
        (undo removes it), one it changed or removed has."""
        created = [self.label(c) for c in self.changes if c.action == Action.CREATE]
        kept = [self.label(c) for c in self.changes if c.action != Action.CREATE]
        backups = "backups kept" if len(kept) > 1 else "backup kept"
        said = [f"Wrote {', '.join(kept)} ({backups})"] if kept else []
        if created:
            said.append(f"{'created' if kept else 'Created'} {', '.join(created)}")
        return " and ".join(said)


def remove_stale_temp(target: Path) -> None:
    """A process killed between writing its temp file and renaming it leaves the temp behind;
    the original is intact. We hold the lock, so no live writer owns these."""
    try:
        for stale in target.parent.glob(f".{target.name}.flux-setup-*.tmp"):
            stale.unlink()
    except OSError:
        pass


def put_back(change: FileChange) -> None:
    if change.before is None:
        try:
            change.target.unlink()
        except FileNotFoundError:
            pass
    else:
        write_atomic(change.target, change.before, change.new_mode)


@dataclass
class Applied:
    changeset: str
    files: list[str]
    backup_dir: Path


def lock_project(store: Store, project: Path) -> BaseFileLock:
    from filelock import FileLock, Timeout

    lock = FileLock(str(store.project_dir(project) / "apply.lock"), timeout=0, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise FilesError(
            "another flux-setup is changing this project's files right now.",
            fix="Wait for it to finish, then rerun.",
        ) from None
    return lock


@contextlib.contextmanager
def deferred_signals() -> Iterator[list[int]]:
    """SIGINT and SIGTERM wait until the block is done: the renames of a change set and their
    record in the manifest are never split. The signal is raised as KeyboardInterrupt after."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda number, frame: caught.append(number))
    try:
        yield caught
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if caught:
        raise KeyboardInterrupt


@dataclass(frozen=True)
class _Seen:
    """A file's identity when its content was checked: an editor's save changes one of these."""

    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> _Seen | None:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            return None
        return cls(info.st_ino, info.st_size, info.st_mtime_ns)


def _check(plan: Plan) -> dict[Path, _Seen | None]:
    """Every target is a file we may write, and holds what the preview was made from."""
    seen: dict[Path, _Seen | None] = {}
    for change in plan.changes:
        check_target(change.path)
        if read_optional(change.target) != change.before:
            raise FilesError(
                f"{change.path} changed since the preview; nothing was written.",
                fix="Rerun to see the new preview.",
            )
        seen[change.target] = _Seen.of(change.target)
    return seen


def _unchanged(change: FileChange, seen: _Seen | None) -> None:
    """Just before the rename: the file is still the one checked (a save by an editor since
    would be lost otherwise)."""
    if _Seen.of(change.target) != seen or read_optional(change.target) != change.before:
        raise FilesError(
            f"{change.path} was changed by something else while flux-setup was writing; "
            "nothing was changed.",
            fix="Rerun when the other program is done with it.",
        )


def _back_up(plan: Plan, store: Store, hit: Fault, at: datetime) -> tuple[Path, Manifest]:
    """Backups and the manifest, recorded as "applying" before any project file changes."""
    changeset = stamped_id(at)
    folder = store.private_dir(store.project_dir(plan.project) / "changesets" / changeset)
    manifest = Manifest(changeset, str(plan.project), ChangeSetStatus.APPLYING)
    for n, change in enumerate(plan.changes):
        hit(f"backup:{n}")
        backup = change.backup_bytes()
        if backup is not None:
            store.write_private(folder / f"{n}.orig", backup)
        manifest.files.append(
            FileEntry(
                str(change.target),
                existed=change.before is not None,
                backup=f"{n}.orig" if change.before is not None else None,
                sha_before=sha(change.before),
                sha_after=sha(change.after),
                mode=change.new_mode,
                keyring_entry=change.keyring[0]
                if backup != change.before and change.keyring
                else None,
            )
        )
    store.write_json(folder / "manifest.json", manifest.to_json())
    return folder, manifest


def _write_all(plan: Plan, seen: dict[Path, _Seen | None], hit: Fault) -> None:
    """Write each file; on any failure put back the ones already written, then re-raise."""
    written: list[FileChange] = []
    try:
        for n, change in enumerate(plan.changes):
            hit(f"before-write:{n}")
            _unchanged(change, seen[change.target])
            if change.after is None:
                change.target.unlink()
            else:
                write_atomic(
                    change.target, change.after, change.new_mode, keep_mode=change.keep_mode
                )
            written.append(change)
            hit(f"after-write:{n}")
    except BaseException:
        for done in reversed(written):
            put_back(done)
        raise


def apply(
    plan: Plan,
    store: Store,
    *,
    at: datetime,  # when: the change set's name (the clock is handed in)
    fault: Fault | None = None,
    on_applied: Callable[[str], None] | None = None,
    on_backed_up: Callable[[str], None] | None = None,
) -> Applied:
    """Apply the plan: lock, check every target and its content, back up, write atomically;
    all or nothing, and not split by Ctrl-C or SIGTERM."""
    hit = fault or (lambda step: None)
    lock = lock_project(store, plan.project)
    try:
        for change in plan.changes:
            remove_stale_temp(change.target)
        seen = _check(plan)
        folder, manifest = _back_up(plan, store, hit, at)
        if on_backed_up is not None:  # before the first rename: a kill after it is on record
            on_backed_up(manifest.changeset)
        with deferred_signals():
            try:
                _write_all(plan, seen, hit)
            except BaseException:
                manifest.status = ChangeSetStatus.ROLLED_BACK
                store.write_json(folder / "manifest.json", manifest.to_json())
                raise
            manifest.status = ChangeSetStatus.APPLIED
            store.write_json(folder / "manifest.json", manifest.to_json())
            WRITTEN_THIS_PROCESS.extend(plan.label(c) for c in plan.changes)
            if on_applied is not None:  # before a deferred signal is raised: a batch records it
                on_applied(manifest.changeset)
        hit("done")
        return Applied(manifest.changeset, [str(c.path) for c in plan.changes], folder)
    finally:
        lock.release()
