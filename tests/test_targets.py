"""Hostile round 4, targets: a recording, a report or an export is never written through a
link it did not make, onto what git or a project depends on, over a file it did not write, or
into another user's hands; each refusal comes before any request."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import KEY, flux, json_of
from wizard import targets
from wizard.errors import FilesError
from wizard.recording import parse

NOBODY = 65534  # "another user": the tests run as root, which may give files away


def shared_tmp(tmp_path: Path) -> Path:
    """A sticky, world-writable folder like /tmp."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    return shared


def victim_file(tmp_path: Path) -> Path:
    home = tmp_path / "victim"
    home.mkdir()
    rc = home / ".bashrc"
    rc.write_text("export PATH=$HOME/bin:$PATH\n")
    return rc


def project(tmp_path: Path) -> Path:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    return folder


def on(sim, *args: str):  # type: ignore[no-untyped-def]
    return flux(*args, env={"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url})


def record(sim, folder: Path, target: Path | str, *extra: str):  # type: ignore[no-untyped-def]
    return on(sim, "check", "--json", "--project", str(folder), "--record", str(target), *extra)


def test_another_users_link_in_a_sticky_folder_is_never_written_through(tmp_path, sim):
    rc = victim_file(tmp_path)
    link = shared_tmp(tmp_path) / "flux-check.jsonl"
    link.symlink_to(rc)
    os.lchown(link, NOBODY, NOBODY)
    folder = project(tmp_path)
    for extra in ((), ("--force",)):
        result = record(sim, folder, link, *extra)
        assert result.returncode == 6, result.stderr
        assert "another user" in json_of(result)["error"]["message"]
    assert rc.read_text() == "export PATH=$HOME/bin:$PATH\n"
    assert link.is_symlink()
    assert sim.counters.snapshot()["total_requests"] == 0


def test_a_link_of_ones_own_is_refused_and_force_replaces_the_link_not_its_target(tmp_path, sim):
    rc = victim_file(tmp_path)
    link = shared_tmp(tmp_path) / "flux-check.jsonl"
    link.symlink_to(rc)
    folder = project(tmp_path)
    refused = record(sim, folder, link)
    assert refused.returncode == 6
    assert "never writes through a link" in json_of(refused)["error"]["message"]
    assert "--force" in json_of(refused)["error"]["fix"]
    assert record(sim, folder, link, "--force").returncode == 0
    assert not link.is_symlink() and parse(link.read_text()).outcome["exit_code"] == 0
    assert rc.read_text() == "export PATH=$HOME/bin:$PATH\n"


def test_a_file_another_user_made_is_refused_and_never_handed_back_to_them(tmp_path, sim):
    planted = shared_tmp(tmp_path) / "flux-check.jsonl"
    planted.write_text('{"format": "flux-setup-recording/1"}\n')  # even one that looks ours
    os.chown(planted, NOBODY, NOBODY)
    folder = project(tmp_path)
    result = record(sim, folder, planted, "--force")
    assert result.returncode == 6
    assert planted.read_text() == '{"format": "flux-setup-recording/1"}\n'
    fresh = planted.with_name("mine.jsonl")
    assert record(sim, folder, fresh).returncode == 0
    assert fresh.stat().st_uid == os.geteuid() and (fresh.stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize(
    "name",
    [".gitignore", ".git/config", ".gitattributes", "flux.toml", "pyproject.toml", "a/.env"],
)
def test_what_git_or_a_project_depends_on_is_never_a_target_even_with_force(tmp_path, sim, name):
    folder = project(tmp_path)
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    (folder / "a").mkdir()
    target = folder / name
    if not target.exists():
        target.write_text("kept\n")
    before = target.read_bytes()
    for extra in ((), ("--force",)):
        result = on(sim, "check", "--all", str(folder), "--json", "--record", str(target), *extra)
        assert result.returncode == 6, (name, result.stdout)
    assert target.read_bytes() == before
    assert sim.counters.snapshot()["total_requests"] == 0


def test_an_existing_file_flux_setup_did_not_write_needs_force(tmp_path, sim):
    folder = project(tmp_path)
    readme = folder / "README.md"
    readme.write_text("# My project\n")
    readme.chmod(0o644)
    refused = record(sim, folder, readme)
    assert refused.returncode == 6
    assert "did not write it" in json_of(refused)["error"]["message"]
    assert readme.read_text() == "# My project\n"
    assert sim.counters.snapshot()["total_requests"] == 0
    assert record(sim, folder, readme, "--force").returncode == 0
    assert parse(readme.read_text()).outcome["exit_code"] == 0


@pytest.mark.parametrize("kind", ["stdout", "loop", "under-a-file"])
def test_odd_targets_are_refused_with_exit_6_before_the_network(tmp_path, sim, kind):
    folder = project(tmp_path)
    target: Path = Path("/dev/stdout")
    if kind == "loop":
        target = tmp_path / "loop"
        target.symlink_to(tmp_path / "loop")
    elif kind == "under-a-file":
        (tmp_path / "file").write_text("x")
        target = tmp_path / "file" / "x.jsonl"
    result = record(sim, folder, target)
    assert result.returncode == 6, result.stderr
    assert "a bug" not in result.stderr
    assert sim.counters.snapshot()["total_requests"] == 0


def test_a_link_planted_between_the_check_and_the_write_is_refused_not_followed(tmp_path):
    rc = victim_file(tmp_path)
    path = shared_tmp(tmp_path) / "export.json"
    checked = targets.check(path, flag="--out", ours=lambda head: False)
    path.symlink_to(rc)  # the race: planted after the check
    with pytest.raises(FilesError, match="appeared"):
        targets.write(checked, b"{}")
    assert rc.read_text() == "export PATH=$HOME/bin:$PATH\n"
    assert [p.name for p in path.parent.iterdir()] == ["export.json"]  # no temp file left
