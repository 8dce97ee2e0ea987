"""One verdict behind every view: what the online check found (a refusal of the key or the
account, a listing that was refused, a fallback that must go) is what `check`, `check
--offline`, `status`, `doctor` and `doctor --offline` say and exit with, and a check that made
no call never replaces what an earlier one proved. Each case is one a new user met: the views
disagreed on it (exit 4 online, 5 offline; "never checked" after a rejected key; a
recommendation offline that the online check refused to make)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import KEY, flux, json_of
from wizard.simulator import serve
from wizard.vocab import ExitCode

OFFLINE_VIEWS = (("check", "--offline"), ("status",), ("doctor", "--offline"))


def _project(folder: Path, model: str, fallback: str | None = None) -> Path:
    folder.mkdir(exist_ok=True)
    text = f'config_version = 2\n[model]\nid = "{model}"\n'
    if fallback:
        text += f'fallback = "{fallback}"\n'
    (folder / "flux.toml").write_text(text)
    return folder


def _views(project: Path, scenario: str) -> dict[str, tuple[int, dict, str]]:
    """Every view of one project: the online ones against the scenario, then the offline ones
    from what they saved."""
    seen = {}
    with serve(scenario) as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        for command in (("check",), ("doctor",)):
            result = flux(*command, "--json", "--project", str(project), env=env)
            seen[" ".join(command)] = (result.returncode, json_of(result), result.stderr)
    for command in OFFLINE_VIEWS:
        env = {"ANTHROPIC_API_KEY": KEY}
        result = flux(*command, "--json", "--project", str(project), env=env)
        seen[" ".join(command)] = (result.returncode, json_of(result), result.stderr)
    return seen


@pytest.mark.parametrize(
    ("scenario", "code", "words"),
    [
        ("zero-balance", ExitCode.ACCOUNT, "credit balance is too low"),
        ("key-expired", ExitCode.KEY, "rejected the key"),
        ("org-on-hold", ExitCode.ACCOUNT, ""),
    ],
)
def test_a_refused_key_or_account_is_the_verdict_of_every_view_online_and_offline(
    tmp_path, scenario, code, words
):
    project = _project(tmp_path / "p", "claude-opus-5-5", "claude-sonnet-5-5")
    seen = _views(project, scenario)
    assert {view: got[0] for view, got in seen.items()} == dict.fromkeys(seen, int(code))
    for view, (_, payload, stderr) in seen.items():
        assert words.lower() in (stderr + str(payload.get("diagnosis"))).lower(), view
        # never the fix of another cause: a refusal of the key is not settled by a rerun
        assert "rerun later" not in stderr.lower(), view
        assert not re.search(r": exit \d+\b", stderr), view  # a code is no explanation
    for view in ("doctor", "doctor --offline"):
        _, payload, stderr = seen[view]
        assert payload["status"] == "fail"
        failing = [c for c in payload["checks"] if c["status"] == "fail"]
        # one line fails, the key's or the account's, with its own fix; the model lines only
        # say they were not checked (no second fix that cannot work)
        assert [c["id"] for c in failing] == ["key" if code == ExitCode.KEY else "account"]
        assert failing[0]["fix"]
        configured = next(c for c in payload["checks"] if c["id"] == "configured")
        assert configured["status"] == "warn" and not configured["fix"]
        assert "`flux-setup check` proves it" not in stderr
    status_text = seen["status"][2]
    assert "never" not in status_text.split("Last check")[-1].split("\n")[1]


def test_a_refused_listing_leaves_no_recommendation_offline_either(tmp_path):
    project = _project(tmp_path / "p", "claude-opus-5-5")
    seen = _views(project, "listing-forbidden")
    assert {view: got[0] for view, got in seen.items()} == dict.fromkeys(seen, 5)
    assert seen["check"][1]["recommended"] is None
    assert seen["check --offline"][1]["recommended"] is None
    assert "recommended by that check: none" in seen["check --offline"][2]
    for view in ("doctor", "doctor --offline"):
        payload = seen[view][1]
        # exit 5 is a check that could not finish: its line fails, so `status` says so too
        assert payload["status"] == "fail", view
        configured = next(c for c in payload["checks"] if c["id"] == "configured")
        assert configured["status"] == "fail" and configured["fix"], view
        assert "see above" not in configured["summary"], view  # doctor shows nothing above
        assert "Nothing to do" not in (configured["fix"] or ""), view


def test_a_check_without_calls_never_replaces_what_an_earlier_one_proved(tmp_path):
    project = _project(tmp_path / "p", "claude-opus-4-8", "claude-sonnet-4-5-20250929")
    with serve("gated-flagship") as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        checked = flux("check", "--json", "--project", str(project), env=env)
        before = json_of(
            flux(
                "check",
                "--offline",
                "--json",
                "--project",
                str(project),
                env={"ANTHROPIC_API_KEY": KEY},
            )
        )
        unverified = flux("doctor", "--no-verify", "--json", "--project", str(project), env=env)
    after = flux(
        "check", "--offline", "--json", "--project", str(project), env={"ANTHROPIC_API_KEY": KEY}
    )
    assert checked.returncode == before["exit_code"] == after.returncode == 11
    assert json_of(after)["recommended"] == before["recommended"] == "claude-opus-5"
    # --no-verify proved nothing: doctor passes no model line and recommends nothing as proven
    checks = {c["id"]: c for c in json_of(unverified)["checks"]}
    assert checks["configured"]["status"] == "warn"
    assert checks["recommendation"]["status"] == "warn"


def test_a_fallback_that_must_go_reads_the_same_in_every_view_and_the_scan_says_it_is_the_fallback(
    tmp_path,
):
    root = tmp_path / "root"
    root.mkdir()
    for name in ("a", "b"):
        _project(root / name, "claude-opus-5-5", "claude-sonnet-4-5-20250929")
    with serve("today") as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        scan = flux("check", "--all", str(root), env=env)
        one = flux("check", "--project", str(root / "a"), env=env)
        doctor = flux("doctor", "--json", "--project", str(root / "a"), env=env)
        offline = flux(
            "check", "--offline", "--project", str(root / "b"), env={"ANTHROPIC_API_KEY": KEY}
        )
        fixed = flux("check", "--all", str(root), "--fix", "--yes", env=env)
    assert scan.returncode == one.returncode == doctor.returncode == offline.returncode == 11
    assert "2 have a fallback to replace" in ((scan.stdout or "") + scan.stderr)
    assert "deprecated model" not in ((scan.stdout or "") + scan.stderr)
    steps = set()
    for text in (
        ((scan.stdout or "") + scan.stderr),
        ((one.stdout or "") + one.stderr),
        ((offline.stdout or "") + offline.stderr),
    ):
        steps |= set(re.findall(r"`flux-setup run[^`]*` replaces it with [^(]*", text))
    fallback = next(c for c in json_of(doctor)["checks"] if c["id"] == "fallback")
    assert fallback["status"] == "fail" and "replaces it with" in fallback["fix"]
    # one wording for the one step (the project named in a scan); never run's flag alone
    assert {re.sub(r" --project [^`\s]+", "", s) for s in steps} == {
        "`flux-setup run` replaces it with the best callable model below claude-opus-5-5 "
    } or all("claude-sonnet-5-5" in s for s in steps), steps
    for text in (
        ((scan.stdout or "") + scan.stderr),
        ((one.stdout or "") + one.stderr),
        ((offline.stdout or "") + offline.stderr),
        ((fixed.stdout or "") + fixed.stderr),
    ):
        assert "`--fallback ID|none` chooses" not in text
    assert fixed.returncode == 0
    # the model stays: never "now uses" the model it already used
    assert "now uses claude-opus-5-5" not in ((fixed.stdout or "") + fixed.stderr)
    assert "keeps claude-opus-5-5, fallback claude-sonnet-5-5 now" in (
        (fixed.stdout or "") + fixed.stderr
    )


@pytest.mark.parametrize(
    ("scenario", "configured", "billed"),
    [
        # the configured model (in round one) and the recommendation, nothing below it
        ("gated-flagship", "claude-opus-4-8", 2),
        # the configured model and the configured fallback (both answer there): it is proven
        ("seed-2025", "claude-opus-4-1-20250805", 2),
        # a line refused end to end: the rounds widen (1, 2, 4), so at most one call below
        ("haiku-only", "claude-haiku-5-5", 1),
    ],
)
def test_check_bills_nothing_below_the_recommendation_after_a_refusal(
    tmp_path, scenario, configured, billed
):
    project = _project(tmp_path / "p", configured, "claude-sonnet-4-5-20250929")
    with serve(scenario) as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        payload = json_of(flux("check", "--json", "--project", str(project), env=env))
        assert running.counters.billed_calls == billed
    proven = [m["id"] for m in payload["models"] if m["callable"]]
    assert payload["recommended"] in proven or payload["recommended"] is None
    assert len(proven) == billed


def test_a_state_home_two_keys_share_tells_each_key_its_own_last_check(tmp_path):
    project = _project(tmp_path / "p", "claude-opus-5-5")
    other = "sk-ant-api03-" + "OtherKeyR5x" * 8 + "MnOp"
    orgs = {}
    for key, scenario in ((KEY, "today"), (other, "veteran")):
        with serve(scenario) as running:
            env = {"ANTHROPIC_API_KEY": key, "ANTHROPIC_BASE_URL": running.base_url}
            payload = json_of(flux("check", "--json", "--project", str(project), env=env))
            orgs[key] = payload["key"]["organization_id"]
    assert orgs[KEY] != orgs[other]
    status = json_of(
        flux("status", "--json", "--project", str(project), env={"ANTHROPIC_API_KEY": KEY})
    )
    # the organisation and the last check of the key in use, not of the key checked last
    assert status["key"]["organization_id"] == orgs[KEY]


def test_a_retirement_that_has_passed_is_overdue_in_the_online_and_the_offline_words(tmp_path):
    project = _project(tmp_path / "p", "claude-opus-5-5", "claude-sonnet-4-5-20250929")
    with serve("today") as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        online = flux("check", "--project", str(project), env=env)
    offline = flux("check", "--offline", "--project", str(project), env={"ANTHROPIC_API_KEY": KEY})
    assert "retirement, due 2026-11-30, is overdue" in online.stdout + online.stderr
    for result in (online, offline):
        text = result.stdout + result.stderr
        assert "retirement date 2026-11-30" not in text and "retires 2026-11-30" not in text


def test_without_verification_no_unproven_model_is_called_the_recommendation_in_any_step(tmp_path):
    project = _project(tmp_path / "p", "claude-opus-4-5-20251101", "claude-haiku-4-5-20251001")
    with serve("gated-flagship") as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        result = flux("models", "--json", "--project", str(project), env=env)
    payload = json_of(result)
    assert payload["recommended"] is None
    # the gated flagship leads the line order but was never called: never "switch to it"
    assert "Switch to claude-opus-5-5" not in result.stderr
    assert "not verified" in result.stderr


def test_doctor_names_a_better_model_beside_a_fallback_that_must_go_online_and_offline(tmp_path):
    project = _project(tmp_path / "p", "claude-opus-4-8", "claude-sonnet-4-5-20250929")
    with serve("gated-flagship") as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        online = json_of(flux("doctor", "--json", "--project", str(project), env=env))
    offline = json_of(
        flux(
            "doctor",
            "--offline",
            "--json",
            "--project",
            str(project),
            env={"ANTHROPIC_API_KEY": KEY},
        )
    )
    for payload in (online, offline):
        lines = {c["id"]: c for c in payload["checks"]}
        assert payload["exit_code"] == 11
        assert lines["fallback"]["status"] == "fail"
        configured = lines["configured"]
        assert configured["status"] == "warn" and "claude-opus-5" in configured["summary"]
        assert "best callable model" not in configured["summary"]
    # doctor --offline's JSON holds the same facts as check --offline's
    assert offline["recommended"] == "claude-opus-5" and offline["diagnosis"]
    assert offline["configured"]["model"] == "claude-opus-4-8"


@pytest.mark.parametrize("scenario", ["gateway-timeout", "listing-forbidden"])
def test_the_configured_fallback_is_proven_when_the_walk_cannot_run(tmp_path, scenario):
    project = _project(tmp_path / "p", "claude-opus-5-5", "claude-sonnet-5-5")
    with serve(scenario) as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        result = flux("check", "--json", "--timeout", "1", "--project", str(project), env=env)
    assert json_of(result)["configured"]["fallback"]["status"] == "callable"


def test_a_day_access_returns_that_has_passed_is_said_as_passed(tmp_path):
    project = _project(tmp_path / "p", "claude-opus-5-5")
    with serve("org-spend-limit") as running:  # "You will regain access on 2026-12-01 ..."
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        result = flux("check", "--project", str(project), env=env)
    text = result.stdout + result.stderr
    assert result.returncode == 4
    assert "Access returns on 2026-12-01" not in text and "that day has passed" in text
    assert "wait until it resets" not in text


def test_the_json_of_the_offline_views_says_what_their_text_says(tmp_path):
    project = _project(tmp_path / "p", "claude-opus-5-5", "claude-sonnet-4-5-20250929")
    with serve("today") as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        checked = json_of(flux("check", "--json", "--project", str(project), env=env))
    offline_env = {"ANTHROPIC_API_KEY": KEY}
    offline = flux("check", "--offline", "--json", "--project", str(project), env=offline_env)
    status = json_of(flux("status", "--json", "--project", str(project), env=offline_env))
    off = json_of(offline)
    org = checked["key"]["organization_id"]
    assert off["key"]["organization_id"] == status["key"]["organization_id"] == org
    assert status["configured"]["status"] == status["verdict"]["status"] == "callable"
    # the refusal of the fallback in the words the online check used: deprecated, overdue
    assert "deprecated" in offline.stderr and "overdue" in offline.stderr
