"""Messages finished (#34): Ctrl-C said once in one style by the command's kind, did-you-mean
for options, `help [COMMAND]`, fix lines that work as printed, and the smaller wording."""

from __future__ import annotations

import json
import re
import sys

import pytest

from tests.helpers import KEY, flux
from tests.terminal_helpers import finish, spawn

pty_only = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")


@pty_only
def test_ctrl_c_in_a_command_that_only_reads_says_nothing_about_writing(tmp_path):
    child = spawn(["limits"], tmp_path)
    child.expect("Paste an admin key")
    child.sendcontrol("c")
    child.expect("Cancelled.")
    assert finish(child) == 130
    text = (tmp_path / "terminal.log").read_text()
    assert "written" not in text and "error:" not in text
    assert text.count("Cancelled") == 1


@pty_only
def test_ctrl_c_at_a_question_of_a_writing_command_is_said_once_plainly(tmp_path, sim):
    child = spawn(["run", "--base-url", sim.base_url], tmp_path, {"ANTHROPIC_API_KEY": KEY})
    child.expect("API key")
    child.sendcontrol("c")
    child.expect("Cancelled: nothing was written.")
    assert finish(child) == 130
    text = (tmp_path / "terminal.log").read_text()
    assert "error:" not in text and text.count("Cancelled") == 1


@pytest.mark.parametrize(
    "args,suggested",
    [
        (["check", "--jsn"], "--json"),
        (["run", "--dry-rn"], "--dry-run"),
        (["status", "--projct", "x"], "--project"),
    ],
)
def test_an_unknown_option_gets_a_did_you_mean(args, suggested):
    result = flux(*args)
    assert result.returncode == 2
    assert f"Did you mean {suggested}?" in result.stderr
    assert f"`flux-setup {args[0]} --help`" in result.stderr


def test_an_option_nothing_resembles_is_named_with_the_help_that_lists_them():
    result = flux("status", "--frobnicate")
    assert result.returncode == 2
    assert "--frobnicate is not an option of status" in result.stderr


@pytest.mark.parametrize("command", [[], ["check"], ["undo"]])
def test_help_command_is_the_commands_help(command):
    via_help = flux("help", *command)
    via_flag = flux(*command, "--help") if command else flux("--help")
    assert via_help.returncode == 0
    assert via_help.stdout == via_flag.stdout and "usage: flux-setup" in via_help.stdout


def test_help_of_an_unknown_command_is_a_usage_error_with_did_you_mean():
    result = flux("help", "chek")
    assert result.returncode == 2
    assert "Did you mean `flux-setup check`?" in result.stderr


def test_demo_into_a_real_folder_without_a_terminal_or_yes_refuses(tmp_path):
    folder = tmp_path / "mine"
    result = flux("demo", "--project", str(folder))
    assert result.returncode == 2
    assert "--yes" in result.stderr and "--dry-run" in result.stderr
    assert not folder.exists()
    assert flux("demo", "--project", str(folder), "--yes").returncode == 0
    assert "FLUX_MODEL=claude-opus-5-5" in (folder / ".env").read_text()


V1_PYPROJECT = '[project]\nname = "x"\n\n[tool.flux]\nmodel = "claude-3-haiku-20240307"\n\n[tool.other]\na = 1\n'


def test_a_migrated_tool_flux_model_keeps_its_keys_together(tmp_path, sim):
    (tmp_path / "pyproject.toml").write_text(V1_PYPROJECT)
    env = {"ANTHROPIC_API_KEY": KEY}
    result = flux("run", "--yes", "--project", str(tmp_path), "--base-url", sim.base_url, env=env)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "pyproject.toml").read_text()
    assert 'id = "claude-opus-5-5"\nfallback = "claude-sonnet-5-5"\n\n[tool.other]' in text
    # the migration says only what it moved: there was no fallback_model
    assert "model moved into [model]" in result.stdout
    assert "fallback_model" not in result.stdout


def test_fix_names_the_project_on_its_migration_line(tmp_path, sim):
    project = tmp_path / "app"
    project.mkdir()
    (project / "pyproject.toml").write_text(V1_PYPROJECT)
    (project / ".env").write_text(f"ANTHROPIC_API_KEY={KEY}\n")
    result = flux(
        "check",
        "--all",
        str(tmp_path),
        "--fix",
        "--dry-run",
        env={"ANTHROPIC_BASE_URL": sim.base_url},
    )
    said = [line for line in result.stdout.splitlines() if "moved into [model]" in line]
    assert said and all(line.lstrip("• ").startswith("app") for line in said), result.stdout


def test_a_retry_says_how_long_it_waits_and_when_it_gives_up(tmp_path):
    from wizard.simulator import Faults, serve

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with serve("today", Faults(fail_first=1, fail_status=504, retry_after=None)) as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        result = flux("check", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert re.search(r"retrying in \d+\.\d s; giving up within \d+ s\)", result.stdout), (
        result.stdout
    )


def test_simulator_list_wraps_its_descriptions_between_words_to_the_terminal():
    result = flux("simulator", "--list", env={"COLUMNS": "60"}, subprocess_run=True)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert all(len(line) < 60 for line in lines), [line for line in lines if len(line) >= 60]
    from wizard.simulator import load

    words = " ".join(lines).split()
    assert " ".join(load("zero-balance").description.split()) in " ".join(words)


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_the_simulator_says_why_it_stopped(how):
    import signal
    import subprocess

    from tests.helpers import clean_environ

    child = subprocess.Popen(
        [sys.executable, "-m", "wizard", "simulator"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_environ(),
    )
    try:
        assert child.stdout is not None and child.stdout.readline().startswith("http://127.0.0.1:")
        child.send_signal(getattr(signal, how))
        _, stderr = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    word = "SIGTERM" if how == "SIGTERM" else "Ctrl-C"
    assert f"Simulator stopped by {word}" in stderr
    assert child.returncode == 0


def complete_in_zsh(script: str, *words: str) -> list[str]:
    """The zsh function called as zsh's completion system calls it (words, CURRENT), with
    compadd printing what would be offered."""
    import shutil
    import subprocess

    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed")
    quoted = " ".join(f"'{w}'" for w in ("flux-setup", *words))
    program = (
        'compdef() { :; }; compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }; '
        f"_files() {{ :; }}; {script}\nwords=({quoted}); CURRENT={len(words) + 1}; _flux_setup"
    )
    result = subprocess.run(
        ["zsh", "-f", "-c", program], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_zsh_completion_offers_option_values():
    from wizard.simulator import builtin_names

    script = flux("completion", "zsh").stdout
    assert complete_in_zsh(script, "demo", "--scenario", "") == list(builtin_names())
    assert complete_in_zsh(script, "check", "--color", "") == ["auto", "always", "never"]
    assert "opus,sonnet,haiku" in complete_in_zsh(script, "run", "--prefer", "")
    assert complete_in_zsh(script, "models", "--verify", "") == ["all", "opus", "sonnet", "haiku"]
    assert "undo" in complete_in_zsh(script, "")
    assert "--write-checklist" in complete_in_zsh(script, "check", "--")


def test_check_all_names_the_project_in_the_run_it_advises(tmp_path, sim):
    project = tmp_path / "app"
    project.mkdir()
    (project / ".env").write_text(f"FLUX_MODEL=claude-3-haiku-20240307\nANTHROPIC_API_KEY={KEY}\n")
    result = flux(
        "check", "--all", env={"ANTHROPIC_BASE_URL": sim.base_url, "COLUMNS": "1000"}, cwd=tmp_path
    )
    assert result.returncode == 12, result.stdout
    assert f"`flux-setup run --project {project}`" in result.stdout
    assert "`flux-setup run`" not in result.stdout
    # and each other command the note gives (the line's newest: `run --model ...`)
    commands = re.findall(r"`flux-setup (run|check|migrate|undo|doctor)([^`]*)`", result.stdout)
    assert ("run", f" --project {project} --model claude-haiku-5-5") in commands, commands
    assert all(" --project " in rest or " --all" in rest for _, rest in commands), commands


@pytest.mark.parametrize("verify", [True, False])
def test_a_retired_models_step_gives_each_command_right_after_its_own_clause(tmp_path, sim, verify):
    """The demo said "Switch to X ...; Y is the newest of the haiku line (not verified):
    `flux-setup run`": the command for X read as the command for Y."""
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    args = ["check", "--project", str(tmp_path), "--json"] + ([] if verify else ["--no-verify"])
    payload = json.loads(flux(*args, env=env).stdout)
    step = next(d["next_step"] for d in payload["diagnosis"] if d["code"] == "model_retired")
    first, _, successor = step.partition(" claude-haiku-5-5 is the newest model of the haiku line")
    assert first.endswith("then `flux-setup run`." if not verify else "haiku): `flux-setup run`.")
    assert "claude-opus-5-5" in first and "claude-haiku-5-5" not in first
    assert successor.endswith(": `flux-setup run --model claude-haiku-5-5` keeps that line.")


def test_nothing_that_writes_nothing_offers_an_undo_and_a_batch_never_a_bare_one(tmp_path, sim):
    """`migrate --check` and `check --all --fix --dry-run` said "`flux-setup undo` takes it
    back": nothing was written, and in a batch a bare undo is the scanned folder's."""
    for name in ("p1", "p2"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "flux.toml").write_text('model = "claude-opus-4-1-20250805"\n')
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url, "COLUMNS": "1000"}
    pending = flux("migrate", "--check", "--project", str(tmp_path / "p1"), env=env)
    assert pending.returncode == 10 and "undo" not in pending.stdout + pending.stderr
    batch = flux("check", "--all", str(tmp_path), "--fix", "--dry-run", env=env)
    said = batch.stdout + batch.stderr
    assert "config schema 1 -> 2" in said  # the positive control: the migration is said
    undos = re.findall(r"`flux-setup undo([^`]*)`", said)
    assert all("--batch" in rest or "--project" in rest for rest in undos), said
