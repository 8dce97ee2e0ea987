"""`status`, `doctor` and `check --all` say where each key is kept: the OS keyring, or a
plaintext .env (a warning, with `key move --to keyring` as the fix). Real Secret Service."""

from __future__ import annotations

import json
import os

from tests.helpers import KEY, VALIDATOR, assert_no_key, cli

MODEL = "FLUX_MODEL=claude-opus-5-5\n"


def in_plaintext_and_in_keyring(tmp_path, env):
    """Two projects: one keeps its key in .env, the other had it moved into the keyring."""
    plain, ring = tmp_path / "plain", tmp_path / "ring"
    for project in (plain, ring):
        project.mkdir()
        (project / ".env").write_text(f"{MODEL}ANTHROPIC_API_KEY={KEY}\n")
    assert cli(["key", "move", "--project", str(ring), "--yes"], env=env)[0] == 0
    return plain, ring


def test_status_says_where_the_key_is_kept_and_warns_about_plaintext(tmp_path, keyring_env):
    env = {**os.environ, **keyring_env}
    plain, ring = in_plaintext_and_in_keyring(tmp_path, env)
    code, out, err = cli(["status", "--project", str(plain)], env=env)
    assert "! " in out and "kept in .env, in plaintext" in out
    assert "key move --to keyring" in out
    code, out, err = cli(["status", "--project", str(ring), "--json"], env=env)
    data = json.loads(out)
    VALIDATOR.validate(data)
    assert data["key"]["source"] == "keyring" and data["key"]["stored"] == "keyring"
    assert data["storage"] == {
        "stored": "keyring",
        "plaintext": False,
        "summary": "the OS keyring (flux-setup/ANTHROPIC_API_KEY)",
        "fix": None,
    }
    assert_no_key(out + err)


def test_doctor_has_a_key_storage_line_in_text_and_json(tmp_path, keyring_env):
    env = {**os.environ, **keyring_env}
    plain, ring = in_plaintext_and_in_keyring(tmp_path, env)
    code, out, err = cli(["doctor", "--offline", "--project", str(plain)], env=env)
    assert "! The key is kept in .env, in plaintext." in out
    code, out, err = cli(["doctor", "--offline", "--project", str(ring), "--json"], env=env)
    data = json.loads(out)
    VALIDATOR.validate(data)
    line = [c for c in data["checks"] if c["id"] == "key_storage"][0]
    assert line["ok"] and "OS keyring" in line["summary"] and line["fix"] is None
    assert data["storage"]["stored"] == "keyring"
    assert_no_key(out + err)


def test_doctor_fails_the_storage_line_when_the_keyring_cannot_give_the_key(tmp_path):
    (tmp_path / ".env").write_text(f"{MODEL}FLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY\n")
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    code, out, err = cli(["doctor", "--offline", "--project", str(tmp_path), "--json"], env=env)
    line = [c for c in json.loads(out)["checks"] if c["id"] == "key_storage"][0]
    assert not line["ok"] and "No OS keyring" in line["summary"]
    assert code == 3


def test_check_all_says_where_each_projects_key_is_kept(tmp_path, sim, keyring_env):
    env = {**os.environ, **keyring_env}
    plain, ring = in_plaintext_and_in_keyring(tmp_path, env)
    args = ["check", "--all", str(tmp_path), "--base-url", sim.base_url]
    code, out, err = cli(args, env=env)
    assert "Keys kept in the OS keyring: ring." in out
    assert "Keys kept in .env (plaintext): plain." in out and "key move --to keyring" in out
    code, out, err = cli([*args, "--json"], env=env)
    data = json.loads(out)
    VALIDATOR.validate(data)
    stored = {p["path"].split("/")[-1]: p["key"]["stored"] for p in data["projects"]}
    assert stored == {"plain": "env_file", "ring": "keyring"}
    assert_no_key(out + err)
