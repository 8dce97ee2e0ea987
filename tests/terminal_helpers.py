"""The whole program in a real pseudo-terminal (pexpect): started through the worker's
pre-imported runner (`tests/prefork.py`), and finished with its exit status."""

from __future__ import annotations

import pexpect

from tests import prefork
from tests.helpers import clean_environ


def spawn(args, tmp_path, env_extra=None):
    env = clean_environ()
    env.update(
        {
            "PROMPT_TOOLKIT_NO_CPR": "1",
            "TERM": "xterm",
            "COLUMNS": "120",
            "LINES": "50",
            "NO_COLOR": "1",
        }
    )
    env.update(env_extra or {})
    columns = int(env.get("COLUMNS", "120"))
    program, argv = prefork.command(args)  # `python -m wizard ARGS`, the SDK imported once
    child = pexpect.spawn(
        program,
        argv,
        env=env,
        cwd=str(tmp_path),
        timeout=60,
        encoding="utf-8",
        dimensions=(50, columns),
    )
    child.logfile_read = open(tmp_path / "terminal.log", "w")  # noqa: SIM115
    _SPAWNED.append(child)
    return child


# The programs a test spawned: those a failed test left running are ended after it
# (`end_spawned`, from tests/conftest.py), so that none waits on its terminal for ever.
_SPAWNED: list[pexpect.spawn] = []


def end_spawned() -> None:
    while _SPAWNED:
        child = _SPAWNED.pop()
        if child.isalive():
            child.close(force=True)  # the terminal hangs up: the program ends with it
        if child.logfile_read is not None and not child.logfile_read.closed:
            child.logfile_read.close()


def finish(child):
    child.expect(pexpect.EOF)
    child.close()
    child.logfile_read.close()
    return child.exitstatus
