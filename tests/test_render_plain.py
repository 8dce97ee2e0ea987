"""Lines to a pipe or a file are written without rich (which costs ~40 ms to import): byte for
byte what rich writes there, whatever the text; a terminal, --color always or FORCE_COLOR still
get rich."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.diagnosis import Diagnosis
from wizard.render import UI
from wizard.vocab import Code

# Control characters rich removes, line breaks, wide and combining characters, markup and
# emoji codes that must stay text, a bidi override, ANSI escapes, a workflow command.
PIECES = list("ab ✓!•→\r\n\x07\x08\x0b\x0c\x1b[]/:é中😀\u0301\u202e") + [
    ":warning:",
    "[bold]",
    "::error::",
]
TEXT = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


def _written(ui_args: dict[str, object], lines: list[str]) -> str:
    out = io.StringIO()
    ui = UI(out, environ={}, **ui_args)  # type: ignore[arg-type]
    for text in lines:
        ui.say(text)
        ui.warn(text)
        ui.ok(text)
        ui.heading(text)
        ui.diff(text)
    ui.diagnoses([Diagnosis(Code.MODEL_UNKNOWN, lines[0] if lines else "", "next")])
    return out.getvalue()


@settings(deadline=None)  # no timing in tests: shared machines are slow at times
@given(st.lists(TEXT, max_size=4))
def test_plain_lines_are_what_rich_would_write(lines):
    plain = _written({}, lines)
    through_rich = _written({"record": True}, lines)  # a recording console: always rich
    assert plain == through_rich


def test_rich_is_not_imported_for_plain_lines_and_is_for_colour():
    out = io.StringIO()
    ui = UI(out, environ={})
    ui.say("a line")
    assert ui._console is None
    coloured = UI(io.StringIO(), environ={"FORCE_COLOR": "1"})
    coloured.warn("careful")
    assert coloured._console is not None and "\x1b[" in coloured.stream._stream.getvalue()  # type: ignore[attr-defined]


def test_the_same_for_joins_only_refusals_said_in_the_same_words():
    """Two deprecated models, one overdue: "The same for" would hide the overdue date."""
    out = io.StringIO()
    ui = UI(out, environ={})
    step = "Switch to a current model."
    said = "{} is deprecated ({}) and closed to organisations that did not use it before."
    ui.diagnoses(
        [
            Diagnosis(
                Code.MODEL_CLOSED_TO_NEW_ADOPTERS,
                said.format("m-1", "retirement date 2027-01-22"),
                step,
                model="m-1",
            ),
            Diagnosis(
                Code.MODEL_CLOSED_TO_NEW_ADOPTERS,
                said.format("m-2", "retirement date 2027-01-22"),
                step,
                model="m-2",
            ),
            Diagnosis(
                Code.MODEL_CLOSED_TO_NEW_ADOPTERS,
                said.format("m-3", "its retirement, due 2026-11-30, is overdue"),
                step,
                model="m-3",
            ),
        ]
    )
    text = out.getvalue()
    assert "The same for m-2." in text and "due 2026-11-30, is overdue" in text


def test_a_request_id_has_a_line_of_its_own_not_glued_after_the_command():
    """Pasted from the line, "`flux-setup run` (request req_1)" would not be the command."""
    out = io.StringIO()
    ui = UI(out, environ={})
    step = "`flux-setup run` switches to claude-opus-5-5."
    ui.diagnoses(
        [
            Diagnosis(Code.MODEL_RETIRED, f"{m} was retired.", step, model=m, request_id=f"req_{m}")
            for m in ("m-1", "m-2")
        ]
    )
    lines = out.getvalue().splitlines()
    assert f"  → {step}" in lines
    assert "    request ID req_m-1, and 1 more" in lines


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


WORD = st.text(alphabet="abcdefgh`-./中", min_size=1, max_size=14)


@settings(max_examples=60, deadline=None)
@given(
    lead=st.sampled_from(["", "  ", "! ", "✓ ", "• ", "  → ", "  fix: ", "error: "]),
    words=st.lists(WORD, min_size=1, max_size=40),
    columns=st.sampled_from([40, 60, 80]),
)
def test_a_terminal_line_wraps_between_words_under_its_marker(lead, words, columns):
    from rich.cells import cell_len

    out = _Terminal()
    ui = UI(out, environ={"COLUMNS": str(columns)}, color=False)
    ui.say(lead + " ".join(words))
    lines = out.getvalue().rstrip("\n").split("\n")
    assert all(cell_len(line) <= columns for line in lines), lines
    assert lines[0].startswith(lead)
    # each continuation line sits under the text, not at column 0 (nor under the marker)
    for line in lines[1:]:
        assert line.startswith(" " * len(lead)) and line[len(lead) :].strip(), lines
    said = " ".join(line[len(lead) :].strip() for line in lines).split()
    assert said == words or "".join(said) == "".join(words)  # (a word longer than a line)


@pytest.mark.parametrize("columns", [60, 72])
def test_a_two_column_row_wraps_under_its_value_not_under_its_label(columns):
    """status at 60 columns: "(used)" and "(retired)" sat under the label, out of their column."""
    out, piped = _Terminal(), io.StringIO()
    for stream in (out, piped):
        ui = UI(stream, environ={"COLUMNS": str(columns)}, color=False)
        ui.row("[model].id in the config", "claude-opus-4-1-20250805 (used)")
        ui.row("FLUX_MODEL in the .env file", "-")
    lines = [line.rstrip() for line in out.getvalue().rstrip("\n").split("\n")]
    assert lines[0] == f"  {'[model].id in the config':32} claude-opus-4-1-20250805" + (
        " (used)" if columns == 72 else ""
    )
    if columns == 60:
        assert lines[1] == " " * 35 + "(used)"
    assert lines[-1] == f"  {'FLUX_MODEL in the .env file':32} -"
    assert (
        piped.getvalue().splitlines()[0].endswith("claude-opus-4-1-20250805 (used)")
    )  # a pipe's row whole


@pytest.mark.parametrize("columns", [40, 60, 80])
def test_a_command_that_fits_on_a_line_is_never_broken_inside(columns):
    """Copied with the line break, `flux-setup run --model` would run alone."""
    import re

    out = _Terminal()
    ui = UI(out, environ={"COLUMNS": str(columns)}, color=False)
    text = (
        "Next: Switch Flux to claude-opus-5-5 now (about 25% of the price of Claude Opus 4.1): "
        "`flux-setup run --model claude-opus-5-5` (it replaces the configured fallback too); "
        "or `flux-setup run --fallback none` for none."
    )
    ui.warn(text)
    lines = out.getvalue().rstrip("\n").split("\n")
    assert all(len(line) <= columns for line in lines), lines
    joined = " ".join(line.strip() for line in lines)
    fitting = [c for c in re.findall(r"`[^`]+`", text) if len(c) + 1 < columns - 2]
    assert fitting  # (at 40 columns the longer command cannot fit: it wraps at its spaces)
    for command in fitting:
        assert any(command in line for line in lines), (command, lines)
    assert joined.removeprefix("! ") == text
