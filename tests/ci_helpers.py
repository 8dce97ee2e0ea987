"""What the tests of docs/ci.md share: its examples, and a shell that runs them with this
environment's flux-setup (through the worker's pre-imported runner)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests import prefork
from tests.helpers import clean_environ

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "ci.md").read_text()
BIN = str(Path(sys.executable).parent)  # where this environment's flux-setup lives


def example(name: str) -> str:
    """The code block that follows `<!-- ci-example: NAME -->` in docs/ci.md."""
    found = re.search(rf"<!-- ci-example: {name} -->\n```\w*\n(.*?)```", DOC, re.S)
    assert found, f"docs/ci.md has no {name} example"
    return found.group(1)


def shell_env(sim, tmp_path, **extra: str) -> dict[str, str]:
    env = clean_environ(ANTHROPIC_BASE_URL=sim.base_url, **extra)
    # flux-setup through the worker's pre-imported runner (tests/prefork.py), then the rest
    env["PATH"] = os.pathsep.join((prefork.shim_folder(), BIN, env.get("PATH", "")))
    env["HOME"] = str(tmp_path / "home")
    return env


def bash(line: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
