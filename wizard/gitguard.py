"""Keep a key out of git: refuse to write it into a tracked .env, ignore an untracked one."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from wizard.changes import FileChange


@dataclass
class GitVerdict:
    repository: bool
    tracked: bool = False
    ignored: bool = True


def _git(project: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    if shutil.which("git") is None:
        return None
    try:
        return subprocess.run(
            ["git", "-C", str(project), *args], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def inspect(project: Path, env_path: Path) -> GitVerdict:
    try:
        env_path.resolve().relative_to(project.resolve())
    except ValueError:
        return GitVerdict(repository=False)  # an --env-file outside the project: not ours to ignore
    inside = _git(project, "rev-parse", "--is-inside-work-tree")
    if inside is None or inside.returncode != 0 or inside.stdout.strip() != "true":
        return GitVerdict(repository=False)
    rel = str(env_path)
    tracked = _git(project, "ls-files", "--error-unmatch", "--", rel)
    ignored = _git(project, "check-ignore", "-q", "--", rel)
    return GitVerdict(
        repository=True,
        tracked=tracked is not None and tracked.returncode == 0,
        ignored=ignored is not None and ignored.returncode == 0,
    )


def ignore_change(project: Path, env_path: Path) -> FileChange:
    """Append the .env file's name to the project's .gitignore, keeping its bytes and line ends."""
    gitignore = project / ".gitignore"
    try:
        before: bytes | None = gitignore.read_bytes()
    except FileNotFoundError:
        before = None
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
