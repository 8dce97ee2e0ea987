"""The program's entry: `flux-setup` (the console script) and `python -m wizard`. Signals are
handled from its first line: Ctrl-C or SIGTERM while the program is still starting (importing
its modules, reading its flags) ends it with 130 and one line, never a traceback or a death
by signal; from then on `cli.main` handles them, and `cli.entry` ends the process without the
interpreter's teardown."""

from __future__ import annotations

import os
import signal
import sys


def _interrupt(number: int, frame: object) -> None:
    raise KeyboardInterrupt


def console() -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # SIGINT already raises KeyboardInterrupt
    try:
        from wizard.cli import entry

        entry()  # never returns: the exit code, without the teardown
    except KeyboardInterrupt:  # before the command began: nothing was changed
        sys.stderr.write("\nInterrupted while starting: nothing was changed.\n")
        sys.stderr.flush()
        # Ended here: an interrupt caught while modules were importing still ended the
        # process by SIGINT (exit -2) after a clean return, once in 30 campaign runs.
        os._exit(130)  # ExitCode.CANCELLED (not imported: it would widen the window)
    return 0  # (not reached: `entry` exits)


if __name__ == "__main__":
    raise SystemExit(console())
