"""From the API back into the tests: `--record FILE`, `simulator --replay FILE`, recordings as
regression tests (`tests/recordings/`), and `--scenario-from FILE`."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.helpers import ADMIN_KEY, KEY, assert_no_key, clean_environ, json_of, run_main
from tests.helpers import flux as program
from wizard.environment import clock_from
from wizard.flow.recorded import outcome
from wizard.recording import FORMAT, THIS_KEY_HINT, parse
from wizard.simulator import builtin_names, serve
from wizard.simulator.replay import RunningReplay

RECORDINGS = Path(__file__).parent / "recordings"
OTHER = "sk-ant-api03-" + "ReplayKey42" * 8 + "MnOp"
STARTED = "2026-11-25T12:00:00+00:00"
# The configured model of each scenario's run: the one its story is about.
CONFIGURED = {
    "haiku-only": "claude-haiku-4-5-20251001",
    "veteran": "claude-sonnet-4-5",
    "seed-2025": "claude-3-haiku-20240307",
}
# Faults that last for the whole budget: a short one (the same in both runs); gateway-timeout
# retries within it, so its budget keeps each retry far from the edge (recording costs ms).
# cmek-key-unreachable asks for 600 s, which is never waited: it spends no budget, and keeps
# the default so that no request of it meets a deadline a loaded machine can beat.
TIMEOUT = {"gateway-timeout": "1.0", "listing-down": "1.0"}


def flux(*args, base_url, key=KEY, now=STARTED, cwd=None, extra_env=None):
    env = {"ANTHROPIC_API_KEY": key, "ANTHROPIC_BASE_URL": base_url, **(extra_env or {})}
    return run_main(args, env=clean_environ(**env), now=clock_from(now), cwd=cwd)


def comparable(payload: dict, base_url: str = "") -> dict:
    """A --json document without what a run's own clock and timings decide, and with the
    address it asked (the simulator's, then the replay's) as one placeholder. How many retries
    fit a budget is timing too (a loaded machine fits fewer): the count is left out, the
    failure and its words are not."""
    text = re.sub(r"after \d+ attempt", "after N attempt", json.dumps(payload))
    if base_url:
        text = text.replace(base_url, "BASE_URL")
    payload = json.loads(text)
    payload.pop("checked_at", None)
    for name in ("requests", "round_trips"):
        payload.get("verification", {}).pop(name, None)
    return payload


@pytest.mark.parametrize("scenario", builtin_names())
def test_record_then_replay_gives_the_same_json(tmp_path, scenario):
    project = tmp_path / "p"
    project.mkdir()
    (project / ".env").write_text(f"FLUX_MODEL={CONFIGURED.get(scenario, 'claude-opus-5-5')}\n")
    record = tmp_path / "check.jsonl"
    args = ["check", "--json", "--project", str(project), "--timeout", TIMEOUT.get(scenario, "5")]
    with serve(scenario) as running:
        recorded = flux(*args, "--record", str(record), base_url=running.base_url)
    assert (record.stat().st_mode & 0o777) == 0o600
    text = record.read_text()
    assert_no_key(text)
    recording = parse(text)
    assert recording.header["format"] == FORMAT and "holds no API key" in recording.header["note"]
    assert recording.outcome["exit_code"] == recorded.returncode
    with RunningReplay(recording) as replay:
        replayed = flux(*args, base_url=replay.base_url, now=recording.recorded_at)
        unanswered = replay.replay.unanswered
    assert replayed.returncode == recorded.returncode, replayed.stdout
    assert comparable(json_of(replayed)) == comparable(json_of(recorded))
    assert unanswered == []


def replay_args(recording, project: Path) -> list[str]:
    """The recorded command, asked again the same way (as JSON, with no prompt)."""
    asked = recording.invocation
    command = recording.command
    args = [command, "--json", "--project", str(project), "--timeout", str(asked.get("timeout"))]
    if asked.get("prefer"):
        args += ["--prefer", ",".join(asked["prefer"])]
    if command in ("run", "check", "models", "doctor"):
        args += ["--max-verify", str(asked.get("max_verify", 4))]
        args += [] if asked.get("verify", True) else ["--no-verify"]
    if command == "run":
        args += ["--yes", "--dry-run"] + (["--model", asked["model"]] if asked.get("model") else [])
    if command == "models":
        args += ["--verify", asked["verify_models"]] if asked.get("verify_models") else []
        args += ["--line", asked["line"]] if asked.get("line") else []
        args += ["--all"] if asked.get("include_retired") else []
    return args


@pytest.mark.parametrize("path", sorted(RECORDINGS.glob("*.jsonl")), ids=lambda p: p.stem)
def test_every_recording_replays_to_its_verdict(tmp_path, path):
    """tests/recordings/: one file is one regression test. The expectation is the recorded
    run's own outcome, or `<name>.expected.json` beside it where that outcome was wrong."""
    recording = parse(path.read_text())
    expected_file = path.with_suffix(".expected.json")
    expected = (
        json.loads(expected_file.read_text()) if expected_file.exists() else recording.outcome
    )
    project = tmp_path / "project"
    project.mkdir()
    configured = recording.invocation.get("configured")
    if configured:
        (project / ".env").write_text(f"FLUX_MODEL={configured}\n")
    admin = {"ANTHROPIC_ADMIN_KEY": ADMIN_KEY} if "/v1/organizations/" in path.read_text() else {}
    with RunningReplay(recording) as replay:
        # another key than the recorded one: a replay answers whoever asks
        result = flux(
            *replay_args(recording, project),
            base_url=replay.base_url,
            key=OTHER,
            now=recording.recorded_at,
            extra_env=admin,
        )
        unanswered = replay.replay.unanswered
    got = outcome(json_of(result))
    for field in ("exit_code", "configured", "recommended", "fallback", "diagnosis", "models"):
        assert got[field] == expected[field], (field, result.stdout[-2000:])
    if expected.get("checks"):
        assert got["checks"] == expected["checks"]
    assert unanswered == []
    assert_no_key(result.stdout + result.stderr, OTHER)


def test_the_seed_recordings_say_they_are_the_simulators_and_hold_no_key():
    files = sorted(RECORDINGS.glob("*.jsonl"))
    assert len(files) >= 5
    for path in files:
        text = path.read_text()
        head = json.loads(text.splitlines()[0])
        if path.name.startswith("sim-"):
            assert "simulator" in head["source"]
        assert_no_key(text)
        assert_no_key(text, ADMIN_KEY)


def test_a_recording_of_an_independent_stand_in_replays_to_the_same_recommendation(tmp_path):
    """Not the simulator: tests/hostile_server.py, a server written apart from it, as a gated
    flagship (Opus 5.5 refused with a 404). Recorded, then replayed through the real SDK."""
    from tests.hostile_server import base_url, hostile

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    record = tmp_path / "gated.jsonl"
    args = ["check", "--json", "--project", str(tmp_path)]
    with hostile("gated") as server:
        recorded = flux(*args, "--record", str(record), base_url=base_url(server))
    recording = parse(record.read_text())
    with RunningReplay(recording) as replay:
        replayed = flux(*args, base_url=replay.base_url, key=OTHER, now=recording.recorded_at)
    first, second = json_of(recorded), json_of(replayed)
    assert first["recommended"] == second["recommended"] == "claude-sonnet-5-5"
    assert recorded.returncode == replayed.returncode == 10
    assert [d["code"] for d in second["diagnosis"]] == [d["code"] for d in first["diagnosis"]]


def record_check(tmp_path, scenario="gated-flagship", *extra, faults=None, configured=None):
    """`check --record` against a scenario; the recording and the run's result."""
    project = tmp_path / "p"
    project.mkdir(exist_ok=True)
    (project / ".env").write_text(f"FLUX_MODEL={configured or 'claude-sonnet-5-5'}\n")
    record = tmp_path / "check.jsonl"
    args = ["check", "--json", "--project", str(project), *extra]
    with serve(scenario, faults) as running:
        result = flux(*args, "--record", str(record), base_url=running.base_url)
        organization = running.sim.scenario.organization
    return record, result, args, organization


def test_a_request_the_recording_has_no_answer_for_is_a_599_naming_it_never_a_guess(tmp_path):
    record, _, args, _ = record_check(tmp_path)
    (tmp_path / "p" / ".env").write_text("FLUX_MODEL=claude-haiku-4-5-20251001\n")
    with RunningReplay(parse(record.read_text())) as replay:
        result = flux(*args, base_url=replay.base_url)
        unanswered = replay.replay.unanswered
    assert "POST /v1/messages (model claude-haiku-4-5-20251001)" in unanswered
    payload = json_of(result)
    assert result.returncode == 5
    said = " ".join(d["message"] for d in payload["diagnosis"])
    assert "the recording has no answer for POST /v1/messages" in said
    assert payload["models"] and not any(  # nothing concluded from it
        m["id"] == "claude-haiku-4-5-20251001" and m["callable"] is False for m in payload["models"]
    )


def test_an_answer_that_never_came_is_replayed_as_one(tmp_path):
    from wizard.simulator import Faults

    faults = Faults(hang_first=1, only="/v1/messages")
    record, recorded, args, _ = record_check(tmp_path, "today", "--timeout", "0.5", faults=faults)
    recording = parse(record.read_text())
    waited = [e for e in recording.exchanges if e.status is None]
    assert len(waited) == 1 and (waited[0].ms or 0) >= 400
    first = json_of(recorded)
    asked = next(d["message"] for d in first["diagnosis"] if d["code"] == "network_error")
    with RunningReplay(recording) as replay:
        replayed = flux(*args, base_url=replay.base_url, now=recording.recorded_at)
        second = comparable(json_of(replayed), replay.base_url)
    assert replayed.returncode == recorded.returncode == 5
    assert second == comparable(first, asked.split()[3].rstrip(":"))


def test_redact_org_keeps_the_organisation_out_of_the_recording(tmp_path):
    record, result, _, organization = record_check(tmp_path, "today", "--redact-org")
    text = record.read_text()
    assert organization not in text
    assert "00000000-0000-4000-8000-000000000000" in text
    assert json_of(result)["key"]["organization_id"] == organization  # the run itself says it


def test_a_recording_is_written_when_the_command_fails_too(tmp_path):
    record, result, _, _ = record_check(tmp_path, "zero-balance")
    assert result.returncode == 4
    assert parse(record.read_text()).outcome["diagnosis"] == [["credit_balance_too_low", None]]
    bad = tmp_path / "bad.jsonl"
    with serve("today") as running:
        usage = flux(
            "check",
            "--json",
            "--project",
            str(tmp_path / "p"),
            "--prefer",
            "opsu",
            "--record",
            str(bad),
            base_url=running.base_url,
        )
    assert usage.returncode == 2
    assert "opsu" in parse(bad.read_text()).outcome["error"]


def test_the_record_target_is_checked_before_the_network(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target, code in ((fifo, 6), (tmp_path / ".env", 6), (tmp_path / "no" / "x.jsonl", 6)):
        result = flux(
            "check",
            "--json",
            "--project",
            str(tmp_path),
            "--record",
            str(target),
            base_url=sim.base_url,
        )
        assert result.returncode == code, result.stdout
    assert sim.counters.snapshot()["total_requests"] == 0
    assert (tmp_path / ".env").read_text() == "FLUX_MODEL=claude-opus-5-5\n"


def test_scenario_from_turns_a_recording_into_a_scenario_that_judges_the_same(tmp_path):
    from wizard.simulator import load

    record, recorded, args, _ = record_check(tmp_path)
    made = program("simulator", "--scenario-from", str(record), subprocess_run=True)
    assert made.returncode == 0, made.stderr
    scenario_file = tmp_path / "variant.json"
    scenario_file.write_text(made.stdout)
    data = json.loads(made.stdout)
    assert {r["models"][0] for r in data["responses"]} == {"claude-opus-5-5", "claude-sonnet-5-5"}
    with serve(load(str(scenario_file))) as running:
        again = flux(*args, base_url=running.base_url)
    assert again.returncode == recorded.returncode == 12
    assert json_of(again)["recommended"] == json_of(recorded)["recommended"] == "claude-opus-5"


def test_replay_and_scenario_from_refuse_what_is_not_a_recording(tmp_path):
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"not": "a recording"}\n')
    for option in ("--replay", "--scenario-from"):
        result = run_main(["simulator", option, str(junk)])
        assert result.returncode == 2
        assert "not a flux-setup recording" in result.stderr


def test_the_replay_gives_the_admin_apis_record_to_the_key_presented(tmp_path):
    """The Admin API's record of the recorded key matches whichever key replays it."""
    recording = parse((RECORDINGS / "sim-doctor-key-expired.jsonl").read_text())
    assert THIS_KEY_HINT in json.dumps([e.to_json() for e in recording.exchanges])
    project = tmp_path / "p"
    project.mkdir()
    (project / ".env").write_text("FLUX_MODEL=claude-sonnet-5-5\n")
    with RunningReplay(recording) as replay:
        result = flux(
            "doctor",
            "--json",
            "--project",
            str(project),
            base_url=replay.base_url,
            key=OTHER,
            extra_env={"ANTHROPIC_ADMIN_KEY": ADMIN_KEY},
        )
    checks = {c["id"]: c for c in json_of(result)["checks"]}
    assert "'flux-ci', expired" in checks["admin"]["summary"]


def test_doctor_report_holds_the_checks_the_recording_and_the_shape_never_a_value(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    (project / ".env").write_text(
        f"FLUX_MODEL=claude-sonnet-5-5\nANTHROPIC_API_KEY={KEY}\nMY_TOKEN=hunter2hunter2\n"
    )
    (project / "flux.toml").write_text('model = "claude-3-haiku-20240307"\n')
    report = tmp_path / "report.json"
    with serve("today") as running:
        result = run_main(
            ["doctor", "--json", "--project", str(project), "--report", str(report)],
            env={"ANTHROPIC_BASE_URL": running.base_url, "HOME": str(tmp_path)},
            now=clock_from(STARTED),
        )
    text = report.read_text()
    assert (report.stat().st_mode & 0o777) == 0o600
    data = json.loads(text)
    assert data["report"] == "flux-setup-report/1" and "holds no API key" in data["note"]
    assert [c["id"] for c in data["checks"]] == [c["id"] for c in json_of(result)["checks"]]
    assert data["project"]["env_file"]["sets"] == ["ANTHROPIC_API_KEY", "FLUX_MODEL"]
    assert data["project"]["env_file"]["other_settings"] == 1
    assert data["project"]["config"] == {
        "name": "flux.toml",
        "in_pyproject": False,
        "exists": True,
        "schema": 1,
        "migration_pending": True,
        "sets": ["model.id"],
    }
    assert "hunter2" not in text and "MY_TOKEN" not in text
    assert_no_key(text)
    assert str(tmp_path) not in text  # the project's folder and the home folder are not named
    # the report's recording replays
    recording = parse(text)
    assert recording.outcome["exit_code"] == result.returncode
    assert any(e.path == "/v1/messages" for e in recording.exchanges)


def test_a_symlink_as_the_record_target_is_refused_and_with_force_replaced_itself(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    real = tmp_path / "kept" / "check.jsonl"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "check.jsonl"
    link.symlink_to(real)
    args = ("check", "--json", "--project", str(tmp_path), "--record", str(link))
    refused = flux(*args, base_url=sim.base_url)
    assert refused.returncode == 6 and "symbolic link" in json_of(refused)["error"]["message"]
    assert sim.counters.snapshot()["total_requests"] == 0
    forced = flux(*args, "--force", base_url=sim.base_url)
    assert forced.returncode == 0
    assert not link.is_symlink() and parse(link.read_text()).outcome["exit_code"] == 0
    assert real.read_text() == "old\n"  # what the link led to is left alone
    again = flux(*args, base_url=sim.base_url)  # a recording of ours is replaced unasked
    assert again.returncode == 0
    both = flux(
        "doctor",
        "--json",
        "--project",
        str(tmp_path),
        "--record",
        str(link),
        "--report",
        str(link),
        base_url=sim.base_url,
    )
    assert both.returncode == 2 and "name the same file" in both.stderr
