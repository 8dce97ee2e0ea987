"""Which organisation a key belongs to: read from every answer's `anthropic-organization-id`
(shape-checked like all server text), shown beside the key in check, status, the checklist and
`--json`, named in billing diagnoses, and per key in `check --all`."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.helpers import KEY, assert_no_key, flux, json_of
from wizard.simulator import load, serve

OTHER = "sk-ant-api03-" + "AnotherKey7" * 8 + "QwEr"


def check_json(tmp_path, running, key=KEY):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-sonnet-5-5\n")
    env = {"ANTHROPIC_API_KEY": key, "ANTHROPIC_BASE_URL": running.base_url}
    result = flux("check", "--project", str(tmp_path), "--json", "--write-checklist", env=env)
    return result, json_of(result)


def test_check_says_which_organisation_the_key_belongs_to_and_status_remembers_it(tmp_path, sim):
    org = sim.sim.scenario.organization
    result, payload = check_json(tmp_path, sim)
    assert payload["key"]["organization_id"] == org
    assert f"The key belongs to organisation {org}." in result.stderr
    checklist = (tmp_path / "flux-upgrade-checklist.md").read_text()
    assert f"organisation `{org}`" in checklist
    # status, offline, from the last check of this very key
    status = flux("status", "--project", str(tmp_path), "--json", env={"ANTHROPIC_API_KEY": KEY})
    assert json_of(status)["key"]["organization_id"] == org
    assert f"belongs to organisation {org} (from the last check)" in status.stderr
    # another key was never checked: its organisation is not known, nor guessed
    other = flux("status", "--project", str(tmp_path), "--json", env={"ANTHROPIC_API_KEY": OTHER})
    assert json_of(other)["key"]["organization_id"] is None


@pytest.mark.parametrize(
    "said",
    [
        "not-a-uuid",
        KEY,  # a server echoing the key where the organisation goes
        "3c9e1f2a-0b4d-4c6e-8f1a-2b3c4d5e6f70 and more",
        "\x1b[31m3c9e1f2a-0b4d-4c6e-8f1a-2b3c4d5e6f70",
    ],
)
def test_an_organisation_id_of_the_wrong_shape_is_never_shown_nor_stored(tmp_path, said):
    scenario = replace(load("today"), organization_id=said)
    with serve(scenario) as running:
        result, payload = check_json(tmp_path, running)
    assert payload["key"]["organization_id"] is None
    assert "belongs to organisation" not in result.stderr
    assert_no_key(result.stdout + result.stderr)
    assert "not-a-uuid" not in result.stderr and "\x1b[31m" not in result.stderr


def test_a_billing_refusal_names_the_organisation_the_console_must_show(tmp_path):
    with serve("zero-balance") as running:
        org = running.sim.scenario.organization
        result, payload = check_json(tmp_path, running)
    billing = [d for d in payload["diagnosis"] if d["code"] == "credit_balance_too_low"]
    assert billing, payload["diagnosis"]
    assert all(org in d["message"] and "organisation switcher" in d["message"] for d in billing)
    # said once per diagnosis, not once per model refused
    assert all(d["message"].count(org) == 1 for d in billing)


def test_check_all_says_which_keys_belong_to_which_organisation(tmp_path, sim):
    org = sim.sim.scenario.organization
    for name, key in (("a", KEY), ("b", OTHER)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "flux.toml").write_text(
            'config_version = 2\n\n[model]\nid = "claude-opus-5-5"\n'
        )
        (tmp_path / name / ".env").write_text(f"ANTHROPIC_API_KEY={key}\n")
    env = {"ANTHROPIC_BASE_URL": sim.base_url}
    result = flux("check", "--all", str(tmp_path), "--json", env=env)
    payload = json_of(result)
    assert [k["organization_id"] for k in payload["keys"]] == [org, org]
    assert {p["key"]["organization_id"] for p in payload["projects"]} == {org}
    assert result.stderr.count(f"organisation {org}") == 2  # one line per key


def test_answers_naming_different_organisations_claim_none():
    from types import SimpleNamespace

    from wizard.api import ApiClient
    from wizard.environment import utc_now
    from wizard.keys import ApiKey

    client = ApiClient(ApiKey(KEY, "env"), "http://127.0.0.1:9", now=utc_now)
    answer = SimpleNamespace(
        headers={"anthropic-organization-id": "3C9E1F2A-0B4D-4C6E-8F1A-2B3C4D5E6F70"}
    )
    client._saw_answer(answer)
    assert client.organization_id == "3c9e1f2a-0b4d-4c6e-8f1a-2b3c4d5e6f70"
    client._saw_answer(answer)
    assert client.organization_id == "3c9e1f2a-0b4d-4c6e-8f1a-2b3c4d5e6f70"
    other = SimpleNamespace(
        headers={"anthropic-organization-id": "00000000-0000-4000-8000-000000000000"}
    )
    client._saw_answer(other)
    assert client.organization_id is None  # a proxy mixing answers: nothing claimed
