"""The command line: parse flags, build the real adapters, call a command, render, exit.

The only place that decides exit codes for failures. Nothing here imports `anthropic`:
`--help`, `status`, `migrate` and `undo` stay fast.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, NoReturn

from wizard.argv import UnknownCommand, did_you_mean, normalise_argv
from wizard.constants import ADMIN_KEY_VAR, HOME_VAR, KEY_VAR
from wizard.environment import Environment
from wizard.errors import Cancelled, Declined, ExitCode, UsageError, WizardError
from wizard.interrupts import late_interrupts, sigterm_as_interrupt
from wizard.parser import build_parser, command_names, needed_for

if TYPE_CHECKING:  # --help imports the grammar alone (tests/test_imports.py)
    from wizard.flow.options import Options
    from wizard.flow.session import Context
    from wizard.render import UI
    from wizard.report import Report

# What the parser gives that is not an option of the command: read here or by the UI.
NOT_OPTIONS = frozenset({"handler", "network", "help", "color", "no_verify"})


def _against(cwd: Path, value: object) -> object:
    """A path given on the command line, taken from the folder the command started in (the
    Environment's, not whatever the process's is); other values as they are."""
    if isinstance(value, Path):
        return _path(cwd, value)
    if isinstance(value, list) and all(isinstance(v, Path) for v in value):
        return [_path(cwd, v) for v in value]
    return value


def _path(cwd: Path, value: Path) -> Path:
    return cwd / value if not value.is_absolute() else value


def _options(args: argparse.Namespace, cwd: Path) -> Options:
    """The one place a command's options are built: each parsed flag onto its group's field
    (`Options.of` refuses a flag no group holds)."""
    from wizard.flow.options import Options

    project, marker = getattr(args, "project", None), None
    if project is None and args.command != "demo":
        from wizard.markers import find_root

        project, marker = find_root(cwd)
    skip = NOT_OPTIONS | {"command", "project"}
    given = {name: _against(cwd, value) for name, value in vars(args).items() if name not in skip}
    return Options.of(
        args.command,
        **given,
        project=_path(cwd, project or cwd),
        project_given=getattr(args, "project", None) is not None,
        project_marker=marker,
        verify=not getattr(args, "no_verify", False),
    )


STDIN_LIMIT = 64 * 1024


def _stdin_reader(env: Environment) -> Callable[[], str]:
    """--api-key-stdin reads a pipe; on a terminal it asks without echo (a key typed or pasted
    there must not show, nor stay in the scrollback)."""

    read_once: list[str] = []

    def read() -> str:
        # read once: a command that needs the piped key in two steps gets the same text
        if not read_once:
            read_once.append(read_now())
        return read_once[0]

    def read_now() -> str:
        if env.stdin_isatty:
            import getpass

            prompt = "Paste your Anthropic API key (not shown): "
            return getpass.getpass(prompt, stream=env.stderr)  # type: ignore[arg-type]
        # bounded: an endless stream (`--api-key-stdin < /dev/zero`) is not read to the end;
        # what is read is far longer than any key, and the form check says so
        return env.stdin.read(STDIN_LIMIT)

    return read


def _check_files(options: Options, *, with_checklist: bool) -> None:
    """Before any key is read or request sent: the project is a folder, and no two file roles
    share a file (`flow.roles`, the one rule)."""
    from wizard.flow.roles import check_file_roles

    _check_project(options.files.project)
    check_file_roles(
        options.files.project,
        env_file=options.files.env_file,
        config=options.files.config,
        checklist=options.files.checklist,
        with_checklist=with_checklist,
    )


def _check_project(project: Path) -> None:
    """Before anything reads, writes or creates state for it: the project is a folder, and
    one this user may enter (a parent folder they cannot enter hides it from every read)."""
    try:
        project.stat()
    except PermissionError:
        raise WizardError(
            f"the project folder {project} cannot be reached: a folder on its path is closed "
            "to you.",
            fix="Ask its owner for access, or pass a folder of your own with --project.",
            code=ExitCode.FILES,
        ) from None
    except OSError:
        pass  # a missing folder (or a loop) is said just below
    if not project.exists():
        raise WizardError(
            f"the project folder {project} does not exist.",
            fix="Pass an existing folder with --project.",
            code=ExitCode.FILES,
        )
    if not project.is_dir():
        raise WizardError(
            f"{project} is not a folder: --project names the folder of a Flux project.",
            fix="Pass the folder with --project.",
            code=ExitCode.FILES,
        )


def _handler(args: argparse.Namespace) -> Callable[[Context], Report]:
    """The command's function, imported only now: `--help` and `status` never pay for `run`."""
    import importlib

    module, name = str(args.handler).split(":")
    handler: Callable[[Context], Report] = getattr(importlib.import_module(module), name)
    return handler


def _dispatch(args: argparse.Namespace, ui: UI, env: Environment) -> Report:
    from wizard.flow.session import Context
    from wizard.prompts import NoInput, QuestionaryPrompter
    from wizard.report import Report
    from wizard.said import PROJECT_COMMANDS, no_project_said

    if args.handler is None:  # the simulator: a server, not a command with a report
        from wizard.simulator import cli as simulator_cli

        return Report(args.command, ExitCode(simulator_cli.run(args)))
    options = _options(args, env.cwd)
    if args.command not in ("demo", "completion"):  # the demo makes its folder; others need one
        _check_files(options, with_checklist="checklist" in vars(args))
    shown = options.output
    interactive = env.stdin_isatty and env.stdout_isatty and not shown.no_input and not shown.json
    if options.api.api_key_stdin and options.api.admin_key_stdin:
        raise UsageError(
            "--api-key-stdin and --admin-key-stdin both read standard input: it holds one key.",
            fix=f"Pipe one of them, and set the other as {KEY_VAR} or {ADMIN_KEY_VAR}.",
        )
    if options.api.api_key_stdin or options.api.admin_key_stdin:
        interactive = False  # stdin carries a key, not answers
    ui.interactive = interactive
    if not options.files.project_given and options.files.project != env.cwd:
        ui.say(f"Project: {options.files.project} (found {options.files.project_marker} there)")
    if args.command in PROJECT_COMMANDS and not options.scope.all:
        no_project_said(ui, options)
    context = Context(
        options=options,
        environ=dict(env.environ),
        read_stdin=_stdin_reader(env),
        prompter=(
            QuestionaryPrompter(discard_queued=env.discard_typed_ahead)
            if interactive
            else NoInput()
        ),
        ui=ui,
        now=env.now,
        cwd=env.cwd,
    )
    problem = context.store.trust_problem()
    if problem is not None:
        ui.warn(
            f"{problem}: what it holds (saved catalogues, backups) may not be yours. "
            f"`chmod 700` it, or set {HOME_VAR} to a folder of your own."
        )
    if args.network and not options.scope.offline:
        from wizard import sdk

        context.warm_up = sdk.preload  # the flow says when: at once, or after a prompt draws
    if options.recording.record is not None or options.recording.report is not None:
        from wizard.flow.recorded import run_recorded

        return run_recorded(context, _handler(args))
    return _handler(args)(context)


def _emit_json(report: Report, env: Environment) -> None:
    from wizard.render import json_dump
    from wizard.streams import quiet_stdout

    try:
        env.stdout.write(json_dump(report.to_json()) + "\n")
        env.stdout.flush()
    except BrokenPipeError:
        quiet_stdout(env.stdout)


def _ui(env: Environment, stream: IO[str], color: bool | None) -> UI:
    from wizard.render import UI

    return UI(stream, color=color, errors=env.stderr, environ=env.environ)


def _fail(report: Report, env: Environment, as_json: bool, color: bool | None = None) -> int:
    """Say a failure on stderr (and as the one JSON document when asked): the funnel's end."""

    assert report.error is not None
    message, fix = report.error
    errors = _ui(env, env.stderr, color)  # always stderr, masked like all human text
    errors.say(f"error: {message}", style="bold red")
    if fix:
        errors.say(f"  fix: {fix}")
    if as_json:
        _emit_json(report, env)
    return int(report.exit_code)


def _declined(report: Report, env: Environment, as_json: bool, color: bool | None) -> int:
    """A "no" at a question: what was (not) done and what next, on the human stream."""

    assert report.error is not None
    message, fix = report.error
    ui = _ui(env, env.stderr if as_json else env.stdout, color)
    ui.say(message)
    if fix:
        ui.say(fix)
    if as_json:
        _emit_json(report, env)
    return int(report.exit_code)


def _command_of(raw: list[str], commands: tuple[str, ...]) -> str:
    """The command a command line names, for a usage error's JSON (the default is `run`)."""
    return next((word for word in raw if word in commands), "run")


def _parse(raw: list[str], env: Environment) -> argparse.Namespace | Report | None:
    """The parsed command line; a Report for a usage error; None once --help or --version
    has been printed."""
    parser = build_parser(needed_for(raw))
    try:
        # argparse prints help, usage and errors to sys.stdout/sys.stderr: these streams
        with contextlib.redirect_stdout(env.stdout), contextlib.redirect_stderr(env.stderr):
            return parser.parse_args(normalise_argv(raw, parser))
    except UnknownCommand as exc:
        import difflib

        from wizard.report import Report

        commands = command_names(parser)
        close = difflib.get_close_matches(str(exc), commands, n=1, cutoff=0.6)
        hint = f"Did you mean `flux-setup {close[0]}`? " if close else ""
        fix = f"{hint}Commands: {', '.join(commands)}; `flux-setup --help` explains each."
        return Report.failure("run", ExitCode.USAGE, f"unknown command '{exc}'", fix)
    except SystemExit as exc:  # argparse: 2 on bad flags (said on stderr), 0 on --help
        code = ExitCode(int(exc.code or 0))
        if code == ExitCode.OK:
            return None
        from wizard.report import Report

        option_hint = did_you_mean(raw, parser) if code == ExitCode.USAGE else None
        if option_hint:
            env.stderr.write(f"{option_hint}\n")
        command = _command_of(raw, command_names(parser))
        return Report.failure(command, code, "invalid arguments (see stderr)", None)


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """The program: `argv` (default: the process's) in `env` (default: the process's own
    streams, environment, folder and clock; tests hand in their own)."""
    from wizard import redaction

    raw = list(sys.argv[1:] if argv is None else argv)
    env = env or Environment.of_process()
    redaction.forget_all()  # the keys of a command before this one in the process
    redaction.hold_environment(env.environ)
    parsed = _parse(raw, env)
    if parsed is None:
        return 0  # --help or --version
    if not isinstance(parsed, argparse.Namespace):
        if parsed.error and parsed.error[0].startswith("unknown command"):
            return _fail(parsed, env, "--json" in raw)
        if "--json" in raw:  # argparse said it on stderr; scripts read one JSON object
            _emit_json(parsed, env)
        return int(parsed.exit_code)
    return _run(parsed, env, for_good=argv is None and env.owns_process)


def entry() -> NoReturn:
    """The console script (`flux-setup`, `python -m wizard`): the program, then its exit
    without the interpreter's teardown (~0.2 s after an online command: the SDK's thousands
    of modules and objects freed one by one, for a process about to end). Only here, never
    when `main` is called in-process (tests). Before the exit: the exit handlers run (the
    late-interrupt guard, weakref finalizers), both streams are flushed; every lock and file
    was released where it was taken (`with` blocks). A thread that is not a daemon (none is
    started by flux-setup), or a profiler, gets the ordinary exit, which waits for it."""
    import threading

    code = main()
    import atexit

    atexit._run_exitfuncs()  # what the interpreter's exit runs first
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            from wizard.streams import quiet_stdout

            quiet_stdout(stream)
        except (OSError, ValueError):  # closed by the reader or the command: nothing left
            pass
    main_thread = threading.main_thread()
    if any(t is not main_thread and not t.daemon for t in threading.enumerate()):
        raise SystemExit(code)
    if sys.getprofile() is not None:  # `python -m cProfile -m wizard` writes after main
        raise SystemExit(code)
    os._exit(code)


def _run(args: argparse.Namespace, env: Environment, *, for_good: bool = False) -> int:
    """`for_good`: this is the program's own process (the console script), whose exit follows:
    from the moment the result is known, an interrupt ends it with one line and a code, never
    a death by signal or a traceback from an exit handler."""
    command = args.command or "run"
    as_json = bool(getattr(args, "json", False))
    from wizard.report import Report
    from wizard.said import cancelled_message, writes
    from wizard.streams import quiet_stdout
    from wizard.written import WRITTEN_THIS_PROCESS

    WRITTEN_THIS_PROCESS.clear()
    color = {"always": True, "never": False}.get(getattr(args, "color", "auto"))
    # exec: stdout is CMD's; what flux-setup says goes to stderr, as with --json
    ui = _ui(env, env.stderr if as_json or command == "exec" else env.stdout, color)
    try:
        with sigterm_as_interrupt():
            report = _dispatch(args, ui, env)
    except Declined as err:
        failure = Report.failure(command, err.code, err.message, err.fix, err.diagnosis)
        late = late_interrupts(int(err.code)) if for_good else None  # before the last line
        code = _declined(failure, env, as_json, color)
        return late() if late is not None else code
    except (KeyboardInterrupt, Cancelled):  # Ctrl-C, at a question or while working
        message = cancelled_message(writes(args.command or "run", args), WRITTEN_THIS_PROCESS)
        _ui(env, env.stderr, color).say(f"\n{message}")
        if as_json:
            _emit_json(Report.failure(command, ExitCode.CANCELLED, message, None), env)
        return int(ExitCode.CANCELLED)
    except WizardError as err:
        failure = Report.failure(command, err.code, err.message, err.fix, err.diagnosis)
        late = late_interrupts(int(err.code)) if for_good else None  # before the last line
        code = _fail(failure, env, as_json, color)
        return late() if late is not None else code
    except Exception as exc:  # the funnel: a bug, reported without a traceback unless --debug
        if getattr(args, "debug", False):
            import traceback

            from wizard.redaction import scrub

            env.stderr.write(scrub(traceback.format_exc()))
        bug = Report.failure(
            command,
            ExitCode.ERROR,
            f"unexpected {type(exc).__name__} (a bug in flux-setup)",
            "rerun with --debug for details",
        )
        return _fail(bug, env, as_json, color)
    code = report.exit_status if report.exit_status is not None else int(report.exit_code)
    late = late_interrupts(code) if for_good else None
    if as_json:
        _emit_json(report, env)
    try:
        env.stdout.flush()
    except BrokenPipeError:
        quiet_stdout(env.stdout)
    return late() if late is not None else code
