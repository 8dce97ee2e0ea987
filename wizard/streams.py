"""The standard streams at the edge of the process, shared by the CLI, the UI and the
simulator's command (which the CLI imports: the simulator must not import the CLI back)."""

from __future__ import annotations

import os
from typing import IO

from wizard.redaction import scrub
from wizard.untrusted import no_workflow_commands


def quiet_stdout(stdout: IO[str]) -> None:
    """The reader closed stdout early: point it at /dev/null so that the interpreter's final
    flush does not complain, and keep the command's exit code."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no file descriptor: nothing to quieten
        pass


class Closable:
    """A text stream that a reader may close early (`flux-setup check | head -1`): output
    after that is dropped, and the command goes on to its own exit code."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self.closed_by_reader = False

    def write(self, text: str) -> int:
        if not self.closed_by_reader:
            try:
                # every human line: folder names and server text cannot start a CI command
                # and no secret: the last net under every message (`redaction.scrub`)
                self._stream.write(no_workflow_commands(scrub(text)))
                return len(text)
            except BrokenPipeError:
                self.closed_by_reader = True
        return len(text)

    def flush(self) -> None:
        if not self.closed_by_reader:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self.closed_by_reader = True

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", "utf-8") or "utf-8"
