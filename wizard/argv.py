"""Argv shaping before parsing: no command means `run`, and options may come before the command
(`flux-setup --project X status`)."""

from __future__ import annotations

import argparse

from wizard.parser import command_names


class UnknownCommand(Exception):
    pass


def _takes_value(parser: argparse.ArgumentParser) -> set[str]:
    """Every option string, of any command, that is followed by a value."""
    found: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _takes_value(sub)
        elif action.option_strings and action.nargs != 0:
            found.update(action.option_strings)
    return found


def normalise_argv(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """No command means `run`; options may come before the command (`--project X status`)."""
    if not argv:
        return ["run"]
    commands = command_names(parser)
    if argv[0] in commands or argv[0] in ("-h", "--help", "--version", "-V"):
        return argv
    values = _takes_value(parser)
    index, skip = None, False
    for i, token in enumerate(argv):
        if skip:
            skip = False
            continue
        if token.startswith("-"):
            skip = token in values  # `--opt=value` carries its own value
            continue
        index = i
        break
    if index is None:
        return ["run", *argv]
    if argv[index] not in commands:
        raise UnknownCommand(argv[index])
    return [argv[index], *argv[:index], *argv[index + 1 :]]
