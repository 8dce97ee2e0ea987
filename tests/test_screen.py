"""What a person reads, through a terminal emulator (pyte) fed the program's real pseudo-terminal
output: at 60, 80 and 120 columns each answer is one whole line with its price, and the
highlighted answer's description is on the screen whole, between words, once."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pyte
import pytest

from tests.helpers import KEY, ScriptedPrompter, make_context
from tests.terminal_helpers import finish, spawn
from wizard.commands.run import run
from wizard.constants import KEYS_URL
from wizard.errors import Cancelled

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
ROWS = 60


def screen_now(child, columns: int) -> list[str]:
    """The screen as it stands (before a Ctrl-C erases the question): the bytes so far, fed
    to an emulator of the terminal's size (read as bytes: a lone CR is a CR)."""
    child.logfile_read.flush()
    screen = pyte.Screen(columns, ROWS)
    pyte.Stream(screen).feed(Path(child.logfile_read.name).read_bytes().decode())
    return [line.rstrip() for line in screen.display]


def offered(tmp_path, base_url):
    """The answers `run` offers in this project, read in-process (the same code, no terminal)."""
    prompter = ScriptedPrompter(["", "^C"])
    ctx, _ = make_context(
        tmp_path, prompter=prompter, environ={"ANTHROPIC_API_KEY": KEY}, base_url=base_url
    )
    with pytest.raises(Cancelled):  # the scripted Ctrl-C at the fallback question
        run(ctx)
    return prompter.offered[0]


def at_the_model_question(tmp_path, sim, columns: int):
    """`run` in a terminal of `columns`, the key kept, the model question on the screen."""
    env = {"ANTHROPIC_API_KEY": KEY, "COLUMNS": str(columns), "LINES": str(ROWS)}
    child = spawn(["run", "--base-url", sim.base_url], tmp_path, env)
    child.setwinsize(ROWS, columns)
    child.expect("API key")
    child.send("\r")
    child.expect("Description:")
    return child


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_every_answer_and_the_whole_description_are_on_the_screen(tmp_path, sim, columns):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")  # a line change: long text
    options = offered(tmp_path, sim.base_url)
    recommended = options[0]
    assert recommended.note and "(recommended)" in recommended.title
    child = at_the_model_question(tmp_path, sim, columns)
    child.expect(re.escape(recommended.note.split()[-1]))
    lines = screen_now(child, columns)
    child.sendcontrol("c")
    assert finish(child) == 130
    # each answer: one line of its own, whole, with a price (or "price unknown")
    answers = [line.strip().removeprefix("» ") for line in lines]
    for option in options:
        assert option.title in answers, (option.title, lines)
        assert "$" in option.title or "price unknown" in option.title
    # the description: on the lines under its label, every word of it, in order, once
    start = next(i for i, line in enumerate(lines) if line.strip() == "Description:")
    below = " ".join(lines[start + 1 :]).split()
    assert below == recommended.note.split(), lines[start:]


@pytest.mark.parametrize("columns", [60, 80])
def test_a_question_breaks_between_words_and_keeps_its_link_whole(tmp_path, sim, columns):
    env = {"COLUMNS": str(columns), "LINES": str(ROWS)}
    child = spawn(["run", "--base-url", sim.base_url], tmp_path, env)
    child.setwinsize(ROWS, columns)
    child.expect("Paste your Anthropic API key")
    child.expect(re.escape(KEYS_URL))
    lines = screen_now(child, columns)
    child.sendcontrol("c")
    assert finish(child) == 130
    asked = [line for line in lines if "Paste your" in line or KEYS_URL in line]
    assert any(KEYS_URL in line for line in lines), lines
    assert all(len(line) < columns for line in asked)


@pytest.mark.parametrize("columns", [60, 80])
def test_the_chosen_answer_is_echoed_whole_after_its_question(tmp_path, sim, columns):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    recommended = offered(tmp_path, sim.base_url)[0]
    child = at_the_model_question(tmp_path, sim, columns)
    child.send("\r")  # the recommended answer, highlighted first
    child.expect("fallback")  # the next question is on the screen: the answer was echoed
    lines = screen_now(child, columns)
    child.sendcontrol("c")
    assert finish(child) == 130
    # the question's last line ends with the answer, whole on one line of the screen
    assert any(line.endswith(recommended.title) for line in lines), (recommended.title, lines)
