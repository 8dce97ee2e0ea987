"""`flux-setup exec -- CMD`: CMD gets the key in its environment only. Real processes: the
program itself (`python -m wizard`) and a child that prints a hash of the key it received,
exits with the code it is told, or waits to be interrupted."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from tests.helpers import (
    KEY,
    KEYRING_FAIL,
    OTHER_KEY,
    assert_key_in_no_file,
    assert_no_key,
    clean_environ,
    run_main,
)

CHILD = """\
import hashlib, os, sys, time
key = os.environ.get("ANTHROPIC_API_KEY", "")
print("key-sha256", hashlib.sha256(key.encode()).hexdigest(), flush=True)
if sys.argv[1] == "wait":
    print("ready", os.getpid(), flush=True)
    time.sleep(60)
sys.exit(int(sys.argv[1]) if sys.argv[1] != "wait" else 0)
"""


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@pytest.fixture
def child_script(tmp_path: Path) -> Path:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    return script


@pytest.fixture
def in_keyring(tmp_path: Path, keyring_env: dict[str, str]) -> Path:
    """A project whose key is in the keyring (moved there from its .env)."""
    project = tmp_path / "project"
    project.mkdir()
    (project / ".env").write_text(f"ANTHROPIC_API_KEY={KEY}\n")
    env = {**os.environ, **keyring_env}
    assert run_main(["key", "move", "--project", str(project), "--yes"], env=env).returncode == 0
    return project


def exec_env(keyring_env: dict[str, str]) -> dict[str, str]:
    return clean_environ(**keyring_env)


def test_exec_gives_cmd_the_key_from_the_keyring_and_passes_its_exit_code(
    in_keyring, child_script, keyring_env, isolated_home
):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "wizard",
            "exec",
            "--project",
            str(in_keyring),
            "--",
            sys.executable,
            str(child_script),
            "7",
        ],
        env=exec_env(keyring_env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 7, done.stderr
    assert f"key-sha256 {digest(KEY)}" in done.stdout
    assert done.stderr == ""  # one line on stderr only with --verbose
    assert_no_key(done.stdout + done.stderr)
    assert_key_in_no_file(in_keyring, isolated_home)


def test_exec_verbose_says_in_one_line_on_stderr_where_the_key_came_from(
    in_keyring, child_script, keyring_env
):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "wizard",
            "exec",
            "--verbose",
            "--project",
            str(in_keyring),
            "--",
            sys.executable,
            str(child_script),
            "0",
        ],
        env=exec_env(keyring_env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "from the OS keyring" in lines[0]
    assert KEY[:12] in lines[0]  # by fingerprint
    assert_no_key(done.stderr)


def test_an_interrupted_cmd_makes_exec_exit_130_and_the_key_is_in_no_argv(
    in_keyring, child_script, keyring_env
):
    program = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wizard",
            "exec",
            "--project",
            str(in_keyring),
            "--",
            sys.executable,
            str(child_script),
            "wait",
        ],
        env=exec_env(keyring_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert program.stdout is not None
        assert program.stdout.readline().split() == ["key-sha256", digest(KEY)]
        child_pid = int(program.stdout.readline().split()[1])
        windows = {KEY[i : i + 8] for i in range(13, len(KEY) - 8)}
        for pid in (program.pid, child_pid):
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
            assert not [w for w in windows if w in argv]
        program.send_signal(signal.SIGINT)  # no terminal: flux-setup passes it on
        assert program.wait(30) == 130
    finally:
        if program.poll() is None:
            program.kill()
            program.wait()
    with pytest.raises(ProcessLookupError):
        os.kill(child_pid, 0)  # the child is gone too


def test_ctrl_c_in_a_terminal_reaches_cmd_once_and_exec_exits_130(
    in_keyring, child_script, keyring_env, tmp_path
):
    env = {**exec_env(keyring_env), "TERM": "xterm", "NO_COLOR": "1"}
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "wizard",
            "exec",
            "--project",
            str(in_keyring),
            "--",
            sys.executable,
            str(child_script),
            "wait",
        ],
        env=env,
        cwd=str(tmp_path),
        timeout=60,
        encoding="utf-8",
    )
    try:
        child.expect("ready")
        time.sleep(0.2)  # let the child reach its sleep (an interrupt before is the same)
        child.sendcontrol("c")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 130
        assert "Cancelled" not in (child.before or "")
    finally:
        if child.isalive():
            child.terminate(force=True)


def test_a_key_already_in_the_environment_is_left_as_it_is(tmp_path, child_script):
    (tmp_path / ".env").write_text("FLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "wizard",
            "exec",
            "--project",
            str(tmp_path),
            "--",
            sys.executable,
            str(child_script),
            "0",
        ],
        env=clean_environ(ANTHROPIC_API_KEY=OTHER_KEY, **KEYRING_FAIL),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert f"key-sha256 {digest(OTHER_KEY)}" in done.stdout  # the keyring was not even asked


def test_a_missing_keyring_entry_is_exit_3_before_cmd_starts(tmp_path, keyring_env):
    (tmp_path / ".env").write_text("FLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY\n")
    marker = tmp_path / "started"
    done = run_main(
        [
            "exec",
            "--project",
            str(tmp_path),
            "--",
            sys.executable,
            "-c",
            f"open({str(marker)!r}, 'w')",
        ],
        env={**os.environ, **keyring_env},
    )
    assert done.returncode == 3
    assert "no such entry" in done.stderr and "flux-setup key set" in done.stderr
    assert not marker.exists()


def test_a_locked_or_absent_keyring_is_exit_3_with_its_fix_before_cmd_starts(tmp_path):
    (tmp_path / ".env").write_text("FLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY\n")
    marker = tmp_path / "started"
    done = run_main(
        [
            "exec",
            "--project",
            str(tmp_path),
            "--",
            sys.executable,
            "-c",
            f"open({str(marker)!r}, 'w')",
        ],
        env={**os.environ, **KEYRING_FAIL},
    )
    assert done.returncode == 3 and "No OS keyring is available" in done.stderr
    assert not marker.exists()


def test_exec_without_a_command_or_with_an_unknown_one_says_so(tmp_path):
    env = clean_environ(ANTHROPIC_API_KEY=KEY)
    assert run_main(["exec", "--project", str(tmp_path)], env=env).returncode == 2
    done = run_main(["exec", "--project", str(tmp_path), "--", "no-such-cmd-4711"], env=env)
    assert done.returncode == 127 and "command not found" in done.stderr
