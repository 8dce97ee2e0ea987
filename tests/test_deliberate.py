"""Confirmations that need a deliberate answer, in a real pseudo-terminal: a key pressed before
a question was on the screen answers nothing, and a yes/no takes Enter."""

from __future__ import annotations

import re
import sys

import pexpect
import pytest

from tests.helpers import KEY, wait_for_a_request
from tests.terminal_helpers import finish, spawn
from wizard.simulator import Faults, serve

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")

# The line after a write, whether it wrote files or created them (`Plan.written`).
# (a pattern: a terminal may wrap the line between its words)
WRITTEN = re.compile(r"`flux-setup\s+undo`\s+restores")


def _nothing_written(folder):
    return not (folder / ".env").exists() and not (folder / "flux.toml").exists()


def test_an_extra_enter_at_the_key_question_leaves_the_apply_question_waiting(tmp_path, sim):
    child = spawn(["run", "--base-url", sim.base_url], tmp_path)
    child.expect("Paste your Anthropic API key")
    child.sendline(KEY)
    child.expect("Which model should Flux use")
    child.send("\r")
    child.expect("Fallback when")
    child.send("\r")
    child.expect("Where should the key be kept")
    # a person chooses with Enter, and presses Enter once more as one does when unsure
    child.send("\r\r")
    child.expect("Apply these changes")
    child.sendcontrol("c")  # had the Enter been taken here, the files would be written by now
    child.expect("nothing was written")
    assert finish(child) == 130
    assert _nothing_written(tmp_path)
    assert not WRITTEN.search((tmp_path / "terminal.log").read_text())


def test_keys_pressed_while_the_network_runs_answer_no_question(tmp_path):
    with serve("today", Faults(latency_ms=600)) as running:
        child = spawn(["run", "--base-url", running.base_url], tmp_path, {"ANTHROPIC_API_KEY": KEY})
        child.expect("API key")
        child.send("\r")  # keep the key found
        child.expect("Discovering models")
        wait_for_a_request(running)  # the listing is under way
        child.send("\r\r\r\r\r")  # Enter at every question to come, before any is shown
        child.expect("Which model should Flux use")
        child.sendcontrol("c")
        child.expect("nothing was written")
        assert finish(child) == 130
    assert _nothing_written(tmp_path)
    assert "Fallback when" not in (tmp_path / "terminal.log").read_text()


def test_a_lone_y_at_the_apply_question_waits_for_enter(tmp_path, sim):
    child = spawn(["run", "--base-url", sim.base_url], tmp_path, {"ANTHROPIC_API_KEY": KEY})
    for question in ("API key", "Which model should Flux use", "Fallback when"):
        child.expect(question)
        child.send("\r")
    child.expect("Apply these changes")
    child.send("y")
    with pytest.raises(pexpect.TIMEOUT):
        child.expect(WRITTEN, timeout=1)
    assert _nothing_written(tmp_path)
    child.send("\r")
    child.expect(WRITTEN)
    assert finish(child) == 0
