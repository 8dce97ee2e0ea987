"""The command line: parse flags, build the real adapters, call a command, render, exit.

The only place that decides exit codes for failures. Nothing here imports `anthropic`:
`--help`, `status`, `migrate` and `undo` stay fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wizard import __version__
from wizard.errors import ExitCode, WizardError

COMMANDS = ("run", "check", "status", "migrate", "undo", "demo", "simulator")
NETWORK_COMMANDS = ("run", "check", "demo")


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0 < number <= 600:
        raise argparse.ArgumentTypeError("must be between 0 and 600 seconds")
    return number


def _base_url(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an http(s) URL, e.g. https://api.anthropic.com"
        )
    try:
        parts.port  # noqa: B018  (raises on a port out of range)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} has an invalid port") from None
    return value.strip()


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= number <= 50:
        raise argparse.ArgumentTypeError("must be between 1 and 50")
    return number


def build_parser() -> argparse.ArgumentParser:
    files = argparse.ArgumentParser(add_help=False)
    g = files.add_argument_group("files")
    g.add_argument(
        "--project", type=Path, metavar="DIR", help="the Flux project (default: the current folder)"
    )
    g.add_argument("--env-file", type=Path, metavar="PATH", help="default: <project>/.env")
    g.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="default: flux.toml, else [tool.flux] in pyproject.toml",
    )
    out = argparse.ArgumentParser(add_help=False)
    g = out.add_argument_group("output")
    g.add_argument(
        "--json", action="store_true", help="one JSON document on stdout; human text on stderr"
    )
    g.add_argument(
        "--no-input", action="store_true", help="never prompt (implied without a terminal)"
    )
    g.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    g.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour in human output (default auto: a terminal, unless NO_COLOR is set)",
    )
    net = argparse.ArgumentParser(add_help=False)
    g = net.add_argument_group("API")
    g.add_argument("--api-key-stdin", action="store_true", help="read the key from standard input")
    g.add_argument(
        "--base-url",
        type=_base_url,
        metavar="URL",
        help="API base URL (default: ANTHROPIC_BASE_URL, else the official one)",
    )
    g.add_argument("--prefer", metavar="LINES", help="line order, e.g. opus,sonnet,haiku")
    g.add_argument("--no-verify", action="store_true", help="make no billed verification call")
    g.add_argument(
        "--max-verify",
        type=_count,
        default=4,
        metavar="N",
        help="at most N verification calls that may be billed (default 4; refusals are free)",
    )
    g.add_argument(
        "--timeout",
        type=_positive,
        default=10.0,
        metavar="SECONDS",
        help="per request (default 10); the network part ends within 3x this",
    )
    write = argparse.ArgumentParser(add_help=False)
    g = write.add_argument_group("writing")
    g.add_argument(
        "-y", "--yes", action="store_true", help="accept the recommendation and every confirmation"
    )
    g.add_argument(
        "--dry-run",
        action="store_true",
        help="print the diff of every file that would change; write nothing",
    )

    parser = argparse.ArgumentParser(
        prog="flux-setup",
        description="Find which Claude models your API key can really call, set Flux up to use "
        "the best one, and tell you exactly how to get more.",
        epilog="No command means `run`. `flux-setup COMMAND --help` lists a command's options. "
        "Exit codes: 0 ok, 2 usage, 3 key, 4 account, 5 network, 6 files, 10 upgrade available, "
        "11 deprecated, 12 unavailable, 130 cancelled.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"flux-setup {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run_opts = argparse.ArgumentParser(add_help=False)
    g = run_opts.add_argument_group("run")
    g.add_argument(
        "--model",
        metavar="ID",
        help="use this model instead of the recommendation (still verified)",
    )
    g.add_argument(
        "--save-key",
        dest="save_key",
        action="store_true",
        default=None,
        help="write ANTHROPIC_API_KEY into .env",
    )
    g.add_argument(
        "--no-save-key", dest="save_key", action="store_false", help="never write the key"
    )
    g.add_argument(
        "--checklist",
        type=Path,
        metavar="PATH",
        help="default: <project>/flux-upgrade-checklist.md",
    )

    sub.add_parser(
        "run",
        parents=[files, net, write, run_opts, out],
        help="the wizard (the default)",
        description="Find and check the key, discover and verify models, choose, preview, apply, write the checklist.",
    )
    check = sub.add_parser(
        "check",
        parents=[files, net, out],
        help="is a better model callable now? (exit 10/11/12)",
        description="Read-only: exit 0 when the configured model is the recommended one and callable; "
        "10 when a better callable model exists; 11 when it is deprecated; 12 when it cannot be called.",
    )
    check.add_argument(
        "--write-checklist", action="store_true", help="also (re)write the checklist"
    )
    check.add_argument(
        "--checklist",
        type=Path,
        metavar="PATH",
        help="default: <project>/flux-upgrade-checklist.md",
    )
    sub.add_parser(
        "status",
        parents=[files, out],
        help="offline: what is configured and where it comes from",
        description="Offline and fast: key sources, FLUX_MODEL in the environment, .env and config, the last check.",
    )
    migrate = sub.add_parser(
        "migrate",
        parents=[files, write, out],
        help="config-schema and model-ID migrations only",
        description="Offline: config schema 1 -> 2, a config api_key moved into .env, and a retired or "
        "deprecated model replaced by its successor (from the last check), after a preview.",
    )
    migrate.add_argument(
        "--check",
        action="store_true",
        help="report without writing; exit 10 when a migration is pending",
    )
    undo = sub.add_parser(
        "undo",
        parents=[files, out],
        help="restore the files of the last applied change",
        description="Restore the files of the last applied change set, byte for byte.",
    )
    undo.add_argument("--force", action="store_true", help="restore even if a file changed since")
    demo = sub.add_parser(
        "demo",
        parents=[net, write, run_opts, out],
        help="the wizard against the built-in simulator",
        description="Run the wizard against the built-in API simulator in a throw-away project "
        "that looks like the original story. No key, no network.",
    )
    demo.add_argument(
        "--project", type=Path, metavar="DIR", help="use this folder instead of a new temporary one"
    )
    demo.add_argument("--scenario", default="today", help="simulator scenario (default: today)")

    from wizard.simulator import cli as simulator_cli

    sim = sub.add_parser(
        "simulator",
        help="serve the built-in Anthropic API simulator on loopback",
        description="Serve the built-in API simulator on 127.0.0.1. Prints its base URL on the first "
        "line of stdout, then serves until stopped (Ctrl-C or SIGTERM).",
    )
    simulator_cli.add_arguments(sim)
    sim.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    return parser


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


def _normalise_argv(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """No command means `run`; options may come before the command (`--project X status`)."""
    if not argv:
        return ["run"]
    if argv[0] in COMMANDS or argv[0] in ("-h", "--help", "--version", "-V"):
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
    if argv[index] not in COMMANDS:
        raise UnknownCommand(argv[index])
    return [argv[index], *argv[:index], *argv[index + 1 :]]


def _options(args: argparse.Namespace) -> Any:
    from wizard.commands.common import Options

    project, marker = getattr(args, "project", None), None
    if project is None and args.command != "demo":
        from wizard.fluxconfig import find_root

        project, marker = find_root(Path.cwd().absolute())
    return Options(
        command=args.command,
        project=(project or Path.cwd()).absolute(),
        project_given=getattr(args, "project", None) is not None,
        project_marker=marker,
        env_file=getattr(args, "env_file", None),
        config=getattr(args, "config", None),
        checklist=getattr(args, "checklist", None),
        api_key_stdin=getattr(args, "api_key_stdin", False),
        base_url=getattr(args, "base_url", None),
        model=getattr(args, "model", None),
        prefer=getattr(args, "prefer", None),
        yes=getattr(args, "yes", False),
        no_input=getattr(args, "no_input", False),
        dry_run=getattr(args, "dry_run", False),
        verify=not getattr(args, "no_verify", False),
        save_key=getattr(args, "save_key", None),
        json=getattr(args, "json", False),
        timeout=getattr(args, "timeout", 10.0),
        max_verify=getattr(args, "max_verify", 4),
        force=getattr(args, "force", False),
        check=getattr(args, "check", False),
        write_checklist=getattr(args, "write_checklist", False),
        debug=getattr(args, "debug", False),
        scenario=getattr(args, "scenario", "today"),
    )


def _dispatch(args: argparse.Namespace, ui: Any) -> Any:
    from wizard.commands.common import Context, Outcome
    from wizard.prompts import NoInput, QuestionaryPrompter

    if args.command == "simulator":
        from wizard.simulator import cli as simulator_cli

        return Outcome(ExitCode(simulator_cli.run(args)))

    options = _options(args)
    interactive = (
        sys.stdin.isatty() and sys.stdout.isatty() and not options.no_input and not options.json
    )
    if options.api_key_stdin:
        interactive = False  # stdin carries the key, not answers
    ui.interactive = interactive
    if not options.project_given and options.project != Path.cwd().absolute():
        ui.say(f"Project: {options.project} (found {options.project_marker} there)")
    context = Context(
        options=options,
        environ=dict(os.environ),
        read_stdin=sys.stdin.read,
        prompter=QuestionaryPrompter() if interactive else NoInput(),
        ui=ui,
    )
    if args.command in NETWORK_COMMANDS:
        from wizard import api

        context.warm_up = api.preload  # the flow says when: at once, or after a prompt draws
    if args.command == "run":
        from wizard.commands.run import run

        return run(context)
    if args.command == "check":
        from wizard.commands.check import check

        return check(context)
    if args.command == "status":
        from wizard.commands.status import status

        return status(context)
    if args.command == "migrate":
        from wizard.commands.migrate import migrate

        return migrate(context)
    if args.command == "undo":
        from wizard.commands.undo import undo

        return undo(context)
    from wizard.commands.demo import demo

    return demo(context)


def _emit_json(payload: dict[str, Any]) -> None:
    from wizard.render import json_dump

    try:
        sys.stdout.write(json_dump(payload) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()


def _quiet_stdout() -> None:
    """The reader closed stdout early: point it at /dev/null so that the interpreter's final
    flush does not complain, and keep the command's exit code."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _error_payload(
    command: str, code: int, message: str, fix: str | None, diagnosis: str | None
) -> dict[str, Any]:
    from wizard.commands.common import SCHEMA

    payload: dict[str, Any] = {
        "schema": SCHEMA,
        "command": command,
        "exit_code": code,
        "error": {"message": message, "fix": fix},
        "diagnosis": [],
    }
    if diagnosis:
        payload["diagnosis"].append(
            {
                "code": diagnosis,
                "model": None,
                "message": message,
                "next_step": fix or "",
                "url": None,
                "request_id": None,
            }
        )
    return payload


def _usage_failure(raw: list[str], message: str, fix: str) -> int:
    from wizard.render import UI

    errors = UI(sys.stderr)
    errors.say(f"error: {message}", style="bold red")
    errors.say(f"  fix: {fix}")
    if "--json" in raw:
        _emit_json(_error_payload("run", int(ExitCode.USAGE), message, fix, None))
    return int(ExitCode.USAGE)


def main(argv: Sequence[str] | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(_normalise_argv(raw, parser))
    except UnknownCommand as exc:
        message = f"unknown command '{exc}'"
        fix = f"Commands: {', '.join(COMMANDS)}; `flux-setup --help` explains each."
        return _usage_failure(raw, message, fix)
    except SystemExit as exc:  # argparse: 2 on bad flags, 0 on --help/--version
        code = int(exc.code or 0)
        if code and "--json" in raw:
            # scripts read one JSON object, never argparse's text (already on stderr)
            _emit_json(_error_payload("run", code, "invalid arguments (see stderr)", None, None))
        return code
    command = args.command or "run"
    debug = bool(getattr(args, "debug", False))
    as_json = bool(getattr(args, "json", False))
    from wizard.render import UI

    color = {"always": True, "never": False}.get(getattr(args, "color", "auto"))
    ui = UI(sys.stderr if as_json else sys.stdout, color=color)
    errors = UI(sys.stderr, color=color)  # errors always go to stderr, masked like all human text
    try:
        outcome = _dispatch(args, ui)
    except WizardError as err:
        errors.say(f"error: {err.message}", style="bold red")
        if err.fix:
            errors.say(f"  fix: {err.fix}")
        if as_json:
            _emit_json(_error_payload(command, int(err.code), err.message, err.fix, err.diagnosis))
        return int(err.code)
    except KeyboardInterrupt:
        errors.say("\nCancelled: nothing was written.")
        if as_json:
            _emit_json(_error_payload(command, int(ExitCode.CANCELLED), "cancelled", None, None))
        return int(ExitCode.CANCELLED)
    except Exception as exc:  # the funnel: a bug, reported without a traceback unless --debug
        if debug:
            raise
        errors.say(
            f"error: unexpected {type(exc).__name__} (a bug in flux-setup); rerun with --debug for details"
        )
        if as_json:
            _emit_json(
                _error_payload(
                    command,
                    int(ExitCode.ERROR),
                    f"unexpected {type(exc).__name__}",
                    "rerun with --debug",
                    None,
                )
            )
        return int(ExitCode.ERROR)
    if as_json:
        outcome.payload["exit_code"] = int(outcome.exit_code)
        _emit_json(outcome.payload)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
    return int(outcome.exit_code)
