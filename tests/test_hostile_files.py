"""Hostile files: symlinks to special files, roles sharing a file, racing editors, signals at
the commit point, permissions. Special files are made in the test's own folder only."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.helpers import KEY, clean_environ, run_main, store
from wizard import changes, history, project
from wizard.environment import utc_now
from wizard.errors import FilesError
from wizard.fileio import MAX_FILE_BYTES


def run_args(tmp_path, base_url, *extra):
    return ["run", "--yes", "--project", str(tmp_path), "--base-url", base_url, *extra]


def env_with_key(**extra):
    return clean_environ(ANTHROPIC_API_KEY=KEY, **extra)


def snapshot(folder):
    return {
        p.name: (p.read_bytes() if p.is_file() and not p.is_symlink() else os.readlink(p))
        for p in folder.iterdir()
        if p.is_symlink() or p.is_file()
    }


def test_a_fifo_env_file_is_refused_at_once_never_opened(tmp_path, sim):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / ".env").symlink_to(tmp_path / "pipe")

    def hung(number, frame):
        raise TimeoutError("the program opened the FIFO and blocked")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)  # an open of the FIFO would block for ever: this ends the test instead
    try:
        for args in (["status", "--project", str(tmp_path)], run_args(tmp_path, sim.base_url)):
            result = run_main(args, env=env_with_key())
            assert result.returncode == 6, result.stderr
            assert "named pipe (FIFO)" in result.stderr
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe").st_mode)


def test_a_device_behind_a_symlink_is_neither_read_nor_replaced(tmp_path, sim):
    device = tmp_path / "null-device"
    try:  # a character device like /dev/null (1, 3), made in this test's own folder
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    (tmp_path / ".env").symlink_to(device)
    result = run_main(run_args(tmp_path, sim.base_url), env=env_with_key())
    assert result.returncode == 6, result.stderr
    assert "a device" in result.stderr
    assert stat.S_ISCHR(os.stat(device).st_mode)  # still a device, not a regular file
    assert not (tmp_path / "flux.toml").exists()


@pytest.mark.parametrize(
    "flags,words",
    [
        (["--checklist", ".env"], "the .env file (default) and --checklist"),
        (["--checklist", "flux.toml"], "the config (default) and --checklist"),
        (["--env-file", "flux.toml"], "--env-file and the config (default)"),
    ],
)
def test_two_roles_on_one_file_are_refused_before_anything(tmp_path, sim, flags, words):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    (tmp_path / "flux.toml").write_text('config_version = 2\n[model]\nid = "claude-opus-4-8"\n')
    before = snapshot(tmp_path)
    flags = [str(tmp_path / value) if not value.startswith("-") else value for value in flags]
    result = run_main(run_args(tmp_path, sim.base_url, *flags), env=env_with_key())
    assert result.returncode == 2, result.stderr
    assert words in result.stderr
    assert snapshot(tmp_path) == before
    assert sim.counters.snapshot()["total_requests"] == 0  # refused before the network


def test_a_checklist_that_cannot_be_written_stops_the_run_before_any_file_changes(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    (tmp_path / "sheet").mkdir()  # a folder where the checklist file should be
    before = snapshot(tmp_path)
    result = run_main(
        run_args(tmp_path, sim.base_url, "--checklist", str(tmp_path / "sheet")),
        env=env_with_key(),
    )
    assert result.returncode == 6, result.stderr
    assert "a folder" in result.stderr
    assert snapshot(tmp_path) == before


def test_the_checklist_is_part_of_the_change_set_and_undo_takes_it_back(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    result = run_main(run_args(tmp_path, sim.base_url), env=env_with_key())
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "flux-upgrade-checklist.md").exists()
    undone = run_main(["undo", "--project", str(tmp_path), "--yes", "--json"], env=env_with_key())
    assert undone.returncode == 0, undone.stderr
    assert "flux-upgrade-checklist.md" in " ".join(json.loads(undone.stdout)["removed"])
    assert not (tmp_path / "flux-upgrade-checklist.md").exists()
    assert (tmp_path / ".env").read_text() == "FLUX_MODEL=claude-3-haiku-20240307\n"


def test_a_key_is_never_written_through_a_link_into_a_tracked_file(tmp_path, sim):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git = ["git", "-C", str(tmp_path), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "app.env").write_text("APP=1\n")
    subprocess.run([*git, "add", "config/app.env"], check=True)
    subprocess.run([*git, "commit", "-qm", "app"], check=True)
    (tmp_path / ".env").symlink_to(tmp_path / "config" / "app.env")
    result = run_main(
        ["run", "--yes", "--save-key", "--api-key-stdin", "--project", str(tmp_path)]
        + ["--base-url", sim.base_url],
        env=clean_environ(),
        stdin=KEY,
    )
    assert result.returncode == 6, result.stderr
    assert "tracked by git" in result.stderr and "app.env" in result.stderr
    assert (tmp_path / "config" / "app.env").read_text() == "APP=1\n"


def make_plan(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    (tmp_path / "flux.toml").write_text('config_version = 2\n[model]\nid = "claude-opus-4-8"\n')
    return project.plan_setup(project.load(tmp_path), model="claude-opus-5-5").plan


def test_an_edit_made_while_writing_is_never_overwritten(tmp_path):
    plan = make_plan(tmp_path)
    assert len(plan.changes) == 2
    second = plan.changes[1].target
    original = {c.target: c.before for c in plan.changes}

    def racing_editor(step: str) -> None:
        if step == "before-write:1":  # after the first rename, before the second
            with open(second, "ab") as handle:
                handle.write(b"# saved by an editor just now\n")

    with pytest.raises(FilesError, match="changed by something else"):
        changes.apply(plan, store(), at=utc_now(), fault=racing_editor)
    first = plan.changes[0].target
    assert first.read_bytes() == original[first]  # put back
    assert second.read_bytes() == (original[second] or b"") + b"# saved by an editor just now\n"
    assert history.find_changeset(store(), tmp_path) is None  # nothing applied to undo


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("step", ["before-write:0", "after-write:0", "before-write:1"])
def test_a_signal_at_the_commit_point_waits_for_the_whole_change_and_is_told_truly(
    tmp_path, sim, monkeypatch, sig, step
):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    real_apply = changes.apply

    def apply_with_a_signal(plan, store, **kwargs):
        def fault(at: str) -> None:
            if at == step:
                os.kill(os.getpid(), sig)

        return real_apply(plan, store, at=kwargs["at"], fault=fault)

    monkeypatch.setattr(changes, "apply", apply_with_a_signal)
    result = run_main(run_args(tmp_path, sim.base_url), env=env_with_key())
    assert result.returncode == 130, result.stderr
    # the whole change is on disk, and the message says so (never "nothing was written")
    assert (tmp_path / ".env").read_text() == "FLUX_MODEL=claude-opus-5-5\n"
    assert (tmp_path / "flux.toml").exists()
    assert "written in full" in result.stderr and "nothing was written" not in result.stderr
    assert not list(tmp_path.glob(".*.tmp"))
    undone = run_main(["undo", "--project", str(tmp_path), "--yes"], env=env_with_key())
    assert undone.returncode == 0, undone.stderr
    assert (tmp_path / ".env").read_text() == "FLUX_MODEL=claude-3-haiku-20240307\n"


def test_files_beyond_the_size_limit_are_refused_with_the_limit_named(tmp_path):
    (tmp_path / ".env").write_bytes(b"A=1\n" * (MAX_FILE_BYTES // 4 + 1))
    result = run_main(["status", "--project", str(tmp_path)], env=env_with_key())
    assert result.returncode == 6, result.stderr
    assert "larger than 5 MB" in result.stderr


def test_a_symlink_to_a_regular_file_is_followed_and_stays_a_link(tmp_path, sim):
    (tmp_path / "real.env").write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    (tmp_path / ".env").symlink_to(tmp_path / "real.env")
    result = run_main(run_args(tmp_path, sim.base_url), env=env_with_key())
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".env").is_symlink()
    assert (tmp_path / "real.env").read_text() == "FLUX_MODEL=claude-opus-5-5\n"


NOBODY = 65534


def _as_nobody_possible() -> str | None:
    """Why the permission tests cannot run as an unprivileged user here (None: they can)."""
    if os.getuid() != 0:
        return None  # already unprivileged: run directly
    try:
        probe = subprocess.run(
            [sys.executable, "-c", "import wizard"],
            preexec_fn=lambda: (os.setgid(NOBODY), os.setuid(NOBODY)),
            capture_output=True,
            cwd="/",
        )
    except OSError:
        return "this Python cannot be run by an unprivileged user (its folder is private)"
    if probe.returncode != 0:
        return "this Python cannot be run by an unprivileged user (its folder is private)"
    return None


def _as_nobody(argv, env):
    """Run flux-setup as the unprivileged user (root here: as `nobody`), from `/`."""
    return subprocess.run(
        [sys.executable, "-m", "wizard", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
        preexec_fn=(lambda: (os.setgid(NOBODY), os.setuid(NOBODY))) if os.getuid() == 0 else None,
    )


@pytest.fixture
def open_tmp():
    """A temp folder of this test's own that an unprivileged user can reach: pytest's
    tmp_path lies under a 0700 folder of root's, which hides everything in it from `nobody`."""
    reason = _as_nobody_possible()
    if reason:
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="flux-setup-test-"))
    os.chmod(folder, 0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _give_to_nobody(*paths):
    if os.getuid() == 0:
        for path in paths:
            os.chown(path, NOBODY, NOBODY)


@pytest.mark.parametrize("name,mode", [(".env", 0o400), ("flux.toml", 0o444)])
def test_a_file_the_user_may_not_write_is_refused_not_replaced(open_tmp, sim, name, mode):
    folder = open_tmp / "proj"
    folder.mkdir()
    (folder / ".env").write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    (folder / "flux.toml").write_text('config_version = 2\n[model]\nid = "claude-opus-4-8"\n')
    home = open_tmp / "home"
    home.mkdir()
    _give_to_nobody(folder, folder / ".env", folder / "flux.toml", home)
    os.chmod(folder / name, mode)
    before = snapshot(folder)
    result = _as_nobody(run_args(folder, sim.base_url), env_with_key(FLUX_SETUP_HOME=str(home)))
    assert result.returncode == 6, result.stderr
    assert "read-only for you" in result.stderr
    assert snapshot(folder) == before
    assert stat.S_IMODE(os.stat(folder / name).st_mode) == mode


@pytest.mark.parametrize("command", ["status", "run"])
def test_a_project_behind_a_folder_the_user_cannot_enter_is_a_files_error_with_its_fix(
    open_tmp, command
):
    closed = open_tmp / "closed"
    (closed / "inner" / "proj").mkdir(parents=True)
    os.chmod(closed, 0o700)  # root's, and closed to everyone else
    home = open_tmp / "home"
    home.mkdir()
    _give_to_nobody(home)
    argv = [command, "--no-input", "--project", str(closed / "inner" / "proj")]
    result = _as_nobody(argv, env_with_key(FLUX_SETUP_HOME=str(home)))
    assert result.returncode == 6, result.stderr
    assert "cannot be reached" in result.stderr and "--project" in result.stderr
    assert "a bug" not in result.stderr


def test_flux_model_that_is_not_a_model_id_is_refused_escaped(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude\x1b[2J\n")
    result = run_main(["status", "--project", str(tmp_path)], env=clean_environ())
    assert result.returncode == 6 and "\x1b" not in result.stdout + result.stderr
    assert "FLUX_MODEL = claude\\x1b[2J is not a model ID" in result.stderr
    exported = run_main(
        ["status", "--project", str(tmp_path)], env=clean_environ(FLUX_MODEL="x\x07")
    )
    assert exported.returncode == 2 and "FLUX_MODEL in the environment" in exported.stderr
