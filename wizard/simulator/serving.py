"""Serving until stopped, for `flux-setup simulator` and its `--replay`: the port taken or a
usage error, the base URL alone on stdout and the words on stderr, one loop, one word on why it
stopped (the command modules import it; it imports neither)."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from wizard.errors import UsageError
from wizard.keys import API_KEY_PREFIX, MIN_LENGTH

R = TypeVar("R")
# The key the printed commands name: the simulator and a replay accept any well-formed key.
STAND_IN_KEY = API_KEY_PREFIX + "0" * MIN_LENGTH
ANY_KEY = f"any {API_KEY_PREFIX} key of {MIN_LENGTH}+ characters works, none is real"


def started(start: Callable[[], R], port: int) -> R:
    """`start()` (a server listening on `port`), or a usage error that says why it cannot."""
    try:
        return start()
    except OSError as exc:
        raise UsageError(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror}", fix="Pick another --port."
        ) from None


def serve_announced(base_url: str, stop: Callable[[], None], words: str) -> None:
    """The base URL alone on stdout's first line (scripts read it), `words` on stderr, then
    serve until stopped."""

    def announce() -> None:
        print(base_url, flush=True)
        print(words, file=sys.stderr, flush=True)

    serve_until_stopped(stop, announce)


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
