"""Round one with the listing (issue #38): a rerun of `check` verifies, beside the listing,
what the key's last check predicts, and so settles the refusal scenarios in at most 4 round
trips and 4 billed calls; a prediction the account no longer bears out costs calls, never the
truth. Each check is the whole program against the simulator, as a user runs it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import KEY, flux, json_of
from wizard.simulator import serve

CONFIGURED = "claude-haiku-4-5-20251001"  # callable wherever Haiku is: the walk runs to its end


def _project(folder: Path, model: str = CONFIGURED) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "flux.toml").write_text(f'config_version = 2\n[model]\nid = "{model}"\n')
    return folder


def _check(project: Path, running) -> tuple[int, dict, int]:
    running.reset_counters()
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
    result = flux("check", "--json", "--project", str(project), env=env)
    return result.returncode, json_of(result), running.counters.billed_calls


@pytest.mark.parametrize(
    ("scenario", "first_rounds"),
    [
        ("today", 2),  # the common case: the listing with the configured model, then the top
        ("gated-flagship", 3),
        ("model-suspended", 3),
        ("line-refused", 5),
        ("workspace-restricted", 4),  # a 403 on one Opus: the rest of the line asked together
        ("haiku-only", 6),
    ],
)
def test_a_rerun_settles_each_scenario_within_four_round_trips_and_agrees(
    tmp_path, scenario, first_rounds
):
    project = _project(tmp_path / "p")
    with serve(scenario) as running:
        first_code, first, first_billed = _check(project, running)
        code, rerun, billed = _check(project, running)
    assert first["verification"]["round_trips"] <= first_rounds
    assert rerun["verification"]["round_trips"] <= (1 if scenario == "today" else 4)
    assert billed == rerun["verification"]["billed_calls"] <= 4
    assert first_billed <= 4
    # the same answer, only sooner
    assert (code, rerun["recommended"]) == (first_code, first["recommended"])
    proven = {m["id"] for m in rerun["models"] if m["callable"]}
    assert rerun["recommended"] in proven and rerun["verification"]["complete"]


def test_a_prediction_the_account_no_longer_bears_out_costs_calls_not_the_truth(tmp_path):
    """Haiku-only last time, the whole catalogue open now (a new tier): round one's predicted
    refusals answer, and the recommendation is the top of the ranking, within the cap."""
    project = _project(tmp_path / "p")
    with serve("haiku-only") as running:
        _check(project, running)
    with serve("today") as running:
        code, payload, billed = _check(project, running)
    assert payload["recommended"] == "claude-opus-5-5"
    assert billed == payload["verification"]["billed_calls"] <= 4
    assert payload["verification"]["complete"]


def test_a_saved_model_the_listing_no_longer_has_is_asked_but_never_shown(tmp_path):
    """A guess from a saved catalogue that is gone from the listing proves nothing: not in the
    models, not in the diagnoses, its call counted."""
    project = _project(tmp_path / "p")
    with serve("haiku-only") as running:
        _check(project, running)
    saved = list(Path(os.environ["FLUX_SETUP_HOME"]).glob("catalogs/*.json"))
    assert saved
    for path in saved:  # the saved catalogue names a newest Opus the API no longer lists
        path.write_text(path.read_text().replace('"claude-opus-5-5"', '"claude-opus-9-9"'))
    with serve("haiku-only") as running:
        code, payload, billed = _check(project, running)
    ids = {m["id"] for m in payload["models"]}
    assert "claude-opus-9-9" not in ids
    assert "claude-opus-9-9" not in str(payload["diagnosis"])
    assert payload["recommended"] == "claude-haiku-5-5"
    assert billed == payload["verification"]["billed_calls"]


def test_a_workspace_refusal_of_a_line_bills_nothing_below_the_recommendation(tmp_path):
    """workspace-restricted: a 403 on the newest Opus, and the rest of the line is asked
    together; Sonnet's newest answers and nothing below it is billed."""
    project = _project(tmp_path / "p")
    with serve("workspace-restricted") as running:
        code, payload, billed = _check(project, running)
    assert payload["recommended"] == "claude-sonnet-5-5"
    proven = sorted(m["id"] for m in payload["models"] if m["callable"])
    assert proven == sorted([CONFIGURED, "claude-sonnet-5-5"])
    assert billed == 2


def test_a_scan_rerun_guesses_from_a_project_of_the_key_and_agrees(tmp_path):
    """`check --all`: one detection per key, its round one guessed from one of its projects'
    last record; fewer round trips, the same verdict for every project."""
    for name in ("a", "b", "c"):
        _project(tmp_path / name)
    runs = []
    with serve("haiku-only") as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        for _ in range(2):
            payload = json_of(flux("check", "--all", str(tmp_path), "--json", env=env))
            verdicts = sorted(
                (p["path"], p["exit_code"], p["recommended"]) for p in payload["projects"]
            )
            runs.append((payload["keys"][0]["round_trips"], verdicts))
    (first, first_verdicts), (rerun, rerun_verdicts) = runs
    assert rerun < first and rerun <= 4
    assert rerun_verdicts == first_verdicts


def test_a_configured_alias_is_not_called_again_under_its_models_id(tmp_path):
    """`claude-opus-4-5` resolved last time to its dated ID, which the rerun's guesses pass on
    their way down (every Opus refused): that ID is not asked a second time."""
    project = _project(tmp_path / "p", "claude-opus-4-5")
    with serve("line-refused") as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        argv = ("check", "--json", "--max-verify", "10", "--project", str(project))
        flux(*argv, env=env)
        running.reset_counters()
        payload = json_of(flux(*argv, env=env))
        calls = running.counters.snapshot()["requests"].get("POST /v1/messages", 0)
    assert payload["configured"]["resolved"] == "claude-opus-4-5-20251101"
    called = [m["id"] for m in payload["models"] if m["verified"]]
    assert "claude-opus-4-5-20251101" in called
    assert calls == len(called)  # one call a model


@pytest.mark.parametrize("scenario", ["haiku-only", "line-refused", "today"])
def test_no_next_step_names_a_model_the_check_found_refused(tmp_path, scenario):
    """A lifecycle refusal's "switch to" is worded from what the whole check found, not from
    what was known when its call answered (round one's calls answer before the walk)."""
    for name, model in (("a", "claude-opus-4-5-20251101"), ("b", "claude-3-haiku-20240307")):
        _project(tmp_path / name, model)
    with serve(scenario) as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        scan = json_of(flux("check", "--all", str(tmp_path), "--json", env=env))
        single = json_of(flux("check", "--json", "--project", str(tmp_path / "a"), env=env))
    refused = {m["id"] for m in single["models"] if m["callable"] is False}
    steps = [d["next_step"] for p in scan["projects"] for d in p["diagnosis"]]
    steps += [d["next_step"] for d in single["diagnosis"]]
    named = {s.split()[2].rstrip(",") for s in steps if s.startswith("Switch to ")}
    assert not named & refused, steps
