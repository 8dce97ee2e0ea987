"""The CI recipes of docs/ci.md, run as written: the GitHub Action's own step script with the
inputs of the documented workflow, the GitLab job's script lines, the cron line and the
pre-commit hook's entry, each against the simulator over a generated tree of projects."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.ci_helpers import bash, example, shell_env
from tests.helpers import KEY, assert_no_key, make_context
from wizard import ci
from wizard.commands.check import check

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def config(model: str) -> str:
    return f'config_version = 2\n\n[model]\nid = "{model}"\n'


@pytest.fixture
def repo(tmp_path):
    """A repository with three Flux projects: one fine, one with an upgrade, one retired."""
    root = tmp_path / "repo"
    for name, model in (
        ("fine", "claude-opus-5-5"),
        ("upgrade", "claude-sonnet-5-5"),
        ("services/old", "claude-3-haiku-20240307"),
    ):
        (root / name).mkdir(parents=True)
        (root / name / "flux.toml").write_text(config(model))
    return root


# -- GitHub Actions ----------------------------------------------------------------------------


def _action_step_env(inputs: dict[str, str]) -> dict[str, str]:
    """The environment action.yml gives its check step, `${{ inputs.X }}` filled in as GitHub
    does: the workflow's value, else the input's default."""
    step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "check")
    defaults = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    values = {**defaults, **inputs}
    env = {}
    for name, template in step["env"].items():
        wanted = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", template)
        assert wanted and wanted.group(1) in ACTION["inputs"], template
        env[name] = str(values[wanted.group(1)])
    return env


def test_the_documented_workflow_runs_the_actions_step_and_fails_on_the_retired_project(
    repo, sim, tmp_path
):
    workflow = yaml.safe_load(example("github"))
    step = next(s for s in workflow["jobs"]["models"]["steps"] if "flux-setup" in s.get("uses", ""))
    inputs = {k: (KEY if "secrets." in str(v) else str(v)) for k, v in step["with"].items()}
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    env = shell_env(
        sim,
        tmp_path,
        GITHUB_ACTIONS="true",
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_OUTPUT=str(output),
        RUNNER_TEMP=str(tmp_path),
        **_action_step_env(inputs),
    )
    check_step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "check")
    line = check_step["run"].replace("$GITHUB_ACTION_PATH", str(ROOT))
    done = bash(line, repo, env)
    assert done.returncode == 1, done.stdout + done.stderr  # 12 is in fail-on 11,12
    table = summary.read_text()
    assert "| services/old | claude-3-haiku-20240307 | retired |" in table
    assert "| upgrade | claude-sonnet-5-5 | callable | claude-opus-5-5 |" in table
    assert "::error file=services/old/flux.toml,title=flux-setup%3A unavailable::" in done.stdout
    assert "::warning file=upgrade/flux.toml" in done.stdout
    assert "exit-code=12" in output.read_text()
    for text in (table, done.stdout, done.stderr, output.read_text()):
        assert_no_key(text)


def run_action_script(
    repo: Path, sim, tmp_path: Path, inputs: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """The action's step script with these inputs, its summary in `tmp_path/s.md`."""
    env = shell_env(
        sim,
        tmp_path,
        GITHUB_STEP_SUMMARY=str(tmp_path / "s.md"),
        RUNNER_TEMP=str(tmp_path),
        **_action_step_env(inputs),
    )
    return bash(f'bash "{ROOT}/scripts/github-action.sh"', repo, env)


def test_the_action_passes_when_only_an_upgrade_is_due(repo, sim, tmp_path):
    (repo / "services" / "old" / "flux.toml").write_text(config("claude-opus-5-5"))
    done = run_action_script(repo, sim, tmp_path, {"api-key": KEY})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "exit code 10: passing" in done.stdout


def test_folders_written_as_a_yaml_block_are_every_one_checked(repo, sim, tmp_path):
    # `folders: |` gives one folder a line: the retired project sits in the second one
    block = yaml.safe_load("folders: |\n  fine\n  services\n")["folders"]
    done = run_action_script(repo, sim, tmp_path, {"api-key": KEY, "folders": block})
    assert done.returncode == 1, done.stdout + done.stderr  # not a false pass
    assert "services/old" in (tmp_path / "s.md").read_text()


def test_the_action_declares_what_its_script_reads():
    script = (ROOT / "scripts" / "github-action.sh").read_text()
    check_step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "check")
    read = set(re.findall(r"\$\{?(INPUT_\w+)", script))
    assert read == set(check_step["env"]), "every INPUT_ the script reads is set by action.yml"
    assert ACTION["runs"]["using"] == "composite"
    assert "${{" not in check_step["run"], "inputs reach the script through env, never its text"


# -- GitLab CI, cron, pre-commit --------------------------------------------------------------


def test_the_gitlab_job_script_runs_as_written(repo, sim, tmp_path):
    job = yaml.safe_load(example("gitlab"))["flux-models"]
    env = shell_env(sim, tmp_path, ANTHROPIC_API_KEY=KEY)
    outcomes = []
    for line in job["script"]:
        if line.startswith("pip install"):
            continue  # installed already: this environment is the one under test
        outcomes.append(bash(line, repo, env))
    assert [o.returncode for o in outcomes] == [0, 1]  # `|| true`, then fail-on 11,12 fails
    assert "error: services/old/flux.toml:" in outcomes[1].stdout
    for artifact in job["artifacts"]["paths"]:
        assert (repo / artifact).is_file()
    assert "| services/old |" in (repo / "flux-summary.md").read_text()


def test_the_cron_line_mails_only_when_a_project_needs_attention(repo, sim, tmp_path):
    line = next(x for x in example("cron").splitlines() if x and not x.startswith("#"))
    command = line.split(None, 5)[5]  # after the five time fields
    home = tmp_path / "home"
    (home / "bin").mkdir(parents=True)
    (home / "src").symlink_to(repo)
    mailbox = home / "mailbox"
    # `mail` is the one stand-in: the recipe's own commands run for real
    (home / "bin" / "mail").write_text(f'#!/bin/sh\ncat >> "{mailbox}"\n')
    (home / "bin" / "mail").chmod(0o755)
    env = shell_env(sim, tmp_path, ANTHROPIC_API_KEY=KEY, USER="dev")
    env["PATH"] = f"{home / 'bin'}{os.pathsep}{env['PATH']}"
    bash(command, home, env)
    assert "services/old" in mailbox.read_text()
    mailbox.unlink()
    (repo / "services" / "old" / "flux.toml").write_text(config("claude-opus-5-5"))
    bash(command, home, env)
    assert not mailbox.exists(), "an upgrade alone (10) sends no mail"
    assert "upgrade" in (home / "flux-check.log").read_text()


def test_the_pre_commit_hook_runs_offline_and_fails_on_a_deprecated_model(tmp_path, sim):
    hook = HOOKS[0]
    documented = yaml.safe_load(example("pre-commit"))["repos"][0]["hooks"][0]["id"]
    assert hook["id"] == documented
    assert re.search(hook["files"], "services/api/flux.toml")
    assert re.search(hook["files"], ".env") and not re.search(hook["files"], "src/main.py")
    project = tmp_path / "p"
    project.mkdir()
    (project / "flux.toml").write_text(config("claude-sonnet-5-5"))
    env = shell_env(sim, tmp_path, ANTHROPIC_API_KEY=KEY)
    command = shlex.split(hook["entry"])
    # no online check made here yet: the commit passes, with one line saying how to get one
    missing = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert missing.returncode == 0, missing.stdout + missing.stderr
    assert "Run `flux-setup check` once" in missing.stdout
    # a team that wants it strict appends the flag (pre-commit's `args`): the last one wins
    strict = command + ["--missing-catalog", "fail"]
    refused = subprocess.run(strict, cwd=project, env=env, capture_output=True, text=True)
    assert refused.returncode == 5 and "flux-setup check` once" in refused.stderr
    ctx, _ = make_context(project, environ={"ANTHROPIC_API_KEY": KEY}, base_url=sim.base_url)
    check(ctx)  # the online check that saves the catalogue
    upgrade = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr  # 10 is not in 11,12
    (project / "flux.toml").write_text(config("claude-3-haiku-20240307"))
    retired = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert retired.returncode == 12
    assert sim.counters.snapshot()["total_requests"] > 0
    assert_no_key(upgrade.stdout + upgrade.stderr + retired.stdout + retired.stderr)


# -- the report helper on hostile text --------------------------------------------------------


def test_server_text_cannot_forge_annotations_or_break_the_table():
    hostile = "Gone.\n::error file=x::forged\r| injected | row |\x1b[2J"
    report = {
        "exit_code": 12,
        "projects": [
            {
                "path": "/nowhere/p",
                "exit_code": 12,
                "configured": {"model": "m|x", "status": "retired"},
                "recommended": None,
                "diagnosis": [{"message": hostile, "next_step": "50% off"}],
                "error": None,
            }
        ],
    }
    lines = ci.workflow_commands(report, {12})
    assert len(lines) == 1 and "\n" not in lines[0] and "\r" not in lines[0]
    assert lines[0].startswith("::error file=/nowhere/p,")  # the forged one never starts a line
    assert "50%25 off" in lines[0]
    assert "\x1b" not in lines[0]
    table = ci.summary(report).splitlines()
    row = next(line for line in table if "nowhere" in line)
    assert row.count(" | ") == 5 and "m\\|x" in row


def test_the_report_helper_rejects_what_is_not_a_report(tmp_path):
    bad = tmp_path / "r.json"
    bad.write_text("[1, 2]")
    assert ci.main([str(bad)]) == 2
    bad.write_text("{}")
    assert ci.main([str(bad), "--fail-on", "x"]) == 2


def test_the_action_checks_one_project_when_all_is_false(repo, sim, tmp_path):
    summary = tmp_path / "summary.md"
    env = shell_env(
        sim,
        tmp_path,
        GITHUB_STEP_SUMMARY=str(summary),
        RUNNER_TEMP=str(tmp_path),
        **_action_step_env({"api-key": KEY, "all": "false"}),
    )
    done = bash(f'bash "{ROOT}/scripts/github-action.sh"', repo / "upgrade", env)
    assert done.returncode == 0, done.stdout + done.stderr  # 10 is not in the default 11,12
    rows = [line for line in summary.read_text().splitlines() if line.startswith("| ")]
    assert rows[1:] == [
        "| . | claude-sonnet-5-5 | callable | claude-opus-5-5 | sk-ant-api03...ZxWv | 10 upgrade available |"
    ]


def test_the_report_helper_fails_on_any_project_not_just_the_highest_code(tmp_path):
    report = tmp_path / "r.json"
    report.write_text(
        '{"exit_code": 10, "projects": [{"path": "a", "exit_code": 10}, {"path": "b", "exit_code": 6}]}'
    )
    assert ci.main([str(report), "--fail-on", "11,12", "--summary", str(tmp_path / "s.md")]) == 1
    report.write_text('{"exit_code": 10, "projects": [{"path": "a", "exit_code": 10}]}')
    assert ci.main([str(report), "--fail-on", "11,12", "--summary", str(tmp_path / "s.md")]) == 0
