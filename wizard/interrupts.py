"""Signals at the edge of the process: SIGTERM ends a command like Ctrl-C, and an interrupt
once the work is done ends the program with one line and its code, never by signal."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator

from wizard.errors import ExitCode


def late_interrupts(code: int) -> Callable[[], int]:
    """Ctrl-C once the work is done (the result is known; output, exit handlers and thread
    joins remain): said in one line, and the exit is 130, or 0 when nothing was left to do.
    The output under way is finished first (a script reads whole JSON); the handler stays for
    the rest of the process, through its exit handlers."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: code
    seen: list[int] = []
    returned: list[bool] = []
    final = int(ExitCode.CANCELLED) if code else 0

    def remember(number: int, frame: object) -> None:
        if not seen:
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write("\nInterrupted after the work was done: nothing was lost.\n")
        seen.append(number)
        if returned:  # past the exit code: only exit handlers remain, and they may hang
            with contextlib.suppress(Exception):
                sys.stdout.flush()
            os._exit(final)

    signal.signal(signal.SIGINT, remember)
    signal.signal(signal.SIGTERM, remember)

    def exit_code() -> int:
        returned.append(True)
        import atexit

        atexit.register(ignore_interrupts)  # runs first of the exit handlers, threads joined
        return final if seen else code

    return exit_code


def ignore_interrupts() -> None:
    """The exit is under way with nothing left that may hang: Ctrl-C and SIGTERM are ignored
    from here on. Python puts every signal it handles back to its default while it finalises,
    so a late one would otherwise end the process by signal (exit -2, or -15: the crash
    campaign's SIGTERM found it) instead of with its code; an ignored one survives."""
    import signal

    with contextlib.suppress(ValueError, OSError):  # not the main thread: nothing to do
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM ends the program like Ctrl-C: through the funnel, with a true message and 130,
    never killed mid-way without a word."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(number: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
