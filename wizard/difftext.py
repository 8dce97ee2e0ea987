"""A unified diff of two texts that differ in a few lines of a large file: difflib compares only
the lines between the texts' common beginning and end (and three lines of context on each
side), and the hunks are numbered as in the whole file. difflib on the whole of a 4.9 MB file
held both files as lists of 200,000 lines and a dict of them (80 MB) to change one line."""

from __future__ import annotations

import difflib
import re

CONTEXT = 3  # lines of context, as difflib's default
_WINDOW = 65_536  # characters looked at around the edges for their lines
# Smaller texts are compared whole: difflib's own diff, to the byte (where equal lines repeat,
# a trimmed comparison may align them otherwise: as true a diff, not the same text).
WHOLE_UP_TO = 200_000
# Every line break str.splitlines knows (the diff splits the texts with it).
_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_NOT_LF = re.compile(r"[\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_HUNK = re.compile(r"@@ -(\d+)((?:,\d+)?) \+(\d+)((?:,\d+)?) @@")


def unified(before: str, after: str, fromfile: str, tofile: str) -> list[str]:
    """`difflib.unified_diff` of the two texts' lines, `lineterm=""`."""
    start, end_before, end_after = 0, len(before), len(after)
    if len(before) + len(after) > WHOLE_UP_TO:
        start = _start(before, _common_prefix(before, after))
        shared = _common_suffix(before, after, start)
        last_before, last_after = (
            _end(before, len(before) - shared),
            _end(after, len(after) - shared),
        )
        if last_before is None or last_after is None:
            start = 0
        else:
            end_before, end_after = last_before, last_after
    lines = difflib.unified_diff(
        before[start:end_before].splitlines(),
        after[start:end_after].splitlines(),
        fromfile=fromfile,
        tofile=tofile,
        lineterm="",
    )
    skipped = _lines_before(before, start)
    return [_renumbered(line, skipped) if line.startswith("@@") else line for line in lines]


def _common_prefix(a: str, b: str) -> int:
    """How many leading characters the texts share (halving: each step one C comparison)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a[low:mid] == b[low:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def _common_suffix(a: str, b: str, start: int) -> int:
    """How many trailing characters the texts share, none of them before `start`."""
    low, high = 0, min(len(a), len(b)) - start
    while low < high:
        mid = (low + high + 1) // 2
        if a[len(a) - mid : len(a) - low] == b[len(b) - mid : len(b) - low]:
            low = mid
        else:
            high = mid - 1
    return low


def _start(text: str, differs: int) -> int:
    """Where the line CONTEXT lines above the one holding position `differs` starts (0 when
    that cannot be told from the window: the whole text is compared then)."""
    window = max(0, differs - _WINDOW)
    parts = text[window:differs].splitlines(keepends=True)
    if window > 0:
        parts = parts[1:]  # the first may be the end of a longer line
    # the last part holds `differs` (or ends just before it, maybe inside a "\r\n")
    if len(parts) < CONTEXT + 1:
        return 0  # near the top, or lines longer than the window
    return differs - sum(len(part) for part in parts[-(CONTEXT + 1) :])


def _end(text: str, differs: int) -> int | None:
    """Where the line CONTEXT lines below the one holding position `differs` ends; None when
    that cannot be told from the window."""
    stop = min(len(text), differs + _WINDOW)
    parts = text[differs:stop].splitlines(keepends=True)
    if stop == len(text):
        return differs + sum(len(part) for part in parts[: CONTEXT + 1])
    if len(parts) < CONTEXT + 2:  # the last part may be cut by the window
        return None
    return differs + sum(len(part) for part in parts[: CONTEXT + 1])


def _lines_before(text: str, start: int) -> int:
    """How many lines end before `start` (a line start)."""
    if _NOT_LF.search(text, 0, start) is None:
        return text.count("\n", 0, start)
    return sum(1 for _ in _BREAK.finditer(text, 0, start))


def _renumbered(header: str, skipped: int) -> str:
    if not skipped:
        return header
    found = _HUNK.fullmatch(header)
    if found is None:
        return header
    old, old_len, new, new_len = found.groups()
    return f"@@ -{int(old) + skipped}{old_len} +{int(new) + skipped}{new_len} @@"
