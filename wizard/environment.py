"""Everything the program takes from its process, in one object handed to `cli.main` (httpie's
`Environment` is the model): the three streams and whether they are terminals, the environment
variables, the working folder, the clock. `Environment.of_process()` is the only place that
reads them from `sys` and `os`; tests build one of their own instead of rewriting the
process's."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO


def utc_now() -> datetime:
    """The wall clock, read here and handed in everywhere else (`Context.now`)."""
    return datetime.now(timezone.utc)


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or foreign stream is no terminal
        return False


@dataclass
class Environment:
    stdin: IO[str]
    stdout: IO[str]
    stderr: IO[str]
    environ: Mapping[str, str]
    cwd: Path
    now: Callable[[], datetime] = utc_now
    stdin_isatty: bool = False
    stdout_isatty: bool = False
    # True only for the program's own process: signals, exit handlers and the file
    # descriptors behind the streams are its to manage.
    owns_process: bool = False

    @classmethod
    def of_process(cls) -> Environment:
        return cls(
            stdin=sys.stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            environ=dict(os.environ),
            cwd=Path.cwd().absolute(),
            stdin_isatty=_isatty(sys.stdin),
            stdout_isatty=_isatty(sys.stdout),
            owns_process=True,
        )
