"""Serving until stopped, for `flux-setup simulator` and its `--replay`: one loop, one word
on why it stopped (the command modules import it; it imports neither)."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable


def serve_until_stopped(
    stop: Callable[[], None], announce: Callable[[], None] = lambda: None
) -> None:
    """Serve until Ctrl-C or SIGTERM, then stop the server and say why it stopped (a server
    that ends without a word looks like a crash)."""
    done = threading.Event()
    why = ["stopped"]

    def terminated(*_: object) -> None:
        why[0] = "stopped by SIGTERM"
        done.set()

    signal.signal(signal.SIGTERM, terminated)
    try:
        announce()  # once a stop can be told apart: a signal right after it is said too
        done.wait()
    except KeyboardInterrupt:
        why[0] = "stopped by Ctrl-C"
    finally:
        stop()
        with contextlib.suppress(OSError, ValueError):
            print(f"\nSimulator {why[0]}: it no longer answers.", file=sys.stderr, flush=True)
