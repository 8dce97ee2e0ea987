"""The keyring shared by every project on a machine: one project's key never replaces
another's, undo says what it cannot put back, and the messages name fixes that work."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import (
    ADMIN_KEY,
    KEY,
    KEYRING_FAIL,
    OTHER_KEY,
    assert_no_key,
    cli,
    stored_entry,
)
from wizard.errors import ExitCode
from wizard.flow.key_store import own_entry
from wizard.keystore import Keystore


def test_key_set_admin_leaves_the_api_keys_pointer_in_env_alone(tmp_path: Path, keyring_env):
    env = {**os.environ, **keyring_env}
    (tmp_path / ".env").write_text("FLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY\n")
    code, out, err = cli(
        [
            "key",
            "set",
            "--admin",
            "--admin-key-stdin",
            "--no-verify",
            "--yes",
            "--project",
            str(tmp_path),
        ],
        stdin=ADMIN_KEY,
        env=env,
    )
    assert code == ExitCode.OK, err
    assert stored_entry("ANTHROPIC_ADMIN_KEY") == ADMIN_KEY
    assert (tmp_path / ".env").read_text() == "FLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY\n"
    assert "FLUX_SETUP_KEYRING_ENTRY" not in out + err  # no diff shown either


def test_a_second_projects_key_gets_its_own_entry_and_never_replaces_the_firsts(
    tmp_path: Path, sim, keyring_env
):
    env = {**os.environ, **keyring_env}
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / ".env").write_text(f"ANTHROPIC_API_KEY={KEY}\n")
    assert cli(["key", "move", "--project", str(first), "--yes"], env=env)[0] == ExitCode.OK
    assert stored_entry() == KEY
    code, out, err = cli(
        [
            "run",
            "--project",
            str(second),
            "--yes",
            "--api-key-stdin",
            "--save-key",
            "keyring",
            "--base-url",
            sim.base_url,
        ],
        stdin=OTHER_KEY,
        env=env,
    )
    assert code == ExitCode.OK, err
    assert stored_entry() == KEY  # the first project's key, as it was
    own = own_entry(OTHER_KEY)
    assert stored_entry(own) == OTHER_KEY
    assert f"FLUX_SETUP_KEYRING_ENTRY={own}\n" in (second / ".env").read_text()
    assert "holds another key" in out + err
    # The first project still runs on its own key; the second on its own.
    code, out, err = cli(
        ["exec", "--project", str(first), "--", "sh", "-c", 'test "$ANTHROPIC_API_KEY" = "$WANT"'],
        env={**env, "WANT": KEY},
    )
    assert code == 0, err
    code, out, err = cli(
        ["exec", "--project", str(second), "--", "sh", "-c", 'test "$ANTHROPIC_API_KEY" = "$WANT"'],
        env={**env, "WANT": OTHER_KEY},
    )
    assert code == 0, err
    # undo in the second says, before it restores, that the entry is not a file it restores
    code, out, err = cli(["undo", "--project", str(second), "--dry-run"], env=env)
    assert code == ExitCode.OK, err
    assert f"flux-setup/{own} stays as it is" in out + err  # said in the preview
    code, out, err = cli(["undo", "--project", str(second), "--yes"], env=env)
    assert code == ExitCode.OK, err
    said = out + err
    assert stored_entry() == KEY
    assert_no_key(said)


def test_key_set_with_another_key_in_the_default_entry_keeps_both(tmp_path: Path, keyring_env):
    env = {**os.environ, **keyring_env}
    Keystore(keyring_env).write("ANTHROPIC_API_KEY", KEY)  # another project's
    code, out, err = cli(
        ["key", "set", "--no-verify", "--yes", "--api-key-stdin", "--project", str(tmp_path)],
        stdin=OTHER_KEY,
        env=env,
    )
    assert code == ExitCode.OK, err
    assert stored_entry() == KEY and stored_entry(own_entry(OTHER_KEY)) == OTHER_KEY
    assert (tmp_path / ".env").read_text() == f"FLUX_SETUP_KEYRING_ENTRY={own_entry(OTHER_KEY)}\n"
    # the same key set again in a project naming the default entry: it lands in its own
    (tmp_path / ".env").write_text("FLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY\n")
    code, out, err = cli(
        ["key", "set", "--no-verify", "--yes", "--api-key-stdin", "--project", str(tmp_path)],
        stdin=OTHER_KEY,
        env=env,
    )
    assert code == ExitCode.OK, err
    assert stored_entry() == KEY


def test_exec_with_the_keyring_off_or_absent_prints_fixes_that_work_for_exec(tmp_path: Path):
    (tmp_path / ".env").write_text("FLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY\n")
    args = ["exec", "--project", str(tmp_path), "--", "true"]
    code, _, err = cli(args, env={**os.environ, "FLUX_SETUP_KEYRING": "0"})
    assert code == ExitCode.KEY and "turned off" in err
    assert "--api-key-stdin" not in err  # exec takes no such flag
    assert "export ANTHROPIC_API_KEY" in err
    code, _, err = cli(args, env={**os.environ, **KEYRING_FAIL})
    assert code == ExitCode.KEY
    assert "flux-setup run --save-key env" in err  # a run flag, said with its command


def test_exec_passes_a_malformed_key_from_the_environment_on_and_says_so(tmp_path: Path):
    code, out, err = cli(
        ["exec", "--project", str(tmp_path), "--", "sh", "-c", 'test "$ANTHROPIC_API_KEY" = bogus'],
        env={**os.environ, "ANTHROPIC_API_KEY": "bogus"},
    )
    assert code == 0, err  # left as it is: CMD got it
    assert "Passed on as it is" in err
    assert "bogus" not in err


def test_run_save_key_keyring_without_a_keyring_stops_before_any_call(tmp_path: Path, sim):
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
    assert code == ExitCode.KEY and "--save-key keyring: No OS keyring" in err
    assert sum(sim.counters.requests.values()) == 0  # no discovery, no billed verification


def test_key_remove_says_undo_cannot_bring_the_entry_back_and_defaults_to_no(
    tmp_path: Path, keyring_env
):
    from tests.helpers import ScriptedPrompter, make_context
    from wizard.commands.key import key
    from wizard.errors import Declined

    (tmp_path / ".env").write_text("FLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY\n")
    Keystore(keyring_env).write("ANTHROPIC_API_KEY", KEY)
    prompter = ScriptedPrompter(["default"])  # Enter at the question
    ctx, out = make_context(
        tmp_path, prompter=prompter, environ=keyring_env, command="key", key_action="remove"
    )
    with pytest.raises(Declined):
        key(ctx)
    assert prompter.asked[-1][2] is False  # the offered default: No
    assert stored_entry() == KEY
    assert "cannot be undone" in out.getvalue()
    code, out_, err = cli(
        ["key", "remove", "--project", str(tmp_path), "--yes"], env={**os.environ, **keyring_env}
    )
    assert code == ExitCode.OK, err
    assert "`flux-setup undo` restores)" not in out_ + err  # never the false promise
    assert "not the keyring entry" in out_ + err
    code, out_, err = cli(
        ["undo", "--project", str(tmp_path), "--dry-run"], env={**os.environ, **keyring_env}
    )
    assert code == ExitCode.OK, err
    assert "which the keyring no longer has" in out_ + err and "key set" in out_ + err


def test_key_status_and_status_name_fixes_that_work_here(tmp_path: Path, keyring_env):
    env = {**os.environ, **keyring_env}
    # as `key remove` then `undo` leave it: .env names an entry the keyring no longer has
    (tmp_path / ".env").write_text("FLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY\n")
    code, out, err = cli(["key", "status", "--project", str(tmp_path)], env=env)
    assert code == ExitCode.KEY and "has no such entry" in out + err
    assert "flux-setup key set" in out + err and "key status` says more" not in out + err
    code, out, err = cli(["status", "--project", str(tmp_path)], env=env)
    assert "stdin is not read by status" not in out + err  # the keyring's problem is the news
    assert "has no such entry" in out + err and "flux-setup key set" in out + err
    # no key at all: said once; `key set` only where a keyring can keep it
    (tmp_path / ".env").unlink()
    code, out, err = cli(["key", "status", "--project", str(tmp_path)], env=env)
    assert code == ExitCode.KEY and "No API key found." in out + err
    assert "nowhere" not in out + err and "flux-setup key set" in out + err
    code, out, err = cli(
        ["key", "status", "--project", str(tmp_path)], env={**os.environ, **KEYRING_FAIL}
    )
    assert code == ExitCode.KEY
    assert "flux-setup key set" not in out + err and "run --save-key env" in out + err
    assert 'docs/config.md, "A keyring over SSH"' in out + err


def test_the_keyring_over_ssh_recipe_the_fix_points_at_is_in_the_docs():
    docs = (Path(__file__).parent.parent / "docs" / "config.md").read_text()
    assert "**A keyring over SSH.**" in docs
    assert "dbus-run-session" in docs and "gnome-keyring-daemon --unlock" in docs


def test_a_masked_diff_keeps_the_gap_before_an_inline_comment():
    from wizard.keys import fingerprint, mask_secrets

    line = f"-ANTHROPIC_API_KEY={KEY}   # prod key\n"
    assert mask_secrets(line) == f"-ANTHROPIC_API_KEY={fingerprint(KEY)}   # prod key\n"


def test_key_move_keeps_the_keys_comment_and_the_diffs_spacing(tmp_path: Path, keyring_env):
    from wizard.keys import fingerprint

    env = {**os.environ, **keyring_env}
    (tmp_path / ".env").write_text(
        f"FLUX_MODEL=claude-opus-5-5\nANTHROPIC_API_KEY={KEY}   # prod key\n"
    )
    code, out, err = cli(["key", "move", "--project", str(tmp_path), "--yes"], env=env)
    assert code == ExitCode.OK, err
    assert (tmp_path / ".env").read_text() == (
        "FLUX_MODEL=claude-opus-5-5\nFLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY   # prod key\n"
    )
    assert f"-ANTHROPIC_API_KEY={fingerprint(KEY)}   # prod key" in out + err
    code, out, err = cli(["undo", "--project", str(tmp_path), "--yes"], env=env)
    assert code == ExitCode.OK, err
    assert f"+ANTHROPIC_API_KEY={fingerprint(KEY)}   # prod key" in out + err
    assert (tmp_path / ".env").read_text().endswith(f"ANTHROPIC_API_KEY={KEY}   # prod key\n")
