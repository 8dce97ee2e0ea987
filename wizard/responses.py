"""The API's answers, read from their bytes and checked: a model list, a model, a message.
Anything not shaped like the Anthropic API's answer (a captive portal's page, a proxy's error,
broken JSON, a model without an ID) is `Junk`, never "a bug"; every string is cleaned."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from wizard import redaction, untrusted
from wizard.jsontypes import JsonObject, as_int, as_object

LINE = re.compile(r"[a-z][a-z0-9_-]{0,31}")
DATE = re.compile(r"[0-9][0-9T:.Z+-]{0,39}")


class Junk(Exception):
    """The server answered, but not like the API: what was wrong and its first bytes."""

    def __init__(self, what: str, body: bytes = b"") -> None:
        super().__init__(what)
        self.what = what
        self.body = body

    def describe(self) -> str:
        first = self.body[:80].decode("utf-8", "replace")
        shown = f" (it began: {untrusted.shown(first)})" if first.strip() else ""
        return f"{self.what}{shown}"


def parse(body: bytes) -> object:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Junk("the answer is not JSON", body) from None


@dataclass
class Page:
    models: list[JsonObject]
    has_more: bool
    last_id: str | None
    rejected: list[str] = field(default_factory=list)  # IDs that are no model IDs, escaped


def model(
    data: object, body: bytes = b"", carrying: Collection[str] | None = None
) -> JsonObject | None:
    """A model's fields, cleaned; None when its ID is not a model ID. `carrying`: the texts of
    its page that carry a piece of a key (`redaction.carriers`), when the page was checked."""
    if not isinstance(data, dict):
        raise Junk("a model in the answer is not an object", body)
    if data.get("type", "model") != "model":  # a message object is not a model (nor an alias)
        raise Junk("a model in the answer is of another type", body)
    ident, name = data.get("id"), data.get("display_name")
    if carrying is None:
        carried = untrusted.carries_key(ident) or untrusted.carries_key(name)
    else:
        carried = ident in carrying or name in carrying
    if carried or not untrusted.model_id_shape(ident):
        return None  # a display name with a piece of a key: no model, never recommended
    line = data.get("line")
    out: JsonObject = {
        "id": data["id"],
        "display_name": untrusted.text(data.get("display_name") or data["id"], limit=100),
        "line": line if isinstance(line, str) and LINE.fullmatch(line) else None,
        "lifecycle": data.get("lifecycle") if isinstance(data.get("lifecycle"), str) else None,
    }
    for name in ("created_at", "deprecated_at", "retires_at"):
        value = data.get(name)
        out[name] = value if isinstance(value, str) and DATE.fullmatch(value) else None
    for name in ("max_input_tokens", "max_tokens"):  # numbers: `catalog` checks them
        out[name] = as_int(data.get(name))
    return out


def _rejected(item: object) -> str:
    """How a listed entry that is no model is named in the one-line reason: escaped, and never
    by an ID or name that carries a piece of a key."""
    data = item if isinstance(item, dict) else {"id": item}
    if untrusted.carries_key(data.get("id")) or untrusted.carries_key(data.get("display_name")):
        return f"an entry whose ID or display name {untrusted.CARRIES_KEY}"
    return untrusted.shown(data.get("id"), 40)


def page(body: bytes) -> Page:
    data = parse(body)
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise Junk("the model list has no `data` array", body)
    has_more = data.get("has_more")
    if not isinstance(has_more, bool):
        raise Junk("the model list has no true/false `has_more`", body)
    last = data.get("last_id")
    models, rejected = [], []
    # every ID and name of the page checked for pieces of a key at once
    carrying = redaction.carriers(
        text
        for item in data["data"]
        if isinstance(item, dict)
        for text in (item.get("id"), item.get("display_name"))
        if isinstance(text, str)
    )
    for item in data["data"]:
        found = model(item, body, carrying)
        if found is None:
            rejected.append(_rejected(item))
        else:
            models.append(found)
    return Page(models, has_more, last if isinstance(last, str) else None, rejected)


def message_usage(body: bytes) -> tuple[int, int]:
    """The input and output tokens of a message: whole numbers, or Junk."""
    usage = as_object(parse(body)).get("usage")
    if not isinstance(usage, dict):
        raise Junk("the message has no `usage`", body)
    counts = as_int(usage.get("input_tokens")), as_int(usage.get("output_tokens"))
    if counts[0] is None or counts[1] is None or min(counts[0], counts[1]) < 0:
        raise Junk("the message's token counts are not whole numbers", body)
    return counts[0], counts[1]


def retry_after_date(value: str, now: float) -> float | None:
    """Seconds until an HTTP date (`retry-after: Wed, 21 Oct 2026 07:28:00 GMT`), 0 for one
    past; None when it is no date."""
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value.strip()).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when - now) if math.isfinite(when) else None


def retry_after(value: object) -> float | None:
    """Seconds to wait, from a `retry-after` header; None for anything not a finite, non-negative
    number (nan, -5, a date): the backoff applies instead."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


# No answer flux-setup asks for is near this: a listing page of 1000 models is ~0.5 MB, an
# Admin API page less. A larger one (an endless body, a 300 MB page) is refused as it arrives.
MAX_ANSWER_BYTES = 10_000_000
MAX_ANSWER_WORDS = "10 MB"


class AnswerTooLarge(Exception):
    """An answer past MAX_ANSWER_BYTES: read no further, never retried (exit 5)."""

    def __str__(self) -> str:
        return (
            f"the answer was larger than {MAX_ANSWER_WORDS} (no answer of the API's is): "
            "reading stopped there"
        )


class _Stream(Protocol):
    """The parts of the SDK's httpx Response a bounded read uses."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    def iter_bytes(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


def bounded_read(response: _Stream) -> None:
    """The first response hook: the body read here, at most MAX_ANSWER_BYTES of it (an endless
    or a 300 MB answer is cut off as it arrives, not held in memory), then kept where httpx
    keeps what it read, so the SDK and the recorder read the same bytes."""
    length = response.headers.get("content-length", "")
    if length.isascii() and length.isdigit() and int(length) > MAX_ANSWER_BYTES:
        response.close()
        raise AnswerTooLarge()
    parts, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            response.close()
            raise AnswerTooLarge()
        parts.append(chunk)
    response._content = b"".join(parts)  # type: ignore[attr-defined]  # httpx's read() cache
