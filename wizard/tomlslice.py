"""The `[tool.flux]` part of a pyproject.toml, found by its table headers, so that tomlkit (about
20 times slower than tomllib, and 100 times the file's size in memory) parses only the tables it
edits, not the whole file: a 5 MB pyproject took 31 s and 617 MB to edit when tomlkit read all
of it. The part is used only when tomllib reads it as exactly the whole file's [tool.flux];
anything else (dotted keys, quoted headers, a header inside a multi-line string) is read whole,
as before. After an edit the whole file is read back and compared anyway (fluxconfig._verify)."""

from __future__ import annotations

import re
import tomllib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# A table or array-of-tables header alone on its line (a trailing comment allowed; a CRLF
# line's "\r" too: without it, a CRLF file's headers went unseen and it was read whole).
_HEADER = re.compile(r"^[ \t]*\[\[?[ \t]*([^\]\[\r\n]*?)[ \t]*\]\]?[ \t]*(?:#[^\r\n]*)?\r?$", re.M)
_DOTS = re.compile(r"[ \t]*\.[ \t]*")


def _is_flux(name: str) -> bool:
    dotted = _DOTS.sub(".", name)
    return dotted == "tool.flux" or dotted.startswith("tool.flux.")


def flux_span(
    text: str, whole: dict[str, object], same: Callable[[object, object], bool]
) -> tuple[int, int] | None:
    """Where [tool.flux] and its sub-tables stand in `text` (start, end), when they stand
    together and read alone as `whole`'s [tool.flux]; else None."""
    headers = [(m.start(), _is_flux(m.group(1))) for m in _HEADER.finditer(text)]
    flux = [i for i, (_, is_flux) in enumerate(headers) if is_flux]
    if not flux or flux != list(range(flux[0], flux[-1] + 1)):
        return None  # none, or split by other tables: the whole file decides
    start = headers[flux[0]][0]
    end = headers[flux[-1] + 1][0] if flux[-1] + 1 < len(headers) else len(text)
    try:
        part: dict[str, object] = tomllib.loads(text[start:end])
    except tomllib.TOMLDecodeError:
        return None
    tool = whole.get("tool")
    if not isinstance(tool, dict) or not same(part, {"tool": {"flux": tool.get("flux")}}):
        return None
    return start, end


# A pyproject.toml this large (characters) is not read whole by tomllib: its dict of a 5 MB
# file peaked at 130 MB (26x the file). The text outside [tool.flux] is checked piece by piece.
LARGE = 1_000_000
PIECE = 200_000  # characters per piece, cut at a table header


@dataclass(frozen=True)
class FluxPart:
    """A large pyproject's [tool.flux], read alone: `data` as tomllib reads the whole file's
    `tool.flux` (None: the file has none), and where its tables stand (None with no data)."""

    data: object
    span: tuple[int, int] | None


def read_large(text: str) -> FluxPart | None:
    """[tool.flux] of a large file, the rest read piece by piece (each piece's dict dropped at
    once); None when the pieces may not read as the whole does: a piece that does not read
    alone (a header inside a multi-line string, or an error: the whole file's reading then
    says where), a table header twice (the whole file is invalid), or a flux setting outside
    [tool.flux] (a dotted key). Left unchecked: a dotted key in one piece and a header of the
    same table in another (TOML forbids it; the pieces read it, and the edit leaves it as is)."""
    cuts = array("q")  # where each header starts (a compact array: a 5 MB file has 160,000)
    flux: list[int] = []
    seen: set[int] = set()  # the [table] names' hashes (a clash only costs the whole reading)
    for match in _HEADER.finditer(text):
        name = _DOTS.sub(".", match.group(1))
        if not match.group(0).lstrip().startswith("[["):  # [[arrays]] repeat by design
            if hash(name) in seen:
                return None
            seen.add(hash(name))
        if _is_flux(name):
            flux.append(len(cuts))
        cuts.append(match.start())
    del seen
    if flux and flux != list(range(flux[0], flux[-1] + 1)):
        return None  # split by other tables: the whole file decides
    span = None
    if flux:
        span = (cuts[flux[0]], cuts[flux[-1] + 1] if flux[-1] + 1 < len(cuts) else len(text))
    outside = [(0, span[0]), (span[1], len(text))] if span else [(0, len(text))]
    try:
        for start, end in outside:
            for piece in _pieces(text, start, end, cuts):
                if _holds_flux(tomllib.loads(piece)):
                    return None
        part = tomllib.loads(text[span[0] : span[1]]) if span else {}
    except tomllib.TOMLDecodeError:
        return None
    tool = part.get("tool")
    return FluxPart(tool.get("flux") if isinstance(tool, dict) else None, span)


def _pieces(text: str, start: int, end: int, cuts: array[int]) -> Iterator[str]:
    """text[start:end] in pieces of about PIECE characters, each cut at a table header (made
    one at a time: never a second copy of the file)."""
    at = start
    for cut in cuts:
        if start < cut < end and cut - at >= PIECE:
            yield text[at:cut]
            at = cut
    yield text[at:end]


def _holds_flux(piece: dict[str, object]) -> bool:
    tool = piece.get("tool")
    return isinstance(tool, dict) and "flux" in tool
