"""Finding the Flux projects under some folders: a folder with flux.toml, a pyproject.toml with
[tool.flux], or a .env that sets FLUX_MODEL. Folders that are not source are never entered:
.git, virtual environments, node_modules, caches, and every folder git ignores."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wizard.gitrun import git as _git
from wizard.markers import marker

# Never a project, never worth entering: tools' folders and caches.
SKIPPED_NAMES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        "site-packages",
    }
)


@dataclass
class Found:
    """The projects found, in path order, and what the walk could not look into."""

    projects: list[Path] = field(default_factory=list)
    ignored: int = 0  # folders left out because git ignores them
    unreadable: list[Path] = field(default_factory=list)
    # Repositories whose ignore rules git could not tell (git missing, or refused).
    no_ignore_rules: list[Path] = field(default_factory=list)


def git_ignored(repo: Path, environ: Mapping[str, str], timeout: float = 30.0) -> set[Path] | None:
    """The folders git ignores in `repo` (untracked ones; git does not enter them), or None
    when git cannot say (not installed, not a repository it trusts, too slow)."""
    args = ("ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory")
    done = _git(repo, *args, environ=environ, timeout=timeout)
    if done is None:
        return None
    if done.returncode != 0:
        return None
    found = set()
    for entry in done.stdout.split(b"\0"):
        if entry.endswith(b"/"):
            found.add(repo / os.fsdecode(entry.rstrip(b"/")))
    return found


def find_projects(
    roots: Sequence[Path], *, environ: Mapping[str, str], use_git: bool = True
) -> Found:
    """Every Flux project at or under `roots` (nested ones too), each once. Symbolic links to
    folders are not followed: a link loop cannot trap the walk, and a project is found at its
    real place only."""
    found = Found()
    seen: set[str] = set()
    ignored: set[Path] = set()
    for root in roots:
        for dirpath, real, dirnames, filenames in walk(
            root, lambda exc: found.unreadable.append(Path(exc.filename or "?"))
        ):
            folder = Path(dirpath)
            if real in seen:
                dirnames[:] = []
                continue
            seen.add(real)
            names = set(dirnames) | set(filenames)
            if use_git and ".git" in names:
                rules = git_ignored(folder, environ)
                if rules is None:
                    found.no_ignore_rules.append(folder)
                else:
                    ignored |= rules
            kind = marker(folder, filenames)
            if kind is not None:
                found.projects.append(folder)
            kept = []
            for name in sorted(dirnames):
                child = folder / name
                if name in SKIPPED_NAMES:
                    continue
                if child in ignored:
                    found.ignored += 1
                    continue
                kept.append(name)
            dirnames[:] = [n for n in kept if not _venv_at(folder / n)]
    found.projects.sort()
    return found


def walk(
    root: Path, onerror: Callable[[OSError], None]
) -> Iterator[tuple[str, str, list[str], list[str]]]:
    """`os.walk(root)` top-down without following links, but with a stack of its own: before
    Python 3.12 `os.walk` recurses, and a tree 1,100 folders deep ended in RecursionError.
    Each folder comes with its real path: its parent's plus its name (links are not entered),
    so no folder costs a `realpath` as deep as the tree."""
    stack = [(str(root), os.path.realpath(root))]
    while stack:
        top, real = stack.pop()
        try:
            with os.scandir(top) as entries:
                listed = list(entries)
        except OSError as exc:
            onerror(exc)
            continue
        dirnames: list[str] = []
        filenames: list[str] = []
        for entry in listed:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            (dirnames if is_dir else filenames).append(entry.name)
        yield top, real, dirnames, filenames  # the caller may prune `dirnames`, as os.walk
        stack.extend(
            (os.path.join(top, name), os.path.join(real, name)) for name in reversed(dirnames)
        )


def _venv_at(folder: Path) -> bool:
    try:
        return (folder / "pyvenv.cfg").is_file()
    except OSError:
        return False
