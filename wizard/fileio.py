"""Reading a file that may not exist yet, and the one atomic writer (project files and state),
with the failures a user can act on."""

from __future__ import annotations

import os
from pathlib import Path

from wizard.errors import FilesError


def read_optional(path: Path, *, flag: str | None = None) -> bytes | None:
    """The file's bytes, or None when it does not exist; a clear FilesError otherwise."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        fix = f"Pass the file with {flag}." if flag else "Pass the path of a file."
        raise FilesError(f"{path} is a folder, not a file.", fix=fix) from None
    except OSError as exc:
        raise FilesError(
            f"cannot read {path}: {exc.strerror}.", fix="Check its permissions."
        ) from None


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
            view = memoryview(data)
            while view:  # os.write may write less than asked (a full disk, a signal)
                view = view[os.write(fd, view) :]
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
