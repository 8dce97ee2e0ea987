"""The whole program as users run it: subprocesses, JSON validated against the schema in the repo,
exit codes, what is (not) imported, and the key never in any output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import KEY, SCHEMA, clean_environ, flux, json_of
from wizard.commands.demo import make_project
from wizard.simulator import serve
from wizard.vocab import ExitCode


def test_help_and_version_work_fast_paths():
    result = flux("--help", subprocess_run=True)
    assert result.returncode == 0 and "check" in result.stdout and "Exit codes" in result.stdout
    assert flux("--version").stdout.startswith("flux-setup ")
    assert flux("check", "--help").returncode == 0
    bad = flux("--no-such-flag")
    assert bad.returncode == 2


def test_run_json_end_to_end(tmp_path, sim):
    make_project(tmp_path)
    result = flux("run", "--project", str(tmp_path), "--yes", "--json", "--base-url", sim.base_url)
    payload = json_of(result)
    assert result.returncode == 0
    assert payload["recommended"] == "claude-opus-5-5"
    assert payload["checklist"].endswith("flux-upgrade-checklist.md")
    written = (tmp_path / "flux-upgrade-checklist.md").read_text()
    items = {item["id"]: item for item in payload["checklist_items"]}
    assert {"key-works", "billing", "target-model", "limits", "rerun"} <= set(items)
    for item in items.values():
        assert f"<!-- id:{item['id']} -->" in written
    assert items["billing"]["done"] is True
    assert {c["path"] for c in payload["changes"]} == {".env", "flux.toml"}
    assert "Using the key" in result.stderr  # human text on stderr


@pytest.mark.parametrize(
    "scenario,configured,code,status",
    [
        ("today", "claude-opus-5-5", 0, "callable"),
        ("today", "claude-haiku-5-5", 10, "callable"),
        ("veteran", "claude-opus-4-5-20251101", 11, "deprecated"),
        ("today", "claude-opus-4-5-20251101", 12, "not_callable"),  # closed to new adopters
        ("today", "claude-3-haiku-20240307", 12, "retired"),
    ],
)
def test_check_json_for_each_verdict(tmp_path, scenario, configured, code, status):
    (tmp_path / ".env").write_text(f"FLUX_MODEL={configured}\n")
    with serve(scenario) as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        result = flux("check", "--project", str(tmp_path), "--json", env=env)
    payload = json_of(result)
    assert result.returncode == code, result.stderr
    assert payload["configured"]["status"] == status


def test_status_migrate_undo_json(tmp_path):
    make_project(tmp_path)
    for args, code in (
        # the demo project's .env and flux.toml name different models: said, but Flux runs the
        # .env one, and no check has judged it yet
        (["status"], 0),
        (["migrate", "--check"], 10),
        (["migrate", "--yes"], 0),
        (["undo"], 2),  # no terminal, no --yes: nothing restored
        (["undo", "--yes"], 0),
        (["undo", "--yes"], 6),
    ):
        result = flux(*args, "--project", str(tmp_path), "--json")
        json_of(result)
        assert result.returncode == code, (args, result.stderr)


def test_api_key_stdin(tmp_path, sim):
    result = flux(
        "check",
        "--project",
        str(tmp_path),
        "--api-key-stdin",
        "--json",
        "--base-url",
        sim.base_url,
        stdin=KEY + "\n",
    )
    payload = json_of(result)
    assert payload["key"]["source"] == "stdin"
    assert result.returncode == 12  # nothing configured yet


@pytest.mark.parametrize(
    "args,env,code,words",
    [
        (["run", "--yes"], {}, 3, "No API key"),
        (["run", "--yes"], {"ANTHROPIC_API_KEY": "sk-ant-oat01-" + "a" * 90}, 3, "OAuth"),
        (["run"], {"ANTHROPIC_API_KEY": KEY}, 2, "--yes"),
        (["run", "--yes", "--prefer", "opus,,!"], {"ANTHROPIC_API_KEY": KEY}, 2, "line name"),
        (
            ["check", "--base-url", "http://127.0.0.1:9", "--timeout", "0.5"],
            {"ANTHROPIC_API_KEY": KEY},
            5,
            "Could not reach",
        ),
    ],
)
def test_failures_are_one_clear_message_a_code_and_valid_json(tmp_path, args, env, code, words):
    result = flux(*args, "--project", str(tmp_path), "--json", env=env)
    payload = json_of(result)
    assert result.returncode == code
    assert words in result.stderr + json.dumps(payload)
    assert "Traceback" not in result.stderr


def test_bad_files_exit_6_with_line_and_column(tmp_path):
    (tmp_path / "flux.toml").write_text("[model\n")
    result = flux("status", "--project", str(tmp_path))
    assert result.returncode == 6
    assert "line 1, column" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_project_folder(tmp_path):
    result = flux("status", "--project", str(tmp_path / "missing"))
    assert result.returncode == 6 and "does not exist" in result.stderr


def test_demo_without_a_terminal_runs_as_yes(tmp_path):
    result = flux(
        "demo", "--project", str(tmp_path / "demo"), "--yes", timeout=120, subprocess_run=True
    )
    assert result.returncode == 0, result.stderr
    assert "claude-opus-5-5" in (tmp_path / "demo" / ".env").read_text()
    assert "flux-upgrade-checklist.md" in result.stdout
    # the key it names is the demo's own, said before the line that names the variable
    said, named = (
        result.stdout.index("a key of its own"),
        result.stdout.index("ANTHROPIC_API_KEY environment variable"),
    )
    assert said < named


def test_the_readme_picture_is_made_from_a_real_run(tmp_path):
    import runpy

    script = Path(__file__).parent.parent / "scripts" / "screenshot.py"
    render = runpy.run_path(str(script))["render"]
    target = tmp_path / "demo.svg"
    render(target)
    svg = target.read_text()
    assert svg.startswith("<svg")
    assert "claude-opus-5-5" in svg and "recommended" in svg
    assert "flux-demo-key-not-a-real-secret" not in svg


def test_demo_json_matches_the_schema(tmp_path):
    result = flux("demo", "--project", str(tmp_path / "demo"), "--json", "--yes", timeout=120)
    payload = json_of(result)
    assert payload["command"] == "demo"
    assert payload["project"] == str(tmp_path / "demo")


@pytest.mark.parametrize("command,code", [("status", 0), ("check", 10)])
def test_a_reader_that_closes_stdout_early_changes_nothing_but_the_output(
    tmp_path, sim, command, code
):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    env = clean_environ(ANTHROPIC_API_KEY=KEY)
    args = [command, "--project", str(tmp_path)]
    if command == "check":
        args += ["--base-url", sim.base_url]
    proc = subprocess.Popen(
        [sys.executable, "-m", "wizard", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    proc.stdout.close()  # like `| head -0`: nobody reads what it prints
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == code
    assert "bug" not in err and "Traceback" not in err and "Exception ignored" not in err


def test_the_console_script_skips_the_teardown_but_keeps_every_byte_and_its_exit_code(
    tmp_path, sim
):
    """`python -m wizard` ends with os._exit after the funnel (no interpreter teardown):
    what it printed through a pipe is all there, in both streams, and the code is the
    command's. The editing command's project lock is free the moment it has exited."""
    from filelock import FileLock

    from tests.helpers import store

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    env = {"ANTHROPIC_API_KEY": KEY}
    online = ["--project", str(tmp_path), "--base-url", sim.base_url]
    checked = flux("check", "--json", *online, env=env, subprocess_run=True)
    assert checked.returncode == ExitCode.UPGRADE_AVAILABLE
    payload = json.loads(checked.stdout)  # the whole document: it parses
    assert len(checked.stdout) > 8192 and payload["exit_code"] == 10  # over a pipe's buffer
    in_process = flux("check", "--json", *online, env=env)  # cli.main: no os._exit
    assert checked.stderr.splitlines()[-1] == in_process.stderr.splitlines()[-1]  # the last line
    ran = flux("run", "--yes", "--model", "claude-opus-5-5", *online, env=env, subprocess_run=True)
    assert ran.returncode == 0, ran.stderr
    assert "FLUX_MODEL=claude-opus-5-5" in (tmp_path / ".env").read_text()
    lock = FileLock(str(store().project_dir(tmp_path) / "apply.lock"), timeout=0)
    with lock:  # taken at once: released by the command that wrote
        assert lock.is_locked


@pytest.mark.parametrize(
    "args,words",
    [
        (["bogus"], "unknown command 'bogus'"),
        (["check", "--base-url", "not-a-url"], "is not an http(s) URL"),
        (["check", "--base-url", "ftp://example.com"], "is not an http(s) URL"),
        (["check", "--timeout", "nan"], "between 0 and 600"),
        (["check", "--timeout", "0"], "between 0 and 600"),
        (["check", "--max-verify", "0"], "between 1 and 50"),
        (["simulator", "--port", "80000"], "between 0 and 65535"),
    ],
)
def test_bad_input_is_a_usage_error_before_any_network_step(tmp_path, args, words):
    result = flux(*args, "--json", cwd=tmp_path) if args[0] != "simulator" else flux(*args)
    assert result.returncode == 2
    assert words in result.stderr
    if args[0] != "simulator":
        payload = json.loads(result.stdout)  # scripts get one JSON object, even for bad flags
        assert payload["exit_code"] == 2 and payload["error"]["message"]
    assert "Traceback" not in result.stderr


def test_options_may_come_before_the_command_and_v_prints_the_version(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    result = flux("--project", str(tmp_path), "status", "--json", env={"ANTHROPIC_API_KEY": KEY})
    assert result.returncode == 0
    assert json.loads(result.stdout)["configured"]["model"] == "claude-opus-5-5"
    assert flux("-V").stdout.startswith("flux-setup ")


@pytest.mark.parametrize(
    "flags,env,coloured",
    [
        ([], {"NO_COLOR": "1"}, False),
        ([], {"FORCE_COLOR": "1"}, True),
        (["--color", "always"], {"NO_COLOR": "1"}, True),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
    ],
)
def test_colour_follows_the_flag_then_no_color_and_force_color(tmp_path, flags, env, coloured):
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    base.update(env, ANTHROPIC_API_KEY=KEY)
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    result = subprocess.run(
        [sys.executable, "-m", "wizard", "status", "--project", str(tmp_path), *flags],
        capture_output=True,
        text=True,
        env=base,
        timeout=60,
    )
    assert result.returncode == 0
    assert ("\x1b[" in result.stdout) == coloured


@pytest.mark.parametrize(
    "env_file,env,code",
    [
        ("FLUX_MODEL=claude-opus-5-5\n", {"ANTHROPIC_API_KEY": KEY}, 0),
        ("FLUX_MODEL=claude-opus-5-5\n", {}, 3),  # no key: Flux cannot call anything
        ("", {"ANTHROPIC_API_KEY": KEY}, 12),  # no model configured
        ("FLUX_MODEL=claude-opus-5-5\n", {"ANTHROPIC_API_KEY": KEY, "FLUX_MODEL": "x-1"}, 12),
    ],
)
def test_status_exits_non_zero_when_flux_cannot_run_as_configured(tmp_path, env_file, env, code):
    (tmp_path / ".env").write_text(env_file)
    result = flux("status", "--project", str(tmp_path), "--json", env=env)
    assert result.returncode == code
    assert json.loads(result.stdout)["exit_code"] == code


def test_from_a_subfolder_the_project_is_found_above_and_nothing_is_created_below(tmp_path):
    project = tmp_path / "proj"
    deep = project / "src" / "deep"
    deep.mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.flux]\nconfig_version = 2\n[tool.flux.model]\nid = "claude-opus-5-5"\n'
    )
    result = flux("status", "--json", cwd=deep, env={"ANTHROPIC_API_KEY": KEY})
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["configured"]["model"] == "claude-opus-5-5"
    assert f"Project: {project} (found [tool.flux] in pyproject.toml there)" in result.stderr
    result = flux("migrate", "--yes", cwd=deep)
    assert list(deep.iterdir()) == []  # never a file in the subfolder by accident


def test_the_demo_cleans_up_after_itself_unless_kept(tmp_path, isolated_home):
    result = flux("demo", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["kept"] is False
    assert not Path(payload["project"]).exists()  # the throw-away project is gone
    assert not (isolated_home / "projects").exists()  # and it left no state behind
    kept = flux("demo", "--keep", "--json")
    folder = Path(json.loads(kept.stdout)["project"])
    assert kept.returncode == 0 and (folder / ".env").exists() and (folder / "flux.toml").exists()


def test_the_demo_needs_no_key_in_a_project_of_your_own(tmp_path):
    (tmp_path / "flux.toml").write_text(
        'config_version = 2\n[model]\nid = "claude-3-haiku-20240307"\n'
    )
    result = flux("demo", "--project", str(tmp_path), "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'id = "claude-opus-5-5"' in (tmp_path / "flux.toml").read_text()


def complete_in_bash(script: str, *words: str) -> list[str]:
    program = (
        f"{script}\nCOMP_WORDS=(flux-setup {' '.join(words)}); COMP_CWORD={len(words)}; "
        '_flux_setup; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    result = subprocess.run(["bash", "-c", program], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_bash_completion_offers_the_commands_and_each_commands_own_options():
    script = flux("completion", "bash").stdout
    assert complete_in_bash(script, "un") == ["undo"]
    assert complete_in_bash(script, "check", "--wr") == ["--write-checklist"]
    assert "--keep" in complete_in_bash(script, "demo", "--")
    assert "--keep" not in complete_in_bash(script, "run", "--")  # each command its own


def test_bash_completion_offers_values_not_help():
    from wizard.simulator import builtin_names

    script = flux("completion", "bash").stdout
    assert complete_in_bash(script, "completion", "") == ["bash", "zsh", "fish"]
    assert complete_in_bash(script, "demo", "--scenario", "") == list(builtin_names())
    assert complete_in_bash(script, "check", "--color", "") == ["auto", "always", "never"]
    assert "opus,sonnet,haiku" in complete_in_bash(script, "check", "--prefer", "")
    fish = flux("completion", "fish").stdout
    assert "-l scenario -x -a 'cmek-key-disabled" in fish


@pytest.mark.parametrize(
    "shell,words", [("zsh", "compdef _flux_setup flux-setup"), ("fish", "complete -c flux-setup")]
)
def test_zsh_and_fish_scripts_are_printed(shell, words):
    result = flux("completion", shell)
    assert result.returncode == 0 and words in result.stdout
    assert "write-checklist" in result.stdout


def test_a_mistyped_command_gets_a_did_you_mean():
    result = flux("chekc")
    assert result.returncode == ExitCode.USAGE
    assert "Did you mean `flux-setup check`?" in result.stderr
    far = flux("frobnicate")
    assert "Did you mean" not in far.stderr


def test_a_usage_error_in_json_names_the_command_given():
    result = flux("check", "--timeout", "nan", "--json")
    payload = json.loads(result.stdout)
    assert payload["command"] == "check"
    assert payload["exit_code"] == ExitCode.USAGE


def test_demo_refuses_a_base_url_it_would_ignore():
    result = flux("demo", "--base-url", "http://127.0.0.1:9")
    assert result.returncode == ExitCode.USAGE
    assert "--base-url does not go with demo" in result.stderr


def _subcommands():
    import argparse

    from wizard.parser import build_parser

    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return action.choices


def test_every_flag_of_every_command_reaches_it_and_an_unplaced_one_is_an_error():
    from wizard import cli
    from wizard.flow.options import GROUP_OF

    for name, sub in _subcommands().items():
        if sub.get_default("handler") is None:
            continue  # the simulator: a server with options of its own, not a command's
        dests = {a.dest for a in sub._actions} | set(sub._defaults)
        assert dests - set(GROUP_OF) - {"command"} - cli.NOT_OPTIONS == set(), name
    # a flag added to a builder without a field in Options is not dropped in silence
    run = _subcommands()["run"]
    run.add_argument("--frobnicate", action="store_true")
    args = run.parse_args(["--frobnicate"])
    args.command = "run"
    with pytest.raises(RuntimeError, match="frobnicate"):
        cli._options(args, Path("/"))


def test_the_commands_are_their_builders_and_the_schema_names_each_that_reports():
    from wizard.parser import build_parser, command_names

    names = command_names(build_parser())
    assert {"run", "check", "status", "models", "migrate", "undo", "demo"} <= set(names)
    # the JSON contract names every command that prints a report (the other three print a
    # script, serve, or hand stdout to the command they start)
    enum = SCHEMA["properties"]["command"]["enum"]
    assert set(enum) == set(names) - {"completion", "simulator", "exec"}
    # only the commands with the API options warm the SDK up (key: `key set` verifies)
    talks = {n for n, sub in _subcommands().items() if sub.get_default("network")}
    assert talks == {"run", "check", "demo", "models", "doctor", "limits", "export", "key"}


def test_the_program_reads_only_the_environment_it_is_handed(tmp_path):
    """cli.main in an Environment of its own: its folder, variables and streams, never the
    process's (which stay as they were); relative paths are taken from its folder."""
    import io

    from wizard import cli
    from wizard.environment import Environment

    project = tmp_path / "proj"
    project.mkdir()
    (project / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    before_env, before_cwd = dict(os.environ), Path.cwd()
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdin=io.StringIO(""),
        stdout=out,
        stderr=err,
        environ={"FLUX_SETUP_HOME": str(tmp_path / "home"), "FLUX_MODEL": "claude-sonnet-5-5"},
        cwd=tmp_path,
    )
    code = cli.main(["status", "--project", "proj", "--json"], env)
    payload = json.loads(out.getvalue())
    assert code == payload["exit_code"]
    # "proj" from the Environment's folder
    assert payload["config"]["path"] == str(project / "flux.toml")
    # the Environment's FLUX_MODEL wins over the .env file, as the process's would
    assert payload["configured"]["sources"] == {
        "environment": "claude-sonnet-5-5",
        "env_file": "claude-opus-5-5",
        "config": None,
    }
    assert "FLUX_MODEL in the environment" in err.getvalue()  # human text on its stderr
    assert dict(os.environ) == before_env and Path.cwd() == before_cwd
