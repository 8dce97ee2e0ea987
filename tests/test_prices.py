"""Prices come from genai-prices' bundled data: every model the simulator serves is priced by
it (or said to be unknown in one sentence), nothing is guessed from a name, and `--json` gives
each model's price."""

from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import KEY, flux, json_of
from wizard import prices
from wizard.simulator.scenarios import builtin_names, load

# Gated research models the price data does not carry (it has claude-mythos-5-2): they get the
# one-sentence fallback. When the data gains one, this set must shrink (the test says so).
UNPRICED = {"claude-mythos-5", "claude-mythos-5-1", "claude-mythos-preview"}

# Prices are read as of the check's day (the clock is handed in): a fixed one here.
DAY = date(2026, 12, 1)


def test_the_price_data_knows_every_model_of_every_scenario():
    missing = {
        m["id"]
        for name in builtin_names()
        for m in load(name).models
        if prices.price_of(m["id"], DAY) is None
    }
    assert missing == UNPRICED


def test_the_library_is_followed_where_the_old_table_disagreed():
    # the hand-kept table said $10 / $50 for Fable 5.2; the maintained data says $8 / $40
    fable = prices.price_of("claude-fable-5-2", DAY)
    assert fable is not None and (fable.input, fable.output) == (8.0, 40.0)
    # a tiered price is "from" its base
    haiku = prices.price_of("claude-haiku-5-5", DAY)
    assert haiku is not None and haiku.describe() == "from $0.10 / $0.50"
    assert (
        prices.relative("claude-opus-5-5", "claude-haiku-5-5", DAY)
        == "about 40 times the price of claude-haiku-5-5"
    )


@pytest.mark.parametrize(
    "value,words",
    [
        (1.0, "the same price"),
        (1 / 3.8, "about a quarter of the price"),
        (0.5, "about half the price"),
        (0.4, "about 40% of the price"),
        (1 / 40, "about 1/40 of the price"),
        (2.0, "about twice the price"),
        (16.0, "about 16 times the price"),
        (1.5, "about 1.5 times the price"),
    ],
)
def test_price_ratios_read_as_people_say_them(value, words):
    assert prices.ratio_words(value) == words
    assert "1/3.8" not in words and "x" not in words


def test_two_models_of_one_price_are_the_same_price():
    assert (
        prices.relative("claude-opus-4-8", "claude-opus-4-7", DAY)
        == "the same price as claude-opus-4-7"
    )


def test_a_price_is_never_guessed_from_a_name():
    for made_up in ("claude-opus-9", "claude-filler-1", "claude-sonnet-99-1", "gpt-4o"):
        assert prices.price_of(made_up, DAY) is None
        assert prices.relative(made_up, "claude-opus-5-5", DAY) is None
    sentence = prices.unknown("claude-opus-9")
    assert "not in the price data" in sentence and prices.PRICING_URL in sentence


def test_check_json_gives_each_models_price_or_null(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    payload = json_of(flux("check", "--project", str(tmp_path), "--json", env=env))
    by_id = {m["id"]: m["price"] for m in payload["models"]}
    opus = by_id["claude-opus-5-5"]
    assert opus["input"] == 4.0 and opus["output"] == 20.0
    assert opus["unit"] == "USD per million tokens"
    assert opus["source"].startswith("genai-prices ")
    assert by_id["claude-haiku-5-5"]["tiered"] is True
    assert all(by_id[m] is None for m in UNPRICED if m in by_id)


def test_the_price_source_says_it_is_not_live():
    assert "not live" in prices.source()
    assert prices.data_source().startswith("genai-prices ")


def test_each_answer_of_the_model_question_states_its_price(tmp_path, sim):
    from tests.helpers import ScriptedPrompter, make_context
    from wizard.commands.run import run

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    prompter = ScriptedPrompter(["", "default", "default", True])
    env = {"ANTHROPIC_API_KEY": KEY}
    ctx, _ = make_context(tmp_path, prompter=prompter, environ=env, base_url=sim.base_url)
    run(ctx)
    (models, *_rest) = prompter.offered
    notes = {o.value: o.note or "" for o in models}
    assert (
        "$4 / $20 per million tokens in/out, about 40 times the price of claude-haiku-5-5"
        in notes["claude-opus-5-5"]
    )
    # and each answer's own line carries the price, short
    for option in models:
        assert "$" in option.title or "price unknown" in option.title, option.title
    for value, note in notes.items():
        assert "per million tokens" in note or "not in the price data" in note, value
    # the fallback question's answers carry theirs too
    fallbacks = prompter.offered[1]
    assert all("$" in o.title or "price unknown" in o.title or o.value == "none" for o in fallbacks)
