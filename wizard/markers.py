"""What a Flux project is: the one rule `flux-setup` uses to find the project from a subfolder
(like git finds a repository) and `check --all` uses to find every project under a folder.

A folder is a Flux project when it holds flux.toml, a pyproject.toml that names [tool.flux]
(a broken one too, so that its error can be shown), or a .env that sets FLUX_MODEL.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from wizard.constants import CONFIG_NAME, ENV_NAME, PYPROJECT_NAME
from wizard.errors import FilesError
from wizard.fileio import read_optional

# A marker must be read to know; fileio bounds the read and never opens a special file.
TOOL_FLUX = re.compile(
    rb"^[ \t]*\[[ \t]*tool[ \t]*\.[ \t]*\"?flux\"?[ \t]*(?:[\].]|$)", re.MULTILINE
)
FLUX_MODEL_LINE = re.compile(rb"^[ \t]*(?:export[ \t]+)?FLUX_MODEL[ \t]*=", re.MULTILINE)


def marker(folder: Path, names: Iterable[str] | None = None) -> str | None:
    """What makes `folder` a Flux project, or None. `names`: the folder's entries, when the
    caller has listed them already (a walk); else they are looked up."""
    if names is None:
        try:
            names = os.listdir(folder)
        except OSError:
            return None
    present = set(names)
    if CONFIG_NAME in present and (folder / CONFIG_NAME).is_file():
        return CONFIG_NAME
    if PYPROJECT_NAME in present and _holds(folder / PYPROJECT_NAME, TOOL_FLUX):
        return f"[tool.flux] in {PYPROJECT_NAME}"
    if ENV_NAME in present and _holds(folder / ENV_NAME, FLUX_MODEL_LINE):
        return f"FLUX_MODEL in {ENV_NAME}"
    return None


def find_root(start: Path) -> tuple[Path, str | None]:
    """The Flux project that holds `start`: the nearest folder at or above it with a marker,
    else the nearest with .git, else `start` itself. Returns the folder and what marked it."""
    folders = [start, *start.parents]
    for folder in folders:
        found = marker(folder)
        if found is not None:
            return folder, found
    for folder in folders:
        if (folder / ".git").exists():
            return folder, ".git"
    return start, None


def _holds(path: Path, pattern: re.Pattern[bytes]) -> bool:
    try:
        data = read_optional(path)
    except FilesError:
        return False  # a FIFO, a device, a huge or unreadable file: not a marker
    return data is not None and pattern.search(data.lstrip(b"\xef\xbb\xbf")) is not None
