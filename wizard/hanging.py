"""A terminal's line wrapped between words to its width with a hanging indent: continuation
lines sit under the text after the line's leading spaces and marker ("! ", "✓ ", "• ",
"  → ", "  fix: ", "error: "), so that a row read at 60 columns never runs back to column 0;
a `command` that fits on a line is never broken inside."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

_HANG = re.compile(r" *(?:[✓✗!•→-] |fix: |error: )?")


def print_wrapped(console: Console, text: str, style: str | None, hang: int | None = None) -> None:
    """`hang`: the column continuation lines start at (a two-column row's value column);
    by default, after the line's leading spaces and marker."""
    prefix = _HANG.match(text)
    if hang is None or console.width < hang + 20:
        hang = len(prefix.group()) if prefix else 0
    if console.soft_wrap or not hang or "\n" in text or console.width < hang + 20:
        console.print(text, style=style, markup=False)  # a pipe's line, unbroken; or no marker
        return
    from rich.text import Text

    room = console.width - hang
    lines = Text(_glued(text[hang:], room)).wrap(console, room)
    for number, line in enumerate(lines):
        lead = text[:hang] if number == 0 else " " * hang
        shown = Text(lead) + Text(line.plain.replace(_GLUE, " "))
        console.print(shown, style=style, markup=False, soft_wrap=True)


# A space inside a `command` that fits on a line: wrapped there, the first half would be
# copied and run alone. (A private-use character: rich's wrap breaks at every whitespace.)
_GLUE = "\ue000"
_COMMAND = re.compile(r"`[^`\n]+`")


def _glued(text: str, room: int) -> str:
    def glue(found: re.Match[str]) -> str:
        command = found.group()
        return command.replace(" ", _GLUE) if len(command) + 1 < room else command

    return _COMMAND.sub(glue, text)
