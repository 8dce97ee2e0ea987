"""`flux-setup models`: the catalogue as this key sees it, through the real SDK against the
simulator: every listed model with its facts, and access proven only by `--verify`, within the
billed-call cap, each refusal by its cause; a failing listing is an error, never an empty
table."""

from __future__ import annotations

import re

import pytest

from tests.helpers import KEY, flux, json_of
from wizard.simulator import load, serve
from wizard.vocab import ExitCode


def models(running, tmp_path, *args):
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
    result = flux("models", "--json", *args, env=env, cwd=tmp_path)
    return result, json_of(result)


def test_the_listing_alone_bills_nothing_and_says_no_access_it_did_not_prove(tmp_path, sim):
    result, payload = models(sim, tmp_path)
    assert result.returncode == 0
    listed = [m for m in load("today").models if m["lifecycle"] != "retired"]
    assert sorted(m["id"] for m in payload["models"]) == sorted(m["id"] for m in listed)
    assert sim.counters.billed_calls == 0
    assert all(m["callable"] is None and not m["verified"] for m in payload["models"])
    opus = next(m for m in payload["models"] if m["id"] == "claude-opus-5-5")
    assert opus["price"]["input"] == 4.0 and opus["max_input_tokens"] and opus["max_tokens"]
    assert "`flux-setup models --verify` proves it" in result.stderr


def test_verify_proves_each_model_as_the_account_truly_allows(tmp_path):
    scenario = load("line-refused")
    with serve(scenario) as running:
        result, payload = models(running, tmp_path, "--verify", "--max-verify", "20")
        billed = running.counters.billed_calls
    assert result.returncode == 0, result.stderr
    truth = {m["id"]: scenario.may_call(m) for m in scenario.models}
    for model in payload["models"]:
        assert model["callable"] is truth[model["id"]], model["id"]
        if model["callable"] is False:
            assert model["reason"], model["id"]  # each refusal has its cause
    assert billed == sum(truth[m["id"]] for m in payload["models"]) <= 20  # refusals are free
    assert "callable" in result.stderr and "refused" in result.stderr


def test_the_cap_holds_and_says_what_it_left_and_how_to_go_on(tmp_path, sim):
    result, payload = models(sim, tmp_path, "--verify")  # the default cap: 4 billed calls
    assert sim.counters.billed_calls <= 4
    unverified = [m for m in payload["models"] if m["callable"] is None]
    assert unverified and payload["verification"]["unverified"]
    # the cap is spent top-down in the line order: the recommendation is proven within it, and
    # one --max-verify is named for the rest
    assert payload["recommended"] == "claude-opus-5-5"
    assert "Recommended: claude-opus-5-5 (proven by a call now)." in result.stderr
    assert len(set(re.findall(r"[Rr]erun with --max-verify (\d+)", result.stderr))) == 1


def test_verify_all_proves_the_configured_fallback_and_the_top_of_the_ranking_first(tmp_path):
    (tmp_path / "flux.toml").write_text(
        'config_version = 2\n[model]\nid = "claude-opus-4-8"\n'
        'fallback = "claude-sonnet-4-5-20250929"\n'
    )
    with serve("gated-flagship") as running:
        result, payload = models(running, tmp_path, "--verify", "all")
        billed = running.counters.billed_calls
    by_id = {m["id"]: m for m in payload["models"]}
    assert billed <= 4
    # the configured fallback is proven (refused: closed to this organisation), not skipped
    assert by_id["claude-sonnet-4-5-20250929"]["callable"] is False
    # the gated flagship refused, the next Opus proven: that is the recommendation
    assert by_id["claude-opus-5-5"]["callable"] is False
    assert payload["recommended"] == "claude-opus-5" and by_id["claude-opus-5"]["callable"]
    assert "rank above every model proven" not in result.stderr


def test_without_verification_no_model_is_called_the_recommendation(tmp_path):
    with serve("gated-flagship") as running:
        result, payload = models(running, tmp_path)
    assert payload["recommended"] is None and payload["verification"]["complete"] is False
    assert "recommended" not in result.stderr and "best callable" not in result.stderr


def test_verify_a_line_or_named_models_only(tmp_path, sim):
    _, by_line = models(sim, tmp_path, "--verify", "haiku", "--max-verify", "10")
    proven = {m["id"] for m in by_line["models"] if m["verified"]}
    assert proven and all(m.startswith("claude-haiku") or "haiku" in m for m in proven)
    sim.reset_counters()
    _, named = models(sim, tmp_path, "--verify", "claude-opus-5-5,claude-sonnet-5-5")
    assert {m["id"] for m in named["models"] if m["verified"]} == {
        "claude-opus-5-5",
        "claude-sonnet-5-5",
    }
    assert sim.counters.billed_calls == 2


def test_line_and_all_choose_the_rows(tmp_path, sim):
    _, haiku = models(sim, tmp_path, "--line", "haiku")
    assert haiku["models"] and {m["line"] for m in haiku["models"]} == {"haiku"}
    # --verify with --line proves only the rows shown: nothing billed for a model not printed
    _, proven = models(sim, tmp_path, "--line", "haiku", "--verify")
    haikus = [
        m for m in load("today").models if m["line"] == "haiku" and m["lifecycle"] != "retired"
    ]
    assert sim.counters.billed_calls <= len(haikus)
    assert all(m["verified"] for m in proven["models"] if m["lifecycle"] != "retired")
    _, everything = models(sim, tmp_path, "--all")
    assert any(m["lifecycle"] == "retired" for m in everything["models"])
    assert len(everything["models"]) == len(load("today").models)


@pytest.mark.parametrize("args", [["--verify", "opux"], ["--line", "opux"]])
def test_a_line_the_api_does_not_list_is_said_with_the_lines_it_does(tmp_path, sim, args):
    result, payload = models(sim, tmp_path, *args)
    assert result.returncode == ExitCode.USAGE
    assert "opus" in payload["error"]["fix"] and "haiku" in payload["error"]["fix"]
    assert sim.counters.billed_calls == 0


def test_a_failing_listing_is_an_error_with_its_cause_never_an_empty_table(tmp_path):
    with serve("listing-down") as running:
        result, payload = models(running, tmp_path, "--timeout", "0.2")
    assert result.returncode != 0
    assert payload["diagnosis"], "the cause is said"
    assert "model" not in result.stdout.split("\n")[0]  # no table header was printed


def test_what_verify_proves_feeds_the_offline_check_and_keeps_the_last_checks_verdict(
    tmp_path, sim
):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    assert json_of(flux("check", "--project", str(tmp_path), "--json", env=env))["exit_code"] == 10
    # Flux now names a model of a line the check never walked: offline, it is not proven
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-fable-5-2\n")
    offline_env = {"ANTHROPIC_API_KEY": KEY}

    def offline():
        args = ("check", "--offline", "--project", str(tmp_path), "--json")
        return json_of(flux(*args, env=offline_env))["configured"]["status"]

    assert offline() != "callable"
    done = flux(
        "models", "--project", str(tmp_path), "--verify", "claude-fable-5-2", "--json", env=env
    )
    assert json_of(done)["exit_code"] == 0
    assert offline() == "callable"  # the proof of `models --verify`, read offline
    # and the record still tells of the last check's judgement, not of a model-less one
    status = json_of(flux("status", "--project", str(tmp_path), "--json", env=offline_env))
    assert status["last_check"]["configured"]["model"] == "claude-haiku-5-5"


@pytest.mark.parametrize("junk", ["200000", True, -1, 0, 10**12, 1.5, None])
def test_a_token_count_of_the_wrong_kind_is_not_shown(junk):
    from wizard.catalog import Model

    record = {**load("today").models[0], "max_input_tokens": junk, "max_tokens": junk}
    model = Model.from_api(record)
    assert model.max_input_tokens is None and model.max_tokens is None
    assert Model.from_api({**record, "max_tokens": 64000}).max_tokens == 64000


def test_models_keeps_the_configured_model_of_the_project_and_status_reads_it_back(tmp_path, sim):
    import re

    from tests.helpers import KEY, flux, json_of

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-sonnet-5-5\n")
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    args = ("--project", str(tmp_path))
    payload = json_of(flux("models", "--verify", "all", "--json", *args, env=env))
    assert payload["configured"]["model"] == "claude-sonnet-5-5"
    assert payload["configured"]["status"] == "callable"
    shown = flux("status", *args, env={"ANTHROPIC_API_KEY": KEY})
    text = shown.stdout + shown.stderr
    assert "was unset" not in text and "none was" not in text
    assert re.search(r"claude-sonnet-5-5 was callable", text)


def test_models_without_verify_never_calls_its_verification_complete(tmp_path, sim):
    from tests.helpers import KEY, flux, json_of

    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    payload = json_of(flux("models", "--project", str(tmp_path), "--json", env=env))
    assert payload["verification"]["billed_calls"] == 0
    assert payload["verification"]["complete"] is False


def test_models_verify_says_one_recommendation_and_one_max_verify(tmp_path):
    from tests.helpers import KEY, flux
    from wizard.simulator import serve

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-4-1-20250805\n")
    with serve("seed-2025") as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        result = flux("models", "--verify", "all", "--project", str(tmp_path), env=env)
    text = result.stdout + result.stderr
    assert len(set(re.findall(r"[Rr]erun with --max-verify (\d+)", text))) <= 1, text
    recommended = "recommended" in text.split("Prices per million")[0]
    assert not (recommended and "no model is recommended" in text), text
    assert "Recommended: claude-opus-4-1-20250805" in text
