"""Every answer the SDK knows: each `error_code` it defines is placed, sent through the real SDK
from the simulator it gets its scope and exit code, and the SDK's retry rules (`x-should-retry`,
`retry-after-ms`, `retry-after` as seconds or a date) are obeyed within the command's budget."""

from __future__ import annotations

import re
import typing
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from tests.helpers import KEY, flux, json_of, long_listing
from wizard.error_codes import NOT_OURS, RULES
from wizard.failures import retry_after_of, should_retry_of
from wizard.simulator import Faults, load
from wizard.vocab import ExitCode

ENV = {"ANTHROPIC_API_KEY": KEY}
TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    413: "request_too_large",
    429: "rate_limit_error",
    503: "api_error",
}


def sdk_codes() -> dict[str, int]:
    """Every error code the installed SDK defines, with the status it maps it to."""
    from anthropic._error_classes import ERROR_CLASSES
    from anthropic.types.shared.error_details import ErrorDetails

    codes = {code: status for (status, code) in ERROR_CLASSES if code}
    (union,) = typing.get_args(ErrorDetails)[:1]
    for details in typing.get_args(union):
        (code,) = typing.get_args(details.model_fields["error_code"].annotation)
        codes.setdefault(code, 400)
    return codes


def test_every_error_code_the_sdk_defines_is_placed():
    codes = sdk_codes()
    assert len(codes) > 100  # the catalogue was read, not an empty union
    unplaced = sorted(set(codes) - set(RULES) - NOT_OURS)
    assert unplaced == [], f"the SDK defines codes flux-setup does not place: {unplaced}"
    assert not set(RULES) & NOT_OURS
    assert not (set(RULES) | NOT_OURS) - set(codes), "a placed code the SDK no longer defines"


def answering(code: str, status: int) -> list[dict]:
    """A scenario rule: every inference call answered with this code, as the real API does."""
    rule = {
        "on": "messages",
        "status": status,
        "type": TYPES.get(status, "api_error"),
        "error_code": code,
        "message": f"simulated {code}",
    }
    if RULES[code].transient:
        rule["retry_after"] = 3600  # longer than any budget: not waited for
    return [rule]


@pytest.mark.parametrize("code", sorted(RULES))
def test_each_placed_code_gets_its_scope_and_exit_code_through_the_sdk(tmp_path, sim, code):
    rule = RULES[code]
    status = sdk_codes()[code]
    scenario = load("today")
    scenario.responses = answering(code, status)
    sim.use_scenario(scenario)
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    before = (tmp_path / ".env").read_bytes()
    env = {**ENV, "ANTHROPIC_BASE_URL": sim.base_url}
    sim.reset_counters()
    check = json_of(flux("check", "--project", str(tmp_path), "--json", env=env))
    asked = sim.counters.snapshot()["requests"].get("POST /v1/messages", 0)
    codes = {d["code"] for d in check["diagnosis"]}
    assert str(rule.code) in codes, (code, codes)
    mine = next(d for d in check["diagnosis"] if d["code"] == str(rule.code))
    assert f"simulated {code}" in mine["message"]  # the API's own words, quoted
    assert mine["request_id"]  # with the request ID
    models = check["models"]
    if rule.transient:
        # time may help: nothing is refused, and the check cannot finish (exit 5)
        assert check["exit_code"] == ExitCode.NETWORK, code
        assert all(m["callable"] is not False for m in models), code
        assert "3600 s" in mine["message"]
    elif rule.code.settles_account or rule.whole_request:
        # the key's or the account's: exit 3 or 4 after the first answer, nothing refused
        assert check["exit_code"] == (rule.code.exit_code or ExitCode.ACCOUNT), code
        assert asked == 1, (code, asked)
        assert all(m["callable"] is not False for m in models), code
    run = flux("run", "--project", str(tmp_path), "--yes", "--json", env=env)
    assert run.returncode == check["exit_code"], (code, run.stdout[-500:])
    assert (tmp_path / ".env").read_bytes() == before  # nothing changed
    assert not (tmp_path / "flux.toml").exists()


def test_a_contract_spend_limit_is_not_retried_and_points_to_the_account_manager(tmp_path):
    from wizard.simulator import serve

    with serve("contract-spend-limit") as running:
        env = {**ENV, "ANTHROPIC_BASE_URL": running.base_url}
        (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
        result = flux("check", "--project", str(tmp_path), "--json", env=env)
        asked = running.counters.snapshot()["requests"].get("POST /v1/messages", 0)
    payload = json_of(result)
    assert payload["exit_code"] == ExitCode.ACCOUNT and asked == 1
    cap = next(d for d in payload["diagnosis"] if d["code"] == "spend_limit_reached")
    assert "account manager" in cap["next_step"] and "minute" not in cap["next_step"]


# -- the SDK's retry rules, bounded by our budget -------------------------------------------


def test_retry_headers_are_read_as_the_sdk_reads_them():
    assert retry_after_of({"retry-after-ms": "1500", "retry-after": "100"}, 0.0) == 1.5
    assert retry_after_of({"retry-after": "7"}, 0.0) == 7
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    date = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert retry_after_of({"retry-after": date}, now=now.timestamp()) == pytest.approx(90)
    assert retry_after_of({"retry-after": "soon"}, 0.0) is None
    assert should_retry_of({"x-should-retry": "false"}) is False
    assert should_retry_of({"x-should-retry": "TRUE"}) is True
    assert should_retry_of({}) is None


def test_x_should_retry_false_is_not_retried(tmp_path, sim):
    scenario = load("today")
    scenario.responses = [
        {
            "on": "messages",
            "models": ["claude-opus-5-5"],
            "status": 529,
            "type": "overloaded_error",
            "message": "Overloaded",
            "headers": {"x-should-retry": "false"},
        }
    ]
    sim.use_scenario(scenario)
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    sim.reset_counters()
    env = {**ENV, "ANTHROPIC_BASE_URL": sim.base_url}
    payload = json_of(flux("check", "--project", str(tmp_path), "--json", env=env))
    assert payload["exit_code"] == ExitCode.NETWORK
    assert (
        sim.counters.snapshot()["requests"]["POST /v1/messages"] <= 2
    )  # once for opus-5-5, no retry
    opus = next(m for m in payload["models"] if m["id"] == "claude-opus-5-5")
    assert opus["callable"] is None


def test_a_retry_after_longer_than_the_budget_ends_at_once_with_when_to_rerun(tmp_path):
    from wizard.simulator import serve

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with serve("ramp-limit") as running:
        env = {**ENV, "ANTHROPIC_BASE_URL": running.base_url}
        result = flux("check", "--project", str(tmp_path), "--json", env=env)
        asked = running.counters.snapshot()["requests"].get("POST /v1/messages", 0)
    payload = json_of(result)
    assert payload["exit_code"] == ExitCode.NETWORK
    limited = next(d for d in payload["diagnosis"] if d["code"] == "rate_limited")
    assert "3600 s" in limited["message"] and "ramp limit" in limited["message"]
    # not retried through the 30 s budget, nor waited for: one call (the walk stops there)
    assert asked == 1


def test_a_409_once_then_200_proves_access(tmp_path, sim):
    sim.faults = Faults(fail_first=1, fail_status=409, retry_after=None, only="/v1/messages")
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    env = {**ENV, "ANTHROPIC_BASE_URL": sim.base_url}
    payload = json_of(flux("check", "--project", str(tmp_path), "--json", env=env))
    opus = next(m for m in payload["models"] if m["id"] == "claude-opus-5-5")
    assert opus["callable"] is True
    assert payload["exit_code"] == ExitCode.OK


# -- the forms real relays and proxies send --------------------------------------------------

PROXY_PAGE = (
    "<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>"
)


@pytest.mark.parametrize(
    "rule,exit_code,code",
    [
        # a relay's 404 for a retired model reads `model 'X' not found`: the catalogue decides
        (
            {
                "status": 404,
                "type": "not_found_error",
                "message": "model 'claude-3-haiku-20240307' not found",
            },
            ExitCode.UNAVAILABLE,
            "model_retired",
        ),
        # a bare 429 with no headers: rate limited, retried within the budget, never a refusal
        (
            {"status": 429, "type": "rate_limit_error", "message": "Rate limited"},
            ExitCode.NETWORK,
            "rate_limited",
        ),
        # a proxy's 413, as an HTML page or a short JSON: not the account's (never exit 4)
        ({"status": 413, "body": PROXY_PAGE}, ExitCode.NETWORK, "unexpected_response"),
        (
            {"status": 413, "type": "request_too_large", "message": "Request too large"},
            ExitCode.NETWORK,
            "unexpected_response",
        ),
        # an expired key
        (
            {"status": 401, "type": "authentication_error", "message": "API key expired"},
            ExitCode.KEY,
            "key_invalid",
        ),
    ],
)
def test_forms_relays_and_proxies_send_are_read_by_status_and_body(
    tmp_path, sim, rule, exit_code, code
):
    scenario = load("today")
    scenario.responses = [{"on": "messages", **rule}]
    sim.use_scenario(scenario)
    # the relay's 404 is for the retired model it names; the others for a current one
    configured = "claude-3-haiku-20240307" if rule["status"] == 404 else "claude-opus-5-5"
    (tmp_path / ".env").write_text(f"FLUX_MODEL={configured}\n")
    env = {**ENV, "ANTHROPIC_BASE_URL": sim.base_url}
    before = (tmp_path / ".env").read_bytes()
    result = flux("check", "--project", str(tmp_path), "--json", "--timeout", "1", env=env)
    payload = json_of(result)
    assert "a bug" not in result.stderr and "Traceback" not in result.stderr
    assert payload["exit_code"] == exit_code, payload["diagnosis"]
    assert code in {d["code"] for d in payload["diagnosis"]}
    if exit_code in (ExitCode.NETWORK, ExitCode.KEY):
        # nothing settled: run changes nothing
        run = flux("run", "--project", str(tmp_path), "--yes", "--timeout", "1", env=env)
        assert run.returncode == exit_code
        assert (tmp_path / ".env").read_bytes() == before
        assert not (tmp_path / "flux.toml").exists()
        if exit_code == ExitCode.NETWORK:  # a refused key gets its checklist of next steps
            assert not (tmp_path / "flux-upgrade-checklist.md").exists()


def test_after_connection_refused_on_the_listing_no_model_is_looked_up_there(tmp_path):
    import socket

    with socket.socket() as s:  # a port on loopback that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-4-5\n")  # an alias: not listed
    env = {**ENV, "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}"}
    payload = json_of(flux("check", "--project", str(tmp_path), "--json", env=env))
    assert payload["exit_code"] == ExitCode.NETWORK
    # the listing and the configured model's call, each tried a few times; no retrieve after
    assert payload["verification"]["requests"] <= 6


def test_a_listing_longer_than_the_budget_says_so_and_the_timeout_that_fits(tmp_path):
    """Pages that keep arriving until the budget is gone are a long list, not an unreachable
    API: the message says how much arrived and which `--timeout` to rerun with."""
    from wizard.simulator import serve

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with serve(long_listing(), Faults(latency_ms=300)) as running:
        env = {**ENV, "ANTHROPIC_BASE_URL": running.base_url}
        result = flux("check", "--project", str(tmp_path), "--json", "--timeout", "1", env=env)
        pages = running.counters.snapshot()["requests"].get("GET /v1/models", 0)
    payload = json_of(result)
    assert payload["exit_code"] == ExitCode.NETWORK
    (said,) = [d for d in payload["diagnosis"] if d["code"] == "network_error"]
    assert "still arriving" in said["message"] and "Could not reach" not in said["message"]
    # what arrived, said as it was: whole pages of 1,000, no more than were asked for
    arrived = re.search(r"(\d+) page\(s\) with (\d+) models", said["message"])
    assert arrived, said["message"]
    got_pages, got_models = int(arrived[1]), int(arrived[2])
    assert 1 <= got_pages <= pages and got_models == 1000 * got_pages
    assert "--timeout 60" in said["next_step"]
    # what did answer stays: the configured model's call proved it, and so the key
    assert payload["configured"]["status"] == "callable"
    items = {item["id"]: item["done"] for item in payload["checklist_items"]}
    assert items["key-works"] and items["billing"]
    # and the closing words agree: a long list, never "could not be reached"
    assert "could not be reached" not in result.stderr
    assert f"({got_pages} page" in result.stderr and "still arriving" in result.stderr
