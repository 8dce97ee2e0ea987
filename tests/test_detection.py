"""Detection against the simulator: the true cause of every refusal, few round trips, few calls."""

from __future__ import annotations

import time

import pytest

from tests.helpers import KEY
from wizard import sdk
from wizard.api import ApiClient, resolve_base_url
from wizard.detection import detect
from wizard.detection.request import Request
from wizard.environment import utc_now
from wizard.keys import ApiKey
from wizard.simulator import Faults, serve
from wizard.vocab import Code, Status

STORY = {
    "claude-3-5-sonnet-20240620": ("retired", "model_retired"),
    "claude-3-5-sonnet-20241022": ("retired", "model_retired"),
    "claude-3-sonnet-20240229": ("retired", "model_retired"),
    "claude-3-opus-20240229": ("not_callable", "model_closed_to_new_adopters"),
    "claude-3-haiku-20240307": ("callable", None),
}


def run(base_url, configured=None, key=KEY, **kwargs):
    api_key = ApiKey(key, "env")
    timeout = kwargs.pop("timeout", 10.0)
    client = ApiClient(api_key, base_url, now=utc_now, timeout=timeout)
    return detect(client, api_key, Request(configured=configured, **kwargs), now=utc_now)


@pytest.fixture(scope="module")
def seed():
    with serve("seed-2025") as running:
        yield running


@pytest.mark.parametrize("model", sorted(STORY))
def test_seed_2025_explains_each_model_of_the_original_story(seed, model):
    status, code = STORY[model]
    result = run(seed.base_url, configured=model)
    assert result.configured_status == status
    codes = [d.code for d in result.diagnoses if d.model == model]
    assert codes == ([code] if code else [])
    # the newest callable Opus, not "only Haiku"
    assert result.recommended == "claude-opus-4-1-20250805"
    for d in result.diagnoses:
        assert "tier" not in d.message.lower()


def test_a_retired_model_gets_its_successor_named(seed):
    result = run(seed.base_url, configured="claude-3-5-sonnet-20240620")
    (diagnosis,) = [d for d in result.diagnoses if d.code == "model_retired"]
    assert "2025-10-28" in diagnosis.message
    assert "claude-sonnet-4-5-20250929" in diagnosis.next_step


def test_today_recommends_opus_5_5_and_never_mythos(sim):
    result = run(sim.base_url)
    assert result.recommended == "claude-opus-5-5"
    assert result.fallback == "claude-sonnet-5-5"
    assert result.billed_calls <= 4
    assert result.rounds <= 3
    assert sim.counters.billed_output_tokens == result.billed_calls  # max_tokens=1 each
    mythos = [m for m in result.models if m.line == "mythos"]
    assert mythos and all(m.callable is None for m in mythos)  # shown, never verified


@pytest.mark.parametrize(
    "scenario,expected",
    [
        ("gated-flagship", "claude-opus-5"),
        ("line-refused", "claude-sonnet-5"),
        ("haiku-only", "claude-haiku-5-5"),
        ("workspace-restricted", "claude-sonnet-5-5"),
        ("model-suspended", "claude-opus-5"),
    ],
)
def test_refusals_are_free_so_each_round_sends_what_the_cap_allows(scenario, expected):
    """A refusal is not billed: each round after the listing sends as many calls as the billed
    cap still allows, so a line refused end to end costs few round trips (the haiku-only
    workspace, 10 refusals, took 9 round trips one call or two at a time) and the cap holds."""
    with serve(scenario) as running:
        result = run(running.base_url, configured="claude-haiku-4-5-20251001")
        billed = running.counters.billed_calls
    assert result.recommended == expected
    assert result.complete
    assert billed == result.billed_calls <= 4
    # round one (listing + the configured model), then at most 4 rounds of up to 3 calls
    assert result.rounds <= 5
    assert result.fallback is not None


def test_preferring_mythos_explains_the_refusal_without_a_tier(sim):
    result = run(sim.base_url, prefer=("mythos", "opus"))
    assert result.recommended == "claude-opus-5-5"
    refused = result.model("claude-mythos-5-2")
    assert refused is not None and refused.callable is False
    assert refused.reason == "model_not_available"
    (diagnosis,) = [d for d in result.diagnoses if d.model == "claude-mythos-5-2"]
    assert diagnosis.request_id and diagnosis.request_id.startswith("req_")
    assert "tier" not in diagnosis.message.lower()


def test_prefer_changes_the_recommendation_and_lines_outside_it_are_never_recommended(sim):
    assert run(sim.base_url, prefer=("haiku",)).recommended == "claude-haiku-5-5"
    assert run(sim.base_url, prefer=("fable", "opus")).recommended == "claude-fable-5-2"
    assert run(sim.base_url, prefer=("nonexistent-line",)).recommended is None


def test_veteran_with_sonnet_4_5_is_deprecated_with_its_retirement_date():
    with serve("veteran") as running:
        result = run(running.base_url, configured="claude-sonnet-4-5-20250929")
    assert result.configured_status == "deprecated"
    (diagnosis,) = [d for d in result.diagnoses if d.code == "model_deprecated"]
    assert "2026-11-30" in diagnosis.message


def test_today_with_sonnet_4_5_is_closed_to_a_new_organisation(sim):
    result = run(sim.base_url, configured="claude-sonnet-4-5-20250929")
    assert result.configured_status == "not_callable"
    assert [d.code for d in result.diagnoses if d.model == "claude-sonnet-4-5-20250929"] == [
        "model_closed_to_new_adopters"
    ]


def test_haiku_only_explains_why_opus_and_sonnet_are_refused():
    with serve("haiku-only") as running:
        result = run(running.base_url, configured="claude-haiku-4-5-20251001")
    assert result.recommended == "claude-haiku-5-5"
    assert result.configured_status == "callable"
    refused = {d.model: d.code for d in result.diagnoses}
    # Haiku is recommended only once every better-ranked active model was refused: refusals
    # are not billed, so the walk costs round trips, not money.
    for model in result.models:
        if model.line in ("opus", "sonnet") and model.lifecycle == "active":
            assert refused[model.id] == "model_not_available", model.id
            assert model.callable is False
    assert result.billed_calls == 2  # the configured Haiku and Haiku 5.5
    assert result.complete


def test_an_unknown_model_gets_did_you_mean(sim):
    result = run(sim.base_url, configured="claude-opus-5.5")
    assert result.configured_status == "unknown_model"
    (diagnosis,) = [d for d in result.diagnoses if d.code == "model_unknown"]
    assert "claude-opus-5-5" in diagnosis.message


@pytest.mark.parametrize(
    "scenario,code",
    [
        ("zero-balance", "credit_balance_too_low"),
        ("spend-cap", "spend_limit_reached"),
        ("org-on-hold", "organization_on_hold"),
    ],
)
def test_account_problems_get_their_own_code_and_no_model_is_refused(scenario, code):
    with serve(scenario) as running:
        result = run(running.base_url, configured="claude-opus-5-5")
        counts = running.counters.snapshot()["requests"]
    assert code in [d.code for d in result.diagnoses]
    assert result.failure_exit_code() == 4
    assert all(m.callable is not False for m in result.models)
    assert result.recommended is None
    if scenario == "spend-cap":
        assert counts.get("POST /v1/messages", 0) == 1  # one request per model, never retried


@pytest.mark.parametrize(
    "key,code",
    [
        ("sk-ant-api03-" + "x" * 30 + "!" * 60, "key_invalid"),
        ("sk-ant-oat01-" + "a" * 90, "key_wrong_kind"),
    ],
)
def test_keys_refused_by_the_api(sim, key, code):
    result = run(sim.base_url, key=key)
    assert [d.code for d in result.diagnoses] == [code]
    assert result.failure_exit_code() == 3


def test_no_verify_makes_no_billed_call(sim):
    result = run(sim.base_url, configured="claude-opus-4-8", verify=False)
    assert sim.counters.requests.get("POST /v1/messages", 0) == 0
    assert result.recommended == "claude-opus-5-5"
    assert result.configured_status == "unverified"
    assert all(not m.verified for m in result.models)


def test_a_short_529_storm_is_ridden_out(sim):
    sim.faults = Faults(fail_first=2, fail_status=529, retry_after=0.05)
    result = run(sim.base_url)
    assert result.recommended == "claude-opus-5-5"
    assert result.complete


@pytest.mark.parametrize(
    "status,code", [(429, "rate_limited"), (529, "overloaded"), (500, "server_error")]
)
def test_a_long_storm_on_messages_leaves_models_unknown_not_refused(sim, status, code):
    sim.faults = Faults(fail_first=1000, fail_status=status, retry_after=0.2, only="/v1/messages")
    sdk.load()  # the budget starts once the SDK is imported: the import is not timed
    started = time.monotonic()
    result = run(sim.base_url, configured="claude-opus-5-5", timeout=0.4)
    assert time.monotonic() - started < 3 * 0.4 + 5  # the budget, not a speed goal
    assert code in [d.code for d in result.diagnoses]
    assert all(m.callable is None for m in result.models)
    assert result.configured_status == "unverified"
    assert not result.complete


def test_connection_resets_and_hangs_end_within_the_budget_with_network_error(sim):
    sim.faults = Faults(reset_first=1000)
    result = run(sim.base_url, timeout=0.5)
    assert [d.code for d in result.diagnoses] == ["network_error"]
    assert result.failure_exit_code() == 5
    sim.faults = Faults(hang_first=1000)
    sdk.load()  # the budget starts once the SDK is imported: the import is not timed
    started = time.monotonic()
    result = run(sim.base_url, timeout=0.5)
    assert time.monotonic() - started < 0.5 * 3 + 5  # the budget, not a speed goal
    assert [d.code for d in result.diagnoses] == ["network_error"]


def test_nothing_listens():
    result = run("http://127.0.0.1:9", timeout=0.5)
    assert [d.code for d in result.diagnoses] == ["network_error"]


def test_the_detection_json_never_holds_the_key(sim):
    import json

    result = run(sim.base_url, configured="claude-3-opus-20240229")
    text = json.dumps(result.to_json())
    assert KEY not in text
    assert result.to_json()["key"]["fingerprint"] == KEY[:12] + "..." + KEY[-4:]


def test_base_url_resolution():
    assert resolve_base_url(None, {}) == "https://api.anthropic.com"
    assert resolve_base_url(None, {"ANTHROPIC_BASE_URL": "http://x:1/v1/"}) == "http://x:1"
    assert resolve_base_url("http://flag", {"ANTHROPIC_BASE_URL": "http://env"}) == "http://flag"


def test_only_transient_failures_that_matter_make_a_detection_uncertain(sim):
    result = run(sim.base_url, configured="claude-opus-5-5")
    assert result.complete and not result.uncertain()
    # a transient failure on a model that ranks below the proven recommendation: still certain
    result.complete = False
    low = result.model("claude-haiku-5-5")
    assert low is not None
    low.callable, low.reason = None, Code.OVERLOADED
    assert not result.uncertain()
    # the configured model's status unknown: uncertain, nothing may be changed
    result.configured = "claude-sonnet-5-5"
    result.configured_status = Status.UNVERIFIED
    assert result.uncertain()


def test_a_refused_connection_is_tried_three_times_not_for_the_whole_budget(sim):
    result = run("http://127.0.0.1:9", timeout=10.0)  # a budget of 30 s
    (diagnosis,) = result.diagnoses
    assert diagnosis.code == "network_error"
    assert (
        "nothing answered there" in diagnosis.message and "Connection refused" in diagnosis.message
    )
    assert "after 3 attempts" in diagnosis.message
    # a reset is a connection lost midway: said so, never called a time-out
    sim.faults = Faults(reset_first=1000)
    result = run(sim.base_url, timeout=0.5)
    (diagnosis,) = result.diagnoses
    assert "the connection broke" in diagnosis.message
    assert "timed out" not in diagnosis.message
