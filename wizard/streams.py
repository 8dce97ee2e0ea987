"""The standard streams at the edge of the process, shared by the CLI and the simulator's
command (which the CLI imports: the simulator must not import the CLI back)."""

from __future__ import annotations

import os
from typing import IO


def quiet_stdout(stdout: IO[str]) -> None:
    """The reader closed stdout early: point it at /dev/null so that the interpreter's final
    flush does not complain, and keep the command's exit code."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no file descriptor: nothing to quieten
        pass
