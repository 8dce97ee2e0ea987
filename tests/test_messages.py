"""Messages finished (#34): Ctrl-C said once in one style by the command's kind, did-you-mean
for options, `help [COMMAND]`, fix lines that work as printed, and the smaller wording."""

from __future__ import annotations

import re
import sys

import pytest

from tests.helpers import ADMIN_KEY, KEY, flux
from tests.test_terminal import finish, spawn

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
