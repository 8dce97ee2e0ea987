"""Production hardening: the key never leaks, faults end in time with nothing changed, a killed
process leaves every file whole, and bad input gets a clear message."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import (
    ADMIN_KEY,
    CRASH_SCRIPT,
    KEY,
    assert_no_key,
    clean_environ,
    cli,
    network_commands,
    run_main,
    store,
)
from wizard import history, sdk
from wizard.commands.demo import DEMO_KEY, make_project
from wizard.errors import ExitCode
from wizard.simulator import Faults, builtin_names, serve


def secrets_in_state(home: Path) -> list[str]:
    """Every state file except backups: a backup is the file's exact old bytes (undo needs
    them), so one of a .env, or of a legacy config that held a key, holds it: 0600 in 0700."""
    texts = []
    for path in home.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".orig":
            manifest = json.loads((path.parent / "manifest.json").read_text())
            assert any(f["backup"] == path.name for f in manifest["files"])
            assert path.stat().st_mode & 0o777 == 0o600
            assert path.parent.stat().st_mode & 0o777 == 0o700
            continue
        texts.append(path.read_text(errors="replace"))
    return texts


# Network commands get a short --timeout: scenarios whose faults last (a 504 or a failing listing
# for as long as it is asked) spend the whole budget of 3 x --timeout.
COMMANDS = [
    ["run", "--yes", "--timeout", "0.25"],
    ["run", "--yes", "--json", "--save-key", "--timeout", "0.25", "--record", "RECORD"],
    ["run", "--dry-run", "--json", "--timeout", "0.25"],
    ["run", "--yes", "--debug", "--no-verify", "--timeout", "0.25"],
    ["check", "--write-checklist", "--timeout", "0.25"],
    ["check", "--json", "--timeout", "0.25"],
    ["status"],
    ["status", "--json"],
    ["migrate", "--check", "--json"],
    ["migrate", "--yes"],
    ["undo", "--yes", "--json"],
    ["undo", "--yes"],
    # with an admin key as well (the Admin API's commands, and its reads beside check), each
    # recorded: the human text (on stderr with --json), the JSON, the recordings and the
    # support report must hold no key
    ["models", "--json", "--verify", "--timeout", "0.25", "--record", "RECORD"],
    ["doctor", "--json", "--timeout", "0.25", "--report", "RECORD", "--record", "RECORD2"],
    ["limits", "--json", "--timeout", "0.25", "--record", "RECORD"],
    ["check", "--json", "--write-checklist", "--timeout", "0.25", "--record", "RECORD"],
]
NETWORK = network_commands()
ADMIN_FROM = [c[0] for c in COMMANDS].index("models")


@pytest.mark.parametrize("scenario", builtin_names())
def test_the_canary_key_never_leaks_from_any_command(tmp_path, isolated_home, scenario):
    project = tmp_path / "p"
    project.mkdir()
    (project / "flux.toml").write_text(f'model = "claude-3-haiku-20240307"\napi_key = "{KEY}"\n')
    (project / ".env").write_text("# mine\nFLUX_MODEL=claude-opus-4-8\n")
    # scenarios whose faults fill the whole budget (3 x --timeout) get a shorter one
    timeout = "0.1" if scenario in ("listing-down", "gateway-timeout") else "0.25"
    with serve(scenario) as running:
        for number, args in enumerate(COMMANDS):
            admin = {"ANTHROPIC_ADMIN_KEY": ADMIN_KEY} if number >= ADMIN_FROM else {}
            named = {
                "0.25": timeout,
                "RECORD": str(tmp_path / f"{number}.jsonl"),
                "RECORD2": str(tmp_path / f"{number}-2.jsonl"),
            }
            code, out, err = cli(
                [
                    *(named.get(a, a) for a in args),
                    "--project",
                    str(project),
                    # only the network commands take it (status would stop at a usage error)
                    *(["--base-url", running.base_url] if args[0] in NETWORK else []),
                ],
                env=clean_environ(**admin),
            )
            assert_no_key(out)
            assert_no_key(err)
            assert_no_key(out + err, ADMIN_KEY)
            assert "Traceback" not in err, (args, err)
            # a command that failed early (a bug, a usage error) would pass the leak checks
            assert code not in (ExitCode.ERROR, ExitCode.USAGE), (args, err)
        code, out, err = cli(
            [
                "check",
                "--api-key-stdin",
                "--json",
                "--timeout",
                "0.25",
                "--project",
                str(project),
                "--base-url",
                running.base_url,
            ],
            stdin=KEY,
        )
        assert_no_key(out + err)
        assert code not in (ExitCode.ERROR, ExitCode.USAGE), err
        assert json.loads(out)["exit_code"] == code
    checklist = project / "flux-upgrade-checklist.md"
    if checklist.exists():
        assert_no_key(checklist.read_text())
        assert_no_key(checklist.read_text(), ADMIN_KEY)
    for text in secrets_in_state(isolated_home):
        assert_no_key(text)
        assert_no_key(text, ADMIN_KEY)
    recordings = sorted(tmp_path.glob("*.jsonl"))
    assert len(recordings) == 6
    for path in recordings:
        assert_no_key(path.read_text())
        assert_no_key(path.read_text(), ADMIN_KEY)


@pytest.mark.parametrize(
    "faults",
    [
        Faults(fail_first=10_000, fail_status=529, retry_after=0.1),
        Faults(fail_first=10_000, fail_status=429, retry_after=0.1),
        Faults(fail_first=10_000, fail_status=500, retry_after=0.1),
        Faults(reset_first=10_000),
        Faults(hang_first=10_000),
    ],
    ids=["529", "429", "500", "reset", "hang"],
)
@pytest.mark.parametrize("command", [["check"], ["run", "--yes"], ["run", "--yes", "--json"]])
def test_faults_end_within_the_budget_with_exit_5_and_nothing_changed(tmp_path, faults, command):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with serve("today", faults) as running:
        sdk.load()  # the budget starts once the SDK is imported: the import is not timed
        started = time.monotonic()
        code, out, err = cli(
            [
                *command,
                "--project",
                str(tmp_path),
                "--base-url",
                running.base_url,
                "--timeout",
                "0.1",
            ],
            env=clean_environ(ANTHROPIC_API_KEY=KEY),
        )
        elapsed = time.monotonic() - started
    assert code == 5, err
    assert_no_key(out + err)
    assert elapsed < 0.1 * 3 + 5  # the documented budget, with slack for a loaded machine
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert "Traceback" not in err
    if "--json" in command:
        payload = json.loads(out)
        assert all(m["callable"] is not False for m in payload.get("models", []))


@pytest.mark.parametrize(
    "failures,timeout,code",
    [
        (3, "1.0", ExitCode.OK),  # retried within the budget: proven callable, nothing to change
        (10_000, "0.2", ExitCode.NETWORK),  # never answers: unknown, and still not replaced
    ],
    ids=["recovers", "lasts"],
)
def test_a_storm_on_verification_only_never_downgrades_the_configured_model(
    tmp_path, failures, timeout, code
):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with serve("today") as running:
        # the configured model's verification fails transiently; the others would succeed
        running.faults = Faults(
            fail_first=failures, fail_status=529, retry_after=0.1, only="/v1/messages"
        )
        exit_code, _, err = cli(
            [
                "run",
                "--yes",
                "--project",
                str(tmp_path),
                "--base-url",
                running.base_url,
                "--timeout",
                timeout,
            ],
            env=clean_environ(ANTHROPIC_API_KEY=KEY),
        )
    assert (tmp_path / ".env").read_text() == "FLUX_MODEL=claude-opus-5-5\n"
    assert exit_code == code, err


@pytest.mark.parametrize(
    "step",
    [
        "backup:0",
        "before-write:0",
        "mid-write:flux.toml",
        "after-write:0",
        "mid-write:.env",
        "after-write:1",
        "done",
    ],
)
def test_sigkill_during_apply_leaves_old_or_new_files_and_undo_works(tmp_path, isolated_home, step):
    make_project(tmp_path)
    old = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    env = dict(os.environ, FLUX_SETUP_HOME=str(isolated_home))
    result = subprocess.run(
        [sys.executable, "-c", CRASH_SCRIPT, str(tmp_path), step], env=env, timeout=60
    )
    assert result.returncode == -signal.SIGKILL

    for name in ("flux.toml", ".env"):
        now = (tmp_path / name).read_bytes()
        assert now == old[name] or b"claude-opus-5-5" in now, name  # whole old, or whole new
    # the lock died with the process; undo (or a new apply) can proceed
    try:
        history.undo(store(), tmp_path)
    except Exception as exc:  # nothing was applied yet: nothing to undo, files untouched
        assert "no applied change" in str(exc)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == old  # no temp file left either


MALFORMED_KEYS = [
    "",
    "   ",
    "sk-ant-api03-",
    "sk-ant-api03-abc",
    "sk-ant-api03-" + "a" * 40,
    "sk-ant-api03-" + "a" * 50 + " " + "b" * 40,
    "sk-ant-api03-" + "a" * 50 + "\t" + "b" * 40,
    "sk-ant-api03-" + "a" * 50 + "\\n" + "b" * 40,
    "sk-ant-api03-" + "a" * 80 + "€",
    "sk-ant-api03-" + "a" * 80 + "!",
    "sk-ant-api03-" + "a" * 80 + "/",
    "sk-ant-admin01-" + "a" * 90,
    "sk-ant-oat01-" + "a" * 90,
    "sk-ant-sid01-" + "a" * 90,
    "sk-ant-api02-" + "a" * 90,
    "sk-proj-" + "a" * 90,
    "sk-" + "a" * 48,
    "sk_live_" + "a" * 40,
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_" + "a" * 36,
    "xoxb-123-456-abc",
    "ANTHROPIC_API_KEY=",
    "'sk-ant-api03-abc'",
    "anthropic",
]


@pytest.mark.parametrize("bad", MALFORMED_KEYS)
def test_malformed_keys_get_a_clear_message_exit_3_and_no_request(tmp_path, sim, bad):
    code, out, err = cli(
        ["check", "--project", str(tmp_path), "--base-url", sim.base_url, "--api-key-stdin"],
        stdin=bad,
    )
    assert code == 3, err
    assert "error:" in err and "fix:" in err
    assert "Traceback" not in err
    assert sim.counters.snapshot()["total_requests"] == 0
    if len(bad) > 20:
        assert bad not in out + err


@pytest.mark.parametrize(
    "content,words",
    [
        (b"A=1\n\x00\x01\x02\xff binary", "NUL"),
        (b"A=1\nB=\xc3\x28\n", "UTF-8 (line 2)"),
        (b'A="abc\nFLUX_MODEL=x\nC="d"\n', "line 2"),
    ],
)
def test_bad_env_files_exit_6_and_stay_untouched(tmp_path, sim, content, words):
    (tmp_path / ".env").write_bytes(content)
    code, _, err = cli(
        ["run", "--yes", "--project", str(tmp_path), "--base-url", sim.base_url],
        env=clean_environ(ANTHROPIC_API_KEY=KEY),
    )
    assert code == 6, err
    assert words in err
    assert (tmp_path / ".env").read_bytes() == content
    assert not (tmp_path / "flux.toml").exists()


def test_a_one_megabyte_env_file_is_edited_in_place(tmp_path, sim):
    # larger files (10 MB, 50 MB) are measured in benchmarks/editing.py, not here
    lines = [f"VAR_{i}=value-{i}" for i in range(50_000)]
    data = ("\n".join(lines) + "\n").encode()
    assert len(data) > 1_000_000
    (tmp_path / ".env").write_bytes(data)
    code, _, err = cli(
        ["run", "--yes", "--project", str(tmp_path), "--base-url", sim.base_url],
        env=clean_environ(ANTHROPIC_API_KEY=KEY),
    )
    assert code == 0, err
    assert (tmp_path / ".env").read_bytes() == data + b"FLUX_MODEL=claude-opus-5-5\n"


@pytest.mark.parametrize(
    "toml,words",
    [
        ("model = \n", "line 1"),
        ("a = 1\na = 2\n", "line 2"),
        ("model = 5\n", "`model` must be a model ID string"),
        ("config_version = 2\n[[model]]\nid = 'x'\n", "`model` must be a table"),
        ("[tool\n", "line 1, column"),
    ],
)
def test_bad_toml_exits_6_naming_the_place(tmp_path, toml, words):
    (tmp_path / "flux.toml").write_text(toml)
    for args in (["status"], ["migrate"], ["run", "--yes"]):
        code, _, err = cli(
            [*args, "--project", str(tmp_path)], env=clean_environ(ANTHROPIC_API_KEY=KEY)
        )
        assert code == 6 and words in err, (args, err)
    assert (tmp_path / "flux.toml").read_text() == toml


@pytest.mark.parametrize("command", ["status", "migrate", "undo", "check", "run"])
def test_project_folder_missing_or_a_file_is_exit_6_and_creates_nothing(
    tmp_path, isolated_home, command
):
    code, _, err = cli([command, "--project", str(tmp_path / "nope")])
    assert code == 6 and "does not exist" in err
    (tmp_path / "f").write_text("")
    code, _, err = cli([command, "--project", str(tmp_path / "f")])
    assert code == 6 and "is not a folder" in err
    assert not (tmp_path / "nope").exists()
    assert list(isolated_home.iterdir()) == []  # no state folder made for a non-project


def test_undo_in_a_project_never_changed_creates_no_state(tmp_path, isolated_home):
    result = run_main(["undo", "--project", str(tmp_path)])
    assert result.returncode == 6 and "no applied change" in result.stderr
    assert list(isolated_home.iterdir()) == []


@pytest.mark.parametrize("damage", ["manifest", "backup"])
def test_a_damaged_change_set_is_said_not_a_crash(tmp_path, sim, isolated_home, damage):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    env = clean_environ(ANTHROPIC_API_KEY=KEY)
    ran = run_main(
        ["run", "--yes", "--project", str(tmp_path), "--base-url", sim.base_url], env=env
    )
    assert ran.returncode == 0, ran.stderr
    (changeset,) = (isolated_home / "projects").glob("*/changesets/*")
    if damage == "manifest":
        (changeset / "manifest.json").write_text("{ not json")
    else:
        for backup in changeset.glob("*.orig"):
            backup.unlink()
    before = (tmp_path / ".env").read_bytes()
    result = run_main(["undo", "--project", str(tmp_path)], env=env)
    assert result.returncode == 6, result.stderr
    assert "damaged" in result.stderr and str(changeset) in result.stderr
    assert "a bug" not in result.stderr
    assert (tmp_path / ".env").read_bytes() == before


def test_a_checklist_path_in_a_missing_folder_fails_before_anything_is_written(tmp_path, sim):
    (tmp_path / ".env").write_text("A=1\n")
    code, _, err = cli(
        [
            "run",
            "--yes",
            "--project",
            str(tmp_path),
            "--base-url",
            sim.base_url,
            "--checklist",
            str(tmp_path / "no" / "c.md"),
        ],
        env=clean_environ(ANTHROPIC_API_KEY=KEY),
    )
    assert code == 6 and "does not exist" in err
    assert (tmp_path / ".env").read_text() == "A=1\n"
    assert sim.counters.snapshot()["total_requests"] == 0


def _make_read_only(project: Path) -> Callable[[], None] | None:
    """Permissions do not bind root: as root, the immutable attribute does (ext4 and others)."""
    if os.geteuid() != 0:
        for path in (project / ".env", project / "flux.toml", project):
            os.chmod(path, 0o555 if path.is_dir() else 0o444)
        return lambda: os.chmod(project, 0o755)
    if shutil.which("chattr") is None:
        return None
    targets = [str(project / ".env"), str(project / "flux.toml"), str(project)]
    if subprocess.run(["chattr", "+i", *targets], capture_output=True).returncode != 0:
        return None
    return lambda: subprocess.run(["chattr", "-i", *targets], capture_output=True, check=False)


def test_a_read_only_project_gives_a_clear_error_and_changes_nothing(tmp_path):
    project = tmp_path / "ro"
    project.mkdir()
    (project / ".env").write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    (project / "flux.toml").write_text('model = "claude-3-haiku-20240307"\n')
    undo_read_only = _make_read_only(project)
    if undo_read_only is None:
        pytest.skip("no way to make a folder read-only for this user here")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "wizard", "migrate", "--yes", "--project", str(project)],
            env=dict(os.environ, FLUX_SETUP_HOME=str(tmp_path / "home")),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        undo_read_only()
    assert result.returncode == 6, result.stderr
    assert "cannot write" in result.stderr and "fix:" in result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "flux.toml").read_text() == 'model = "claude-3-haiku-20240307"\n'
    assert (project / ".env").read_text() == "FLUX_MODEL=claude-3-haiku-20240307\n"
    assert sorted(p.name for p in project.iterdir()) == [".env", "flux.toml"]


def test_the_demo_key_never_leaks_either(tmp_path):
    code, out, err = cli(["demo", "--project", str(tmp_path / "d"), "--json", "--yes"])
    assert code == 0
    assert DEMO_KEY not in out + err


def test_the_sdks_debug_log_does_not_leak_the_key_either(tmp_path, sim):
    env = clean_environ(
        ANTHROPIC_LOG="debug", ANTHROPIC_API_KEY=KEY, FLUX_SETUP_HOME=str(tmp_path / "home")
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "wizard",
            "check",
            "--project",
            str(tmp_path),
            "--base-url",
            sim.base_url,
            "--debug",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,  # a hang's bound only: about 1 s quiet, past 60 s at a load of 17
    )
    assert result.returncode == 12, result.stderr  # nothing configured: the whole check ran
    assert "DEBUG" in result.stderr  # the SDK did log
    assert_no_key(result.stdout + result.stderr)


def test_a_state_home_that_cannot_be_written_is_exit_6_with_the_fix(tmp_path, sim):
    # a file where the state folder should be: as unwritable as a full disk, for any user
    blocked = tmp_path / "state-home"
    blocked.write_text("not a folder")
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    result = run_main(
        ["check", "--project", str(tmp_path), "--base-url", sim.base_url],
        env=clean_environ(ANTHROPIC_API_KEY=KEY, FLUX_SETUP_HOME=str(blocked)),
    )
    assert result.returncode == 6, result.stderr
    assert "state folder" in result.stderr and "FLUX_SETUP_HOME" in result.stderr
    assert "a bug" not in result.stderr


@pytest.mark.parametrize(
    "model,words",
    [("", "is empty"), ("claude\nopus", "is not a model ID"), ("\x1b[31mred", "is not a model ID")],
)
def test_a_bad_model_flag_is_a_usage_error_shown_escaped(tmp_path, model, words):
    result = run_main(["run", "--yes", "--model", model, "--project", str(tmp_path)])
    assert result.returncode == 2
    assert words in result.stderr
    assert "\x1b" not in result.stderr


def test_a_key_with_a_bom_on_stdin_is_read_without_it(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    result = run_main(
        ["check", "--api-key-stdin", "--project", str(tmp_path), "--base-url", sim.base_url],
        stdin="\ufeff" + KEY + "\r\n",
    )
    assert result.returncode == 0, result.stderr
    assert "\ufeff" not in result.stdout + result.stderr


def test_a_schema_2_table_without_config_version_says_what_is_missing(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.flux]\nmodel = {id = "claude-opus-5-5"}\n'
    )
    result = run_main(["status", "--project", str(tmp_path)])
    assert result.returncode == 6
    assert "config_version = 2" in result.stderr
