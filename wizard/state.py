"""The state directory: backups, change sets and the last detection, outside the project.

`FLUX_SETUP_HOME` overrides `platformdirs.user_state_dir("flux-setup")`. Folders are 0700 and
files 0600: backups of a .env file hold a key. The home is handed in (`Store`), never read from
the process environment here.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import stat
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from wizard.constants import HOME_VAR
from wizard.errors import FilesError
from wizard.fileio import write_atomic


def default_home(environ: Mapping[str, str]) -> Path:
    override = environ.get(HOME_VAR)
    if override:
        return Path(override)
    import platformdirs  # only when needed: it is cheap, but status may never need it

    return Path(platformdirs.user_state_dir("flux-setup"))


def _private(folder: Path) -> bool:
    """A folder that exists, is no link, and is 0700 already."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o700


class Store:
    """One state home: a private folder per project, private files written atomically."""

    def __init__(self, home: Path) -> None:
        self.home = home

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Store:
        return cls(default_home(environ))

    def trust_problem(self) -> str | None:
        """Why the state home cannot be trusted, as ssh judges its folder: owned by another
        user, or writable by others (who could plant a record `check --offline` believes)."""
        try:
            info = os.stat(self.home)
        except OSError:
            return None  # not made yet: it is made 0700
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            return f"the state folder {self.home} belongs to another user"
        if stat.S_IMODE(info.st_mode) & 0o022:
            mode = stat.S_IMODE(info.st_mode)
            return f"the state folder {self.home} is writable by others (mode {mode:04o})"
        return None

    def private_dir(self, path: Path) -> Path:
        """`path` and every folder between the state home and it, 0700 (mkdir's mode applies
        to the last folder only, so each is made and tightened in turn)."""
        root = self.home
        with contextlib.suppress(OSError):
            if stat.S_IMODE(os.stat(path).st_mode) == 0o700:
                return path  # made and tightened before (a scan asks for it hundreds of times)
        try:
            chain = [path]
            if path.is_relative_to(root):
                parts = path.relative_to(root).parts
                chain = [root] + [root.joinpath(*parts[:n]) for n in range(1, len(parts) + 1)]
            # past the folders already made and tightened: a scan of 5,000 new projects made
            # and tightened the home and `projects/` again for each of them
            start = next((i for i, folder in enumerate(chain) if not _private(folder)), 0)
            for folder in chain[start:]:
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.chmod(folder, 0o700)
        except OSError as exc:
            raise FilesError(
                f"cannot create the state folder {path}: {exc.strerror}.",
                fix=f"Set {HOME_VAR} to a writable folder.",
            ) from None
        return path

    def _project_path(self, project: Path) -> tuple[str, Path]:
        real = os.path.realpath(project)
        digest = hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        return real, self.home / "projects" / digest

    def find_project_dir(self, project: Path) -> Path | None:
        """The project's folder if state was ever kept for it; never creates anything."""
        folder = self._project_path(project)[1]
        return folder if folder.is_dir() else None

    def project_dir(self, project: Path, *, label: bool = True) -> Path:
        """One folder per project, named by a hash of its real path (made when missing).
        `label=False`: without project.txt (a detection record names its project itself: a
        scan of 5,000 new projects wrote 5,000 of them)."""
        real, path = self._project_path(project)
        folder = self.private_dir(path)
        marker = folder / "project.txt"
        if label and not marker.exists():  # a label for people reading the home: no fsync
            # (a scan of 5,000 new projects spent half its time in these); the rename keeps it whole
            text = (real + "\n").encode("utf-8", "surrogateescape")
            self.write_private(marker, text, durable=False)
        return folder

    def write_private(self, path: Path, data: bytes, *, durable: bool = True) -> None:
        """A 0600 file, written atomically (a full disk is a FilesError: exit 6). Caches pass
        `durable=False`: no fsync (a scan writes a thousand of them)."""
        write_atomic(path, data, 0o600, durable=durable)

    def write_json(self, path: Path, data: object, *, durable: bool = True) -> None:
        # Compact: json's C encoder does not indent, and a catalogue of 100,000 models took
        # seconds through the pure-Python one.
        self.write_private(
            path, (json.dumps(data, sort_keys=True) + "\n").encode(), durable=durable
        )

    @staticmethod
    def read_json(path: Path) -> object:
        """The document, or None when it is missing, unreadable, not a regular file (a FIFO is
        never opened) or larger than a record can be (state is a cache)."""
        from wizard.errors import FilesError
        from wizard.fileio import read_optional

        try:
            data = read_optional(path)
            return json.loads(data.decode("utf-8")) if data is not None else None
        except (OSError, ValueError, FilesError, RecursionError):
            return None


_MADE = itertools.count(1)  # names made by this process, in order


def stamped_id(at: datetime, *, unique: bool = True) -> str:
    """The one form of a time-stamped name (change sets, batches): sortable by time
    (20261202T161013), then this process, then (`unique`) the order this process made them in,
    so that two names made in one second by one process differ and sort as made (undo takes
    the newest: a clock-derived suffix sorted them at random)."""
    name = f"{at.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    return f"{name}-{next(_MADE):06d}" if unique else name
