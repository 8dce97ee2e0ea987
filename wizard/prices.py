"""Published list prices, dated: what more costs, never presented as live.

The Models API carries no prices, so this table travels with the package and says when it was
checked. A model missing from it is "not in the price table" (the pricing page has it): never
guessed from its line or name.
"""

from __future__ import annotations

from dataclasses import dataclass

CHECKED = "2026-11-25"
PRICING_URL = "https://platform.claude.com/docs/en/about-claude/pricing"


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float
    starting_at: bool = False  # "from": the cheapest of a range

    def describe(self) -> str:
        start = "from " if self.starting_at else ""
        return f"{start}${_money(self.input)} / ${_money(self.output)}"


# Per million input / output tokens, as published on CHECKED.
TABLE: dict[str, Price] = {
    "claude-fable-5-2": Price(10.0, 50.0),
    "claude-fable-5-1": Price(10.0, 50.0),
    "claude-fable-5": Price(10.0, 50.0),
    "claude-opus-5-5": Price(4.0, 20.0),
    "claude-sonnet-5-5": Price(2.0, 10.0),
    "claude-haiku-5-5": Price(0.10, 0.50, starting_at=True),
}


def call_ceiling_usd(input_tokens: int, output_tokens: int) -> float:
    """What a call of this size costs at most, at the highest published prices: a ceiling
    for estimates, never a quote."""
    top_in = max(price.input for price in TABLE.values())
    top_out = max(price.output for price in TABLE.values())
    return (input_tokens * top_in + output_tokens * top_out) / 1e6


def price_of(model_id: str | None) -> Price | None:
    return TABLE.get(model_id) if model_id else None


def relative(model_id: str | None, to: str | None) -> str | None:
    """ "40x" or "1/40" (or "input 40x, output 30x") of the price of `to`; None when either
    price is unknown."""
    mine, theirs = price_of(model_id), price_of(to)
    if mine is None or theirs is None or model_id == to:
        return None
    ratio_in, ratio_out = mine.input / theirs.input, mine.output / theirs.output
    if _ratio(ratio_in) == _ratio(ratio_out):
        return _times(ratio_in)
    return f"input {_times(ratio_in)}, output {_times(ratio_out)}"


def _times(value: float) -> str:
    text = _ratio(value)
    return text if text.startswith("1/") else f"{text}x"


def source() -> str:
    return f"published list prices checked {CHECKED}, not live: {PRICING_URL}"


def _money(value: float) -> str:
    return f"{value:.2f}" if value < 1 else f"{value:g}"


def _ratio(value: float) -> str:
    """4x, 1.5x, 40x; a fraction as 1/40 (cheaper)."""
    if value < 1:
        return f"1/{1 / value:.2g}" if 1 / value < 10 else f"1/{1 / value:.0f}"
    return f"{value:.2g}" if value < 10 else f"{value:.0f}"
