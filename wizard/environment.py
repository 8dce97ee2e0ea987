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
from datetime import UTC, datetime
from pathlib import Path
from typing import IO


def utc_now() -> datetime:
    """The wall clock, read here and handed in everywhere else (`Context.now`)."""
    return datetime.now(UTC)


def clock_from(start: str, wall: Callable[[], datetime] = utc_now) -> Callable[[], datetime]:
    """A clock that starts at `start` (an ISO time) and runs at the wall clock's pace: a replay
    judges dates as of its recording, and two change sets still get two names."""
    began = datetime.fromisoformat(start.strip().replace("Z", "+00:00"))
    if began.tzinfo is None:
        began = began.replace(tzinfo=UTC)
    origin = wall()
    return lambda: began + (wall() - origin)


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

    def discard_typed_ahead(self) -> None:
        """Forget what was typed at the terminal and not read yet (the kernel's input queue):
        a question asked next reads only keys pressed once it is on the screen."""
        if not self.stdin_isatty:
            return
        try:
            import termios

            termios.tcflush(self.stdin.fileno(), termios.TCIFLUSH)
        except (ImportError, OSError, ValueError, AttributeError):
            pass  # no terminal queue to forget (or not this platform's kind)

    @classmethod
    def of_process(cls) -> Environment:
        from wizard.constants import CLOCK_VAR

        now = utc_now
        if os.environ.get(CLOCK_VAR):
            try:
                now = clock_from(os.environ[CLOCK_VAR])
            except ValueError:
                sys.stderr.write(f"{CLOCK_VAR} is not an ISO time: the wall clock is used.\n")
        return cls(
            stdin=sys.stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            environ=dict(os.environ),
            cwd=Path.cwd().absolute(),
            now=now,
            stdin_isatty=_isatty(sys.stdin),
            stdout_isatty=_isatty(sys.stdout),
            owns_process=True,
        )
