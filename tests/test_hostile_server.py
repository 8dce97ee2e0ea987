"""A server that lies, echoes the key, trickles bytes or sends junk: nothing leaks, nothing
hangs, nothing is called a bug, nothing from it is written unchecked."""

from __future__ import annotations

import json
import time

import pytest

from tests.helpers import ADMIN_KEY, KEY, assert_no_key, clean_environ, run_main
from tests.hostile_server import GOOD_MODELS, base_url, hostile
from wizard import responses
from wizard.keys import mask_secrets


@pytest.fixture(autouse=True)
def sdk_imported() -> None:
    """The time checks here are of the network budget, which starts once the SDK is imported:
    a worker's first import (2 s or more under load) is not part of it."""
    from wizard import sdk

    sdk.load()


def flux(server, tmp_path, *args, timeout="1"):
    command = [*args, "--project", str(tmp_path), "--base-url", base_url(server)]
    return run_main([*command, "--timeout", timeout], env=clean_environ(ANTHROPIC_API_KEY=KEY))


def every_file_text(*folders):
    texts = []
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and not path.name.endswith(".orig"):  # backups are the old bytes
                texts.append(path.read_text(errors="replace"))
    return "\n".join(texts)


@pytest.mark.parametrize("mode,code", [("echo-error", 5), ("echo-ok", 0)])
def test_a_key_sent_back_in_every_field_is_never_shown_or_stored(
    tmp_path, isolated_home, mode, code
):
    project = tmp_path / "p"
    project.mkdir()
    (project / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with hostile(mode, key=KEY) as server:
        results = [
            flux(server, project, "check", "--json", "--write-checklist"),
            flux(server, project, "run", "--yes", "--json"),
            flux(server, project, "run", "--yes", "--debug"),
            run_main(  # a scan: the same findings, shared, in a table and a projects array
                ["check", "--all", str(project), "--json", "--base-url", base_url(server)],
                env=clean_environ(ANTHROPIC_API_KEY=KEY),
            ),
        ]
    for result in results:
        assert result.returncode == code, result.stderr  # the whole command ran
        assert_no_key(result.stdout + result.stderr)
    payload = json.loads(results[0].stdout)
    assert_no_key(json.dumps(payload))
    assert (project / "flux-upgrade-checklist.md").exists()
    assert_no_key(every_file_text(project, isolated_home))


def test_a_server_that_trickles_its_answer_ends_within_the_budget(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with hostile("trickle") as server:
        started = time.monotonic()
        result = flux(server, tmp_path, "check", timeout="0.3")
        elapsed = time.monotonic() - started
    assert result.returncode == 5, result.stderr
    assert elapsed < 0.3 * 3 + 3  # the documented budget (3 x --timeout), with slack
    assert "within the time budget" in result.stdout


@pytest.mark.parametrize(
    "mode,words",
    [
        ("html", "it began: <html><head><title>Hotel WiFi"),
        ("malformed-json", "not JSON"),
        ("wrong-shape", "no `data` array"),
        ("bad-usage", "token counts are not whole numbers"),
    ],
)
def test_junk_is_exit_5_naming_the_server_never_a_bug(tmp_path, mode, words):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with hostile(mode) as server:
        result = flux(server, tmp_path, "check", "--json")
    assert result.returncode == 5, result.stderr
    assert "did not answer like the Anthropic API" in result.stderr
    assert words in result.stderr
    assert "a bug" not in result.stderr
    assert "unexpected_response" in {d["code"] for d in json.loads(result.stdout)["diagnosis"]}


@pytest.mark.parametrize(
    "value,seconds",
    [
        ("nan", None),
        ("-5", None),
        ("inf", None),
        ("Wed, 21 Oct 2015", None),
        ("0", 0.0),
        ("2.5", 2.5),
    ],
)
def test_a_retry_after_header_is_a_finite_non_negative_number_or_nothing(value, seconds):
    assert responses.retry_after(value) == seconds


@pytest.mark.parametrize("value", ["0", "1e9"])
def test_retry_after_is_clamped_whatever_the_server_says(tmp_path, value):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with hostile("retry-after") as server:
        server.retry_after = value
        started = time.monotonic()
        result = flux(server, tmp_path, "check", timeout="0.25")
        elapsed = time.monotonic() - started
        requests = server.hostile.requests
    assert result.returncode == 5, result.stderr
    assert elapsed < 0.25 * 3 + 3
    # the backoff (0.25 s, 0.5 s ...) at least, within 0.75 s: a handful of requests per call, not
    # hundreds (retry-after: 0 made 174 in 6 s), and never a wait of 1e9 s
    assert requests <= 12, requests


def test_a_model_list_that_never_ends_is_stopped(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with hostile("endless") as server:
        # a budget (3 x 30 s) that a loaded machine cannot spend before the page cap is reached:
        # what stops the listing is the cap, not the clock (about 1 s on a quiet machine)
        result = flux(server, tmp_path, "check", timeout="30")
        requests = server.hostile.requests
    assert result.returncode == 5, result.stderr
    assert "did not end after" in result.stdout
    assert requests <= 505


EVIL_IDS = [
    "claude-\x1b[31mred\x1b[0m",
    "claude-two\nFLUX_MODEL=evil",
    "claude-`rm -rf`",
    "claude-a|b",
    "claude-\u202eevil",
    "claude-" + "x" * 10_000,
]


def test_model_ids_that_are_not_model_ids_are_left_out_escaped_and_never_written(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    evil = [{"id": i, "display_name": "Evil \x1b]0;pwned\x07", "line": "opus"} for i in EVIL_IDS]
    with hostile("ok", models=[*evil, *[dict(m) for m in GOOD_MODELS]]) as server:
        result = flux(server, tmp_path, "run", "--yes")
    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    assert "\x1b" not in out and "\u202e" not in out and "x" * 200 not in out
    assert "left out" in out and "\\x1b" in out  # said, escaped
    written = every_file_text(tmp_path)
    assert "\x1b" not in written and "\u202e" not in written and "evil" not in written
    assert (tmp_path / ".env").read_text() == "FLUX_MODEL=claude-opus-5-5\n"


def test_a_display_name_with_escape_sequences_is_shown_escaped(tmp_path):
    models = [dict(m) for m in GOOD_MODELS]
    models[0]["display_name"] = "Opus \x1b[2J\x1b]0;pwned\x07 \u202egnp.exe"
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with hostile("ok", models=models) as server:
        result = flux(server, tmp_path, "check", "--json", "--write-checklist")
    assert result.returncode == 0, result.stderr
    everything = result.stdout + result.stderr + every_file_text(tmp_path)
    assert "\x1b" not in everything and "\u202e" not in everything and "\x07" not in everything


def test_a_key_followed_by_dots_is_masked_too():
    assert KEY not in mask_secrets(f"the key {KEY}... was refused")
    assert KEY[12:-4] not in mask_secrets(f"the key {KEY}... was refused")


def test_secrets_beside_the_change_are_masked_in_the_diff_and_names_kept(tmp_path, sim):
    neighbours = (
        "GITHUB_PAT=ghp_abcdefghijklmnopqrstuvwxyz0123\n"
        "DATABASE_URL=postgres://admin:s3cretpw@db.example.com/app\n"
        "STRIPE_SK=sk_live_abcdefghijklmnop\n"
        "FLUX_MODEL=claude-3-haiku-20240307\n"
        "SESSION_SECRET='hunter2hunter2'\n"
        "PATH_EXTRA=/usr/local/bin\n"
    )
    (tmp_path / ".env").write_text(neighbours)
    result = run_main(
        ["run", "--dry-run", "--project", str(tmp_path), "--base-url", sim.base_url],
        env=clean_environ(ANTHROPIC_API_KEY=KEY),
    )
    assert result.returncode == 0, result.stderr
    for secret in ("s3cretpw", "ghp_abcdefghijklmnopqrstuvwxyz0123", "sk_live_abcdefghijklmnop"):
        assert secret not in result.stdout
    assert "hunter2hunter2" not in result.stdout
    for name in (
        "DATABASE_URL=postgres://admin:***@",
        "GITHUB_PAT=",
        "STRIPE_SK=",
        "SESSION_SECRET=",
    ):
        assert name in result.stdout
    assert "PATH_EXTRA=/usr/local/bin" in result.stdout  # not a secret: shown as it is


def test_a_debug_traceback_is_masked(tmp_path, monkeypatch):
    from wizard.commands import status as status_module

    def broken(ctx):
        raise RuntimeError(f"something held {KEY}")

    monkeypatch.setattr(status_module, "status", broken)
    result = run_main(["status", "--debug", "--project", str(tmp_path)], env=clean_environ())
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "RuntimeError" in result.stderr
    assert_no_key(result.stderr)


def limits(server, tmp_path, *args, api_key=True, timeout="1"):
    """`flux-setup limits` against the hostile server, with the admin key (and the API key)."""
    env = clean_environ(ANTHROPIC_ADMIN_KEY=ADMIN_KEY)
    if api_key:
        env["ANTHROPIC_API_KEY"] = KEY
    command = ["limits", *args, "--project", str(tmp_path), "--base-url", base_url(server)]
    return run_main([*command, "--timeout", timeout], env=env)


@pytest.mark.parametrize("echoed", [KEY, ADMIN_KEY], ids=["api key", "admin key"])
def test_the_admin_api_echoing_a_key_in_every_field_shows_neither(tmp_path, isolated_home, echoed):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with hostile("echo-ok", key=echoed) as server:
        results = [
            limits(server, tmp_path, "--json"),
            limits(server, tmp_path),
            run_main(
                [
                    "check",
                    "--json",
                    "--write-checklist",
                    "--project",
                    str(tmp_path),
                    "--base-url",
                    base_url(server),
                ],
                env=clean_environ(ANTHROPIC_API_KEY=KEY, ANTHROPIC_ADMIN_KEY=ADMIN_KEY),
            ),
        ]
    for result in results:
        assert "Traceback" not in result.stderr and "a bug" not in result.stderr
        for key in (KEY, ADMIN_KEY):
            assert_no_key(result.stdout + result.stderr, key)
        assert "\x1b[31m" not in result.stdout + result.stderr
    payload = json.loads(results[0].stdout)
    # what had the key's shape in a field of its own is left out, not shown masked
    assert payload["organization"] is None  # an ID that is not an organisation's
    assert payload["spend_limits"] == []  # an amount and a currency that are not
    (group,) = payload["rate_limits"]
    assert group["models"] == ["claude-opus-5-5"]
    assert group["limits"] == {"requests_per_minute": 50}
    for key in (KEY, ADMIN_KEY):
        assert_no_key(every_file_text(tmp_path, isolated_home), key)


def test_an_admin_list_that_never_ends_is_stopped(tmp_path):
    # an organisation that answers, then rate limits and key records that page for ever
    with hostile("endless", key="0f1e2d3c-4b5a-4968-8776-655443322110") as server:
        result = limits(server, tmp_path, "--json", api_key=False, timeout="5")
        requests = server.hostile.requests
    assert result.returncode == 5, result.stderr
    assert "did not end after 50 pages" in result.stderr, result.stderr
    assert requests <= 3 * 50 + 2


@pytest.mark.parametrize("mode", ["html", "malformed-json", "trickle"])
def test_junk_or_a_trickle_from_the_admin_api_is_exit_5_within_the_budget(tmp_path, mode):
    with hostile(mode) as server:
        started = time.monotonic()
        result = limits(server, tmp_path, api_key=False, timeout="0.3")
        elapsed = time.monotonic() - started
    assert result.returncode == 5, result.stderr
    assert elapsed < 0.3 * 3 * 2 + 3  # two rounds at most, each within the budget
    assert "a bug" not in result.stderr and "Traceback" not in result.stderr
    if mode != "trickle":
        assert "did not answer like the Anthropic API" in result.stdout


def windows(key: str, size: int = 8) -> set[str]:
    secret = key.split("-", 3)[3] if key.count("-") >= 3 else key
    return {secret[i : i + size] for i in range(len(secret) - size + 1)}


@pytest.mark.parametrize("echoed", [KEY, ADMIN_KEY], ids=["api key", "admin key"])
def test_a_recording_of_a_server_echoing_the_key_holds_no_window_of_it(tmp_path, echoed):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    both = clean_environ(ANTHROPIC_API_KEY=KEY, ANTHROPIC_ADMIN_KEY=ADMIN_KEY)
    with hostile("echo-ok", key=echoed) as server:
        for command in ("check", "limits"):
            result = run_main(
                [
                    command,
                    "--project",
                    str(tmp_path),
                    "--base-url",
                    base_url(server),
                    "--record",
                    str(tmp_path / f"{command}.jsonl"),
                ],
                env=both,
            )
            assert "a bug" not in result.stdout + result.stderr
    for command in ("check", "limits"):
        text = (tmp_path / f"{command}.jsonl").read_text()
        assert '"status": 200' in text  # the exchanges are there
        for window in windows(echoed):
            assert window not in text, (command, window)
    # the echo is redacted, the answer otherwise kept: a display name still reads
    assert "Claude Opus 5.5" in (tmp_path / "check.jsonl").read_text()
