"""`flux-setup doctor`: one pass/fail list with a fix on every failing line; its verdict lines
are `check`'s own (online) and `check --offline`'s (offline), its exit code the worst line's."""

from __future__ import annotations

import subprocess
from datetime import UTC

import pytest

from tests.helpers import ADMIN_KEY, KEY, flux, json_of
from wizard.simulator import serve
from wizard.vocab import ExitCode

SHAPE = {"id", "status", "ok", "summary", "fix", "duration_ms"}


def doctor(tmp_path, running=None, *args, key=KEY):
    env = {"ANTHROPIC_API_KEY": key} if key else {}
    if running is not None:
        env["ANTHROPIC_BASE_URL"] = running.base_url
    result = flux("doctor", "--project", str(tmp_path), "--json", *args, env=env)
    payload = json_of(result)
    assert all(set(c) == SHAPE for c in payload["checks"])
    assert all(c["fix"] for c in payload["checks"] if not c["ok"]), "a failing line has a fix"
    assert all(c["ok"] is (c["status"] != "fail") for c in payload["checks"])
    states = {c["status"] for c in payload["checks"]}
    worst = next(s for s in ("fail", "warn", "pass", "skip") if s in states)
    assert payload["status"] == worst
    return result, payload, {c["id"]: c for c in payload["checks"]}


@pytest.mark.parametrize(
    "model,code",
    [("claude-opus-5-5", 0), ("claude-haiku-5-5", 10), ("claude-3-haiku-20240307", 12)],
)
def test_the_verdict_lines_and_the_exit_code_are_checks_own(tmp_path, sim, model, code):
    (tmp_path / ".env").write_text(f"FLUX_MODEL={model}\n")
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    checked = flux("check", "--project", str(tmp_path), "--json", env=env)
    result, payload, by_id = doctor(tmp_path, sim)
    assert result.returncode == checked.returncode == code
    # proven callable and best: pass; a better model callable: warn; not callable: fail
    assert by_id["configured"]["status"] == {0: "pass", 10: "warn", 12: "fail"}[code]
    assert by_id["recommendation"]["summary"] == (
        "Recommended: claude-opus-5-5 (proven by a call now)."
    )
    assert by_id["recommendation"]["status"] == "pass"
    assert "requests-limit" in by_id["limits"]["summary"]
    org = sim.sim.scenario.organization
    assert org in by_id["key"]["summary"]
    # and offline, from the catalogue that check saved: the same verdict
    offline, _, off_by_id = doctor(tmp_path, None, "--offline")
    assert offline.returncode == code
    summary = off_by_id["configured"]["summary"]
    assert "by the saved catalogue of " in summary.lower()
    assert summary.count(model) == 1  # named once: not "X is retired: X was retired ..."
    if code == 10:  # a change is due: its fix makes it, not merely proves it
        assert "`flux-setup run`" in off_by_id["configured"]["fix"]
    for line in (by_id["configured"], off_by_id["configured"]):  # one step: the fix, not two
        assert "`flux-setup" not in line["summary"], line
    # nothing is proven offline: never a pass for the model
    assert off_by_id["configured"]["status"] == ("fail" if code == 12 else "warn")


def test_without_a_key_or_a_model_each_line_says_what_to_do(tmp_path):
    # the lines summed by a single check's rule: the key's failure first, as `check` meets it
    result, payload, by_id = doctor(tmp_path, None, "--offline", key=None)
    assert result.returncode == ExitCode.KEY  # no key, and no model configured: 3, as check
    assert not by_id["key"]["ok"] and "`flux-setup run`" in by_id["key"]["fix"]
    assert not by_id["model"]["ok"]
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    result, _, by_id = doctor(tmp_path, None, "--offline", key=None)
    assert result.returncode == ExitCode.KEY and by_id["model"]["ok"]
    assert by_id["versions"]["ok"] and "anthropic " in by_id["versions"]["summary"]
    assert "passed" in result.stderr and "failed (exit" in result.stderr


def test_a_broken_config_is_its_own_failing_line_with_line_and_column(tmp_path):
    (tmp_path / "flux.toml").write_text("[model\n")
    result, _, by_id = doctor(tmp_path, None, "--offline")
    assert result.returncode == ExitCode.FILES
    assert "line 1" in by_id["project"]["summary"]


def test_a_tracked_env_holding_the_key_fails_the_git_line(tmp_path):
    (tmp_path / ".env").write_text(f"ANTHROPIC_API_KEY={KEY}\nFLUX_MODEL=claude-opus-5-5\n")
    git = ["git", "-C", str(tmp_path), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", ".env"], check=True)
    result, _, by_id = doctor(tmp_path, None, "--offline", key=None)
    assert not by_id["git"]["ok"] and "git rm --cached .env" in by_id["git"]["fix"]
    assert KEY not in result.stdout + result.stderr


def test_a_piped_key_serves_the_key_line_and_the_check_alike(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    args = ("doctor", "--project", str(tmp_path), "--api-key-stdin", "--json")
    result = flux(*args, env={"ANTHROPIC_BASE_URL": sim.base_url}, stdin=KEY + "\n")
    by_id = {c["id"]: c for c in json_of(result)["checks"]}
    assert result.returncode == 0, by_id
    assert by_id["key"]["ok"] and "standard input" in by_id["key"]["summary"]
    assert by_id["configured"]["ok"]


def test_a_last_check_dated_in_the_future_is_of_unknown_age_as_check_offline_reads_it(
    tmp_path, sim
):
    from dataclasses import replace
    from datetime import datetime

    from tests.helpers import make_context
    from wizard.commands.doctor import doctor as run_doctor

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    assert flux("check", "--project", str(tmp_path), env=env).returncode == 0
    ctx, _ = make_context(tmp_path, environ={"ANTHROPIC_API_KEY": KEY}, offline=True)
    past = replace(ctx, now=lambda: datetime(2020, 1, 1, tzinfo=UTC))
    checks = {c["id"]: c for c in run_doctor(past).to_json()["checks"]}
    assert checks["last-check"]["status"] == "warn"
    assert "days ago" not in checks["last-check"]["summary"]


def test_an_expired_key_fails_the_key_line_and_no_line_passes_what_the_api_refused(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-4-5-20251101\n")
    with serve("key-expired") as running:
        result, payload, by_id = doctor(tmp_path, running)
    assert result.returncode == ExitCode.KEY
    assert by_id["key"]["status"] == "fail"
    assert "✓ Key" not in result.stderr and "✗ Key" in result.stderr
    assert payload["status"] == "fail"


def test_no_verify_makes_no_call_and_passes_nothing_it_did_not_prove(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    result, payload, by_id = doctor(tmp_path, sim, "--no-verify")
    assert sim.sim.counters.billed_calls == 0
    assert by_id["configured"]["status"] == "warn"
    assert by_id["recommendation"]["status"] == "warn"
    assert "✓ claude-opus-5-5" not in result.stderr and "✓ Recommended" not in result.stderr
    assert payload["status"] == "warn" and result.returncode == 0


def test_a_spend_limit_reached_fails_the_limits_line(tmp_path):
    scenario = tmp_path / "capped.json"
    scenario.write_text(
        '{"extends": "org-spend-limit", "name": "capped", "admin": {"spend_limits": '
        '[{"period": "monthly", "amount": "50000", "spent": "50000", "scope": "organization"}]}}'
    )
    project = tmp_path / "p"
    project.mkdir()
    (project / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with serve(str(scenario)) as running:
        env = {
            "ANTHROPIC_API_KEY": KEY,
            "ANTHROPIC_ADMIN_KEY": ADMIN_KEY,
            "ANTHROPIC_BASE_URL": running.base_url,
        }
        result = flux("doctor", "--project", str(project), "--json", env=env)
    by_id = {c["id"]: c for c in json_of(result)["checks"]}
    assert result.returncode == ExitCode.ACCOUNT
    assert "reached" in by_id["limits"]["summary"]
    assert by_id["limits"]["status"] == "fail" and by_id["limits"]["fix"]
    assert "✓ Rate limits" not in result.stderr


def test_the_fallback_line_fails_for_a_fallback_no_one_can_call(tmp_path, sim):
    (tmp_path / "flux.toml").write_text(
        'config_version = 2\n[model]\nid = "claude-opus-5-5"\n'
        'fallback = "claude-sonnet-4-5-20250929"\n'
    )
    result, payload, by_id = doctor(tmp_path, sim)
    assert result.returncode == ExitCode.DEPRECATED
    assert by_id["configured"]["status"] == "pass"
    assert by_id["fallback"]["status"] == "fail"
    assert "claude-sonnet-4-5-20250929" in by_id["fallback"]["summary"]
    assert "[model].fallback" in by_id["fallback"]["summary"]
    # without a configured fallback, the line is skipped, not passed
    (tmp_path / "flux.toml").write_text('config_version = 2\n[model]\nid = "claude-opus-5-5"\n')
    _, _, by_id = doctor(tmp_path, sim)
    assert by_id["fallback"]["status"] == "skip"
