"""Planned file changes: a masked diff, then a locked, backed-up, atomic apply; and undo.

A failure at any point leaves every file either as it was or as planned: each file is written to
a temporary file in its own folder, fsynced and renamed over the original, and files already
written are put back if a later step fails. Backups and a manifest go to the state directory
first, so `undo` works even after a crash.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard import state
from wizard.errors import FilesError
from wizard.fileio import read_optional
from wizard.keys import fingerprint

Fault = Callable[[str], None]

# Values of key-like variables are shown as fingerprints in diffs.
SECRET_ASSIGNMENT = re.compile(
    r"(?im)^(?P<lead>[ \t]*(?:export[ \t]+)?[\w.-]*(?:key|token|secret|password)[\w.-]*[ \t]*[=:][ \t]*)"
    r"(?P<q>[\"']?)(?P<value>[^\r\n\"'#]*)(?P=q)"
)
ANTHROPIC_SECRET = re.compile(r"sk-ant-[A-Za-z0-9_-]{8,}(?![A-Za-z0-9_-]|\.\.\.)")


def mask_secrets(text: str) -> str:
    def assignment(match: re.Match[str]) -> str:
        value = match["value"].strip()
        # already a fingerprint (masking twice must change nothing)
        shown = (
            value if "..." in value or value == "(empty)" else fingerprint(value) if value else ""
        )
        return f"{match['lead']}{match['q']}{shown}{match['q']}"

    text = SECRET_ASSIGNMENT.sub(assignment, text)
    return ANTHROPIC_SECRET.sub(lambda m: fingerprint(m.group(0)), text)


def _sha(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None


@dataclass
class FileChange:
    path: Path  # as the user names it (may be a symlink)
    before: bytes | None
    after: bytes | None  # None: delete
    why: str = ""
    new_mode: int = 0o644

    @property
    def target(self) -> Path:
        """Where the bytes go: the file a symlink points at, so the link stays a link."""
        return Path(os.path.realpath(self.path))

    @property
    def action(self) -> str:
        if self.before is None:
            return "create"
        return "delete" if self.after is None else "modify"

    def diff(self, label: str | None = None) -> str:
        name = label or str(self.path)
        before = (self.before or b"").decode("utf-8", "replace").lstrip("\ufeff")
        after = (self.after or b"").decode("utf-8", "replace").lstrip("\ufeff")
        lines = list(
            difflib.unified_diff(
                before.splitlines(),
                after.splitlines(),
                fromfile="/dev/null" if self.before is None else f"a/{name}",
                tofile="/dev/null" if self.after is None else f"b/{name}",
                lineterm="",
            )
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
                self.changes[i] = FileChange(
                    change.path, existing.before, change.after, change.why, change.new_mode
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


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(target: Path, data: bytes, mode: int) -> None:
    """Temp file in the same folder, fsync, rename: readers see the old or the new file, whole.
    An existing file keeps its mode and owner."""
    try:
        st = target.stat()
        mode, owner = st.st_mode & 0o7777, (st.st_uid, st.st_gid)
    except FileNotFoundError:
        owner = None
    tmp = target.with_name(f".{target.name}.flux-setup-{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        try:
            os.write(fd, data)
            os.fchmod(fd, mode)
            if owner is not None and hasattr(os, "fchown"):
                try:
                    os.fchown(fd, *owner)
                except OSError:
                    pass  # not ours to give away; the mode is kept all the same
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise FilesError(
            f"cannot write {target}: {exc.strerror}.",
            fix=f"Check that {target.parent} is writable, then rerun; nothing was changed.",
        ) from None
    _fsync_dir(target.parent)


def _remove_stale_temp(target: Path) -> None:
    """A process killed between writing its temp file and renaming it leaves the temp behind;
    the original is intact. We hold the lock, so no live writer owns these."""
    try:
        for stale in target.parent.glob(f".{target.name}.flux-setup-*.tmp"):
            stale.unlink()
    except OSError:
        pass


def _put_back(change: FileChange) -> None:
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


def _lock(project: Path) -> Any:
    from filelock import FileLock, Timeout

    lock = FileLock(str(state.project_dir(project) / "apply.lock"), timeout=0, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise FilesError(
            "another flux-setup is changing this project's files right now.",
            fix="Wait for it to finish, then rerun.",
        ) from None
    return lock


def apply(plan: Plan, *, fault: Fault | None = None) -> Applied:
    """Apply the plan: lock, check nothing changed, back up, write atomically; all or nothing."""
    hit = fault or (lambda step: None)
    lock = _lock(plan.project)
    try:
        for change in plan.changes:
            _remove_stale_temp(change.target)
        for change in plan.changes:
            current = read_optional(change.target)
            if current != change.before:
                raise FilesError(
                    f"{change.path} changed since the preview; nothing was written.",
                    fix="Rerun to see the new preview.",
                )
        changeset = (
            time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
        )
        folder = state.private_dir(state.project_dir(plan.project) / "changesets" / changeset)
        manifest: dict[str, Any] = {
            "changeset": changeset,
            "project": str(plan.project),
            "status": "applying",
            "files": [],
        }
        for n, change in enumerate(plan.changes):
            hit(f"backup:{n}")
            if change.before is not None:
                state.write_private(folder / f"{n}.orig", change.before)
            manifest["files"].append(
                {
                    "path": str(change.target),
                    "existed": change.before is not None,
                    "backup": f"{n}.orig" if change.before is not None else None,
                    "sha_before": _sha(change.before),
                    "sha_after": _sha(change.after),
                    "mode": change.new_mode,
                }
            )
        state.write_json(folder / "manifest.json", manifest)
        written: list[FileChange] = []
        try:
            for n, change in enumerate(plan.changes):
                hit(f"before-write:{n}")
                if change.after is None:
                    change.target.unlink()
                else:
                    write_atomic(change.target, change.after, change.new_mode)
                written.append(change)
                hit(f"after-write:{n}")
        except BaseException:
            for done in reversed(written):
                _put_back(done)
            manifest["status"] = "rolled-back"
            state.write_json(folder / "manifest.json", manifest)
            raise
        manifest["status"] = "applied"
        state.write_json(folder / "manifest.json", manifest)
        hit("done")
        return Applied(changeset, [str(c.path) for c in plan.changes], folder)
    finally:
        lock.release()


@dataclass
class Undone:
    changeset: str
    restored: list[str]
    # Of those, the files the change had created: undo removed them.
    removed: list[str] = field(default_factory=list)


def last_changeset(project: Path) -> tuple[Path, dict[str, Any]] | None:
    folder = state.project_dir(project) / "changesets"
    if not folder.is_dir():
        return None
    for entry in sorted(folder.iterdir(), reverse=True):
        manifest = state.read_json(entry / "manifest.json")
        if isinstance(manifest, dict) and manifest.get("status") in ("applied", "applying"):
            return entry, manifest
    return None


def undo(project: Path, *, force: bool = False) -> Undone:
    """Restore the files of the last applied change set, refusing if one changed since."""
    lock = _lock(project)
    try:
        found = last_changeset(project)
        for entry in found[1]["files"] if found else []:
            _remove_stale_temp(Path(entry["path"]))
        if found is None:
            raise FilesError("there is no applied change to undo in this project.", fix=None)
        folder, manifest = found
        restores: list[tuple[Path, bytes | None, int]] = []
        for entry in manifest["files"]:
            path = Path(entry["path"])
            current = read_optional(path)
            sha = _sha(current)
            if sha == entry["sha_before"]:
                continue  # never written (a crash before it), nothing to restore
            if sha != entry["sha_after"] and not force:
                raise FilesError(
                    f"{path} changed after flux-setup wrote it; undo would lose those edits.",
                    fix="Rerun with `flux-setup undo --force` to restore it anyway.",
                )
            before = (folder / entry["backup"]).read_bytes() if entry["existed"] else None
            restores.append((path, before, entry.get("mode", 0o644)))
        for path, before, mode in restores:
            _put_back(FileChange(path, before, None, new_mode=mode))
        manifest["status"] = "undone"
        state.write_json(folder / "manifest.json", manifest)
        return Undone(
            manifest["changeset"],
            [str(p) for p, _, _ in restores],
            [str(p) for p, before, _ in restores if before is None],
        )
    finally:
        lock.release()
