"""Hostile round 4: pieces of keys in every form, replayed recordings as untrusted input,
Markdown from headers, answers without a size. Each attack runs against the hostile server
(`tests/hostile_server.py`) on loopback; every output and every file is then scanned for any
8-character window of either key's secret part."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers import ADMIN_KEY, KEY, clean_environ, run_main, store
from tests.hostile_server import base_url, hostile, key_forms, secret_of
from wizard import ci, redaction
from wizard.keys import ApiKey
from wizard.vocab import KeySource

BOTH = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_ADMIN_KEY": ADMIN_KEY}


def leaks(text: str, key: str) -> list[str]:
    """Windows of the key's secret part found in `text`: as is, in any case, reversed, or in
    pieces (letters and digits only), and the base64 and URL-encoded forms the server sent."""
    plain = re.sub(r"[^a-z0-9]", "", text.lower())
    letters = re.sub(r"[^a-z0-9]", "", secret_of(key).lower())
    found = [
        form[i : i + 8]
        for form in (letters, letters[::-1])
        for i in range(len(form) - 7)
        if form[i : i + 8] in plain
    ]
    forms = key_forms(key)
    found += [name for name in ("base64", "base64url", "url") if forms[name][8:24] in text]
    return found


def files_in(*folders: Path) -> str:
    return "".join(
        p.read_text(errors="replace") for f in folders for p in f.rglob("*") if p.is_file()
    )


def assert_clean(text: str) -> None:
    assert not leaks(text, KEY), leaks(text, KEY)[:5]
    assert not leaks(text, ADMIN_KEY), leaks(text, ADMIN_KEY)[:5]


def project(tmp_path: Path) -> Path:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    return folder


# -- 2. one scrubber: pieces of keys in every form --------------------------------------------


@pytest.mark.parametrize("form", sorted(key_forms(KEY)))
def test_the_scrubber_removes_every_form_of_a_held_key(form):
    ApiKey(KEY, KeySource.ENV)
    value = key_forms(KEY)[form]
    said = redaction.scrub(f"the server said: {value} (request req_1)")
    assert not leaks(said, KEY)
    assert said.startswith("the server said: ") and said.endswith("(request req_1)")
    assert redaction.carries(value)


def test_the_scrubber_keeps_words_that_hold_no_key():
    ApiKey(KEY, KeySource.ENV)
    text = "claude-opus-5-5 answered 200; sk-ant-api03-...ZxWv is the key's fingerprint"
    assert redaction.scrub(text) == text
    assert not redaction.carries("claude-opus-5-5")


def test_a_listing_that_carries_the_key_is_refused_as_models_and_never_written(tmp_path):
    folder = project(tmp_path)
    with hostile("pieces", key=KEY) as server:
        env = clean_environ(**BOTH, ANTHROPIC_BASE_URL=base_url(server))
        runs = [
            run_main(
                [
                    "check",
                    "--json",
                    "--write-checklist",
                    "--project",
                    str(folder),
                    "--record",
                    str(tmp_path / "check.jsonl"),
                ],
                env=env,
            ),
            run_main(["run", "--yes", "--json", "--project", str(folder)], env=env),
            run_main(["models", "--verify", "all", "--json", "--project", str(folder)], env=env),
            run_main(
                ["doctor", "--project", str(folder), "--report", str(tmp_path / "report.json")],
                env=env,
            ),
        ]
    said = "".join(r.stdout + r.stderr for r in runs)
    assert "a bug" not in said
    check = json.loads(runs[0].stdout)
    assert check["recommended"] == "claude-opus-5-5"
    assert "claude-opus-9-9" not in [m["id"] for m in check["models"]]
    assert any("carry a piece of the key" in d["message"] for d in check["diagnosis"])
    assert 'id = "claude-opus-5-5"' in (folder / "flux.toml").read_text()
    assert_clean(said)
    assert_clean(files_in(tmp_path, store().home))


def test_a_refusal_quoting_the_key_without_its_prefix_is_scrubbed_everywhere(
    tmp_path, monkeypatch, capsys
):
    folder = project(tmp_path)
    with hostile("pieces-error", key=KEY) as server:
        env = clean_environ(**BOTH, ANTHROPIC_BASE_URL=base_url(server))
        result = run_main(["check", "--json", "--project", str(folder)], env=env)
        plain = run_main(["check", "--project", str(folder), "--debug"], env=env)
    assert result.returncode == plain.returncode != 0
    assert_clean(result.stdout + result.stderr + plain.stdout + plain.stderr)
    # the CI step, on that report and on one another tool left unscrubbed
    forged = json.loads(result.stdout)
    forged["diagnosis"].append({"code": "permission_denied", "message": key_forms(KEY)["bare"]})
    forged["exit_code"] = 12
    report = tmp_path / "report.json"
    report.write_text(json.dumps(forged))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    redaction.forget_all()
    ci.main([str(report)])
    out = capsys.readouterr().out
    assert "::error" in out
    assert_clean(out)


def test_limits_never_prints_the_admin_keys_secret_in_names_or_ids(tmp_path):
    folder = project(tmp_path)
    with hostile("pieces", key=ADMIN_KEY) as server:
        env = clean_environ(**BOTH, ANTHROPIC_BASE_URL=base_url(server))
        runs = [
            run_main(["limits", "--project", str(folder)], env=env),
            run_main(
                [
                    "limits",
                    "--json",
                    "--project",
                    str(folder),
                    "--record",
                    str(tmp_path / "limits.jsonl"),
                ],
                env=env,
            ),
        ]
    said = "".join(r.stdout + r.stderr for r in runs)
    assert "a bug" not in said
    assert_clean(said + files_in(tmp_path))


@pytest.mark.parametrize("flag", ["--model", "--fallback"])
def test_a_prefix_less_key_given_as_model_is_refused_and_not_echoed(tmp_path, flag):
    folder = project(tmp_path)
    result = run_main(
        ["run", "--yes", "--project", str(folder), flag, key_forms(KEY)["bare"][:40]],
        env=clean_environ(ANTHROPIC_API_KEY=KEY),
    )
    assert result.returncode == 2
    assert "holds a piece of an API key" in result.stderr
    assert_clean(result.stdout + result.stderr)


# -- 3. recordings and replays as untrusted input ---------------------------------------------

RECORDINGS = Path(__file__).parent / "recordings"


def hostile_recording(tmp_path: Path, *, bom: bool = False) -> Path:
    """A seed recording whose fields carry shell and terminal injections, and whose answers
    carry headers HTTP cannot send."""
    rows = [
        json.loads(line) for line in (RECORDINGS / "sim-run-today.jsonl").read_text().splitlines()
    ]
    planted = tmp_path / "PWNED"
    head = rows[0]
    head["command"] = f"check; touch {planted}"
    head["flux_setup"] = "\x1b]0;owned\x07 1.0"
    head["recorded_at"] = f"2026-01-01T00:00:00$(touch {planted})"
    head["invocation"]["configured"] = f"claude-opus-5-5$(touch {planted})\x1b[2J"
    head["invocation"]["prefer"] = ["opus", f"`touch {planted}`"]
    answered = next(r for r in rows[1:] if r.get("path") == "/v1/models" and "headers" in r)
    answered["headers"]["request-id"] = "req_1\r\nSet-Cookie: session=stolen"
    answered["headers"]["anthropic-ratelimit-requests-limit"] = "fünfzig → 50"
    answered["headers"]["x-evil header"] = "1"
    path = tmp_path / "hostile.jsonl"
    text = "".join(json.dumps(row) + "\n" for row in rows)
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return path


def test_the_printed_same_command_runs_nothing_when_pasted(tmp_path):
    import subprocess

    from wizard.recording import parse
    from wizard.simulator.replay_cli import read_recording, same_command

    recording = read_recording(str(hostile_recording(tmp_path, bom=True)))  # a BOM is fine
    line = same_command(recording, "http://127.0.0.1:1234")
    assert not re.search(r"[\x00-\x1f\x7f]", line)
    # pasted into bash: only words, no command substitution, nothing run
    words = subprocess.run(
        ["bash", "-c", f"set -- {line}; printf '%s\\n' \"$@\""],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert not (tmp_path / "PWNED").exists()
    assert "flux-setup" in words and "check" in words and "--prefer" in words
    assert "opus" in words and not any("FLUX_MODEL" in w for w in words)
    assert parse(hostile_recording(tmp_path).read_text()).command.startswith("check; touch")


def test_the_replay_sends_no_header_http_cannot_carry(tmp_path):
    import http.client

    from wizard.simulator.replay import RunningReplay
    from wizard.simulator.replay_cli import read_recording

    recording = read_recording(str(hostile_recording(tmp_path)))
    assert sum(e.dropped_headers for e in recording.exchanges) == 3
    with RunningReplay(recording) as replay:
        connection = http.client.HTTPConnection("127.0.0.1", replay.port, timeout=5)
        connection.request("GET", "/v1/models?limit=1000", headers={"x-api-key": KEY})
        answer = connection.getresponse()
        answer.read()
        connection.close()
    assert answer.status == 200
    assert answer.getheader("set-cookie") is None and answer.getheader("request-id") is None


def test_a_recording_nested_too_deeply_is_refused_with_exit_6(tmp_path):
    deep = tmp_path / "deep.jsonl"
    header = json.loads((RECORDINGS / "sim-run-today.jsonl").read_text().splitlines()[0])
    deep.write_text(json.dumps(header) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    report = tmp_path / "deep-report.json"
    report.write_text(
        '{"report": "flux-setup-report/1", "recording": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    scenario = tmp_path / "deep-scenario.json"
    scenario.write_text('{"models": ' + "[" * 100_000 + "]" * 100_000 + "}")
    for args in (
        ["--replay", str(deep)],
        ["--scenario-from", str(deep)],
        ["--scenario-from", str(report)],
        ["--scenario", str(scenario)],
    ):
        result = run_main(["simulator", *args])
        assert result.returncode == 6, (args, result.stderr)
        assert "nested too deeply" in result.stderr and "a bug" not in result.stderr


def test_a_recording_larger_than_a_config_replays(tmp_path):
    from wizard.simulator.replay_cli import read_recording

    lines = (RECORDINGS / "sim-run-today.jsonl").read_text().splitlines()
    padding = json.dumps(
        {
            "seq": 999,
            "method": "GET",
            "path": "/v1/unused",
            "query": "",
            "request_body": None,
            "status": 200,
            "headers": {},
            "ms": 1.0,
            "body_text": "x" * 1_900_000,
        }
    )
    big = tmp_path / "big.jsonl"
    big.write_text("\n".join([lines[0], *[padding] * 5, *lines[1:]]) + "\n")
    assert big.stat().st_size > 8_700_000
    assert len(read_recording(str(big)).exchanges) >= 6


def test_a_superscript_two_in_a_rate_limit_header_is_no_limit_to_scenario_from(tmp_path, capsys):
    rows = [
        json.loads(line) for line in (RECORDINGS / "sim-run-today.jsonl").read_text().splitlines()
    ]
    for row in rows:
        if row.get("path") == "/v1/messages" and "headers" in row:
            row["headers"]["anthropic-ratelimit-requests-limit"] = "²"
    path = tmp_path / "sup.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run_main(["simulator", "--scenario-from", str(path)])
    assert result.returncode == 0, result.stderr
    assert "requests" not in json.loads(capsys.readouterr().out).get("rate_limits", {})


# -- 4. the checklist: server words as inert Markdown -----------------------------------------


def test_markdown_from_headers_and_names_is_inert_and_no_number_is_no_limit(tmp_path):
    folder = project(tmp_path)
    with hostile("markdown") as server:
        env = clean_environ(ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL=base_url(server))
        result = run_main(
            ["check", "--json", "--write-checklist", "--project", str(folder)], env=env
        )
    assert result.returncode == 0, result.stderr
    page = (folder / "flux-upgrade-checklist.md").read_text()
    assert "- [ ] Rate limits are known" in page  # `50 | # H ...` and `fifty` are no limits
    for raw in (r"(?<!\\)\]\(javascript:", r"(?<!\\)<img", r"(?<!\\)@everyone"):
        assert not re.search(raw, page), raw
    assert "x_javascript" not in result.stdout
    for line in page.splitlines():
        assert not line.startswith("# H")


# -- 5. answers without a size ----------------------------------------------------------------


@pytest.mark.parametrize("mode,command", [("endless-body", "check"), ("huge-admin", "limits")])
def test_an_answer_past_the_cap_is_refused_with_exit_5_as_it_arrives(tmp_path, mode, command):
    folder = project(tmp_path)
    with hostile(mode) as server:
        env = clean_environ(**BOTH, ANTHROPIC_BASE_URL=base_url(server))
        result = run_main(
            [command, "--json", "--project", str(folder), "--record", str(tmp_path / "r.jsonl")],
            env=env,
        )
    assert result.returncode == 5, result.stdout
    assert "larger than 10 MB" in result.stdout and "a bug" not in result.stdout
    assert (tmp_path / "r.jsonl").stat().st_size < 1_000_000


# -- 6. the smaller items ---------------------------------------------------------------------

LATE_CTRL_C = """
import atexit, os, signal, sys
atexit.register(lambda: os.kill(os.getpid(), signal.SIGINT))  # Ctrl-C while the exit runs
sys.argv = ["flux-setup", *sys.argv[1:]]
from wizard.cli import main
sys.exit(main())
"""


@pytest.mark.parametrize("works", [True, False], ids=["done", "failed"])
def test_ctrl_c_while_the_program_exits_never_ends_it_by_signal(tmp_path, works):
    import subprocess
    import sys

    folder = project(tmp_path) if works else tmp_path / "missing"
    result = subprocess.run(
        [sys.executable, "-c", LATE_CTRL_C, "status", "--project", str(folder)],
        capture_output=True,
        text=True,
        env=clean_environ(ANTHROPIC_API_KEY=KEY),
        timeout=60,
    )
    assert result.returncode == (0 if works else 6), result.stderr
    assert "KeyboardInterrupt" not in result.stderr and "Traceback" not in result.stderr


def test_a_checklist_path_that_loops_is_exit_6_not_a_bug(tmp_path, sim):
    folder = project(tmp_path)
    loop = tmp_path / "loop.md"
    loop.symlink_to(loop)
    env = clean_environ(ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL=sim.base_url)
    result = run_main(
        ["check", "--write-checklist", "--checklist", str(loop), "--project", str(folder)], env=env
    )
    assert result.returncode == 6, result.stdout + result.stderr
    assert "a bug" not in result.stdout + result.stderr


@pytest.mark.parametrize("organization", ["0F1E2D3C-4B5A-4968-8776-655443322110", "e"])
def test_redact_org_masks_an_upper_case_id_and_a_junk_one_mangles_nothing(tmp_path, organization):
    from wizard.recording import parse

    folder = project(tmp_path)
    record = tmp_path / "r.jsonl"
    with hostile("ok", extra_headers={"anthropic-organization-id": organization}) as server:
        env = clean_environ(ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL=base_url(server))
        result = run_main(
            ["check", "--project", str(folder), "--record", str(record), "--redact-org"], env=env
        )
    assert result.returncode == 0, result.stdout
    text = record.read_text()
    recording = parse(text)
    assert "claude-opus-5-5" in text and recording.command == "check"
    if organization != "e":
        assert organization not in text and organization.lower() not in text
        assert "00000000-0000-4000-8000-000000000000" in text


@pytest.mark.parametrize("hint", [KEY[:16] + "...", "sk-ant-api03-..." + KEY[-4:], "sk-ant..."])
def test_a_key_record_whose_hint_names_every_key_is_not_this_keys(hint):
    from wizard.limits.findings import KeyRecord, this_key

    head, tail = hint.split("...")
    record = KeyRecord("apikey_1", "ci", "active", None, None, None, None, head=head, tail=tail)
    key = ApiKey(KEY, KeySource.ENV)
    assert this_key([record], key)[0] is None
    good = KeyRecord(
        "apikey_2", "ci", "active", None, None, None, None, head=KEY[:16], tail=KEY[-4:]
    )
    assert this_key([good], key)[0] is good


def test_a_replay_answers_a_retry_beyond_the_recorded_ones_with_the_same_transient_refusal():
    from wizard.recording import Exchange, Recording
    from wizard.simulator.replay import Replay

    busy = Exchange(1, "POST", "/v1/messages", "", {"model": "claude-opus-5-5"}, status=529)
    replay = Replay(Recording({}, [busy], {}))
    body = {"model": "claude-opus-5-5"}
    assert replay.next("POST", "/v1/messages", body) is busy
    assert replay.next("POST", "/v1/messages", body) is busy  # retried once more than recorded
    assert replay.next("GET", "/v1/models", None) is None and replay.unanswered


def test_demo_save_key_never_replaces_a_projects_real_key(tmp_path):
    folder = tmp_path / "real"
    folder.mkdir()
    env_text = f"ANTHROPIC_API_KEY={KEY}\nFLUX_MODEL=claude-opus-5-5\n"
    (folder / ".env").write_text(env_text)
    result = run_main(["demo", "--project", str(folder), "--save-key", "--yes"])
    assert result.returncode == 2, result.stdout + result.stderr
    assert "would replace it" in result.stdout + result.stderr
    assert (folder / ".env").read_text() == env_text
    assert not (folder / "flux.toml").exists()


def test_doctor_report_with_redact_org_names_no_member_or_key_owner(tmp_path):
    folder = project(tmp_path)
    report = tmp_path / "report.json"
    with hostile("ok", key=ADMIN_KEY) as server:
        env = clean_environ(**BOTH, ANTHROPIC_BASE_URL=base_url(server))
        result = run_main(
            ["doctor", "--project", str(folder), "--report", str(report), "--redact-org"], env=env
        )
    assert "a bug" not in result.stdout + result.stderr
    text = report.read_text()
    assert "/v1/organizations/api_keys" in text  # the Admin API's answers are there
    assert "alice@example.com" not in text and "Alice Example" not in text
    assert "[redacted email]" in text or "[redacted name]" in text
    assert "flux-setup" in text  # whole names only: no word of the report mangled
