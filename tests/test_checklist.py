"""The checklist and the rerun path: golden files, manual ticks, stable reruns, and transitions
between scenarios with the same key and project."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers import KEY, assert_no_key, make_context
from wizard import __version__
from wizard.commands.check import check
from wizard.commands.run import run
from wizard.constants import BILLING_URL, LIMITS_URL, SUPPORT_URL
from wizard.errors import ExitCode
from wizard.prices import PRICING_URL
from wizard.simulator import builtin_names, load, serve

GOLDEN = Path(__file__).parent / "golden"
ENV = {"ANTHROPIC_API_KEY": KEY}
FIXED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def masked(text: str) -> str:
    text = re.sub(r"req_sim[0-9a-f]+", "req_MASKED", text)
    text = re.sub(r"after \d+ attempt\(s\)", "after N attempt(s)", text)
    # the price data's version changes with the installed package, not with flux-setup
    text = re.sub(r"genai-prices [0-9][0-9a-z.]*", "genai-prices VERSION", text)
    return re.sub(
        r"^Made .* by flux-setup .*$", "Made DATE by flux-setup VERSION.", text, flags=re.M
    )


def masked_ids(text: str) -> list[str]:
    return re.sub(r"req_sim[0-9a-f]+", "req_X", text).splitlines()


def write_checklist_for(tmp_path, scenario, configured, **options):
    (tmp_path / ".env").write_text(f"FLUX_MODEL={configured}\n")
    with serve(scenario) as running:
        ctx, out = make_context(
            tmp_path, environ=ENV, base_url=running.base_url, write_checklist=True, **options
        )
        ctx.now = lambda: FIXED
        outcome = check(ctx)
    return outcome, (tmp_path / "flux-upgrade-checklist.md").read_text(), out.getvalue()


# The configured model of each golden file: the original story's model unless the scenario is
# about another one. Scenarios whose faults last for the whole budget get a short timeout.
GOLDEN_CONFIGURED = {
    "haiku-only": "claude-haiku-4-5-20251001",
    "spend-cap": "claude-opus-5-5",
    "veteran": "claude-sonnet-4-5",
    "workspace-restricted": "claude-opus-5-5",
    "empty-reply": "claude-opus-5-5",
}
# listing-down needs room after the listing's retries for the configured model's lookup
SHORT_TIMEOUT = {"gateway-timeout": 0.4, "listing-down": 1.0}


@pytest.mark.parametrize("scenario", builtin_names())
def test_golden_checklists(tmp_path, scenario):
    configured = GOLDEN_CONFIGURED.get(scenario, "claude-3-haiku-20240307")
    options = {"timeout": SHORT_TIMEOUT[scenario]} if scenario in SHORT_TIMEOUT else {}
    outcome, text, _ = write_checklist_for(tmp_path, scenario, configured, **options)
    golden = GOLDEN / f"checklist-{scenario}.md"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(masked(text))
    assert masked(text) == golden.read_text()
    # every checklist says where to pay, where the limits are, whom to ask, and how old the
    # prices are, whatever the outcome
    for url in (BILLING_URL, LIMITS_URL, SUPPORT_URL, PRICING_URL):
        assert url in text, url
    assert re.search(r"from genai-prices \d[0-9a-z.]*'s bundled data, not live", text)
    # the per-line table tells what the detection found
    models = {m["id"]: m for m in outcome.to_json()["models"]}
    table = text.split("## Your preferred lines")[1].split("\n## ")[0]
    for line in ("opus", "sonnet", "haiku"):
        best = next(
            (
                m
                for m in outcome.to_json()["models"]
                if m["line"] == line and m["lifecycle"] == "active"
            ),
            None,
        )
        row = next(r for r in table.splitlines() if r.startswith(f"| {line} |"))
        if best is None:
            assert "no active model listed" in row
            continue
        assert f"`{best['id']}`" in row
        word = {True: "callable (verified)", False: "refused", None: ""}[
            models[best["id"]]["callable"]
        ]
        assert word in row
    # the items in --json are the checklist's items
    for item in outcome.to_json()["checklist_items"]:
        assert f"<!-- id:{item['id']} -->" in text
        assert (f"- [x] {item['title']}" in text) == item["done"]


def test_a_rewrite_keeps_hand_ticks_and_the_users_notes(tmp_path):
    _, first, _ = write_checklist_for(tmp_path, "gated-flagship", "claude-haiku-5-5")
    path = tmp_path / "flux-upgrade-checklist.md"
    assert "- [ ] Or use a key from another workspace" in first
    mine = "## Notes\n\nAsked Dana for a key of the research workspace (2026-11-26).\n- [ ] chase her\n"
    edited = first.replace(
        "- [ ] Or use a key from another workspace", "- [x] Or use a key from another workspace"
    )
    edited = edited[: edited.index("## Notes")] + mine
    path.write_text(edited)
    _, again, _ = write_checklist_for(tmp_path, "gated-flagship", "claude-haiku-5-5")
    assert "- [x] Or use a key from another workspace" in again
    assert again.endswith(mine)


@pytest.mark.parametrize("scenario", builtin_names())
def test_no_checklist_blames_a_tier_leaks_the_key_or_quotes_the_old_ladder(tmp_path, scenario):
    options = {"timeout": SHORT_TIMEOUT[scenario]} if scenario in SHORT_TIMEOUT else {}
    _, text, out = write_checklist_for(tmp_path, scenario, "claude-3-opus-20240229", **options)
    assert_no_key(text)
    assert_no_key(out)
    model_ids = {m["id"] for m in load(scenario).models}
    for sentence in re.split(r"(?<=[.!?])\s+|\n", text):
        if "tier" in sentence.lower():
            assert not any(model in sentence for model in model_ids), sentence
            assert not re.search(r"\b(haiku|sonnet|opus|fable|mythos)\b", sentence.lower()), (
                sentence
            )
    # the old ladder bought with $5/$40/$200/$400 of credits ("$200,000" is Scale's cap today)
    # (a price per million tokens, "$1 / $5", is not a credit purchase)
    unpriced = re.sub(r"\$[\d.]+ / \$[\d.]+", "PRICE", text)
    assert not re.search(r"\$(5|40|200|400)(?![\d,])|Tier [1-4]", unpriced)


def test_the_seed_story_is_told_right(tmp_path):
    outcome, text, _ = write_checklist_for(tmp_path, "seed-2025", "claude-3-haiku-20240307")
    assert outcome.exit_code == ExitCode.UPGRADE_AVAILABLE
    assert "- [x] The best opus model, claude-opus-4-1-20250805, is callable" in text
    assert "- [x] Billing works" in text


def test_a_manual_tick_survives_a_rewrite_and_a_rerun_changes_only_the_date(tmp_path):
    _, first, _ = write_checklist_for(tmp_path, "zero-balance", "claude-3-haiku-20240307")
    path = tmp_path / "flux-upgrade-checklist.md"
    ticked = first.replace(
        "- [ ] After any change to your account", "- [x] After any change to your account"
    )
    path.write_text(ticked)
    with serve("zero-balance") as running:
        ctx, _ = make_context(
            tmp_path, environ=ENV, base_url=running.base_url, write_checklist=True
        )
        ctx.now = lambda: datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
        check(ctx)
    again = path.read_text()
    assert "- [x] After any change to your account" in again
    # this run's request IDs change with every call: the rest stays as it was
    changed = [(a, b) for a, b in zip(masked_ids(ticked), masked_ids(again), strict=True) if a != b]
    assert changed == [
        (
            f"Made 2026-11-25 12:00 UTC by flux-setup {__version__}.",
            f"Made 2026-12-01 08:30 UTC by flux-setup {__version__}.",
        )
    ]


def test_haiku_only_then_today_check_exits_10_and_names_the_new_models(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    with serve("haiku-only") as running:
        ctx, _ = make_context(tmp_path, environ=ENV, base_url=running.base_url)
        assert check(ctx).exit_code == ExitCode.OK  # haiku is the best it can call
        running.use_scenario("today")
        ctx, out = make_context(tmp_path, environ=ENV, base_url=running.base_url)
        outcome = check(ctx)
    assert outcome.exit_code == ExitCode.UPGRADE_AVAILABLE
    text = out.getvalue()
    assert "claude-opus-5-5 is now callable (refused on" in text
    # a model ranked below the recommendation is no business of check's: not billed for
    assert "claude-sonnet-5-5 is now callable" not in text
    # run then applies it
    with serve("today") as running:
        ctx, _ = make_context(tmp_path, environ=ENV, base_url=running.base_url, yes=True)
        assert run(ctx).exit_code == ExitCode.OK
        ctx, _ = make_context(tmp_path, environ=ENV, base_url=running.base_url)
        assert check(ctx).exit_code == ExitCode.OK


def test_today_then_veteran_with_a_deprecated_model_exits_11(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-sonnet-4-5-20250929\n")
    with serve("today") as running:
        ctx, _ = make_context(tmp_path, environ=ENV, base_url=running.base_url)
        assert check(ctx).exit_code == ExitCode.UNAVAILABLE  # closed to a new organisation
        running.use_scenario("veteran")
        ctx, out = make_context(tmp_path, environ=ENV, base_url=running.base_url)
        ctx.now = lambda: datetime(2026, 11, 26, tzinfo=UTC)  # before it retires
        assert check(ctx).exit_code == ExitCode.DEPRECATED
    assert "retires 2026-11-30" in out.getvalue()


def test_a_configured_model_that_becomes_retired_exits_12(tmp_path):
    veteran = load("veteran")
    models = []
    for model in veteran.models:
        model = dict(model)
        if model["id"] == "claude-sonnet-4-5-20250929":
            model["lifecycle"] = "retired"
        models.append(model)
    later = tmp_path / "december.json"
    later.write_text(json.dumps({"extends": "veteran", "models": models}))
    project = tmp_path / "project"
    project.mkdir()
    (project / ".env").write_text("FLUX_MODEL=claude-sonnet-4-5-20250929\n")
    with serve("veteran") as running:
        ctx, _ = make_context(project, environ=ENV, base_url=running.base_url)
        assert check(ctx).exit_code == ExitCode.DEPRECATED
        running.use_scenario(str(later))
        ctx, out = make_context(project, environ=ENV, base_url=running.base_url)
        assert check(ctx).exit_code == ExitCode.UNAVAILABLE
    text = out.getvalue()
    assert "claude-sonnet-4-5-20250929 was retired." in text
    assert "Your configured model claude-sonnet-4-5-20250929 was retired." in text


@pytest.mark.parametrize(
    "scenario,configured,code,step",
    [
        ("gated-flagship", "claude-haiku-5-5", 10, "Switch Flux to claude-opus-5 now"),
        ("veteran", "claude-sonnet-4-5", 11, "Switch Flux to claude-opus-5-5 now"),
        ("today", "claude-3-haiku-20240307", 12, "Switch Flux to claude-opus-5-5 now"),
    ],
)
def test_check_names_the_next_step_when_a_change_is_due(tmp_path, scenario, configured, code, step):
    (tmp_path / ".env").write_text(f"FLUX_MODEL={configured}\n")
    with serve(scenario) as running:
        ctx, out = make_context(tmp_path, environ=ENV, base_url=running.base_url)
        outcome = check(ctx)
    assert outcome.exit_code == code
    (line,) = [line for line in out.getvalue().splitlines() if line.startswith("! Next: ")]
    assert line.startswith(f"! Next: {step}")
    assert "flux-setup run --model" in line
    # one verdict: the step itself, not a sentence that repeats the diagnosis before it
    assert "run `flux-setup run` to" not in out.getvalue()
    assert not (tmp_path / "flux-upgrade-checklist.md").exists()  # no --write-checklist


def test_check_says_no_next_step_when_all_is_well(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    ctx, out = make_context(tmp_path, environ=ENV, base_url=sim.base_url)
    assert check(ctx).exit_code == ExitCode.OK
    assert "Next: " not in out.getvalue()


def test_many_new_models_since_the_last_check_are_summarised_in_one_line(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    with serve("seed-2025") as running:
        ctx, _ = make_context(tmp_path, environ=ENV, base_url=running.base_url)
        check(ctx)
        running.use_scenario("today")
        ctx, out = make_context(tmp_path, environ=ENV, base_url=running.base_url)
        check(ctx)
    text = out.getvalue()
    assert "New model:" not in text  # not one line each (there are over 20)
    (summary,) = [line for line in text.splitlines() if "new models since" in line]
    assert "and " in summary and summary.count("claude-") == 5
