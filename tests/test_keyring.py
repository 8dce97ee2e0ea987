"""The key out of plaintext: the OS keyring through keyring's real SecretService backend (a
private gnome-keyring-daemon, tests/keyring_service.py), keyring's fail backend for a machine
without one, and the commands that keep, move, remove and report the key."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.helpers import (
    KEY,
    KEYRING_FAIL,
    OTHER_KEY,
    VALIDATOR,
    ScriptedPrompter,
    assert_key_in_no_file,
    assert_no_key,
    cli,
    make_context,
    stored_entry,
)
from wizard.commands.run import run
from wizard.errors import ExitCode
from wizard.keystore import KeyringProblem, Keystore


def test_the_secret_service_keeps_reads_and_forgets_a_key(keyring_env):
    ring = Keystore(keyring_env)
    assert ring.unavailable(storing=True) is None
    assert "SecretService" in ring.name()
    assert ring.read("ANTHROPIC_API_KEY") is None
    ring.write("ANTHROPIC_API_KEY", KEY)
    assert ring.read("ANTHROPIC_API_KEY") == KEY
    assert stored_entry() == KEY  # the entry a user finds as service flux-setup
    assert ring.delete("ANTHROPIC_API_KEY") is True
    assert ring.delete("ANTHROPIC_API_KEY") is False
    assert ring.read("ANTHROPIC_API_KEY") is None


def test_without_a_keyring_backend_the_reason_says_headless_and_storing_fails_with_exit_3():
    ring = Keystore(KEYRING_FAIL)
    assert "No OS keyring is available here" in (ring.unavailable() or "")
    with pytest.raises(KeyringProblem) as raised:
        ring.write("ANTHROPIC_API_KEY", KEY)
    assert raised.value.code == ExitCode.KEY


def test_flux_setup_keyring_0_turns_the_keyring_off_even_where_one_answers(keyring_env):
    ring = Keystore({**keyring_env, "FLUX_SETUP_KEYRING": "0"})
    assert "turned off" in (ring.unavailable() or "")


def test_a_plaintext_backend_is_refused_unless_allowed(tmp_path, monkeypatch):
    monkeypatch.setenv("FLUX_TEST_PLAINTEXT_FILE", str(tmp_path / "keys.txt"))
    environ = {"PYTHON_KEYRING_BACKEND": "tests.plaintext_backend.PlaintextKeyring"}
    refused = Keystore(environ).unavailable(storing=True)
    assert refused is not None and "plain file" in refused
    with pytest.raises(KeyringProblem):
        Keystore(environ).write("ANTHROPIC_API_KEY", KEY)
    assert not (tmp_path / "keys.txt").exists()
    Keystore(environ, allow_plaintext=True).write("ANTHROPIC_API_KEY", KEY)
    assert KEY in (tmp_path / "keys.txt").read_text()


# -- run: where the wizard keeps a pasted key ------------------------------------------------


def test_a_new_user_on_a_desktop_ends_the_wizard_with_the_key_in_the_keyring_only(
    tmp_path, sim, keyring_env
):
    # the key, the model, its fallback, where to keep the key (the keyring is the default), apply
    prompter = ScriptedPrompter([KEY, "default", "default", "default", True])
    ctx, out = make_context(tmp_path, prompter=prompter, environ=keyring_env, base_url=sim.base_url)
    report = run(ctx)
    assert report.exit_code == ExitCode.OK
    where = [o for o in prompter.offered if o[0].value == "keyring"][0]
    assert [o.value for o in where] == ["keyring", "env", "none"]
    assert stored_entry() == KEY
    env = (tmp_path / ".env").read_text()
    assert "FLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY" in env
    assert "ANTHROPIC_API_KEY=" not in env.replace("ENTRY=ANTHROPIC_API_KEY", "")
    data = report.to_json()
    assert data["key"]["source"] == "prompt" and data["key"]["stored"] == "keyring"
    VALIDATOR.validate(data)
    assert "flux-setup exec -- flux" in out.getvalue()
    assert_no_key(out.getvalue())
    assert_key_in_no_file(tmp_path, Path(os.environ["FLUX_SETUP_HOME"]))


def test_on_a_headless_machine_the_wizard_says_why_the_keyring_is_not_offered(tmp_path, sim):
    prompter = ScriptedPrompter([KEY, "default", "default", "default", True])
    ctx, out = make_context(
        tmp_path, prompter=prompter, environ=KEYRING_FAIL, base_url=sim.base_url
    )
    assert run(ctx).exit_code == ExitCode.OK
    where = [o for o in prompter.offered if o[0].value == "env"][0]
    assert [o.value for o in where] == ["env", "none"]
    text = out.getvalue()
    assert "The OS keyring is not offered. No OS keyring is available here" in text
    assert "--save-key env" in text  # what to do instead
    assert f"ANTHROPIC_API_KEY={KEY}" in (tmp_path / ".env").read_text()


def test_save_key_keyring_without_a_keyring_stops_before_anything_is_written(tmp_path, sim):
    code, out, err = cli(
        [
            "run",
            "--project",
            str(tmp_path),
            "--yes",
            "--api-key-stdin",
            "--save-key",
            "keyring",
            "--base-url",
            sim.base_url,
        ],
        stdin=KEY,
        env={**os.environ, **KEYRING_FAIL},
    )
    assert code == ExitCode.KEY
    assert "--save-key keyring: No OS keyring" in err
    assert not (tmp_path / ".env").exists() and not (tmp_path / "flux.toml").exists()


def test_run_save_key_keyring_keeps_a_piped_key_and_check_finds_it_there(
    tmp_path, sim, keyring_env
):
    env = {**os.environ, **keyring_env}
    code, out, err = cli(
        [
            "run",
            "--project",
            str(tmp_path),
            "--yes",
            "--api-key-stdin",
            "--save-key",
            "keyring",
            "--base-url",
            sim.base_url,
            "--json",
        ],
        stdin=KEY,
        env=env,
    )
    assert code == ExitCode.OK, err
    assert json.loads(out)["key"]["stored"] == "keyring"
    code, out, err = cli(
        ["check", "--project", str(tmp_path), "--base-url", sim.base_url, "--json"], env=env
    )
    data = json.loads(out)
    assert data["key"]["source"] == "keyring" and data["key"]["stored"] == "keyring"
    assert code == ExitCode.OK
    assert_no_key(out + err)


def test_a_project_naming_a_missing_entry_is_exit_3_with_key_set_as_fix(tmp_path, keyring_env):
    (tmp_path / ".env").write_text("FLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY\n")
    code, out, err = cli(["models", "--project", str(tmp_path)], env={**os.environ, **keyring_env})
    assert code == ExitCode.KEY
    assert "has no such entry" in err and "flux-setup key set" in err


# -- key set / move / remove / status ---------------------------------------------------------


def test_key_set_keeps_the_key_and_names_the_entry_in_env_as_an_undoable_change(
    tmp_path, sim, keyring_env
):
    env = {**os.environ, **keyring_env}
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    args = ("key", "set", "--project", str(tmp_path), "--api-key-stdin", "--base-url", sim.base_url)
    code, out, err = cli([*args], stdin=KEY, env=env)
    assert code == ExitCode.USAGE and stored_entry() is None  # no terminal, no --yes
    code, out, err = cli([*args, "--yes", "--json"], stdin=KEY, env=env)
    assert code == ExitCode.OK, err
    data = json.loads(out)
    VALIDATOR.validate(data)
    assert data["key"]["stored"] == "keyring"
    assert stored_entry() == KEY
    assert (tmp_path / ".env").read_text() == (
        "FLUX_MODEL=claude-opus-5-5\nFLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY\n"
    )
    assert_no_key(out + err)


def test_key_set_refuses_a_malformed_key_and_a_key_the_api_rejects(tmp_path, sim, keyring_env):
    env = {**os.environ, **keyring_env}
    args = ("key", "set", "--project", str(tmp_path), "--api-key-stdin", "--yes")
    code, _, err = cli([*args, "--base-url", sim.base_url], stdin="sk-ant-api03-short", env=env)
    assert code == ExitCode.KEY and "cut off" in err
    sim.sim.scenario.revoked_keys = [KEY]  # the API refuses this key (401)
    code, _, err = cli([*args, "--base-url", sim.base_url], stdin=KEY, env=env)
    assert code == ExitCode.KEY
    assert stored_entry() is None


def test_key_move_then_undo_restores_the_env_byte_for_byte_and_leaks_the_key_nowhere(
    tmp_path, keyring_env, isolated_home
):
    env_file = tmp_path / ".env"
    original = (
        b"\xef\xbb\xbf# my settings\r\nexport ANTHROPIC_API_KEY='" + KEY.encode() + b"'  # k\r\n"
        b"FLUX_MODEL=claude-opus-5-5\r\n"
    )
    env_file.write_bytes(original)
    env_file.chmod(0o600)
    environ = {**os.environ, **keyring_env}
    code, out, err = cli(
        ["key", "move", "--to", "keyring", "--project", str(tmp_path), "--yes", "--json"],
        env=environ,
    )
    assert code == ExitCode.OK, err
    VALIDATOR.validate(json.loads(out))
    assert stored_entry() == KEY
    moved = env_file.read_bytes()
    assert KEY.encode() not in moved
    assert moved.startswith(b"\xef\xbb\xbf# my settings\r\n")
    assert b"export FLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY  # k\r\n" in moved  # in place
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert_no_key(out + err)
    # Not even the backup holds it: undo reads it back from the keyring.
    assert_key_in_no_file(tmp_path, isolated_home)
    code, out, err = cli(["undo", "--project", str(tmp_path), "--yes"], env=environ)
    assert code == ExitCode.OK, err
    assert env_file.read_bytes() == original
    assert_no_key(out + err)


def test_undo_of_a_key_move_refuses_when_the_keyring_no_longer_holds_that_key(
    tmp_path, keyring_env
):
    env_file = tmp_path / ".env"
    env_file.write_text(f"ANTHROPIC_API_KEY={KEY}\n")
    environ = {**os.environ, **keyring_env}
    assert cli(["key", "move", "--project", str(tmp_path), "--yes"], env=environ)[0] == 0
    moved = env_file.read_bytes()
    Keystore(keyring_env).write("ANTHROPIC_API_KEY", OTHER_KEY)  # replaced since
    code, out, err = cli(["undo", "--project", str(tmp_path), "--yes"], env=environ)
    assert code == ExitCode.FILES and "no longer holds the key" in err
    assert env_file.read_bytes() == moved  # nothing half-restored


def test_key_move_without_a_keyring_changes_nothing(tmp_path):
    (tmp_path / ".env").write_text(f"ANTHROPIC_API_KEY={KEY}\n")
    before = (tmp_path / ".env").read_bytes()
    code, _, err = cli(
        ["key", "move", "--project", str(tmp_path), "--yes"], env={**os.environ, **KEYRING_FAIL}
    )
    assert code == ExitCode.KEY and "No OS keyring" in err
    assert (tmp_path / ".env").read_bytes() == before


def test_key_status_says_where_the_key_lives_its_fingerprint_and_the_backend(tmp_path, keyring_env):
    env = {**os.environ, **keyring_env}
    (tmp_path / ".env").write_text(f"ANTHROPIC_API_KEY={KEY}\n")
    code, out, err = cli(["key", "status", "--project", str(tmp_path), "--json"], env=env)
    data = json.loads(out)
    VALIDATOR.validate(data)
    assert data["storage"]["stored"] == "env_file" and data["storage"]["plaintext"] is True
    assert "key move --to keyring" in data["storage"]["fix"]
    assert "SecretService" in data["keyring"]["backend"]
    assert data["key"]["fingerprint"] == KEY[:12] + "..." + KEY[-4:]
    cli(["key", "move", "--project", str(tmp_path), "--yes"], env=env)
    code, out, err = cli(["key", "status", "--project", str(tmp_path)], env=env)
    assert code == ExitCode.OK
    assert (
        f"API key {KEY[:12]}...{KEY[-4:]}, kept in the OS keyring (flux-setup/ANTHROPIC_API_KEY)"
        in out
    )
    assert_no_key(out + err)


def test_key_remove_deletes_the_entry_and_the_projects_pointer(tmp_path, keyring_env):
    env = {**os.environ, **keyring_env}
    (tmp_path / ".env").write_text(f"FLUX_MODEL=claude-opus-5-5\nANTHROPIC_API_KEY={KEY}\n")
    cli(["key", "move", "--project", str(tmp_path), "--yes"], env=env)
    code, out, err = cli(["key", "remove", "--project", str(tmp_path), "--yes"], env=env)
    assert code == ExitCode.OK, err
    assert stored_entry() is None
    assert (tmp_path / ".env").read_text() == "FLUX_MODEL=claude-opus-5-5\n"


def test_an_admin_key_is_kept_in_the_keyring_never_in_env_and_limits_finds_it(
    tmp_path, sim, keyring_env
):
    from tests.helpers import ADMIN_KEY

    env = {**os.environ, **keyring_env}
    code, out, err = cli(
        ["key", "set", "--admin", "--admin-key-stdin", "--no-verify", "--project", str(tmp_path)],
        stdin=ADMIN_KEY,
        env=env,
    )
    assert code == ExitCode.OK, err
    assert stored_entry("ANTHROPIC_ADMIN_KEY") == ADMIN_KEY
    assert not (tmp_path / ".env").exists()
    code, out, err = cli(["key", "status", "--admin", "--project", str(tmp_path)], env=env)
    assert ADMIN_KEY[:12] in out and "ANTHROPIC_ADMIN_KEY" in out
    assert_no_key(out + err, ADMIN_KEY)
    args = ["limits", "--project", str(tmp_path), "--base-url", sim.base_url, "--json"]
    code, out, err = cli(args, env={**env, "ANTHROPIC_API_KEY": KEY})
    assert code == ExitCode.OK, err
    assert "admin key" in err and "from the OS keyring" in err
    assert_no_key(out + err, ADMIN_KEY)


def test_the_demo_never_puts_its_key_into_the_users_keyring(keyring_env):
    code, out, err = cli(
        ["demo", "--yes", "--save-key", "keyring"], env={**os.environ, **keyring_env}
    )
    assert code == ExitCode.KEY and "turned off" in err
    assert stored_entry() is None
