"""The Admin API with an admin key: `flux-setup limits`, and the same findings in `check`, `run`
and `doctor` (the checklist's limits item, the key's record, the organisation), through the
real SDK against the simulator's `/v1/organizations/...` answers."""

from __future__ import annotations

import contextlib
from dataclasses import replace

import pytest

from tests.helpers import ADMIN_KEY as ADMIN
from tests.helpers import KEY, assert_no_key, flux, json_of, sdk_client, store
from wizard.simulator import load, serve
from wizard.simulator.scenarios import Admin

OTHER_ORG = "0f1e2d3c-4b5a-4968-8776-655443322110"


def limits(running, tmp_path, *args, env=None, stdin=None):
    """`flux-setup limits --json` with the API key and the admin key from the environment."""
    full = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_ADMIN_KEY": ADMIN}
    full.update(env or {})
    full["ANTHROPIC_BASE_URL"] = running.base_url
    result = flux("limits", "--project", str(tmp_path), "--json", *args, env=full, stdin=stdin)
    assert_no_key(result.stdout + result.stderr, ADMIN)
    return result, json_of(result)


def codes(payload):
    return [d["code"] for d in payload["diagnosis"]]


@pytest.mark.parametrize(
    "scenario", ["today", "workspace-restricted", "key-expired", "spend-cap", "no-admin-api"]
)
def test_every_admin_answer_of_the_simulator_parses_with_the_sdks_strict_validation(scenario):
    import anthropic

    with serve(scenario) as running:
        # an API key presented first (refused when its record is not active): the simulator
        # lists a record for it
        with contextlib.suppress(anthropic.AuthenticationError):
            sdk_client(running.base_url).models.list()
        client = sdk_client(running.base_url, key=ADMIN)
        org = client.organization
        if scenario == "no-admin-api":
            with pytest.raises(anthropic.BadRequestError) as refused:
                org.retrieve()
            assert refused.value.error_code == "organization_type_not_supported"
            return
        assert org.retrieve().name == "Simulated Organisation"
        groups = list(org.rate_limits.list())
        assert any(g.group.type == "model_group" and g.models for g in groups)
        workspace = running.sim.scenario.admin.workspace_id
        list(org.workspaces.rate_limits.list(workspace))
        spend = list(org.spend_limits.effective.list())
        assert spend and all(s.currency == "USD" for s in spend)
        records = list(org.api_keys.list())
        assert records[0].partial_key_hint == f"{KEY[:16]}...{KEY[-4:]}"
        assert records[0].status == running.sim.scenario.admin.key_status


def test_limits_shows_the_organisation_this_keys_record_and_its_workspaces_own_limits(tmp_path):
    with serve("workspace-restricted") as running:
        org = running.sim.scenario.organization
        result, payload = limits(running, tmp_path)
        billed = running.counters.billed_calls
    assert result.returncode == 0, result.stderr
    assert billed == 0  # the API key only lists: nothing is billed
    assert payload["organization"] == {"id": org, "name": "Simulated Organisation"}
    assert payload["key"]["organization_id"] == org
    assert payload["admin_key"] == {
        "fingerprint": ADMIN[:12] + "..." + ADMIN[-4:],
        "kind": "admin_key",
    }
    assert payload["api_key"]["status"] == "active"
    assert payload["api_key"]["workspace_id"] == "wrkspc_01SimDefaultWorkspace"
    assert "hint" not in str(payload["api_key"])  # the record's key hint is never kept
    opus = next(g for g in payload["rate_limits"] if g["display_name"] == "Claude Opus")
    assert "claude-opus-5-5" in opus["models"]
    assert opus["limits"]["requests_per_minute"] == 50
    assert opus["workspace_limits"] == {"requests_per_minute": 5}
    assert "5 requests/min (workspace limit; organisation 50)" in result.stderr
    assert payload["spend_limits"] == [
        {
            "period": "monthly",
            "limit": "500.00",
            "spent": "12.35",
            "currency": "USD",
            "source": "usage_tier",
        }
    ]
    assert "the API key bills the same one" in result.stderr
    # Mythos is gated in this organisation: no group lists it, said as a hint only
    assert len(payload["hints"]) == 1 and "mythos" in payload["hints"][0]
    assert "only a one-token call proves access" in payload["hints"][0]
    assert payload["diagnosis"] == []


def test_a_line_in_every_group_is_no_proof_the_workspace_may_call_it(tmp_path):
    """workspace-restricted: Opus is in the organisation's groups, and the workspace's own
    one-token call is refused. The hint never turns into access, nor check's verdict."""
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with serve("workspace-restricted") as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        plain = flux("check", "--project", str(tmp_path), "--json", env=env)
        admin = flux(
            "check", "--project", str(tmp_path), "--json", env={**env, "ANTHROPIC_ADMIN_KEY": ADMIN}
        )
    assert plain.returncode == admin.returncode == 12
    assert json_of(plain)["models"] == json_of(admin)["models"]


@pytest.mark.parametrize(
    ("scenario", "status", "said"),
    [
        ("key-expired", "expired", "is expired (it expired 2026-11-01)"),
        ("key-archived", "archived", "is archived"),
    ],
)
def test_a_key_the_admin_api_calls_inactive_is_said_with_why_every_call_is_a_401(
    tmp_path, scenario, status, said
):
    with serve(scenario) as running:
        result, payload = limits(running, tmp_path)
    assert result.returncode == 3
    assert payload["api_key"]["status"] == status
    inactive = [d for d in payload["diagnosis"] if d["code"] == "key_inactive"]
    assert len(inactive) == 1 and said in inactive[0]["message"]
    assert "key_invalid" in codes(payload)  # the 401 the listing got, beside its cause


def test_check_says_why_the_key_is_refused_and_keeps_its_own_exit_code(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-sonnet-5-5\n")
    with serve("key-expired") as running:
        env = {
            "ANTHROPIC_API_KEY": KEY,
            "ANTHROPIC_BASE_URL": running.base_url,
            "ANTHROPIC_ADMIN_KEY": ADMIN,
        }
        result = flux("check", "--project", str(tmp_path), "--json", env=env)
    payload = json_of(result)
    assert result.returncode == 3
    assert codes(payload)[:2] == ["key_invalid", "key_inactive"]  # the API's answer first
    assert "expired 2026-11-01" in result.stderr
    assert_no_key(result.stdout + result.stderr, ADMIN)


def test_an_organisation_without_the_admin_api_is_said_and_nothing_is_made_up(tmp_path):
    with serve("no-admin-api") as running:
        result, payload = limits(running, tmp_path)
    assert result.returncode == 4
    assert codes(payload) == ["organization_not_supported"]
    assert "individual accounts have none" in payload["diagnosis"][0]["message"]
    assert payload["organization"] is None
    assert payload["rate_limits"] is None and payload["spend_limits"] is None
    assert "Nothing could be read through the Admin API" in result.stderr
    assert "Rate limits per group" not in result.stderr


def test_a_spend_limit_report_the_organisation_type_lacks_is_said_as_such(tmp_path):
    with serve("spend-limit-unsupported") as running:
        result, payload = limits(running, tmp_path)
    assert result.returncode == 0
    assert payload["spend_limits"] is None
    assert "not available for this organisation's type" in payload["spend_limits_note"]
    assert payload["rate_limits"]  # the rest is read


def test_a_reached_spend_limit_is_an_account_refusal_with_its_amounts(tmp_path):
    with serve("spend-cap") as running:
        result, payload = limits(running, tmp_path)
    assert result.returncode == 4
    spend = [d for d in payload["diagnosis"] if d["code"] == "spend_limit_reached"]
    assert len(spend) == 1 and "$500.12 of $500.00" in spend[0]["message"]


def test_an_admin_key_of_another_organisation_is_not_read_as_this_keys(tmp_path):
    scenario = load("today")
    scenario = replace(scenario, admin=replace(scenario.admin, organization_id=OTHER_ORG))
    with serve(scenario) as running:
        result, payload = limits(running, tmp_path)
    assert result.returncode == 3
    assert codes(payload) == ["organization_mismatch"]
    assert OTHER_ORG in payload["diagnosis"][0]["message"]
    assert "the API key bills ANOTHER one" in result.stderr


def test_an_api_key_given_as_the_admin_key_is_refused_before_any_request(tmp_path, sim):
    result, payload = limits(sim, tmp_path, env={"ANTHROPIC_ADMIN_KEY": KEY})
    assert result.returncode == 3
    assert codes(payload) == ["key_wrong_kind"]
    message = payload["error"]["message"]
    assert "given as the admin key" in message and not message.startswith("The admin key")
    assert ": this is an API key (sk-ant-api03-...), not an admin key" in message  # one sentence
    assert sim.counters.snapshot()["total_requests"] == 0


def test_an_admin_key_given_as_the_api_key_keeps_its_own_refusal(tmp_path, sim):
    env = {"ANTHROPIC_API_KEY": ADMIN, "ANTHROPIC_BASE_URL": sim.base_url}
    result = flux("check", "--project", str(tmp_path), "--json", env=env)
    payload = json_of(result)
    assert result.returncode == 3 and codes(payload) == ["key_wrong_kind"]
    assert "Admin API key" in payload["error"]["message"]
    assert_no_key(result.stdout + result.stderr, ADMIN)


def test_without_an_admin_key_limits_says_where_to_put_one(tmp_path, sim):
    result, payload = limits(sim, tmp_path, env={"ANTHROPIC_ADMIN_KEY": ""})
    assert result.returncode == 3 and codes(payload) == ["key_missing"]
    assert "ANTHROPIC_ADMIN_KEY" in payload["error"]["fix"]


def test_a_revoked_admin_key_is_named_as_the_admin_key_not_the_api_key(tmp_path):
    scenario = replace(load("today"), revoked_keys=[ADMIN])
    with serve(scenario) as running:
        result, payload = limits(running, tmp_path)
    assert result.returncode == 3
    (refused,) = [d for d in payload["diagnosis"] if d["code"] == "key_invalid"]
    assert "rejected the admin key" in refused["message"]
    assert payload["key"]["organization_id"]  # the API key itself works


def test_the_admin_key_on_stdin_and_both_keys_on_stdin(tmp_path, sim):
    result, payload = limits(
        sim, tmp_path, "--admin-key-stdin", env={"ANTHROPIC_ADMIN_KEY": ""}, stdin=ADMIN + "\n"
    )
    assert result.returncode == 0 and payload["admin_key"]["fingerprint"].endswith("QqRr")
    both = flux(
        "check",
        "--project",
        str(tmp_path),
        "--api-key-stdin",
        "--admin-key-stdin",
        stdin=KEY,
        env={"ANTHROPIC_BASE_URL": sim.base_url},
    )
    assert both.returncode == 2 and "both read standard input" in both.stderr
    # limits' own (the listing, three Admin API reads, then two), none for `check`
    assert sim.counters.snapshot()["total_requests"] == 6


def test_check_ticks_the_limits_item_from_the_admin_api_and_writes_no_admin_key(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-sonnet-5-5\n")
    with serve("today") as running:
        env = {
            "ANTHROPIC_API_KEY": KEY,
            "ANTHROPIC_BASE_URL": running.base_url,
            "ANTHROPIC_ADMIN_KEY": ADMIN,
        }
        result = flux("check", "--project", str(tmp_path), "--json", "--write-checklist", env=env)
        checklist = (tmp_path / "flux-upgrade-checklist.md").read_text()
        run = flux("run", "--project", str(tmp_path), "--yes", "--json", env=env)
    payload = json_of(result)
    assert result.returncode == 10
    (item,) = [i for i in payload["checklist_items"] if i["id"] == "limits"]
    assert item["done"] is True
    assert "Read through the Admin API" in checklist
    assert "claude-sonnet-5-5 (Claude Sonnet): 50 requests/min" in checklist
    assert "monthly: $12.35 of $500.00" in checklist
    assert run.returncode == 0, run.stderr
    assert "claude-opus-5-5 (Claude Opus)" in (tmp_path / "flux-upgrade-checklist.md").read_text()
    written = [p for p in [*tmp_path.rglob("*"), *store().home.rglob("*")] if p.is_file()]
    assert written
    for path in written:
        assert_no_key(path.read_text(errors="replace"), ADMIN)


def test_a_wrong_admin_key_costs_the_limits_not_the_check(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    env = {
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": sim.base_url,
        "ANTHROPIC_ADMIN_KEY": "sk-ant-admin01-short",
    }
    result = flux("check", "--project", str(tmp_path), "--json", env=env)
    assert result.returncode == 0
    assert "The limits are not read" in result.stderr


def test_doctor_lists_the_admin_apis_lines_and_fails_an_inactive_key(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-sonnet-5-5\n")
    for scenario, ok in (("today", True), ("key-expired", False)):
        with serve(scenario) as running:
            env = {
                "ANTHROPIC_API_KEY": KEY,
                "ANTHROPIC_BASE_URL": running.base_url,
                "ANTHROPIC_ADMIN_KEY": ADMIN,
            }
            result = flux("doctor", "--project", str(tmp_path), "--json", env=env)
        checks = {c["id"]: c for c in json_of(result)["checks"]}
        assert checks["admin"]["ok"] is ok, checks["admin"]
        assert "Simulated Organisation" in checks["admin"]["summary"]
        assert "Claude Sonnet" in checks["limits"]["summary"]
        if not ok:
            assert "Create a new API key" in checks["admin"]["fix"]
            assert result.returncode == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", KEY), ("name", "Acme " + ADMIN), ("this_key", {"name": "\x1b[31m" + ADMIN})],
)
def test_keys_the_admin_api_echoes_are_never_shown(tmp_path, field, value):
    scenario = load("today")
    scenario = replace(scenario, admin=replace(scenario.admin, **{field: value}))
    with serve(scenario) as running:
        result, payload = limits(running, tmp_path)
    assert result.returncode == 0
    assert_no_key(result.stdout + result.stderr)
    assert "\x1b[31m" not in result.stdout + result.stderr


def test_the_admin_scenario_field_is_checked_when_loaded(tmp_path):
    from wizard.simulator.scenarios import ScenarioError

    bad = tmp_path / "bad.json"
    bad.write_text('{"extends": "today", "name": "bad", "admin": {"this_key": {"status": "x"}}}')
    with pytest.raises(ScenarioError, match="this_key.status"):
        load(str(bad))
    assert Admin().key_status == "active"
