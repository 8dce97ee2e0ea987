"""The one way flux-setup runs git: in a repository it did not make (a scanned tree, an
unpacked archive, vendored code), whose own `.git/config` may name programs to run. Every call
neutralises the settings that run a program for the read-only commands used here
(`core.fsmonitor`, hooks), drops `GIT_CONFIG_*` injected settings, never prompts, and ends by
a timeout."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

TIMEOUT = 10.0
# Settings of a repository's own config that make read-only git commands run a program.
NEUTRAL = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null")


def environment(base: Mapping[str, str]) -> dict[str, str]:
    """The environment git runs in: the caller's, without injected config, never prompting."""
    env = {
        name: value
        for name, value in base.items()
        if not name.startswith("GIT_CONFIG") and name not in ("GIT_DIR", "GIT_WORK_TREE")
    }
    env.update(GIT_OPTIONAL_LOCKS="0", LC_ALL="C", GIT_TERMINAL_PROMPT="0")
    return env


def git(
    where: Path, *args: str, environ: Mapping[str, str], timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[bytes] | None:
    """`git -C where args...` in `environ` (the command's, handed in) with what can run a
    program neutralised; None when git is not installed, fails to start or takes longer than
    `timeout`."""
    executable = shutil.which("git")  # found once, so an environment without PATH runs it too
    if executable is None:
        return None
    try:
        return subprocess.run(
            [executable, *NEUTRAL, "-C", str(where), *args],
            capture_output=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            env=environment(environ),
        )
    except (OSError, subprocess.SubprocessError):
        return None


# The temporary files of `fileio.write_atomic`: a SIGKILL mid-write can leave one holding a key.
TEMPORARIES = "*.flux-setup-*.tmp"


def exclude_temporaries(folder: Path) -> None:
    """Make git ignore flux-setup's temporary files in the repository that holds `folder`
    (its local `info/exclude`, never a tracked file), so that `git add -A` cannot commit a
    key left in one by a kill. Outside a repository, or when git cannot say, nothing."""
    # where the repository keeps its excludes depends on nothing of the caller's environment
    done = git(folder, "rev-parse", "--git-path", "info/exclude", environ={})
    if done is None or done.returncode != 0:
        return
    path = Path(done.stdout.decode("utf-8", "replace").strip())
    path = path if path.is_absolute() else folder / path
    try:
        if path.is_file() and path.stat().st_size < 1_000_000:
            if TEMPORARIES in path.read_text(encoding="utf-8", errors="replace").split():
                return
        elif path.exists():
            return  # not a regular file (or a huge one): not ours to touch
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as exclude:
            exclude.write(
                "\n# flux-setup's temporary files may hold a key: never commit them\n"
                f"{TEMPORARIES}\n"
            )
    except OSError:
        return
