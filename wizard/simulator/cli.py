"""`flux-setup simulator`: serve a scenario on loopback until stopped."""

from __future__ import annotations

import argparse
import sys

from wizard.constants import DEFAULT_SCENARIO
from wizard.errors import ExitCode, UsageError


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError("a port is between 0 and 65535 (0: any free one)")
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenario",
        default=DEFAULT_SCENARIO,
        help=f"built-in name or a JSON file (default: {DEFAULT_SCENARIO})",
    )
    parser.add_argument(
        "--port", type=_port, default=0, help="port on 127.0.0.1 (default: any free one)"
    )
    parser.add_argument("--list", action="store_true", help="list the built-in scenarios and exit")
    parser.add_argument(
        "--replay",
        metavar="FILE",
        help="serve a recording (`--record FILE`, or a `doctor --report` file) instead of a "
        "scenario: each request answered as recorded",
    )
    parser.add_argument(
        "--scenario-from",
        metavar="FILE",
        help="print a scenario file made from a recording (to edit into a variant) and exit",
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every request")
    parser.add_argument(
        "--jitter-ms", type=float, default=0.0, help="random extra latency, up to this"
    )
    parser.add_argument(
        "--fail-first", type=int, default=0, metavar="N", help="fail the first N requests"
    )
    parser.add_argument(
        "--fail-status",
        type=int,
        default=529,
        choices=(429, 500, 529),
        help="status for --fail-first",
    )
    parser.add_argument(
        "--retry-after", type=float, default=1.0, help="retry-after seconds sent with failures"
    )
    parser.add_argument(
        "--reset-first",
        type=int,
        default=0,
        metavar="N",
        help="reset the connection of the first N requests",
    )
    parser.add_argument(
        "--hang-first", type=int, default=0, metavar="N", help="never answer the first N requests"
    )
    parser.add_argument(
        "--faults-only", metavar="PATH", help="apply faults only to paths starting with this"
    )


def _list() -> int:
    import shutil
    import textwrap

    from wizard.simulator import builtin_names, load

    names = builtin_names()
    width = max(len(name) for name in names)
    # each description wrapped between words to the terminal, under its own column
    columns = max(width + 22, shutil.get_terminal_size((80, 24)).columns - 1)
    try:
        for name in names:
            lines = textwrap.wrap(load(name).description, columns - width - 2) or [""]
            print(f"{name:{width}}  {lines[0]}")
            for line in lines[1:]:
                print(f"{'':{width}}  {line}")
        sys.stdout.flush()
    except BrokenPipeError:  # `simulator --list | head -2`: the reader has what it wanted
        from wizard.streams import quiet_stdout

        quiet_stdout(sys.stdout)
    return ExitCode.OK


def run(args: argparse.Namespace) -> int:
    from wizard.errors import FilesError
    from wizard.simulator import Faults, ScenarioError, load
    from wizard.simulator.engine import Simulator
    from wizard.simulator.scenarios import UnreadableScenario
    from wizard.simulator.server import RunningSimulator

    if args.list:
        return _list()
    if args.replay or args.scenario_from:
        from wizard.simulator.replay_cli import replay_or_convert

        return replay_or_convert(args)
    try:
        scenario = load(args.scenario)
    except UnreadableScenario as exc:
        raise FilesError(str(exc), fix="Pass a scenario file `--scenario-from` made.") from None
    except ScenarioError as exc:
        raise UsageError(
            str(exc), fix="Run `flux-setup simulator --list` for the built-in ones."
        ) from None
    faults = Faults(
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        fail_first=args.fail_first,
        fail_status=args.fail_status,
        retry_after=args.retry_after,
        reset_first=args.reset_first,
        hang_first=args.hang_first,
        only=args.faults_only,
    )
    from wizard.simulator.serving import ANY_KEY, STAND_IN_KEY, serve_announced, started

    sim = Simulator(scenario, faults)
    running = started(lambda: RunningSimulator(sim, args.port).start(), args.port)
    serve_announced(
        running.base_url,
        running.stop,
        # a line each, joined by the shell's continuations: a narrow terminal wraps none of
        # them inside a word, and the command still pastes whole
        f"serving scenario {scenario.name!r}; Ctrl-C to stop.\n"
        "Use it from another terminal:\n"
        f"  ANTHROPIC_BASE_URL={running.base_url} \\\n"
        f"  ANTHROPIC_API_KEY={STAND_IN_KEY} \\\n"
        "  flux-setup check\n"
        f"(or `--base-url {running.base_url}`;\n{ANY_KEY})",
    )
    return ExitCode.OK
