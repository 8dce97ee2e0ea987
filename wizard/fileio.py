"""Reading a file that may not exist yet, with the failures a user can act on."""

from __future__ import annotations

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
