"""A command's options by concern: each flag of each command lands in exactly one frozen group,
no flat field is left on `Options`, and a parsed command line reads back through its groups."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pytest

from wizard import cli
from wizard.flow.options import GROUP_OF, Options
from wizard.parser import build_parser

# Set by cli.py, not parsed as such: the project found (and how), and `verify` from --no-verify.
NOT_PARSED = {"project_given", "project_marker", "verify"}


def _dests() -> dict[str, set[str]]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {
        name: {a.dest for a in sub._actions} | set(sub._defaults)
        for name, sub in action.choices.items()
        if sub.get_default("handler") is not None  # the simulator's flags are its own
    }


def _groups() -> dict[str, list[str]]:
    blank = Options()
    return {
        group.name: [f.name for f in dataclasses.fields(getattr(blank, group.name))]
        for group in dataclasses.fields(Options)
        if group.name != "command"
    }


def test_options_holds_only_the_command_name_and_frozen_groups():
    blank = Options()
    for group in dataclasses.fields(Options):
        if group.name == "command":
            continue
        value = getattr(blank, group.name)
        assert dataclasses.is_dataclass(value), f"{group.name} is a flat field, not a group"
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, dataclasses.fields(value)[0].name, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        blank.command = "check"  # type: ignore[misc]


def test_every_flag_lands_in_exactly_one_group_and_every_field_is_a_flag():
    held = [name for fields in _groups().values() for name in fields]
    assert sorted(n for n in set(held) if held.count(n) > 1) == []  # no name in two groups
    parsed = set().union(*_dests().values()) - cli.NOT_OPTIONS - {"command"}
    assert parsed - set(GROUP_OF) == set()  # each flag has its field
    assert set(GROUP_OF) - parsed == NOT_PARSED  # and no field is left without its flag


def test_a_parsed_command_line_reads_back_through_its_groups(tmp_path):
    args = build_parser().parse_args(
        ["check", "--project", str(tmp_path), "--offline", "--max-age", "3", "--timeout", "5"]
        + ["--json", "--fail-on", "11,12", "--write-checklist"]
    )
    o = cli._options(args, Path("/"))
    assert (o.command, o.files.project, o.files.project_given) == ("check", tmp_path, True)
    assert (o.scope.offline, o.scope.max_age, o.scope.fail_on) == (True, 3, frozenset({11, 12}))
    assert (o.api.timeout, o.api.verify, o.output.json) == (5.0, True, True)
    assert o.writing.write_checklist and not o.writing.dry_run
    run = cli._options(build_parser().parse_args(["run", "--no-verify", "-y"]), tmp_path)
    assert (run.api.verify, run.writing.yes, run.files.project_given) == (False, True, False)


def test_a_copy_changes_only_the_fields_named_each_in_its_group():
    o = Options.of("check", project=Path("a"), max_verify=2, all=True)
    copy = o.replaced(max_verify=6, all=False)
    assert (copy.api.max_verify, copy.scope.all, copy.files.project) == (6, False, Path("a"))
    assert (o.api.max_verify, o.scope.all) == (2, True)  # the original is as it was
    with pytest.raises(RuntimeError, match="frobnicate"):
        o.replaced(frobnicate=True)
