"""The hard cases, through the real SDK and the simulator: the recommendation is proven before
anything else is, every refusal has its true cause, and `check` never says "all good" on a
guess."""

from __future__ import annotations

import pytest

from tests.helpers import KEY, ScriptedPrompter, make_context
from wizard.api import ApiClient
from wizard.commands.check import check
from wizard.commands.run import run
from wizard.detection import detect
from wizard.detection.request import Request
from wizard.environment import utc_now
from wizard.errors import ExitCode
from wizard.keys import ApiKey
from wizard.simulator import serve

ENV = {"ANTHROPIC_API_KEY": KEY}


def detect_in(running, configured=None, **kwargs):
    key = ApiKey(KEY, "env")
    client = ApiClient(key, running.base_url, now=utc_now, timeout=kwargs.pop("timeout", 5.0))
    return detect(client, key, Request(configured=configured, **kwargs), now=utc_now)


def files(project):
    return {p.name: p.read_bytes() for p in sorted(project.iterdir()) if p.is_file()}


def check_in(tmp_path, running, configured, **options):
    (tmp_path / ".env").write_text(f"FLUX_MODEL={configured}\n")
    before = files(tmp_path)
    ctx, out = make_context(tmp_path, environ=ENV, base_url=running.base_url, **options)
    outcome = check(ctx)
    assert files(tmp_path) == before, "check must not change the project"
    return outcome, out.getvalue()


def run_in(tmp_path, running, configured, **options):
    (tmp_path / ".env").write_text(f"FLUX_MODEL={configured}\n")
    ctx, out = make_context(tmp_path, environ=ENV, base_url=running.base_url, yes=True, **options)
    outcome = run(ctx)
    return outcome, (tmp_path / ".env").read_text(), out.getvalue()


# -- 1. the budget goes where it decides the recommendation ----------------------------------


@pytest.mark.parametrize(
    "scenario,recommended,fallback",
    [
        # newest Opus and Sonnet gated: the previous ones answer
        ("gated-flagship", "claude-opus-5", "claude-sonnet-5"),
        # every Opus and the newest Sonnet refused: an older Sonnet answers
        ("line-refused", "claude-sonnet-5", "claude-haiku-5-5"),
        # Haiku only: every Opus and Sonnet refused, each one tried; no other line is left, so
        # the fallback is the next model of the same line (docs/detection.md, "The fallback")
        ("haiku-only", "claude-haiku-5-5", "claude-haiku-4-5-20251001"),
    ],
)
def test_refused_flagships_are_walked_past_before_anything_else_is_proven(
    scenario, recommended, fallback
):
    with serve(scenario) as running:
        result = detect_in(running, configured="claude-haiku-5-5")
        billed = running.counters.billed_calls
    assert result.recommended == recommended
    assert result.fallback == fallback
    assert result.complete
    rec = result.model(recommended)
    above = result.models[: result.models.index(rec)]
    assert above and all(m.callable is False and m.verified for m in above)
    assert result.billed_calls == billed <= 4


def test_the_common_case_stays_cheap(sim):
    result = detect_in(sim, configured="claude-3-haiku-20240307")
    assert (result.recommended, result.fallback) == ("claude-opus-5-5", "claude-sonnet-5-5")
    assert result.billed_calls == sim.counters.billed_calls <= 4
    assert result.rounds <= 3
    assert result.complete


def test_a_cap_too_small_to_settle_reports_incomplete_and_names_the_flag():
    with serve("gated-flagship") as running:
        # the configured model and the speculative Sonnet 5.5 use the only two billed calls
        result = detect_in(running, configured="claude-haiku-5-5", max_billed=1)
        assert running.counters.billed_calls <= 1
    assert result.recommended is None
    assert not result.complete and result.uncertain()
    # the configured Haiku answered and used the one call: the Opus line is left unproven
    assert result.unverified[:2] == ["claude-opus-5-5", "claude-opus-5"]
    (incomplete,) = [d for d in result.diagnoses if d.code == "verification_incomplete"]
    assert "claude-opus-5-5" in incomplete.message
    assert "--max-verify" in incomplete.next_step


def test_an_incomplete_picture_changes_nothing_and_check_does_not_guess(tmp_path):
    with serve("gated-flagship") as running:
        outcome, env, text = run_in(tmp_path, running, "claude-haiku-5-5", max_verify=1)
        assert outcome.exit_code == ExitCode.NETWORK
        assert env == "FLUX_MODEL=claude-haiku-5-5\n"
        assert "--max-verify" in text
        assert outcome.to_json()["verification"]["complete"] is False
        outcome, text = check_in(tmp_path, running, "claude-haiku-5-5", max_verify=1)
        assert outcome.exit_code == ExitCode.NETWORK
        assert "--max-verify" in text
        outcome, _ = check_in(tmp_path, running, "claude-haiku-5-5", max_verify=8)
        assert outcome.exit_code == ExitCode.UPGRADE_AVAILABLE
        assert outcome.to_json()["recommended"] == "claude-opus-5"
        assert outcome.to_json()["verification"]["complete"] is True


def test_run_moves_a_user_to_the_previous_opus_not_a_sonnet(tmp_path):
    with serve("gated-flagship") as running:
        outcome, env, _ = run_in(tmp_path, running, "claude-3-haiku-20240307")
    assert outcome.exit_code == ExitCode.OK
    assert env == "FLUX_MODEL=claude-opus-5\n"


# -- 2. aliases ------------------------------------------------------------------------------


def test_an_alias_is_the_model_it_resolves_to(tmp_path):
    with serve("veteran") as running:
        result = detect_in(running, configured="claude-sonnet-4-5")
        outcome, text = check_in(tmp_path, running, "claude-sonnet-4-5")
    assert result.configured_model == "claude-sonnet-4-5-20250929"
    assert result.configured_status == "deprecated"
    assert not any(d.code == "model_unknown" for d in result.diagnoses)
    assert outcome.exit_code == ExitCode.DEPRECATED
    assert "claude-sonnet-4-5 -> claude-sonnet-4-5-20250929" in text
    configured = outcome.to_json()["configured"]
    assert (configured["model"], configured["resolved"]) == (
        "claude-sonnet-4-5",
        "claude-sonnet-4-5-20250929",
    )


def test_an_alias_refused_with_404_has_the_true_cause(sim):
    result = detect_in(sim, configured="claude-sonnet-4-5")
    assert result.configured_status == "not_callable"
    codes = {d.code for d in result.diagnoses if d.model == "claude-sonnet-4-5-20250929"}
    assert codes == {"model_closed_to_new_adopters"}


def test_an_alias_of_the_recommendation_is_kept_and_pinning_is_offered(tmp_path):
    with serve("seed-2025") as running:
        outcome, text = check_in(tmp_path, running, "claude-opus-4-1")
        assert outcome.exit_code == ExitCode.OK
        outcome, env, _ = run_in(tmp_path, running, "claude-opus-4-1")
        assert env == "FLUX_MODEL=claude-opus-4-1\n"  # --yes never pins
        prompter = ScriptedPrompter(["", "claude-opus-4-1-20250805", "default", True])
        ctx, _ = make_context(tmp_path, prompter=prompter, environ=ENV, base_url=running.base_url)
        run(ctx)
    offered = prompter.asked[1][2]
    assert offered == ["claude-opus-4-1", "claude-opus-4-1-20250805"]
    assert (tmp_path / ".env").read_text() == "FLUX_MODEL=claude-opus-4-1-20250805\n"


# -- 3. a 403 on one model is that model's ---------------------------------------------------


def test_a_workspace_restriction_refuses_some_models_and_the_flow_goes_on(tmp_path):
    with serve("workspace-restricted") as running:
        result = detect_in(running, configured="claude-opus-5-5")
        outcome, env, _ = run_in(tmp_path, running, "claude-opus-5-5")
        check_outcome, _ = check_in(tmp_path, running, "claude-opus-5-5")
    opus = [m for m in result.models if m.line == "opus" and m.lifecycle == "active"]
    assert all(m.callable is False and m.reason == "permission_denied" for m in opus)
    denied = [d for d in result.diagnoses if d.code == "permission_denied"]
    assert denied and all(d.model and not d.account_wide for d in denied)
    assert "workspace" in denied[0].next_step
    assert result.failure_exit_code() is None
    assert result.recommended == "claude-sonnet-5-5"
    assert outcome.exit_code == ExitCode.OK
    assert env == "FLUX_MODEL=claude-sonnet-5-5\n"
    assert check_outcome.exit_code == ExitCode.UNAVAILABLE


def test_a_403_for_every_model_tried_is_the_accounts(tmp_path):
    with serve("workspace-restricted") as running:
        running.sim.scenario.responses[0].pop("lines")  # now every model answers 403
        result = detect_in(running, configured="claude-opus-5-5")
        outcome, _ = check_in(tmp_path, running, "claude-opus-5-5")
    (denied,) = [d for d in result.diagnoses if d.code == "permission_denied"]
    assert denied.account_wide and denied.model is None
    assert result.failure_exit_code() == ExitCode.ACCOUNT
    assert all(m.callable is not False for m in result.models)
    assert outcome.exit_code == ExitCode.ACCOUNT


# -- 4. a failing listing keeps what the calls proved ----------------------------------------


@pytest.mark.parametrize("scenario", ["listing-forbidden", "listing-down"])
def test_a_failing_listing_keeps_every_billed_call_and_every_answer(tmp_path, scenario):
    import anthropic  # noqa: F401  (imported before the clock of the time budget starts)

    # the failing listing of listing-down is retried until a backoff would pass the budget
    # (3 x timeout): the budget must leave room for the configured model's lookup after it
    timeout = 1.0
    with serve(scenario) as running:
        result = detect_in(running, configured="claude-opus-5-5", timeout=timeout)
        billed = running.counters.billed_calls
        outcome, text = check_in(tmp_path, running, "claude-opus-5-5", timeout=timeout)
        run_outcome, env, _ = run_in(tmp_path, running, "claude-haiku-5-5", timeout=timeout)
    assert result.configured_status == "callable"
    assert result.billed_calls == billed == 1
    assert result.recommended is None and not result.complete
    assert outcome.to_json()["verification"]["billed_calls"] == 1
    assert outcome.to_json()["configured"]["status"] == "callable"
    assert outcome.exit_code == ExitCode.NETWORK  # which models rank higher is unknown
    assert "listing" in text
    assert run_outcome.exit_code == ExitCode.NETWORK
    assert env == "FLUX_MODEL=claude-haiku-5-5\n"


# -- 5 and 6. refusals by their true cause ---------------------------------------------------


@pytest.mark.parametrize(
    "scenario,code,exit_code,words",
    [
        ("workspace-spend-limit", "spend_limit_reached", 4, ["workspace", "2026-12-01"]),
        ("org-spend-limit", "spend_limit_reached", 4, ["organisation", "2026-12-01"]),
        ("org-disabled", "organization_on_hold", 4, ["This organization has been disabled."]),
        ("payment-required", "billing_error", 4, ["payment method was declined"]),
        ("region-blocked", "region_blocked", 4, ["Request not allowed", "region"]),
        ("oauth-token", "key_wrong_kind", 3, ["OAuth"]),
        ("zero-balance", "credit_balance_too_low", 4, ["credit balance"]),
        ("spend-cap", "spend_limit_reached", 4, ["monthly spend cap"]),
    ],
)
def test_account_wide_answers_stop_after_the_first_and_say_what_the_api_said(
    tmp_path, scenario, code, exit_code, words
):
    with serve(scenario) as running:
        result = detect_in(running, configured="claude-opus-5-5")
        messages = running.counters.requests.get("POST /v1/messages", 0)
        outcome, _ = check_in(tmp_path, running, "claude-opus-5-5")
        run_outcome, env, _ = run_in(tmp_path, running, "claude-haiku-5-5")
    (diagnosis,) = [d for d in result.diagnoses if d.code == code]
    assert diagnosis.account_wide
    assert diagnosis.request_id and diagnosis.request_id.startswith("req_")
    if code == "spend_limit_reached":
        assert diagnosis.url == "https://platform.claude.com/settings/limits"
    for word in words:
        assert word in diagnosis.message
    assert "tier" not in diagnosis.next_step.lower()
    assert messages <= 1  # one answer settles it: no retry, no second model
    assert all(m.callable is not False for m in result.models)
    assert outcome.exit_code == exit_code
    assert run_outcome.exit_code == exit_code
    assert env == "FLUX_MODEL=claude-haiku-5-5\n"


def test_an_unknown_400_that_repeats_is_one_account_level_refusal(tmp_path):
    with serve("unknown-400") as running:
        result = detect_in(running, configured="claude-opus-5-5")
        messages = running.counters.requests.get("POST /v1/messages", 0)
        outcome, text = check_in(tmp_path, running, "claude-opus-5-5")
        run_outcome, _, _ = run_in(tmp_path, running, "claude-opus-5-5")
    (diagnosis,) = [d for d in result.diagnoses if d.code == "request_rejected"]
    assert diagnosis.account_wide and diagnosis.request_id
    assert "pending a compliance review" in diagnosis.message  # the API's own words
    assert messages == 2  # stopped after the second
    assert all(m.callable is not False for m in result.models)
    assert outcome.exit_code == ExitCode.ACCOUNT
    assert "best callable model" not in text
    assert run_outcome.exit_code == ExitCode.ACCOUNT


def test_a_suspended_model_shows_the_apis_message_and_the_next_model_is_proven():
    with serve("model-suspended") as running:
        result = detect_in(running, configured="claude-opus-5-5")
    (diagnosis,) = [d for d in result.diagnoses if d.model == "claude-opus-5-5"]
    assert diagnosis.code == "model_suspended"
    assert "Please use Opus 4.8" in diagnosis.message
    assert result.configured_status == "not_callable"
    assert result.recommended == "claude-opus-5"


def test_a_504_is_transient_and_never_a_refusal(tmp_path):
    import anthropic  # noqa: F401  (imported before the clock of the time budget starts)

    with serve("gateway-timeout") as running:
        # a budget of 1.2 s: the 504s fill it; no call to loopback comes near 0.4 s
        result = detect_in(running, configured="claude-sonnet-5-5", timeout=0.4)
        outcome, _ = check_in(tmp_path, running, "claude-sonnet-5-5", timeout=0.4)
    top = result.model("claude-opus-5-5")
    assert top is not None and top.callable is None and top.reason == "server_error"
    assert "timed out" in next(d.message for d in result.diagnoses if d.code == "server_error")
    assert result.recommended is None  # nothing below an unknown model is proven the best
    assert outcome.exit_code == ExitCode.NETWORK


def test_an_empty_200_proves_access(tmp_path):
    with serve("empty-reply") as running:
        result = detect_in(running, configured="claude-opus-5-5")
        outcome, _ = check_in(tmp_path, running, "claude-opus-5-5")
    assert result.configured_status == "callable"
    assert result.recommended == "claude-opus-5-5"
    assert outcome.exit_code == ExitCode.OK


def test_check_says_ok_only_after_the_configured_model_answered(tmp_path, sim):
    outcome, _ = check_in(tmp_path, sim, "claude-opus-5-5")
    assert outcome.exit_code == ExitCode.OK
    assert outcome.to_json()["configured"]["status"] == "callable"
    calls = sim.counters.requests.get("POST /v1/messages", 0)
    outcome, text = check_in(tmp_path, sim, "claude-opus-5-5", verify=False)
    assert outcome.exit_code == ExitCode.OK
    assert "not verified (--no-verify)" in text
    assert sim.counters.requests.get("POST /v1/messages", 0) == calls  # no call at all


@pytest.mark.parametrize(
    "scenario,configured,code",
    [
        ("gated-flagship", "claude-haiku-5-5", ExitCode.UPGRADE_AVAILABLE),
        ("workspace-restricted", "claude-sonnet-5-5", ExitCode.OK),
        ("listing-forbidden", "claude-opus-5-5", ExitCode.NETWORK),
        ("unknown-400", "claude-opus-5-5", ExitCode.ACCOUNT),
        ("veteran", "claude-sonnet-4-5", ExitCode.DEPRECATED),
    ],
)
def test_check_json_tells_the_truth_and_counts_every_billed_call(
    tmp_path, monkeypatch, capsys, scenario, configured, code
):
    import json

    from tests.helpers import VALIDATOR
    from wizard.cli import main

    (tmp_path / ".env").write_text(f"FLUX_MODEL={configured}\n")
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    with serve(scenario) as running:
        exit_code = main(
            ["check", "--json", "--project", str(tmp_path), "--base-url", running.base_url]
        )
        billed = running.counters.billed_calls
    payload = json.loads(capsys.readouterr().out)
    VALIDATOR.validate(payload)
    assert exit_code == payload["exit_code"] == code
    assert payload["verification"]["billed_calls"] == billed
    assert payload["verification"]["max_verify"] == 4


@pytest.mark.parametrize(
    "rule",
    [
        # an unknown refusal quoting the key, with the key as its request ID
        {
            "on": "messages",
            "models": ["claude-opus-5-5"],
            "status": 400,
            "type": "invalid_request_error",
            "message": "key {key} may not do this",
            "headers": {"request-id": "req_{key}"},
        },
        # an account-wide refusal quoting the key after text and before an ellipsis
        {
            "on": "messages",
            "status": 400,
            "type": "invalid_request_error",
            "message": "You have reached your specified API usage limits ({key}...).",
        },
        # a 403 on one model whose message and error type carry the key
        {
            "on": "messages",
            "lines": ["opus"],
            "status": 403,
            "type": "permission_error",
            "message": "no access for {key}",
        },
    ],
)
def test_a_key_the_server_echoes_is_never_shown_or_stored(
    tmp_path, monkeypatch, capsys, isolated_home, rule
):
    from tests.helpers import assert_no_key
    from wizard.cli import main

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    with serve("today") as running:
        running.sim.scenario.responses = [rule]
        base = ["--project", str(tmp_path), "--base-url", running.base_url]
        codes = [
            main(["check", "--write-checklist", *base]),
            main(["check", "--json", *base]),
            main(["run", "--yes", "--json", *base]),
        ]
    captured = capsys.readouterr()
    assert all(code in (0, 4, 5, 10, 12) for code in codes), codes
    assert "said" in captured.out + captured.err  # the API's message is shown, scrubbed
    assert_no_key(captured.out + captured.err)
    assert_no_key((tmp_path / "flux-upgrade-checklist.md").read_text())
    for path in isolated_home.rglob("*"):
        if path.is_file() and path.suffix != ".orig":
            assert_no_key(path.read_text(errors="replace"))
