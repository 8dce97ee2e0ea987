"""Text and identifiers that came from the network: validated or escaped before anything shows
or stores them. A server may send escape sequences, bidi controls, newlines, pipes and
backticks, or 10 KB where a word belongs."""

from __future__ import annotations

import re

# What model IDs look like: letters, digits, `.`, `-`, `_`, `:`, `@`; bounded length.
MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}")
# A request ID, an error type or code: one token.
TOKEN = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
# Control characters (C0, DEL, C1), bidi controls and line/paragraph separators.
_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_LINE_BREAKS = re.compile(r"[\r\n\t]+")


def is_model_id(value: object) -> bool:
    return isinstance(value, str) and MODEL_ID.fullmatch(value) is not None


def not_a_model_id(where: str, value: object) -> str:
    """The one sentence for a value that should be a model ID and is not, shown escaped."""
    return f"{where} = {shown(value, 60)} is not a model ID (letters, digits, . - _ : @)."


def text(value: object, limit: int = 500) -> str:
    """A server's words, safe on a terminal and in a Markdown or .env line: control and bidi
    characters escaped (\\x1b, \\u202e), line breaks folded to spaces, at most `limit`."""
    raw = value if isinstance(value, str) else str(value)
    raw = _LINE_BREAKS.sub(" ", raw)
    safe = _UNSAFE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), raw)
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"


def token(value: object) -> str | None:
    """A one-token value (request ID, error type): kept when it is one, escaped otherwise."""
    if value is None:
        return None
    if isinstance(value, str) and TOKEN.fullmatch(value):
        return value
    return text(value, limit=80)


def shown(value: object, limit: int = 80) -> str:
    """Anything from the network quoted in a message: escaped, as a Python literal would be."""
    raw = value if isinstance(value, str) else str(value)
    escaped = raw.encode("unicode_escape").decode("ascii")
    return escaped if len(escaped) <= limit else escaped[: limit - 1] + "…"
