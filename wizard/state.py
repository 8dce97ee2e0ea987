"""The state directory: backups, change sets and the last detection, outside the project.

`FLUX_SETUP_HOME` overrides `platformdirs.user_state_dir("flux-setup")`. Folders are 0700 and
files 0600: backups of a .env file hold a key.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from wizard.errors import FilesError


def home() -> Path:
    override = os.environ.get("FLUX_SETUP_HOME")
    if override:
        return Path(override)
    import platformdirs  # only when needed: it is cheap, but status may never need it

    return Path(platformdirs.user_state_dir("flux-setup"))


def private_dir(path: Path) -> Path:
    """`path` and every folder between the state home and it, 0700 (mkdir's mode applies to the
    last folder only, so each is made and tightened in turn)."""
    root = home()
    try:
        chain = [path]
        if path.is_relative_to(root):
            chain = [root] + [
                root.joinpath(*path.relative_to(root).parts[:n])
                for n in range(1, len(path.relative_to(root).parts) + 1)
            ]
        for folder in chain:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(folder, 0o700)
    except OSError as exc:
        raise FilesError(
            f"cannot create the state folder {path}: {exc.strerror}.",
            fix="Set FLUX_SETUP_HOME to a writable folder.",
        ) from None
    return path


def project_dir(project: Path) -> Path:
    """One folder per project, named by a hash of its real path."""
    real = os.path.realpath(project)
    digest = hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    folder = private_dir(home() / "projects" / digest)
    marker = folder / "project.txt"
    if not marker.exists():
        write_private(marker, (real + "\n").encode("utf-8", "surrogateescape"))
    return folder


def write_private(path: Path, data: bytes) -> None:
    """Write a 0600 file atomically."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def write_json(path: Path, data: Any) -> None:
    write_private(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None
