"""The model catalogue: lifecycle, line, ranking by the user's line order, successors.

Everything is decided from Models API data; nothing here knows a model name.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from wizard.jsontypes import JsonObject, as_str
from wizard.vocab import Code, Lifecycle, Status

DEFAULT_PREFER: tuple[str, ...] = ("opus", "sonnet", "haiku")
LINE_NAME = re.compile(r"[a-z][a-z0-9_-]*")


class PreferError(ValueError):
    pass


def parse_prefer(value: str | Sequence[str]) -> tuple[str, ...]:
    """A line order from `--prefer opus,sonnet` or a config list; lower-cased, no duplicates."""
    items = value.split(",") if isinstance(value, str) else list(value)
    lines: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise PreferError(f"line names are strings, not {item!r}")
        name = item.strip().lower()
        if not name:
            continue
        if not LINE_NAME.fullmatch(name):
            raise PreferError(f"{item!r} is not a model line name (e.g. opus, sonnet, haiku)")
        if name not in lines:
            lines.append(name)
    if not lines:
        raise PreferError("the line order is empty; e.g. --prefer opus,sonnet,haiku")
    return tuple(lines)


@dataclass
class Model:
    id: str
    display_name: str
    line: str | None
    lifecycle: Lifecycle
    created_at: str
    deprecated_at: str | None = None
    retires_at: str | None = None
    callable: bool | None = None  # None: not verified, or a transient error
    verified: bool = False
    reason: Code | None = None  # why it was refused, or why its access is unknown
    request_id: str | None = None
    max_input_tokens: int | None = None  # the context window, as the Models API says it
    max_tokens: int | None = None  # the most output tokens a request may ask for

    @classmethod
    def from_api(cls, data: JsonObject) -> Model:
        """A model from fields `responses.model` checked (or a saved record of them)."""
        model_id = str(data["id"])
        return cls(
            id=model_id,
            display_name=as_str(data.get("display_name")) or model_id,
            line=as_str(data.get("line")),
            lifecycle=_lifecycle(data.get("lifecycle")),
            created_at=str(data.get("created_at") or ""),
            deprecated_at=_date(data.get("deprecated_at")),
            retires_at=_date(data.get("retires_at")),
            max_input_tokens=_tokens(data.get("max_input_tokens")),
            max_tokens=_tokens(data.get("max_tokens")),
        )

    @classmethod
    def from_record(cls, data: JsonObject) -> Model:
        """A model as `to_json` wrote it, with what verification found."""
        model = cls.from_api(data)
        model.created_at = _saved_time(model.created_at)
        found = data.get("callable")
        model.callable = found if isinstance(found, bool) else None
        model.verified = data.get("verified") is True
        model.reason = _saved_code(data.get("reason"), refused=model.callable is False)
        return model

    @property
    def retires_on(self) -> str | None:
        return self.retires_at[:10] if self.retires_at else None

    @property
    def status(self) -> Status:
        """What this model is for the key, online and offline alike. `lifecycle` decides, dates
        only inform: a deprecated model whose `retires_at` has passed is overdue for
        retirement, not retired (the Models API's own reading), and stays deprecated."""
        if self.lifecycle == Lifecycle.RETIRED:
            return Status.RETIRED
        if self.callable is False:
            return Status.NOT_CALLABLE
        if self.callable is None:
            return Status.UNVERIFIED
        return Status.DEPRECATED if self.lifecycle == Lifecycle.DEPRECATED else Status.CALLABLE

    def retirement(self, today: date) -> str:
        """When it retires, in words for a sentence: "retires 2027-01-22", or, for a date
        that has passed on a model not yet retired, that retirement is overdue."""
        day = self.retires_on
        if not day:
            return ""
        if self.lifecycle != Lifecycle.RETIRED and day < today.isoformat():
            return f"its retirement, due {day}, is overdue: it may stop answering any day"
        return f"retires {day}"

    def to_json(self) -> JsonObject:
        return {
            "id": self.id,
            "display_name": self.display_name,
            "line": self.line,
            "lifecycle": str(self.lifecycle),
            "retires_at": self.retires_at,
            "callable": self.callable,
            "verified": self.verified,
            "reason": str(self.reason) if self.reason else None,
            "max_input_tokens": self.max_input_tokens,
            "max_tokens": self.max_tokens,
        }

    def to_record(self) -> JsonObject:
        """`to_json` and the dates a saved catalogue keeps for what is made from it offline
        (`export --offline`: a snapshot's `created_at`, a datasource's `releaseTimestamp`)."""
        return {
            **self.to_json(),
            "created_at": self.created_at,
            "deprecated_at": self.deprecated_at,
        }


def _first_proven(ranked: Sequence[Model], unverified_ok: bool) -> Model | None:
    for model in ranked:
        if model.callable:
            return model
        if model.callable is False:
            continue
        if not unverified_ok:
            return None  # it may answer: nothing below it is proven the best
        if model.lifecycle == Lifecycle.ACTIVE:
            return model
    return None


def _lifecycle(value: object) -> Lifecycle:
    """The API documents three words; a model listed without one (or with a word it added
    later) is taken as listed for use: verification, not this word, proves access."""
    try:
        return Lifecycle(str(value))
    except ValueError:
        return Lifecycle.ACTIVE


def _date(value: object) -> str | None:
    return str(value) if value else None


class Catalog:
    def __init__(self, models: Iterable[Model]) -> None:
        self.models = list(models)
        self._by_id = {m.id: m for m in self.models}

    def get(self, model_id: str | None) -> Model | None:
        return self._by_id.get(model_id) if model_id else None

    def add(self, model: Model) -> None:
        if model.id not in self._by_id:
            self.models.append(model)
            self._by_id[model.id] = model

    def ranked(self, prefer: Sequence[str]) -> list[Model]:
        """Models of the preferred lines that may be called at all: line order first, then
        active before deprecated, then the listing's order (newest first: `created_at` may be
        an epoch placeholder, so it is not trusted). `line: null` is never guessed."""
        order = {line: index for index, line in enumerate(prefer)}
        candidates = [
            m for m in self.models if m.line in order and m.lifecycle != Lifecycle.RETIRED
        ]
        return sorted(
            candidates, key=lambda m: (order[m.line or ""], m.lifecycle != Lifecycle.ACTIVE)
        )

    def recommend(self, prefer: Sequence[str], *, unverified_ok: bool = False) -> Model | None:
        """The best callable model, proven: every model ranked above it was refused. An
        unverified model ranked above the first callable one leaves nothing proven (None).
        With `unverified_ok` (no verification at all), the best active model not known to be
        refused."""
        return _first_proven(self.ranked(prefer), unverified_ok)

    def settled(self, prefer: Sequence[str], *, unverified_ok: bool = False) -> bool:
        """Whether the recommendation is proven: one is, or every model of the preferred
        lines was refused, or there are none. Online and offline alike."""
        ranked = self.ranked(prefer)
        if not ranked or self.recommend(prefer, unverified_ok=unverified_ok) is not None:
            return True
        return all(m.callable is False for m in ranked)

    def fallback_candidates(self, prefer: Sequence[str], chosen: Model) -> list[Model]:
        """The models that may stand in for `chosen`, best first: only those ranked below it
        in the line order (never one the user ranked above it), other lines first, so that
        one line's outage does not take both; its own line after them."""
        ranked = self.ranked(prefer)
        ids = [m.id for m in ranked]
        if chosen.id not in ids:
            return []  # outside the line order: nothing is ranked below it
        below = ranked[ids.index(chosen.id) + 1 :]
        return [m for m in below if m.line != chosen.line] + [
            m for m in below if m.line == chosen.line
        ]

    def fallback(
        self,
        prefer: Sequence[str],
        chosen: Model | None,
        *,
        unverified_ok: bool = False,
        configured: str | None = None,
    ) -> Model | None:
        """The fallback of the chosen model (docs/detection.md, "The fallback"): the
        `configured` one while it can stay (active, callable, ranked below the chosen model),
        else the best callable model ranked below it, another line preferred, proven like a
        recommendation; None when nothing qualifies."""
        if chosen is None:
            return None
        below = self.fallback_candidates(prefer, chosen)
        for model in below:
            usable = model.callable or (unverified_ok and model.callable is None)
            if model.id == configured and model.lifecycle == Lifecycle.ACTIVE and usable:
                return model
        return _first_proven(below, unverified_ok)

    def successor(self, model: Model) -> Model | None:
        """The newest active model of the same line that is not known to be refused."""
        if model.line is None:
            return None
        same_line = [
            m
            for m in self.models
            if m.line == model.line
            and m.lifecycle == Lifecycle.ACTIVE
            and m.callable is not False
            and m.id != model.id
        ]
        same_line.sort(key=lambda m: (m.callable is True, m.created_at), reverse=True)
        return same_line[0] if same_line else None

    def suggestions(self, model_id: str, limit: int = 3) -> list[str]:
        """Close IDs that may be meant ('did you mean'), active ones first."""
        ids = [m.id for m in self.models if m.lifecycle != Lifecycle.RETIRED]
        return difflib.get_close_matches(model_id, ids, n=limit, cutoff=0.6)


def _saved_code(word: object, *, refused: bool) -> Code | None:
    """A code read back from the state (anyone's file, so checked): a word this version does
    not know is, for a refused model, the generic refusal; otherwise nothing."""
    if isinstance(word, str) and word in Code._value2member_map_:
        return Code(word)
    return Code.MODEL_NOT_AVAILABLE if refused else None


def _saved_time(value: str) -> str:
    """A time read back from a saved file (anyone's text, published by `export`): an ISO
    date and time, else "" (unknown)."""
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return ""
    return value


def _tokens(value: object) -> int | None:
    """A token count the API gave (anyone's number: a whole, positive, believable one)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 100_000_000:
        return value
    return None
