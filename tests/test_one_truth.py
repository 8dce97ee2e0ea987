"""One truth, every view: `check`, `check --all`, `check --offline`, `status`, `run` (its
messages, JSON, files and checklist) and the CI helper give one answer for one project."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tests.helpers import KEY, flux, json_of
from wizard import ci
from wizard.simulator import serve

ENV = {"ANTHROPIC_API_KEY": KEY}
CLOSED = "claude-opus-4-5-20251101"  # today: deprecated, closed to a new organisation


def config(model: str, extra: str = "") -> str:
    return f'config_version = 2\n\n[model]\nid = "{model}"\n{extra}'


def env_with(sim, **extra: str) -> dict[str, str]:
    return {**ENV, "ANTHROPIC_BASE_URL": sim.base_url, **extra}


def said(result) -> str:
    """What a person reads: human text goes to stdout, or to stderr beside --json."""
    return result.stdout + result.stderr


def coded(payload: dict) -> set[tuple[str, str | None]]:
    return {(d["code"], d["model"]) for d in payload["diagnosis"]}


# -- a diagnosis belongs to a scope ----------------------------------------------------------


def test_a_scan_gives_no_project_the_refusal_of_a_neighbours_model(tmp_path, sim):
    for name, model in (("old", CLOSED), ("best", "claude-opus-5-5"), ("up", "claude-opus-4-6")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "flux.toml").write_text(config(model))
    env = env_with(sim)
    scan = json_of(flux("check", "--all", str(tmp_path), "--json", env=env))
    by_name = {Path(p["path"]).name: p for p in scan["projects"]}
    assert ("model_closed_to_new_adopters", CLOSED) in coded(by_name["old"])
    for name in ("best", "up"):
        assert all(d["model"] != CLOSED for d in by_name[name]["diagnosis"]), name
    # the scan's one-line reason is the cause a single check gives, not "is not callable"
    assert "closed to organisations that did not use it before" in by_name["old"]["reason"]
    assert by_name["best"]["reason"] is None
    # each project's scan view says no more than a check of it alone
    for name, project in by_name.items():
        single = json_of(flux("check", "--project", str(tmp_path / name), "--json", env=env))
        assert single["exit_code"] == project["exit_code"], name
        assert coded(project) <= coded(single), name
        assert single["reason"] == project["reason"], name
    # the CI helper annotates each project with its own cause
    lines = ci.workflow_commands(scan, {11, 12})
    assert not [line for line in lines if CLOSED in line and "old" not in line]
    assert any("old" in line and "closed to organisations" in line for line in lines)


# -- one fallback ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scenario,model",
    [
        ("seed-2025", "claude-haiku-4-5-20251001"),
        ("today", "claude-haiku-5-5"),
        ("today", "claude-sonnet-5"),
    ],
)
def test_the_files_the_messages_the_json_and_the_checklist_name_one_fallback(
    tmp_path, scenario, model
):
    with serve(scenario) as running:
        env = {**ENV, "ANTHROPIC_BASE_URL": running.base_url}
        result = flux(
            "run", "--project", str(tmp_path), "--yes", "--json", "--model", model, env=env
        )
    payload = json_of(result)
    assert result.returncode == 0, result.stderr
    fallback = payload["fallback"]
    written = tomllib.loads((tmp_path / "flux.toml").read_text())["model"].get("fallback")
    assert written == fallback
    checklist = (tmp_path / "flux-upgrade-checklist.md").read_text()
    assert f"- Fallback: `{fallback or 'none'}`" in checklist
    said = f"Fallback: {fallback} (" if fallback else "No fallback"
    assert said in result.stderr
    # never a model ranked above the chosen one: a Haiku user is never given an Opus
    lines = ["opus", "sonnet", "haiku"]
    by_id = {m["id"]: m for m in payload["models"]}
    if fallback:
        assert lines.index(by_id[fallback]["line"]) >= lines.index(by_id[model]["line"])
        assert by_id[fallback]["callable"] is True
        assert "opus" not in fallback


def test_the_fallback_can_be_chosen_or_refused_for_scripts(tmp_path, sim):
    env = env_with(sim)
    args = ("run", "--project", str(tmp_path), "--yes", "--json")
    payload = json_of(flux(*args, "--fallback", "none", env=env))
    assert payload["fallback"] is None
    assert "fallback" not in tomllib.loads((tmp_path / "flux.toml").read_text())["model"]
    payload = json_of(flux(*args, "--fallback", "claude-haiku-5-5", env=env))
    assert payload["fallback"] == "claude-haiku-5-5"
    assert tomllib.loads((tmp_path / "flux.toml").read_text())["model"]["fallback"] == (
        "claude-haiku-5-5"
    )
    result = flux(*args, "--fallback", "claude-opus-5-5", env=env)  # the model itself
    assert result.returncode == 2 and "must be another" in result.stderr
    result = flux(*args, "--fallback", "claude-mythos-5-2", env=env)  # refused to this key
    assert result.returncode == 2 and "cannot be used" in result.stderr


def test_a_pricier_fallback_is_said(tmp_path, sim):
    # a user who ranks Haiku first, then Opus: the fallback costs more, and the run says so
    result = flux(
        "run", "--project", str(tmp_path), "--yes", "--prefer", "haiku,opus", env=env_with(sim)
    )
    assert result.returncode == 0, said(result)
    assert "The fallback claude-opus-5-5 costs more than claude-haiku-5-5" in said(result)


# -- the lifecycle reading --------------------------------------------------------------------


def test_offline_right_after_online_names_the_same_cause_and_status(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-3-opus-20240229\n")
    with serve("seed-2025") as running:
        env = {**ENV, "ANTHROPIC_BASE_URL": running.base_url}
        online = json_of(flux("check", "--project", str(tmp_path), "--json", env=env))
    offline = json_of(flux("check", "--project", str(tmp_path), "--offline", "--json", env=ENV))
    assert online["exit_code"] == offline["exit_code"] == 12
    assert online["configured"]["status"] == offline["configured"]["status"] == "not_callable"
    cause = ("model_closed_to_new_adopters", "claude-3-opus-20240229")
    assert cause in coded(online) and cause in coded(offline)
    assert "model_retired" not in {code for code, _ in coded(offline)}


def test_an_overdue_retirement_online_is_deprecated_and_said_overdue(tmp_path):
    # veteran may still call claude-sonnet-4-5-20250929, deprecated, due 2026-11-30; the
    # simulator's catalogue still says deprecated, so it is: "overdue", never "retired"
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-sonnet-4-5-20250929\n")
    with serve("veteran") as running:
        env = {**ENV, "ANTHROPIC_BASE_URL": running.base_url}
        result = flux("check", "--project", str(tmp_path), "--json", env=env)
    payload = json_of(result)
    assert payload["exit_code"] == 11 and payload["configured"]["status"] == "deprecated"
    assert "due 2026-11-30, is overdue" in result.stderr


# -- one plan -------------------------------------------------------------------------------


def test_the_batch_plan_warns_of_what_run_yes_warns_of(tmp_path, sim):
    (tmp_path / "cheap").mkdir()
    (tmp_path / "cheap" / "flux.toml").write_text(config("claude-haiku-4-5-20251001"))
    env = env_with(sim)
    alone = flux("run", "--project", str(tmp_path / "cheap"), "--yes", "--dry-run", env=env)
    line_change = next(line for line in said(alone).splitlines() if "This moves Flux" in line)
    fallback = next(line for line in said(alone).splitlines() if "Fallback:" in line)
    batch = flux("check", "--all", str(tmp_path), "--fix", "--dry-run", env=env)
    assert line_change.lstrip("! ") in said(batch)
    assert fallback.strip() in said(batch)


# -- the preview tells what will take effect ----------------------------------------------------


def test_an_environment_override_is_said_before_the_network_and_the_preview(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    env = env_with(sim, FLUX_MODEL="claude-sonnet-5-5")
    result = flux("run", "--project", str(tmp_path), "--dry-run", env=env)
    err = said(result)
    early = err.index("overrides the files")
    assert early < err.index("Verifying access")
    assert err.index("takes effect only once FLUX_MODEL is unset") < err.index("Dry run")
    assert "This moves Flux" not in err  # Flux moves nowhere while the environment wins


def test_a_dry_run_says_a_file_it_could_not_write(tmp_path, sim):
    checklist = tmp_path / "flux-upgrade-checklist.md"
    checklist.mkdir()  # a folder where the checklist goes
    result = flux("run", "--project", str(tmp_path), "--dry-run", env=env_with(sim))
    assert result.returncode == 0
    assert "could not be applied as it is" in said(result) and "Dry run" in said(result)
    sim.reset_counters()
    result = flux("run", "--project", str(tmp_path), "--yes", env=env_with(sim))
    assert result.returncode == 6  # without --dry-run it stops before anything is sent
    assert sim.counters.snapshot()["total_requests"] == 0


# -- status and check agree ---------------------------------------------------------------------


def test_status_and_check_agree_when_the_files_disagree(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    (tmp_path / "flux.toml").write_text(config("claude-3-haiku-20240307"))  # retired
    env = env_with(sim)
    check = json_of(flux("check", "--project", str(tmp_path), "--json", env=env))
    mismatch = [d for d in check["diagnosis"] if d["code"] == "config_mismatch"]
    assert mismatch and "claude-3-haiku-20240307, which is retired" in mismatch[0]["message"]
    status = flux("status", "--project", str(tmp_path), "--json", env=ENV)
    payload = json.loads(status.stdout)
    assert status.returncode == check["exit_code"] == 0  # Flux runs .env's callable model
    assert "config_mismatch" in {d["code"] for d in payload["diagnosis"]}
    assert "cannot run" not in status.stderr


def test_status_in_an_empty_folder_says_what_is_missing(tmp_path):
    result = flux("status", "--project", str(tmp_path), env=ENV)
    assert result.returncode == 12
    assert "No model is configured for Flux yet" in said(result)
    assert "see above" not in said(result)


def test_status_gives_the_saved_verdict_check_offline_gives(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-sonnet-5-5\n")
    flux("check", "--project", str(tmp_path), env=env_with(sim))
    offline = flux("check", "--project", str(tmp_path), "--offline", env=ENV)
    status = flux("status", "--project", str(tmp_path), "--json", env=ENV)
    assert status.returncode == offline.returncode == 10
    assert json.loads(status.stdout)["verdict"]["recommended"] == "claude-opus-5-5"


# -- the checklist and the listing ------------------------------------------------------------


def test_the_checklist_never_calls_a_spend_cap_known_that_it_does_not_show(tmp_path, sim):
    flux("run", "--project", str(tmp_path), "--yes", env=env_with(sim))
    text = (tmp_path / "flux-upgrade-checklist.md").read_text()
    assert "- [x] Rate limits are known" in text
    assert "spend cap are known" not in text
    assert "Spend cap: not in the API's answers" in text


def test_a_listing_refused_with_403_says_the_key_may_not_list_models(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with serve("listing-forbidden") as running:
        env = {**ENV, "ANTHROPIC_BASE_URL": running.base_url}
        payload = json_of(flux("check", "--project", str(tmp_path), "--json", env=env))
    listing = next(d for d in payload["diagnosis"] if d["code"] == "listing_failed")
    assert "may not list models" in listing["message"]
    assert not listing["next_step"].lower().startswith("rerun later")
    assert next(m for m in payload["models"] if m["id"] == "claude-opus-5-5")["callable"]


def test_a_409_is_transient_in_every_module(tmp_path, sim):
    from wizard.simulator import load

    scenario = load("today")
    scenario.responses.append(
        {
            "on": "messages",
            "models": ["claude-opus-5-5"],
            "status": 409,
            "type": "conflict_error",
            "message": "Conflict",
        }
    )
    sim.use_scenario(scenario)
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    # retried until the budget is spent (3 x --timeout): a short timeout keeps it short
    args = ("check", "--project", str(tmp_path), "--json", "--timeout", "1")
    payload = json_of(flux(*args, env=env_with(sim)))
    opus = next(m for m in payload["models"] if m["id"] == "claude-opus-5-5")
    assert opus["callable"] is None  # never "refused"
    assert {d["code"] for d in payload["diagnosis"]} & {"server_error"}
    assert "request_rejected" not in {d["code"] for d in payload["diagnosis"]}
    assert payload["exit_code"] == 5


def test_a_codes_scope_agrees_with_its_exit_category_and_makes_it_account_wide():
    from wizard.diagnosis import Diagnosis
    from wizard.vocab import Code, ExitCode, Scope

    for code in Code:
        if code.exit_code == ExitCode.KEY:
            assert code.scope == Scope.KEY, code
        if code.exit_code == ExitCode.ACCOUNT:
            assert code.scope in (Scope.ACCOUNT, Scope.MODEL_OR_ACCOUNT), code
        if code.transient:
            assert code.exit_code == ExitCode.NETWORK and code.scope == Scope.RUN, code
        if code.refuses_model:
            assert code.scope in (Scope.MODEL, Scope.MODEL_OR_ACCOUNT), code
        # the scope alone makes a diagnosis account-wide: no construction site decides it
        assert Diagnosis(code, "m", "s").account_wide == code.settles_account, code
