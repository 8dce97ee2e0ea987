"""A fix line is a command that works as printed: every `flux-setup ...` the program prints in
the simulator's scenarios is run as printed and must not be a usage error (exit 2). A command
that would ask and writes gets --dry-run (these tests have no terminal to answer on)."""

from __future__ import annotations

import re
import shlex

import pytest

from tests.helpers import KEY, flux, network_commands
from wizard.simulator import builtin_names, serve

COMMAND = re.compile(r"`((?:printenv \S+ \| )?flux-setup [^`]*)`")
PLACEHOLDER = re.compile(r"\b(ID|DIR|FILE|NAME|PATH|URL|LINES|N|CMD|COMMAND)\b|\.\.\.|\|\s*$")
WRITES = ("run", "migrate", "undo")
# Commands with a network part: run as printed with a short --timeout when the line names none
# (a usage error stays one with a valid option added; a fault that lasts would hold the
# default 3 x 10 s budget, and only the exit code's 2-or-not is in question here).
NETWORK = network_commands()
WIDE = {"COLUMNS": "1000"}  # one line per sentence: a command is never broken across lines


def printed_commands(text: str) -> set[str]:
    return {
        m.group(1).strip() for m in COMMAND.finditer(text) if not PLACEHOLDER.search(m.group(1))
    }


def run_as_printed(line: str, folder, env) -> tuple[int, str]:
    stdin = ""
    if line.startswith("printenv "):
        variable, line = line.removeprefix("printenv ").split(" | ", 1)
        stdin = env.get(variable, "")
    words = shlex.split(line)[1:]
    if words and words[0] in WRITES and "--yes" not in words and "--dry-run" not in words:
        words.append("--dry-run")
    if words and words[0] in NETWORK and "--timeout" not in words:
        words += ["--timeout", "0.5"]
    result = flux(*words, env=env, stdin=stdin, cwd=folder)
    return result.returncode, result.stderr


@pytest.mark.parametrize("scenario", builtin_names())
def test_every_fix_line_printed_in_a_scenario_works_as_printed(tmp_path, scenario):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    with serve(scenario) as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        said = flux("check", "--timeout", "0.5", env=WIDE | env, cwd=tmp_path)
        lines = printed_commands(said.stdout + said.stderr)
        assert lines or scenario != "today", said.stdout  # it names `flux-setup run` there
        for line in sorted(lines):
            code, stderr = run_as_printed(line, tmp_path, env)
            assert code != 2, (line, stderr)


def test_the_fix_for_an_empty_piped_key_works_as_printed(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    env = {"ANTHROPIC_BASE_URL": sim.base_url}
    for command in (["check"], ["run", "--yes"]):
        empty = flux(*command, "--api-key-stdin", env=WIDE | env, stdin="\n", cwd=tmp_path)
        (line,) = printed_commands(empty.stderr)
        code, stderr = run_as_printed(line, tmp_path, {**env, "ANTHROPIC_API_KEY": KEY})
        assert code == 0, (line, stderr)
