"""Preview, confirm, apply: every command that writes follows one policy. Without a terminal
and without --yes nothing is written (exit 2, naming both flags); --dry-run writes nothing and
says so in the same words; --yes applies."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import KEY, flux
from wizard.flow.consent import DRY_RUN
from wizard.vocab import ExitCode

SCHEMA_1 = 'model = "claude-sonnet-5-5"\n'
SCHEMA_2 = 'config_version = 2\n\n[model]\nid = "claude-sonnet-5-5"\n'


def files_of(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def applied_run(project: Path, base_url: str) -> None:
    """A project with one applied change set (flux.toml and the checklist written by run)."""
    project.mkdir(parents=True, exist_ok=True)
    (project / "flux.toml").write_text(SCHEMA_2)
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": base_url}
    done = flux("run", "--project", str(project), "--yes", env=env)
    assert done.returncode == 0, done.stderr


def a_fixed_batch(root: Path, base_url: str) -> None:
    for name in ("a", "b"):
        (root / name).mkdir(parents=True)
        (root / name / "flux.toml").write_text(SCHEMA_2)
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": base_url}
    done = flux("check", "--all", str(root), "--fix", "--yes", env=env)
    assert done.returncode == 0, done.stdout + done.stderr


# each writing command: how to set up its folder, and its arguments
CASES = {
    "run": (lambda root, url: (root / "flux.toml").write_text(SCHEMA_2), ["run"]),
    "migrate": (lambda root, url: (root / "flux.toml").write_text(SCHEMA_1), ["migrate"]),
    "undo": (lambda root, url: applied_run(root, url), ["undo"]),
    "undo --batch": (lambda root, url: a_fixed_batch(root, url), ["undo", "--batch"]),
    "check --all --fix": (
        lambda root, url: [
            (root / n).mkdir() or (root / n / "flux.toml").write_text(SCHEMA_2) for n in "ab"
        ],
        ["check", "--all", ".", "--fix"],
    ),
}


def command_in(root: Path, args: list[str], *extra: str, url: str):
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": url}
    project = [] if args[0] == "check" or "--batch" in args else ["--project", str(root)]
    return flux(*args, *project, *extra, env=env, cwd=root)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("how", [(), ("--no-input",)], ids=["no terminal", "--no-input"])
def test_without_a_terminal_and_without_yes_nothing_is_written(tmp_path, sim, name, how):
    setup, args = CASES[name]
    setup(tmp_path, sim.base_url)
    before = files_of(tmp_path)
    result = command_in(tmp_path, args, *how, url=sim.base_url)
    assert result.returncode == ExitCode.USAGE, (name, result.stdout, result.stderr)
    assert "no terminal to ask on" in result.stderr
    assert "--yes" in result.stderr and "--dry-run" in result.stderr
    assert files_of(tmp_path) == before, f"{name} wrote without consent"


@pytest.mark.parametrize("name", CASES)
def test_a_dry_run_writes_nothing_and_says_so_in_the_same_words(tmp_path, sim, name):
    setup, args = CASES[name]
    setup(tmp_path, sim.base_url)
    before = files_of(tmp_path)
    result = command_in(tmp_path, args, "--dry-run", url=sim.base_url)
    assert result.returncode in (0, ExitCode.UPGRADE_AVAILABLE), (name, result.stderr)
    assert DRY_RUN in result.stdout + result.stderr
    assert files_of(tmp_path) == before


@pytest.mark.parametrize("name", CASES)
def test_yes_applies_without_asking(tmp_path, sim, name):
    setup, args = CASES[name]
    setup(tmp_path, sim.base_url)
    before = files_of(tmp_path)
    result = command_in(tmp_path, args, "--yes", url=sim.base_url)
    assert result.returncode == 0, (name, result.stdout, result.stderr)
    assert files_of(tmp_path) != before, f"{name} --yes changed nothing"
