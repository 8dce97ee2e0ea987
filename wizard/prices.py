"""Published list prices, from genai-prices (pydantic's maintained price database): what more
costs, never presented as live.

The Models API carries no prices. genai-prices carries dated Anthropic prices (tiers, batch,
sources) in the package itself; flux-setup reads that bundled data and never fetches updates,
so a price is as old as the installed package, and says so. A model the package does not know
is "not in the price data" (the pricing page has it): never guessed from its line or name.
The package costs ~0.15 s to import, so it is imported on the first price asked, not before.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from wizard.jsontypes import JsonObject

if TYPE_CHECKING:
    from genai_prices.data_snapshot import DataSnapshot

PRICING_URL = "https://platform.claude.com/docs/en/about-claude/pricing"
UNIT = "USD per million tokens"
PROVIDER = "anthropic"


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float
    starting_at: bool = False  # "from": tiered, the price up to the first tier

    def describe(self) -> str:
        start = "from " if self.starting_at else ""
        return f"{start}${_money(self.input)} / ${_money(self.output)}"

    def to_json(self) -> JsonObject:
        return {
            "input": self.input,
            "output": self.output,
            "unit": UNIT,
            "tiered": self.starting_at,
            "source": data_source(),
        }


def data_source() -> str:
    """Which data the prices come from: the package and its version (its data's date)."""
    from wizard.versions import installed

    found = installed("genai-prices")
    return f"genai-prices {found}" if found else "genai-prices"


def _snapshot() -> DataSnapshot:
    from genai_prices import data_snapshot

    return data_snapshot.get_snapshot()


def _base(value: object) -> tuple[float, bool]:
    """A per-million price, and whether tiers raise it past a context size."""
    if isinstance(value, Decimal):
        return float(value), False
    base = getattr(value, "base", None)
    if isinstance(base, Decimal):
        return float(base), bool(getattr(value, "tiers", None))
    raise LookupError("no per-token price")


@functools.lru_cache(maxsize=1024)
def _lookup(model_id: str, day: str) -> Price | None:
    try:
        _provider, model = _snapshot().find_provider_model(model_id, None, PROVIDER, None)
    except LookupError:
        return None
    when = datetime.fromisoformat(day).replace(tzinfo=UTC)
    current = model.get_prices(when)
    try:
        (inp, tiered_in), (out, tiered_out) = (
            _base(current.input_mtok),
            _base(current.output_mtok),
        )
    except LookupError:
        return None
    return Price(inp, out, starting_at=tiered_in or tiered_out)


def price_of(model_id: str | None, day: date) -> Price | None:
    """The list price of `model_id` on `day` (the day of the check: the clock is handed in),
    from the package's data; None when the package does not know the model."""
    if not model_id:
        return None
    return _lookup(model_id, day.isoformat())


@functools.lru_cache(maxsize=8)
def _ceiling(day: date) -> tuple[float, float]:
    provider = next(p for p in _snapshot().providers if p.id == PROVIDER)
    now = datetime(day.year, day.month, day.day, tzinfo=UTC)
    top_in = top_out = 0.0
    for model in provider.models:
        try:
            current = model.get_prices(now)
            inp, out = _base(current.input_mtok)[0], _base(current.output_mtok)[0]
        except (LookupError, AttributeError):
            continue
        top_in, top_out = max(top_in, inp), max(top_out, out)
    return top_in, top_out


def call_ceiling_usd(input_tokens: int, output_tokens: int, day: date) -> float:
    """What a call of this size costs at most, at the highest price the data holds for any
    Anthropic model: a ceiling for estimates, never a quote."""
    top_in, top_out = _ceiling(day)
    return (input_tokens * top_in + output_tokens * top_out) / 1e6


def relative(
    model_id: str | None, to: str | None, day: date, *, name: str | None = None
) -> str | None:
    """How the price of `model_id` compares with `to`'s, as a person says it: "about 16 times
    the price of X", "about a quarter of the price of X", "the same price as X" (`name`: how X
    is named, default its ID); None when either price is unknown."""
    words = ratio(model_id, to, day)
    if words is None:
        return None
    return f"{words} as {name or to}" if words == SAME else f"{words} of {name or to}"


def ratio(model_id: str | None, to: str | None, day: date) -> str | None:
    """The ratio alone: "about 16 times the price", "input about 4 times, output about 3 times
    the price" (a table's cell under its own heading); None when a price is unknown."""
    mine, theirs = price_of(model_id, day), price_of(to, day)
    if mine is None or theirs is None or model_id == to:
        return None
    words_in = ratio_words(mine.input / theirs.input)
    words_out = ratio_words(mine.output / theirs.output)
    if words_in == words_out:
        return words_in
    return f"input {words_in.removesuffix(' the price')}, output {words_out}"


SAME = "the same price"
_FRACTIONS = {2: "half the price", 3: "a third of the price", 4: "a quarter of the price"}


def ratio_words(value: float) -> str:
    """A price ratio in words: "the same price", "about twice the price", "about 16 times the
    price", "about half the price", "about a quarter of the price", "about 1/40 of the price",
    "about 70% of the price" (rounded as people round: two figures below 10, whole numbers above)."""
    if 0.95 <= value <= 1.05:
        return SAME
    if value > 1:
        times = f"{value:.2g}" if value < 10 else f"{value:.0f}"
        return "about twice the price" if times == "2" else f"about {times} times the price"
    parts = round(1 / value)
    if value > 0.6 or (parts < 5 and abs(1 / value - parts) > 0.2):  # no plain fraction near
        return f"about {round(value * 20) * 5}% of the price"
    return f"about {_FRACTIONS.get(parts, f'1/{parts} of the price')}"


def compact(model_id: str, day: date) -> str:
    """The price as an answer's line holds it: "$4/$20", "from $0.10/$0.50", "price unknown"."""
    price = price_of(model_id, day)
    return price.describe().replace(" / ", "/") if price is not None else "price unknown"


def brief(model_id: str, current: str | None, day: date) -> str:
    """A choice's cost, for the line under it: "$4 / $20 per million tokens in/out, 40x the
    price of claude-haiku-5-5", or the one sentence for a price not known."""
    price = price_of(model_id, day)
    if price is None:
        return unknown(model_id)
    ratio = relative(model_id, current, day)
    versus = f", {ratio}" if ratio else ""
    return f"{price.describe()} per million tokens in/out{versus}"


def unknown(model_id: str) -> str:
    """The one sentence for a model the price data does not know."""
    return f"{model_id}'s price is not in the price data ({data_source()}): see {PRICING_URL}"


def source() -> str:
    return f"list prices from {data_source()}'s bundled data, not live: {PRICING_URL}"


def _money(value: float) -> str:
    return f"{value:.2f}" if value < 1 else f"{value:g}"
