"""The command line's grammar: one builder per command (`@_command`: the builders are the
registry) from shared option groups; the value types are in `argtypes.py`, the argv shaping in
`argv.py`. Parsing only: nothing here acts on what it parses."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from wizard import __version__, argtypes
from wizard import option_groups as groups
from wizard.constants import (
    DEFAULT_MAX_VERIFY,
    DEFAULT_SCENARIO,
)
from wizard.errors import ExitCode

# The commands are their builders: `@_command` registers one with its name and help lines
# (--help lists them in this file's order). Nothing else names the commands.
Builder: TypeAlias = Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True)
class _Command:
    name: str
    help: str
    description: str
    build: Builder


_COMMANDS: list[_Command] = []


def _command(name: str, *, help: str, description: str) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        _COMMANDS.append(_Command(name, help, description, build))
        return build

    return register


@_command(
    "run",
    help="the wizard (the default)",
    description="Find and check the key, discover and verify models, choose, preview, "
    "apply, write the checklist.",
)
def _add_run(p: argparse.ArgumentParser) -> None:
    for part in (
        groups.file_options,
        groups.api_options,
        groups.writing_options,
        groups.model_choice_options,
        groups.output_options,
        groups.admin_options,
        groups.record_options,
    ):
        part(p)
    p.set_defaults(handler="wizard.commands.run:run")


@_command(
    "check",
    help="is a better model callable now? (exit 10/11/12)",
    description="Read-only (but --fix): exit 0 when the configured model is the recommended one and "
    "callable; 10 when a better callable model exists; 11 when it is deprecated; 12 when it "
    "cannot be called.",
)
def _add_check(p: argparse.ArgumentParser) -> None:
    for part in (groups.file_options, groups.api_options, groups.output_options):
        part(p)
    p.add_argument("--write-checklist", action="store_true", help="also (re)write the checklist")
    groups.checklist_option(p)
    groups.many_and_offline_options(p)
    groups.admin_options(p)
    for part in (groups.writing_options, groups.record_options):
        part(p)
    p.set_defaults(handler="wizard.commands.check:check")


@_command(
    "status",
    help="offline: what is configured and where it comes from",
    description="Offline and fast: key sources, FLUX_MODEL in the environment, .env and "
    "config, the last check.",
)
def _add_status(p: argparse.ArgumentParser) -> None:
    for part in (groups.file_options, groups.output_options):
        part(p)
    p.set_defaults(handler="wizard.commands.status:status")


@_command(
    "models",
    help="which models this key can call: the catalogue as the key sees it",
    description="Every listed model (retired ones with --all) with its line, lifecycle, "
    "retirement date, price, context window, maximum output and access: proven callable, "
    "refused (and why), or not verified. --verify proves access with one-token calls, "
    "within the --max-verify cap (refusals are free).",
)
def _add_models(p: argparse.ArgumentParser) -> None:
    for part in (groups.file_options, groups.api_options, groups.output_options):
        part(p)
    g = p.add_argument_group("models")
    g.add_argument(
        "--verify",
        dest="verify_models",
        nargs="?",
        const="all",
        metavar="WHAT",
        help="prove access: all (every active and deprecated model; the default), a line "
        "(opus), or model IDs (claude-opus-5-5,claude-haiku-5-5)",
    )
    g.add_argument("--line", metavar="LINE", help="only the models of this line")
    g.add_argument("--all", dest="include_retired", action="store_true", help="retired models too")
    groups.record_options(p)
    p.set_defaults(handler="wizard.commands.models:models")


@_command(
    "export",
    help="write what this key proved for other tools: renovate, catalog",
    description="renovate: Renovate's custom datasource of the models this key proved "
    "callable (renovate/flux.json reads it). catalog: a snapshot of the catalogue a "
    "repository commits, for `check --offline` where no check was saved. From a check "
    "made now, or --offline from the saved catalogue.",
)
def _add_export(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "export_kind", choices=("renovate", "catalog"), metavar="WHAT", help="renovate or catalog"
    )
    groups.file_options(p)
    # renovate offers only what a call proved (no --no-verify); catalog makes no call at all
    groups.api_options(
        p,
        no_verify=False,
        max_verify_help="renovate: at most N billed verification calls per line of the line "
        f"order (default {DEFAULT_MAX_VERIFY} per line; refusals are free); catalog makes none",
    )
    groups.output_options(p)
    g = p.add_argument_group("export")
    g.add_argument(
        "--out",
        type=argtypes.out_file,
        metavar="FILE",
        help="where to write (default: .flux-setup/renovate-datasource.json or "
        ".flux-setup/catalog.json in the project)",
    )
    g.add_argument("--offline", action="store_true", help="no network: the saved catalogue")
    g.add_argument("--force", action="store_true", help="replace a file that export did not write")
    p.set_defaults(handler="wizard.commands.export:export")


@_command(
    "doctor",
    help="one pass/fail list: key, project, model, recommendation, limits, versions",
    description="Everything that decides whether Flux runs the best model it can, each line "
    "passed or failed with its fix; the exit code is the worst line's.",
)
def _add_doctor(p: argparse.ArgumentParser) -> None:
    for part in (groups.file_options, groups.api_options, groups.output_options):
        part(p)
    p.add_argument("--offline", action="store_true", help="no network: the saved catalogue")
    groups.admin_options(p)
    groups.record_options(p, report=True)
    p.set_defaults(handler="wizard.commands.doctor:doctor")


@_command(
    "limits",
    help="the organisation's rate and spend limits and this key's record (Admin API)",
    description="Through the Admin API, with an admin key (ANTHROPIC_ADMIN_KEY, "
    "--admin-key-stdin, or the masked prompt): the organisation, its rate limits per model "
    "group and the key's workspace's overrides, the spend limits that apply, and this API "
    "key's record (status, expiry, workspace). Makes no billed call.",
)
def _add_limits(p: argparse.ArgumentParser) -> None:
    for part in (groups.file_options, groups.api_options, groups.output_options):
        part(p)
    groups.admin_options(p)
    groups.record_options(p)
    p.set_defaults(handler="wizard.commands.limits:limits")


@_command(
    "migrate",
    help="config-schema and model-ID migrations only",
    description="Offline: the config brought to the newest schema, a config api_key moved into .env, and a "
    "retired or deprecated model replaced by its successor (from the last check), after a "
    "preview.",
)
def _add_migrate(p: argparse.ArgumentParser) -> None:
    for part in (groups.file_options, groups.writing_options, groups.output_options):
        part(p)
    p.add_argument(
        "--check",
        action="store_true",
        help="report without writing; exit 10 when a migration is pending",
    )
    p.set_defaults(handler="wizard.commands.migrate:migrate")


@_command(
    "undo",
    help="restore the files of the last applied change",
    description="Restore the files of a change set (the last applied one by default), byte "
    "for byte, after showing the diff (asked in a terminal unless --yes).",
)
def _add_undo(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "changeset", nargs="?", metavar="CHANGESET", help="the change set to undo (see --list)"
    )
    for part in (groups.file_options, groups.writing_options, groups.output_options):
        part(p)
    p.add_argument("--force", action="store_true", help="restore even if a file changed since")
    p.add_argument(
        "--list", dest="list_changesets", action="store_true", help="list the change sets on record"
    )
    p.add_argument(
        "--batch",
        nargs="?",
        const="last",
        metavar="BATCH",
        help="undo every project of a `check --all --fix` batch (default: the last one)",
    )
    p.set_defaults(handler="wizard.commands.undo:undo")


@_command(
    "exec",
    help="run a command with the project's key in its environment only",
    description="Run CMD with ANTHROPIC_API_KEY from the OS keyring (or wherever the "
    "project keeps it) in CMD's environment only: never in argv, on screen or in a file. "
    "A key already in the environment is left as it is. CMD's exit code is flux-setup's; "
    "signals reach CMD. Example: flux-setup exec -- flux",
)
def _add_exec(p: argparse.ArgumentParser) -> None:
    groups.file_options(p)
    p.add_argument("--verbose", action="store_true", help="say on stderr where the key came from")
    p.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    p.add_argument(
        "exec_command", nargs=argparse.REMAINDER, metavar="-- CMD [ARGS...]", help="the command"
    )
    p.set_defaults(handler="wizard.commands.execute:execute")


@_command(
    "key",
    help="where the key is kept: set, move --to keyring, remove, status",
    description="set: keep a key in the OS keyring (from --api-key-stdin or a masked "
    "prompt; checked offline and, unless --no-verify, with one call) and point the project "
    "at it. move --to keyring: take the key out of .env into the keyring (a change set: "
    "undo puts it back). remove: delete the keyring entry and the project's pointer. "
    "status: where this project's key lives, its fingerprint, the keyring backend.",
)
def _add_key(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "key_action",
        nargs="?",
        default="status",
        choices=("set", "move", "remove", "status"),
        metavar="set|move|remove|status",
        help="what to do (default: status)",
    )
    groups.file_options(p)
    groups.api_options(p)
    groups.writing_options(p)
    groups.output_options(p)
    g = p.add_argument_group("key")
    g.add_argument("--to", choices=("keyring",), default="keyring", help="move: where to")
    g.add_argument(
        "--admin",
        action="store_true",
        help="set, remove, status: the admin key's entry (for `limits`; never in .env)",
    )
    groups.admin_options(g)
    groups.keyring_option(g)
    p.set_defaults(handler="wizard.commands.key:key")


@_command(
    "demo",
    help="the wizard against the built-in simulator",
    description="Run the wizard against the built-in API simulator in a throw-away project "
    "that looks like the original story. No key, no network.",
)
def _add_demo(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--project", type=Path, metavar="DIR", help="use this folder instead of a new temporary one"
    )
    for part in (
        groups.api_options,
        groups.writing_options,
        groups.model_choice_options,
        groups.output_options,
    ):
        part(p)
    p.add_argument(
        "--keep",
        action="store_true",
        help="keep the throw-away project (and its state) to look at afterwards",
    )
    p.add_argument(
        "--scenario",
        default=DEFAULT_SCENARIO,
        help=f"simulator scenario (default: {DEFAULT_SCENARIO})",
    )
    p.set_defaults(handler="wizard.commands.demo:demo")


@_command(
    "simulator",
    help="serve the built-in Anthropic API simulator on loopback",
    description="Serve the built-in API simulator on 127.0.0.1. Prints its base URL on the "
    "first line of stdout, then serves until stopped (Ctrl-C or SIGTERM).",
)
def _add_simulator(p: argparse.ArgumentParser) -> None:
    from wizard.simulator import cli as simulator_cli

    simulator_cli.add_arguments(p)
    p.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    p.set_defaults(handler=None)


@_command(
    "completion",
    help="print a shell completion script (bash, zsh or fish)",
    description='Print a completion script: eval "$(flux-setup completion bash)" in ~/.bashrc, '
    "the same with zsh in ~/.zshrc, or `flux-setup completion fish | source` in fish.",
)
def _add_completion(p: argparse.ArgumentParser) -> None:
    p.add_argument("shell", choices=("bash", "zsh", "fish"))
    p.set_defaults(handler="wizard.commands.completion:completion")


def _exit_codes() -> str:
    return ", ".join(f"{int(code)} {code.meaning}" for code in ExitCode if code != ExitCode.ERROR)


def build_parser(commands: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The grammar. `commands`: the commands whose options are built (None: every one); the
    others are their name and help line, all that --help and argv shaping read of a command
    that is not the one run (building every command's options took ~20 ms of each start)."""
    parser = argparse.ArgumentParser(
        prog="flux-setup",
        description="Find which Claude models your API key can really call, set Flux up to use "
        "the best one, and tell you exactly how to get more.",
        epilog="No command means `run`. `flux-setup COMMAND --help` lists a command's options. "
        f"Exit codes: {_exit_codes()}.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"flux-setup {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in _COMMANDS:
        if commands is not None and command.name not in commands:
            sub.add_parser(command.name, help=command.help, add_help=False)
            continue
        p = sub.add_parser(command.name, help=command.help, description=command.description)
        command.build(p)
        # a command with the API options talks to the API: cli.py starts the SDK import early
        p.set_defaults(network=any("--base-url" in a.option_strings for a in p._actions))
    return parser


def needed_for(argv: list[str]) -> Collection[str] | None:
    """The commands whose options a command line needs: the one it names first (`help X`:
    X); none for the top-level --help or --version; every one when options come before the
    command (argv shaping reads them all)."""
    names = {command.name for command in _COMMANDS}
    first = argv[0] if argv else "run"
    if first == "help":
        return set(argv[1:2]) & names
    if first in ("-h", "--help", "-V", "--version"):
        return ()
    return (first,) if first in names else None


def command_names(parser: argparse.ArgumentParser) -> tuple[str, ...]:
    """Every command, from the builders (for did-you-mean, argv shaping, usage errors)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return tuple(action.choices)
    return ()
