"""Text files as both editors (.env and TOML) read and write them: UTF-8, an optional BOM kept
as it was, the dominant line ending kept for new lines; and the clear refusals of anything else."""

from __future__ import annotations

import codecs
import difflib
import re
from dataclasses import dataclass

from wizard.errors import FilesError

BOM = "\ufeff"


@dataclass(frozen=True)
class Decoded:
    text: str  # without the BOM
    bom: bool
    newline: str  # "\r\n" when most lines end so, else "\n"

    def encode(self, text: str) -> bytes:
        """`text` as this file's bytes: its BOM kept."""
        return ((BOM if self.bom else "") + text).encode("utf-8")


def decode(data: bytes, display: str, *, flag: str) -> Decoded:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(data):
        raise FilesError(
            f"{display} is saved as UTF-16; it must be UTF-8.",
            fix=f"Save {display} as UTF-8 (most editors: File > Save with Encoding), then rerun.",
        )
    if b"\x00" in data:
        raise FilesError(
            f"{display} contains NUL bytes: it is not a text file.",
            fix=f"Point {flag} at the right file, or remove the binary data.",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FilesError(
            f"{display} is not valid UTF-8 (line {line}).",
            fix=f"Save {display} as UTF-8, then rerun.",
        ) from None
    bom = text.startswith(BOM)
    text = text[1:] if bom else text
    return Decoded(text, bom, dominant_newline(text))


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: ASCII text with a NUL in every other byte."""
    sample = data[:200]
    if len(sample) < 4:
        return False
    odd, even = sample[1::2], sample[0::2]
    return odd.count(0) > len(odd) * 0.8 or even.count(0) > len(even) * 0.8


def dominant_newline(text: str) -> str:
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    return "\r\n" if crlf > lf else "\n"


def _lines(text: str) -> list[str]:
    return [line for line in re.split(r"(?<=\n)", text) if line]


def crlf_for_new_lines(original: str, rendered: str) -> str:
    """tomlkit writes the lines it adds with LF: in a CRLF file, those lines (and only those)
    get CRLF. Lines kept from the file keep their bytes, LF ones and multi-line strings too."""
    old, new = _lines(original), _lines(rendered)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        for line in new[j1:j2]:
            if tag != "equal" and line.endswith("\n") and not line.endswith("\r\n"):
                line = line[:-1] + "\r\n"
            out.append(line)
    return "".join(out)
