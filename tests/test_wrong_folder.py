"""The wrong folder is named: a command that reads one project, run where there is none (and
none above), says so in one line with the step that fixes it."""

from __future__ import annotations

import pytest

from tests.helpers import KEY, flux

ENV = {"ANTHROPIC_API_KEY": KEY}


@pytest.mark.parametrize(
    "command",
    [["status"], ["check", "--offline"], ["doctor", "--offline"], ["run", "--dry-run", "--yes"]],
)
def test_a_folder_with_no_flux_project_is_named_with_its_fix(tmp_path, sim, command):
    folder = tmp_path / "not-a-project"
    folder.mkdir()
    network = ["--base-url", sim.base_url] if command[0] == "run" else []
    result = flux(*command, *network, env=ENV, cwd=folder)
    said = [line for line in result.stdout.splitlines() if "No Flux project in" in line]
    assert len(said) == 1, result.stdout
    assert str(folder) in said[0]
    fix = "this run sets one up" if command[0] == "run" else f"flux-setup run --project {folder}"
    assert fix in said[0]


@pytest.mark.parametrize("command", [["status"], ["check", "--offline"]])
def test_a_project_found_above_is_not_called_missing(tmp_path, command):
    (tmp_path / "flux.toml").write_text('config_version = 2\n\n[model]\nid = "claude-opus-5-5"\n')
    below = tmp_path / "src" / "deep"
    below.mkdir(parents=True)
    result = flux(*command, env=ENV, cwd=below)
    assert "No Flux project" not in result.stdout + result.stderr
    assert f"Project: {tmp_path}" in result.stdout


def test_the_fix_it_prints_sets_the_project_up(tmp_path, sim):
    folder = tmp_path / "empty"
    folder.mkdir()
    said = flux("status", env=ENV, cwd=folder).stdout
    assert f"`flux-setup run --project {folder}`" in said
    result = flux("run", "--project", str(folder), "--yes", "--base-url", sim.base_url, env=ENV)
    assert result.returncode == 0, result.stderr
    assert "No Flux project" not in flux("status", env=ENV, cwd=folder).stdout
