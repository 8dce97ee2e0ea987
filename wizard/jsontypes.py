"""JSON as it arrives: `object` until it is checked. These small readers narrow one field at a
time, so a value of the wrong kind is left out (None, empty) rather than believed."""

from __future__ import annotations

from typing import TypeAlias

JsonObject: TypeAlias = dict[str, object]


def as_object(value: object) -> JsonObject:
    """An object, or an empty one when the value is absent or of another kind."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[object]:
    """A list, or an empty one when the value is absent or of another kind."""
    return value if isinstance(value, list) else []


def as_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def as_int(value: object) -> int | None:
    """A whole number (true and false are not numbers here)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None
