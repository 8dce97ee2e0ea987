"""The `[tool.flux]` part of a pyproject.toml, found by its table headers, so that tomlkit (about
20 times slower than tomllib, and 100 times the file's size in memory) parses only the tables it
edits, not the whole file: a 5 MB pyproject took 31 s and 617 MB to edit when tomlkit read all
of it. The part is used only when tomllib reads it as exactly the whole file's [tool.flux];
anything else (dotted keys, quoted headers, a header inside a multi-line string) is read whole,
as before. After an edit the whole file is read back and compared anyway (fluxconfig._verify)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable

# A table or array-of-tables header alone on its line (a trailing comment allowed).
_HEADER = re.compile(r"^[ \t]*\[\[?[ \t]*([^\]\[\n]*?)[ \t]*\]\]?[ \t]*(?:#[^\n]*)?$", re.M)
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
