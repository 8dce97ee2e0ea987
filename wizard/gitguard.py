"""Keep a key out of git: refuse to write it into a tracked .env, ignore an untracked one."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wizard import gitrun
from wizard.fileio import read_optional

if TYPE_CHECKING:  # the writer, for the change that ignores .env: a read needs none
    from wizard.changes import FileChange


@dataclass
class GitVerdict:
    repository: bool
    tracked: bool = False
    ignored: bool = True
    # The file the key would be written to (a symlink's target) and whether it is inside the
    # project (so that the project's .gitignore can cover it).
    target: Path | None = None
    inside_project: bool = True


def _git(
    project: Path, environ: Mapping[str, str], *args: str
) -> subprocess.CompletedProcess[str] | None:
    done = gitrun.git(project, *args, environ=environ)
    if done is None:
        return None
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def _special(path: Path) -> bool:
    """An existing path that is not a regular file (a FIFO, a device, a folder)."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def inspect(project: Path, env_path: Path, environ: Mapping[str, str]) -> GitVerdict:
    """Whether the file the key would land in is tracked or ignored, asked of the repository
    that holds that file: a `.env` that links to a tracked `config/app.env` is tracked."""
    target = env_path.resolve()
    try:
        target.relative_to(project.resolve())
        inside_project = True
    except ValueError:
        inside_project = False
    folder = target.parent
    if any(_special(f / ".gitignore") for f in {folder, project}):
        # git would block reading a FIFO there: not asked; the .gitignore edit then refuses
        # the file with its reason (exit 6)
        return GitVerdict(
            repository=True, ignored=False, target=target, inside_project=inside_project
        )
    inside = _git(folder, environ, "rev-parse", "--is-inside-work-tree")
    if inside is None or inside.returncode != 0 or inside.stdout.strip() != "true":
        return GitVerdict(repository=False, target=target, inside_project=inside_project)
    tracked = _git(folder, environ, "ls-files", "--error-unmatch", "--", target.name)
    ignored = _git(folder, environ, "check-ignore", "-q", "--", target.name)
    return GitVerdict(
        repository=True,
        tracked=tracked is not None and tracked.returncode == 0,
        ignored=ignored is not None and ignored.returncode == 0,
        target=target,
        inside_project=inside_project,
    )


def ignore_change(project: Path, env_path: Path) -> FileChange:
    """Append the .env file's name to the project's .gitignore, keeping its bytes and line ends."""
    from wizard.changes import FileChange

    gitignore = project / ".gitignore"
    # through fileio like every project file: bounded, and a FIFO is refused, never opened
    before = read_optional(gitignore, flag=None)
    try:
        entry = "/" + env_path.resolve().relative_to(project.resolve()).as_posix()
    except ValueError:
        entry = env_path.name
    text = before or b""
    newline = b"\r\n" if b"\r\n" in text else b"\n"
    if text and not text.endswith((b"\n", b"\r")):
        text += newline
    after = text + entry.encode() + newline
    return FileChange(
        gitignore, before, after, why="keep the .env file, which holds a key, out of git"
    )
