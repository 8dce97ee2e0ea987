"""The simulator, exercised through the real anthropic SDK over HTTP on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request

import anthropic
import pytest

from tests.helpers import KEY, sdk_client
from wizard.simulator import Faults, ScenarioError, load, serve

HI = [{"role": "user", "content": "Hi"}]


def test_models_paginate_newest_first_across_pages(sim):
    client = sdk_client(sim.base_url)
    ids = [m.id for m in client.models.list(limit=4)]
    # today: 19 active + deprecated models, fetched 4 at a time
    assert len(ids) == 19
    assert len(set(ids)) == 19
    assert ids[0] == "claude-fable-5-2"
    assert sim.counters.requests["GET /v1/models"] == 5
    created = [m["created_at"] for m in load("today").models if m["id"] in ids]
    assert created == sorted(created, reverse=True)


def test_first_page_reports_cursor_fields(sim):
    page = sdk_client(sim.base_url).models.list(limit=2)
    assert page.has_more is True
    assert page.first_id == "claude-fable-5-2"
    assert page.last_id == "claude-mythos-5-2"
    after = sdk_client(sim.base_url).models.list(limit=2, after_id=page.last_id)
    assert after.data[0].id == "claude-haiku-5-5"
    before = sdk_client(sim.base_url).models.list(limit=2, before_id="claude-haiku-5-5")
    assert [m.id for m in before.data] == ["claude-fable-5-2", "claude-mythos-5-2"]


def test_lifecycle_filter_defaults_to_active_and_deprecated(sim):
    client = sdk_client(sim.base_url)
    default = {m.lifecycle for m in client.models.list(limit=1000)}
    assert default == {"active", "deprecated"}
    retired = list(client.models.list(limit=1000, lifecycle=["retired"]))
    assert retired and all(m.lifecycle == "retired" for m in retired)
    everything = list(client.models.list(limit=1000, lifecycle=["active", "deprecated", "retired"]))
    assert len(everything) == 27


def test_retrieve_returns_a_retired_model_and_404_for_unknown(sim):
    client = sdk_client(sim.base_url)
    model = client.models.retrieve("claude-3-5-sonnet-20240620")
    assert model.lifecycle == "retired"
    assert model.retires_at is not None
    with pytest.raises(anthropic.NotFoundError) as info:
        client.models.retrieve("claude-sonet-9")
    assert info.value.api_message == "model: claude-sonet-9"
    assert info.value.type == "not_found_error"


def test_messages_returns_usage_request_id_and_ratelimit_headers(sim):
    raw = sdk_client(sim.base_url).messages.with_raw_response.create(
        model="claude-opus-5-5", max_tokens=1, messages=HI
    )
    message = raw.parse()
    assert message.usage.output_tokens == 1
    assert 5 <= message.usage.input_tokens <= 12
    assert message.stop_reason == "max_tokens"
    assert raw.headers["request-id"].startswith("req_")
    assert raw.headers["anthropic-ratelimit-requests-limit"] == "50"
    assert int(raw.headers["anthropic-ratelimit-input-tokens-remaining"]) < 30000
    snapshot = sim.counters.snapshot()
    assert snapshot["billed_output_tokens"] == 1
    assert snapshot["billed_calls"] == 1


def test_count_tokens_is_free(sim):
    result = sdk_client(sim.base_url).messages.count_tokens(model="claude-opus-5-5", messages=HI)
    assert result.input_tokens > 0
    assert sim.counters.billed_calls == 0


def test_unknown_and_refused_models_get_404_model_message(sim):
    client = sdk_client(sim.base_url)
    for model in (
        "claude-3-5-sonnet-20240620",
        "claude-sonnet-4-5-20250929",
        "claude-mythos-5-2",
        "nope",
    ):
        with pytest.raises(anthropic.NotFoundError) as info:
            client.messages.create(model=model, max_tokens=1, messages=HI)
        assert info.value.api_message == f"model: {model}"
        assert info.value.request_id and info.value.request_id.startswith("req_")
        assert info.value.body["request_id"] == info.value.request_id  # type: ignore[index]


def test_newer_models_reject_sampling_parameters(sim):
    with pytest.raises(anthropic.BadRequestError):
        sdk_client(sim.base_url).messages.create(
            model="claude-opus-5-5", max_tokens=1, messages=HI, extra_body={"temperature": 0.5}
        )


@pytest.mark.parametrize(
    "key",
    [
        "sk-ant-admin01-" + "a" * 80,
        "sk-ant-api03-short",
        "sk-proj-" + "a" * 60,
        "sk-ant-api03-" + "a" * 40 + "!",
    ],
)
def test_bad_keys_get_401(sim, key):
    with pytest.raises(anthropic.AuthenticationError) as info:
        sdk_client(sim.base_url, key=key).models.list()
    assert info.value.status_code == 401
    assert info.value.type == "authentication_error"


def test_oauth_token_gets_the_claude_code_refusal(sim):
    with pytest.raises(anthropic.BadRequestError) as info:
        sdk_client(sim.base_url, key="sk-ant-oat01-" + "a" * 80).models.list()
    assert "only authorized for use with Claude Code" in (info.value.api_message or "")


def test_both_auth_styles_are_accepted(sim):
    for header in ({"x-api-key": KEY}, {"authorization": f"Bearer {KEY}"}):
        request = urllib.request.Request(sim.base_url + "/v1/models?limit=1", headers=header)
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.load(response)["data"][0]["id"] == "claude-fable-5-2"


def test_credit_balance_too_low_on_every_inference_call():
    with serve("zero-balance") as running:
        client = sdk_client(running.base_url)
        assert list(client.models.list(limit=1))  # listing works without credit
        with pytest.raises(anthropic.BadRequestError) as info:
            client.messages.create(model="claude-haiku-5-5", max_tokens=1, messages=HI)
        assert "credit balance is too low" in (info.value.api_message or "")
        assert running.counters.billed_calls == 0


def test_spend_cap_error_code_reaches_the_sdk_and_is_not_retried():
    with serve("spend-cap") as running:
        client = sdk_client(running.base_url, max_retries=2)
        with pytest.raises(anthropic.RateLimitError) as info:
            client.messages.create(model="claude-haiku-5-5", max_tokens=1, messages=HI)
        err = info.value
        assert err.error_code == "enforced_spend_limit_reached"
        assert "retry-after" not in err.response.headers
        assert err.response.headers["x-should-retry"] == "false"
        assert running.counters.requests["POST /v1/messages"] == 1


def test_organization_on_hold_everywhere():
    with serve("org-on-hold") as running:
        with pytest.raises(anthropic.BadRequestError) as info:
            sdk_client(running.base_url).models.list()
        assert info.value.error_code == "organization_on_hold"


def test_a_529_is_retried_by_the_sdk_into_success(sim):
    sim.faults = Faults(fail_first=1, fail_status=529, retry_after=0.01)
    client = sdk_client(sim.base_url, max_retries=2)
    reply = client.messages.create(model="claude-opus-5-5", max_tokens=1, messages=HI)
    assert reply.usage.output_tokens == 1
    assert sim.counters.requests["POST /v1/messages"] == 2


@pytest.mark.parametrize(
    "status,error",
    [
        (429, anthropic.RateLimitError),
        (500, anthropic.InternalServerError),
        (529, anthropic.OverloadedError),
    ],
)
def test_error_storms_send_the_real_status_and_retry_after(sim, status, error):
    sim.faults = Faults(fail_first=3, fail_status=status, retry_after=2)
    client = sdk_client(sim.base_url)
    for _ in range(3):
        with pytest.raises(error) as info:
            client.models.list()
        assert info.value.response.headers["retry-after"] == "2"
    assert client.models.list().data  # the fourth request goes through


def test_connection_resets_reach_the_client_as_connection_errors(sim):
    sim.faults = Faults(reset_first=1)
    with pytest.raises(anthropic.APIConnectionError):
        sdk_client(sim.base_url).models.list()
    assert sdk_client(sim.base_url).models.list().data


def test_hanging_requests_time_out_and_are_released_at_stop():
    with serve("today", Faults(hang_first=1)) as running:
        started = time.monotonic()
        with pytest.raises(anthropic.APITimeoutError):
            sdk_client(running.base_url, timeout=0.5).models.list()
        assert time.monotonic() - started < 5


def test_latency_and_concurrency_are_measured(sim):
    sim.faults = Faults(latency_ms=150)
    client = sdk_client(sim.base_url)
    threads = [threading.Thread(target=client.models.list) for _ in range(4)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert elapsed >= 0.15
    assert sim.counters.max_concurrency >= 2


def test_faults_can_target_one_path(sim):
    sim.faults = Faults(fail_first=5, fail_status=500, only="/v1/messages")
    client = sdk_client(sim.base_url)
    assert client.models.list().data
    with pytest.raises(anthropic.InternalServerError):
        client.messages.create(model="claude-opus-5-5", max_tokens=1, messages=HI)


def test_seed_2025_reproduces_the_original_story():
    with serve("seed-2025") as running:
        client = sdk_client(running.base_url)
        answers = {}
        for model in (
            "claude-3-5-sonnet-20240620",
            "claude-3-5-sonnet-20241022",
            "claude-3-sonnet-20240229",
            "claude-3-opus-20240229",
            "claude-3-haiku-20240307",
            "claude-sonnet-4-5-20250929",
            "claude-opus-4-1-20250805",
        ):
            try:
                client.messages.create(model=model, max_tokens=1, messages=HI)
                answers[model] = 200
            except anthropic.NotFoundError:
                answers[model] = 404
        assert answers == {
            "claude-3-5-sonnet-20240620": 404,
            "claude-3-5-sonnet-20241022": 404,
            "claude-3-sonnet-20240229": 404,
            "claude-3-opus-20240229": 404,
            "claude-3-haiku-20240307": 200,
            "claude-sonnet-4-5-20250929": 200,
            "claude-opus-4-1-20250805": 200,
        }
        assert client.models.retrieve("claude-3-5-sonnet-20240620").lifecycle == "retired"
        assert client.models.retrieve("claude-3-opus-20240229").lifecycle == "deprecated"


def test_veteran_and_haiku_only_access():
    with serve("veteran") as running:
        client = sdk_client(running.base_url)
        assert client.messages.create(model="claude-sonnet-4-5-20250929", max_tokens=1, messages=HI)
    with serve("haiku-only") as running:
        client = sdk_client(running.base_url)
        assert client.messages.create(model="claude-haiku-5-5", max_tokens=1, messages=HI)
        with pytest.raises(anthropic.NotFoundError):
            client.messages.create(model="claude-opus-5-5", max_tokens=1, messages=HI)
        assert len(list(client.models.list(limit=100))) == 19  # everything still listed


def test_a_user_scenario_file_can_extend_a_builtin(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"extends": "today", "access": {"deny": ["claude-opus-5-5"]}}))
    scenario = load(str(path))
    assert scenario.name == "mine"
    assert not scenario.may_call(scenario.find("claude-opus-5-5"))
    assert scenario.may_call(scenario.find("claude-opus-4-8"))


def test_bad_scenarios_are_reported(tmp_path):
    with pytest.raises(ScenarioError, match="unknown scenario"):
        load("no-such-scenario")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ScenarioError, match="invalid JSON"):
        load(str(bad))


def test_the_simulator_command_prints_its_url_first_and_serves_until_stopped():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wizard",
            "simulator",
            "--scenario",
            "seed-2025",
            "--latency-ms",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        ids = [m.id for m in sdk_client(base_url).models.list(limit=100)]
        assert "claude-3-haiku-20240307" in ids
        with urllib.request.urlopen(base_url + "/_sim/counters", timeout=5) as response:
            assert json.load(response)["requests"]["GET /v1/models"] == 1
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_the_simulator_command_rejects_an_unknown_scenario():
    result = subprocess.run(
        [sys.executable, "-m", "wizard", "simulator", "--scenario", "nope"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "unknown scenario" in result.stderr
    assert "Traceback" not in result.stderr


def test_simulator_list_aligns_long_names_and_survives_a_closed_pipe():
    import subprocess
    import sys

    from wizard.simulator import builtin_names

    listed = subprocess.run(
        [sys.executable, "-m", "wizard", "simulator", "--list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    rows = [row for row in listed.stdout.splitlines() if not row.startswith(" ")]
    assert [row.split()[0] for row in rows] == list(builtin_names())
    # every description (and each of its wrapped lines) starts in the same column
    starts = {len(row) - len(row.split("  ", 1)[1].lstrip()) for row in rows}
    starts |= {len(r) - len(r.lstrip()) for r in listed.stdout.splitlines() if r.startswith(" ")}
    assert len(starts) == 1
    piped = subprocess.run(
        f"{sys.executable} -m wizard simulator --list | head -2",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert len(piped.stdout.splitlines()) == 2
    assert "BrokenPipe" not in piped.stderr and "bug" not in piped.stderr


def test_the_simulator_says_how_to_use_it_with_a_key_flux_setup_accepts(tmp_path):
    import subprocess
    import sys

    from tests.helpers import flux, json_of
    from wizard.keys import check_form

    proc = subprocess.Popen(
        [sys.executable, "-m", "wizard", "simulator"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        told = ""
        while "none is real" not in told and len(told.splitlines()) < 12:  # the banner's end
            told += proc.stderr.readline()
        assert f"ANTHROPIC_BASE_URL={url}" in told and f"--base-url {url}" in told
        key = told.split("ANTHROPIC_API_KEY=", 1)[1].split()[0]
        assert check_form(key) is None  # flux-setup takes the key the simulator offers
        (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
        env = {"ANTHROPIC_API_KEY": key, "ANTHROPIC_BASE_URL": url}
        payload = json_of(flux("check", "--project", str(tmp_path), "--json", env=env))
        assert payload["exit_code"] == 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)
