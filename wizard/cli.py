"""The command line: parse flags, call the core, render the result, exit. The only place that exits.

Nothing here imports `anthropic` at module level: `--help`, `status`, `migrate` and `undo` stay fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from wizard import __version__
from wizard.errors import ExitCode, WizardError

COMMANDS = ("run", "check", "status", "migrate", "undo", "demo", "simulator")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flux-setup",
        description="Find which Claude models your API key can really call, set Flux up to use "
        "the best one, and tell you exactly how to get more.",
        epilog="No command means `run`. `flux-setup COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"flux-setup {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    from wizard.simulator import cli as simulator_cli

    sim = sub.add_parser(
        "simulator",
        help="serve the built-in Anthropic API simulator on loopback",
        description="Serve the built-in API simulator on 127.0.0.1. Prints its base URL on the "
        "first line of stdout, then serves until stopped (Ctrl-C or SIGTERM).",
    )
    simulator_cli.add_arguments(sim)
    sim.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    return parser


def _normalise_argv(argv: list[str]) -> list[str]:
    """No subcommand means `run`."""
    if not argv:
        return ["run"]
    first = argv[0]
    if first in COMMANDS or first in ("-h", "--help", "--version"):
        return argv
    return ["run", *argv]


def main(argv: Sequence[str] | None = None) -> int:
    args_list = _normalise_argv(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse exits 2 on bad flags, 0 on --help
        return int(exc.code or 0)
    debug = bool(getattr(args, "debug", False))
    try:
        if args.command == "simulator":
            from wizard.simulator import cli as simulator_cli

            return int(simulator_cli.run(args))
        parser.error(f"the {args.command!r} command is not available yet")
    except WizardError as err:
        print(f"error: {err.message}", file=sys.stderr)
        if err.fix:
            print(f"  fix: {err.fix}", file=sys.stderr)
        return int(err.code)
    except KeyboardInterrupt:
        print("\nCancelled: nothing was written.", file=sys.stderr)
        return int(ExitCode.CANCELLED)
    except Exception as exc:  # the funnel: a bug, reported without a traceback unless --debug
        if debug:
            raise
        print(
            f"error: unexpected {type(exc).__name__}; rerun with --debug for details",
            file=sys.stderr,
        )
        return int(ExitCode.ERROR)
    except SystemExit as exc:
        return int(exc.code or 0)
    return int(ExitCode.OK)
