"""The one way flux-setup runs git: in a repository it did not make (a scanned tree, an
unpacked archive, vendored code), whose own `.git/config` may name programs to run. Every call
neutralises the settings that run a program for the read-only commands used here
(`core.fsmonitor`, hooks), drops `GIT_CONFIG_*` injected settings, never prompts, and ends by
a timeout."""

from __future__ import annotations

import os
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
    where: Path, *args: str, timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[bytes] | None:
    """`git -C where args...` with what can run a program neutralised; None when git is not
    installed, fails to start or takes longer than `timeout`."""
    if shutil.which("git") is None:
        return None
    try:
        return subprocess.run(
            ["git", *NEUTRAL, "-C", str(where), *args],
            capture_output=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            env=environment(os.environ),
        )
    except (OSError, subprocess.SubprocessError):
        return None
