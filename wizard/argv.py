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


def options_of(parser: argparse.ArgumentParser, command: str | None) -> list[str]:
    """The long options `command` takes (every command's when None): for did-you-mean."""
    found: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if command in (None, name):
                    found += options_of(sub, None)
        found += [o for o in action.option_strings if o.startswith("--")]
    return sorted(set(found))


def did_you_mean(argv: list[str], parser: argparse.ArgumentParser) -> str | None:
    """For an option the command does not take: the closest one it does, as a sentence."""
    import difflib

    command = next((word for word in argv if word in command_names(parser)), "run")
    known = options_of(parser, command)
    for token in argv:
        name = token.split("=", 1)[0]
        if not name.startswith("--") or name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if close:
            return f"Did you mean {close[0]}? `flux-setup {command} --help` lists its options."
        return f"{name} is not an option of {command}: `flux-setup {command} --help` lists them."
    return None


def normalise_argv(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """No command means `run`; options may come before the command (`--project X status`);
    `help [COMMAND]` is `[COMMAND] --help`."""
    if not argv:
        return ["run"]
    if argv[0] == "help":
        if len(argv) > 1 and argv[1] not in command_names(parser):
            raise UnknownCommand(argv[1])
        return [*argv[1:2], "--help"]
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
