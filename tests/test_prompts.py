"""The questionary adapter, driven in-process with prompt_toolkit pipe input."""

from __future__ import annotations

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from wizard.errors import Cancelled, UsageError
from wizard.prompts import NoInput, Option, QuestionaryPrompter

OPTIONS = [
    Option("Opus 5.5 (recommended)", "claude-opus-5-5"),
    Option("Sonnet 5.5", "claude-sonnet-5-5"),
    Option("Haiku 5.5", "claude-haiku-5-5"),
]


def ask(keys: str, question):
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text(keys)
        return question(QuestionaryPrompter())


def test_select_takes_the_preselected_default_on_enter():
    assert (
        ask("\r", lambda p: p.select("Model?", OPTIONS, "claude-sonnet-5-5", flag="--model"))
        == "claude-sonnet-5-5"
    )


def test_select_moves_with_arrows():
    assert (
        ask(
            "\x1b[B\x1b[B\r",
            lambda p: p.select("Model?", OPTIONS, "claude-opus-5-5", flag="--model"),
        )
        == "claude-haiku-5-5"
    )


def test_password_returns_what_was_typed():
    assert (
        ask("sk-ant-api03-secret\r", lambda p: p.secret("Key:", flag="--api-key-stdin"))
        == "sk-ant-api03-secret"
    )


@pytest.mark.parametrize("keys,expected", [("\r", True), ("n\r", False), ("y\r", True)])
def test_confirm(keys, expected):
    assert ask(keys, lambda p: p.confirm("Apply?", True, flag="--yes")) is expected


@pytest.mark.parametrize(
    "question",
    [
        lambda p: p.select("Model?", OPTIONS, "claude-opus-5-5", flag="--model"),
        lambda p: p.confirm("Apply?", True, flag="--yes"),
        lambda p: p.secret("Key:", flag="--api-key-stdin"),
    ],
)
def test_ctrl_c_cancels_instead_of_reading_as_no(question):
    with pytest.raises(Cancelled):
        ask("\x03", question)


def test_no_input_names_the_flag():
    with pytest.raises(UsageError) as info:
        NoInput().confirm("Apply these changes?", True, flag="--yes")
    assert info.value.fix == "Supply it with --yes."
