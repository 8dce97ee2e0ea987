"""Files as the wizard touches them: read only regular files of a bounded size, check every
target before anything is written, and write atomically (the one writer for project files and
state), with the failures a user can act on."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from wizard.constants import CHECKLIST_NAME
from wizard.errors import FilesError, UsageError
from wizard.keys import TOKEN_SHAPES

# .env files and configs are kilobytes; a limit keeps /dev/zero, a log file or a 1 GB mistake
# from eating memory (the editing benchmark measures files up to it).
MAX_FILE_BYTES = 5_000_000
MAX_FILE_WORDS = "5 MB"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _unreadable(path: Path, exc: OSError) -> FilesError:
    return FilesError(f"cannot read {path}: {exc.strerror}.", fix="Check its permissions.")


def read_optional(
    path: Path, *, flag: str | None = None, limit: tuple[int, str, str] | None = None
) -> bytes | None:
    """The file's bytes, or None when it does not exist; a clear FilesError for anything that
    is not a regular file of at most MAX_FILE_BYTES (a FIFO is never opened: it would block).
    `limit`: another bound (bytes, in words, what the file is) for a file of another kind."""
    most, words, kind = limit or (MAX_FILE_BYTES, MAX_FILE_WORDS, "a .env file or a config")
    pass_it = f"Pass a regular file with {flag}." if flag else "Point it at a regular file."
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if not stat.S_ISREG(info.st_mode):
        raise FilesError(
            f"{path} is {_kind(info.st_mode)}, not a file flux-setup reads.", fix=pass_it
        )
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _unreadable(path, exc) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the stat and the open
            raise FilesError(f"{path} is not a regular file.", fix=pass_it)
        chunks, size = [], 0
        while size <= most:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > most:
        raise FilesError(
            f"{path} is larger than {words}: too large for {kind}.",
            fix=f"Check that it is the right file{' (' + flag + ')' if flag else ''}; flux-setup "
            f"reads files up to {words} there.",
        )
    return b"".join(chunks)


def _may(path: Path, mode: int) -> bool:
    """os.access for the identity that will write (the effective one, where the OS can say)."""
    return os.access(path, mode, effective_ids=os.access in os.supports_effective_ids)


def check_target(path: Path, *, flag: str | None = None) -> Path:
    """Where writing `path` would put bytes: the regular file it is (or a symlink leads to), or
    a new file in a folder we may write. Devices, FIFOs, sockets and folders are refused before
    anything is written, and so is a file this user may not write."""
    real = Path(os.path.realpath(path))
    pass_it = f"Pass a regular file with {flag}." if flag else "Point it at a regular file."
    try:
        info = os.stat(real)
    except FileNotFoundError:
        folder = real.parent
        if not folder.is_dir():
            raise FilesError(
                f"cannot create {path}: the folder {folder} does not exist.",
                fix="Create the folder, or pass another path; nothing was changed.",
            ) from None
        if not _may(folder, os.W_OK | os.X_OK):
            raise FilesError(
                f"cannot create {path}: the folder {folder} is not writable for you.",
                fix="Make the folder writable, or pass another path; nothing was changed.",
            ) from None
        return real
    except OSError as exc:  # a loop of links, a folder you may not enter
        raise FilesError(
            f"cannot reach {path}: {exc.strerror}.",
            fix=f"{pass_it} Nothing was changed.",
        ) from None
    if not stat.S_ISREG(info.st_mode):
        shown = f"{path} (-> {real})" if real != Path(os.path.abspath(path)) else str(path)
        raise FilesError(
            f"{shown} is {_kind(info.st_mode)}: flux-setup writes regular files only.",
            fix=pass_it + " Nothing was changed.",
        )
    if not _may(real, os.W_OK):
        mode = stat.S_IMODE(info.st_mode)
        why = (
            f"it is read-only for you (mode {mode:04o})"
            if os.geteuid() != 0 or not mode & 0o222
            else "the file or its file system is read-only"
        )
        raise FilesError(
            f"cannot write {path}: {why}; flux-setup does not replace a file you may not write.",
            fix=f"Make it writable (chmod u+w {path}) or change it by hand; nothing was changed.",
        )
    if not _may(real.parent, os.W_OK | os.X_OK):
        raise FilesError(
            f"cannot replace {path}: its folder {real.parent} is not writable for you.",
            fix="Make the folder writable; nothing was changed.",
        )
    return real


def check_roles(roles: dict[str, Path]) -> None:
    """No two roles (the .env file, the config, the checklist) may share one file: the
    checklist written over the .env would destroy it."""
    seen: dict[Path, str] = {}
    for flag, path in roles.items():
        real = Path(os.path.realpath(path))
        if real in seen:
            raise UsageError(
                f"{seen[real]} and {flag} name the same file ({real}): one would overwrite "
                "the other.",
                fix=f"Give each its own file, or drop one of them to use its default "
                f"(.env, flux.toml and {CHECKLIST_NAME} in the project).",
            )
        seen[real] = flag


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


def write_atomic(
    target: Path, data: bytes, mode: int, *, keep_mode: bool = True, durable: bool = True
) -> None:
    """Temp file in the same folder, fsync, rename: readers see the old or the new file, whole.
    `durable=False` skips the fsyncs, for caches only (a crash may lose the new content, never
    leave a half file: the rename is still atomic).
    An existing file keeps its mode and, where the process may, its owner. The temp file is
    created fresh (never through a link someone left in its place) and removed on every path
    that does not rename it, a signal included."""
    try:
        st = target.stat()
        mode = st.st_mode & 0o7777 if keep_mode else mode
        owner = (st.st_uid, st.st_gid)
    except FileNotFoundError:
        owner = None
    if durable and TOKEN_SHAPES.search(data.decode("utf-8", "replace")):
        # a kill mid-write leaves the temp file: git must not pick it up with the key in it
        from wizard.gitrun import exclude_temporaries  # (git only for a write that holds one)

        exclude_temporaries(target.parent)
    tmp = target.with_name(f".{target.name}.flux-setup-{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        fd = os.open(tmp, flags, mode)
        try:
            view = memoryview(data)
            while view:  # os.write may write less than asked (a full disk, a signal)
                view = view[os.write(fd, view) :]
            os.fchmod(fd, mode)
            if owner is not None and hasattr(os, "fchown"):
                with contextlib.suppress(OSError):  # not ours to give away; the mode is kept
                    os.fchown(fd, *owner)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise FilesError(
                f"cannot write {target}: {exc.strerror}.",
                fix=f"Check that {target.parent} is writable and has room, then rerun.",
            ) from None
        raise
    if durable:
        _fsync_dir(target.parent)
