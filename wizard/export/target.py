"""The one place `export` writes a file (a swap point: the safe-target rule of files
flux-setup creates outside the project's three files will live in one function for every
command; this module is export's until then). Checked before any network step, written
atomically at the end."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from wizard import checklist, markers
from wizard.constants import PROJECT_FILE_NAMES
from wizard.errors import FilesError
from wizard.fileio import MAX_FILE_BYTES, check_target, write_atomic

# Every file `export` writes names its maker here; a file without it is someone else's.
GENERATOR_KEY = "generator"
GENERATOR_PREFIX = "flux-setup export"
KINDS = ("renovate", "catalog")
# Exports are meant to be read and committed: rw-r--r--.
MODE = 0o644
# Files of a Flux project by name, wherever they are: a .env holds keys, the others settings.


def project_file(path: Path, project: Path, named: Iterable[Path | None] = ()) -> str | None:
    """What `path` is of a project's own, or None: this project's .env, Flux config,
    pyproject.toml or checklist (the defaults, and the files `named` by --env-file, --config,
    --checklist), any .env, flux.toml or pyproject.toml, and any file that marks a Flux
    project (`markers`). The one rule of what flux-setup never writes a file it creates onto,
    even with --force (a swap point: `wizard/targets.py` will hold it for every command)."""
    own = [
        *(project / name for name in PROJECT_FILE_NAMES),
        checklist.default_path(project),
        *(p for p in named if p is not None),
    ]
    real = os.path.realpath(path)
    if any(real == os.path.realpath(p) for p in own):
        return f"one of the project's own files ({path.name})"
    if path.name in PROJECT_FILE_NAMES:
        return f"a Flux project's file by its name ({path.name})"
    found = markers.marker(path.parent, [path.name]) if path.is_file() else None
    return f"a file that marks a Flux project ({found})" if found else None


def check_export_target(
    path: Path,
    *,
    project: Path,
    force: bool,
    kind: str,
    flag: str = "--out",
    named: Iterable[Path | None] = (),
) -> Path:
    """Where the export may go, or exit 6 saying why not: never onto a project's own file
    (`project_file`, even with --force), never through a symlink (the file, or a folder of the
    project on the way to it), never onto `.gitignore` or into `.git/`, never over a file
    `export` did not write (without --force); a folder that does not exist yet is made when
    written (`.flux-setup/`)."""
    shown = f"{flag} {path}"
    own = project_file(path, project, named)
    if own is not None:
        raise FilesError(
            f"{shown} is {own}: an export never replaces it, even with --force.",
            fix="Pass another path, e.g. --out .flux-setup/export.json; nothing was written.",
        )
    if path.name == ".gitignore" or ".git" in path.parts:
        raise FilesError(
            f"{shown}: flux-setup never writes an export onto .gitignore or into .git/.",
            fix="Pass another path; nothing was written.",
        )
    inside = [p for p in path.parents if project in p.parents]  # the folders above are not ours
    for link in (path, *inside):
        if link.is_symlink():
            raise FilesError(
                f"{shown}: {link} is a symbolic link; an export is never written through one.",
                fix="Pass the real path; nothing was written.",
            )
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if path.parent.exists():
            return check_target(path, flag=flag)
        # a folder to make first (`.flux-setup/`): where it would go must take a new folder
        nearest = next(p for p in path.parents if p.exists())
        check_target(nearest / ".flux-setup-export-probe", flag=flag)
        return path
    if stat.S_ISREG(info.st_mode) and not force:
        found = export_kind(path)
        if found is None:
            raise FilesError(
                f"{shown}: the file exists and flux-setup did not write it; it is not replaced.",
                fix="Pass another path, or --force to replace it; nothing was written.",
            )
        if found != kind:
            raise FilesError(
                f"{shown} holds `flux-setup export {found}`, not {kind}: it is not replaced.",
                fix="Pass another path, or --force to replace it; nothing was written.",
            )
    return check_target(path, flag=flag)


def export_kind(path: Path) -> str | None:
    """Which `export` wrote this file (`renovate`, `catalog`), by the `generator` its JSON
    names; None for a file `export` did not write."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    maker = data.get(GENERATOR_KEY) if isinstance(data, dict) else None
    if not isinstance(maker, str) or not maker.startswith(GENERATOR_PREFIX + " "):
        return None
    word = maker.removeprefix(GENERATOR_PREFIX + " ").split(" ")[0]
    return word if word in KINDS else None  # anyone's text: only a kind we know is shown


def write_export(path: Path, text: str) -> None:
    """Atomically (a reader sees the old file or the new one, whole), its folder made."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FilesError(
            f"cannot create the folder {path.parent}: {exc.strerror}.",
            fix="Create it, or pass another path with --out; nothing was written.",
        ) from None
    write_atomic(path, text.encode(), MODE, keep_mode=False)
