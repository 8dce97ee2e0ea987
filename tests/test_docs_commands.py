"""Every `flux-setup ...` command line in docs/ and the README parses: a renamed or removed
option breaks this test, not a reader's copy and paste."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from wizard.argv import normalise_argv
from wizard.parser import build_parser

ROOT = Path(__file__).resolve().parent.parent
PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
# Shapes that are not command lines: a synopsis, an elided argument.
NOT_A_COMMAND = re.compile(r"\[COMMAND\]|\.\.\.|<[a-z]")
SHELL_SPLIT = re.compile(r"\s(?:\\?\||&&|\|\||;|>|2>)\s?")


def command_lines(text: str) -> list[str]:
    """Inline `flux-setup ...` spans, and each `flux-setup ...` in a fenced shell block."""
    found = [m.group(1) for m in re.finditer(r"`(flux-setup(?: [^`]*)?)`", text)]
    for lang, block in re.findall(r"```([a-z]*)\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            if lang not in ("sh", "bash", "console", "shell") and not line.startswith("$ "):
                continue  # a program's output, a YAML recipe: not a command line
            line = re.sub(r"\s#\s.*$", "", line)  # a shell comment
            for piece in re.split(r"\s(?:&&|\|\||;|\|)\s", line):
                at = piece.find("flux-setup ")
                if at >= 0 and (at == 0 or piece[at - 1] in " $(\t"):
                    found.append(piece[at:].strip())
    return found


def cases() -> list[tuple[str, str]]:
    out = []
    for page in PAGES:
        for line in command_lines(page.read_text()):
            line = SHELL_SPLIT.split(line)[0].strip()
            if NOT_A_COMMAND.search(line):
                continue
            out.append((page.name, line))
    return out


@pytest.mark.parametrize("page,line", cases())
def test_a_command_line_in_the_docs_parses(page, line):
    words = shlex.split(line)[1:]
    parser = build_parser()
    try:
        parser.parse_args(normalise_argv(words, parser))
    except SystemExit as exc:
        assert not exc.code, f"{page}: `{line}` does not parse"


def test_the_docs_hold_enough_command_lines_to_mean_something():
    assert len(cases()) > 60
