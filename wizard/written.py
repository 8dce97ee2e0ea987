"""What this process has written: the funnel says it when a signal ends the program after an
apply (never "nothing was written" then). A module of its own so that the funnel reads it
without importing the writer (`changes`), which the read-only commands never need."""

from __future__ import annotations

WRITTEN_THIS_PROCESS: list[str] = []
