"""Files flux-setup creates on a path the user gives, outside the project's own .env, config and
checklist: recordings (`--record`), reports (`--report`) and exports (`export ... --out`).

The one rule for every such file; a new command that writes one must call `check` before any
network step and `write` at the end, never `fileio.write_atomic`:
- never written through a symlink it did not make: the name is looked at with `lstat`, the file
  is created fresh (`O_EXCL | O_NOFOLLOW`) and linked into place, so a link planted in a shared
  temp folder is refused, or with `--force` replaced itself (its target is never opened);
- never onto what git or the project depends on (`.gitignore`, anything under `.git/`, a Flux
  project's .env, config or checklist, wherever it lies);
- never over an existing file it did not write, unless `--force`; never over another user's;
- never handed to another owner: the file is always new, and ours (no chown, mode 0600).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from wizard.constants import CHECKLIST_NAME, ENV_NAME, PROJECT_FILE_NAMES
from wizard.errors import FilesError

# What git reads from a working tree: a recording there would change what it ignores or does.
GIT_FILES = frozenset({".gitignore", ".gitattributes", ".gitmodules", ".mailmap"})
# A Flux project's own files (and the .env variants tools read), wherever they lie: a scanned
# project's too, which `check --all` knows only after the scan.
PROJECT_FILES = frozenset({*PROJECT_FILE_NAMES, CHECKLIST_NAME})
HEAD_BYTES = 4096  # how much of an existing file is read to tell whether we wrote it


@dataclass(frozen=True)
class Target:
    """A checked place to write: the folder it lies in (resolved) and its own name (never
    followed), and whether an existing entry there is to be replaced."""

    given: Path
    folder: Path
    name: str
    replace: bool

    @property
    def path(self) -> Path:
        return self.folder / self.name


def _refuse(flag: str, path: Path, why: str, fix: str) -> FilesError:
    return FilesError(f"{flag} {path}: {why}", fix=f"{fix} Nothing was written.")


def check(
    path: Path,
    *,
    flag: str,
    ours: Callable[[bytes], bool],
    force: bool = False,
    protected: Iterable[Path] = (),
    example: str = "flux-setup-output.json",
) -> Target:
    """Where `path` may be written, or a FilesError (exit 6) saying why not and what to pass
    instead. `ours` tells from a file's first bytes whether flux-setup wrote it (that one is
    replaced without --force); `protected` are the files of the projects at hand; `example` a
    file name the fix suggests."""
    name = path.name
    new_name = f"Pass a new file, e.g. `{flag} {example}`."
    if name in ("", ".", ".."):
        raise _refuse(flag, path, "names a folder, not a file.", new_name)
    try:
        folder = Path(os.path.realpath(path.parent))
    except OSError as exc:  # a loop in the folders above it
        raise _refuse(
            flag, path, f"its folder cannot be reached ({exc.strerror}).", new_name
        ) from None
    _not_depended_on(flag, path, folder, name, new_name)
    try:
        info = os.lstat(folder / name)
    except FileNotFoundError:
        _writable_folder(flag, path, folder)
        return Target(path, folder, name, replace=False)
    except OSError as exc:
        raise _refuse(flag, path, f"cannot be looked at ({exc.strerror}).", new_name) from None
    if any(_same(info, p) for p in protected):
        raise _refuse(flag, path, "is one of the project's own files.", new_name)
    if info.st_uid != os.geteuid():
        raise _refuse(flag, path, f"belongs to another user (uid {info.st_uid}).", new_name)
    if stat.S_ISLNK(info.st_mode):
        if not force:
            raise _refuse(
                flag,
                path,
                f"is a symbolic link (to {os.readlink(folder / name)}); flux-setup never "
                "writes through a link.",
                f"{new_name} Or pass the file the link leads to, or add --force to replace "
                "the link itself (what it leads to is left alone).",
            )
    elif not stat.S_ISREG(info.st_mode):
        raise _refuse(flag, path, "is not a regular file.", new_name)
    elif not force and not ours(_head(folder / name)):
        raise _refuse(
            flag,
            path,
            "exists, and flux-setup did not write it.",
            f"{new_name} Or add --force to replace it.",
        )
    _writable_folder(flag, path, folder)
    return Target(path, folder, name, replace=True)


def _not_depended_on(flag: str, path: Path, folder: Path, name: str, fix: str) -> None:
    if ".git" in folder.parts or name == ".git":
        raise _refuse(flag, path, "lies in a git repository's own folder (.git).", fix)
    if name in GIT_FILES:
        raise _refuse(flag, path, "is a file git reads.", fix)
    if name in PROJECT_FILES or name.startswith(ENV_NAME + "."):
        raise _refuse(flag, path, "names a Flux project's own file.", fix)


def _same(info: os.stat_result, other: Path) -> bool:
    try:
        theirs = os.stat(other)
    except OSError:
        return False
    return (theirs.st_dev, theirs.st_ino) == (info.st_dev, info.st_ino)


def _head(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return b""
    try:
        return os.read(fd, HEAD_BYTES)
    except OSError:
        return b""
    finally:
        os.close(fd)


def _writable_folder(flag: str, path: Path, folder: Path) -> None:
    if not folder.is_dir():
        raise _refuse(
            flag, path, f"the folder {folder} does not exist.", "Create it, or pass another path."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _refuse(
            flag, path, f"the folder {folder} is not writable for you.", "Pass another path."
        )


def write(target: Target, data: bytes, mode: int = 0o600) -> None:
    """A new file of ours, whole or not at all: created under a fresh name in the folder
    (`O_EXCL | O_NOFOLLOW`), then linked to the target's name (which must still be free) or,
    for a target to replace, renamed over the entry itself (never what a link leads to)."""
    tmp = f".{target.name}.flux-setup-{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        folder = os.open(target.folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise _cannot(target, exc) from None
    try:
        _write_new(folder, tmp, data, mode)
        try:
            if target.replace:
                os.replace(tmp, target.name, src_dir_fd=folder, dst_dir_fd=folder)
            else:
                _link_new(folder, tmp, target)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=folder)
        with contextlib.suppress(OSError):
            os.fsync(folder)
    except OSError as exc:
        raise _cannot(target, exc) from None
    finally:
        os.close(folder)


def _write_new(folder: int, name: str, data: bytes, mode: int) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    fd = os.open(name, flags, mode, dir_fd=folder)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fchmod(fd, mode)
        os.fsync(fd)
    finally:
        os.close(fd)


def _link_new(folder: int, tmp: str, target: Target) -> None:
    """The target's name given to the new file only while it is free: a link (or file) that
    appeared there since the check is refused, never replaced or followed."""
    try:
        os.link(tmp, target.name, src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=False)
        return
    except FileExistsError:
        raise _appeared(target) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV):
            raise
    # a file system without hard links: a fresh look, then a rename of our own file
    try:
        os.lstat(target.name, dir_fd=folder)
    except FileNotFoundError:
        os.replace(tmp, target.name, src_dir_fd=folder, dst_dir_fd=folder)
        return
    raise _appeared(target)


def _appeared(target: Target) -> FilesError:
    return FilesError(
        f"{target.given} appeared while flux-setup worked (someone else made it).",
        fix="Check what it is, then rerun with a new file name. Nothing was written.",
    )


def _cannot(target: Target, exc: OSError) -> FilesError:
    return FilesError(
        f"cannot write {target.given}: {exc.strerror}.",
        fix=f"Check that {target.folder} is writable and has room, then rerun.",
    )
