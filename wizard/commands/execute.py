"""`flux-setup exec [--project DIR] -- CMD [ARGS...]`: CMD with the project's key in its
environment, and nowhere else (not in argv, not on screen, not in a file), like `aws-vault
exec` or `op run`. CMD's exit code is ours; signals reach it; a key already in the environment
is left as it is.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator, Mapping, Sequence

from wizard import project
from wizard.constants import KEY_VAR
from wizard.errors import UsageError
from wizard.flow.key import found_key, no_key
from wizard.flow.session import Context
from wizard.keys import check_form, fingerprint, normalise
from wizard.report import Report

# Passed on to CMD as they arrive. SIGINT too, unless the terminal already gave CMD its own
# (Ctrl-C reaches the whole foreground process group: CMD must not get it twice).
FORWARDED = tuple(
    getattr(signal, name)
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")
    if hasattr(signal, name)  # Windows has no SIGHUP, SIGQUIT
)
NOT_FOUND, NOT_RUNNABLE = 127, 126  # as shells and env(1) say it


def execute(ctx: Context) -> Report:
    o = ctx.options
    argv = list(o.exec.exec_command)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        raise UsageError(
            "exec needs the command to run.", fix="`flux-setup exec -- flux` (CMD after --)."
        )
    environ = dict(ctx.environ)
    given = normalise(environ.get(KEY_VAR) or "")
    if given:
        where = f"{KEY_VAR} was already set in the environment: left as it is"
        problem = check_form(given)
        if problem is not None:  # CMD gets it all the same (it is the caller's), but said
            ctx.ui.warn(
                f"flux-setup exec: {KEY_VAR} {fingerprint(given)} in the environment: "
                f"{problem.message} Passed on as it is."
            )
    else:
        files = project.load(o.files.project, o.files.env_file, o.files.config, environ=ctx.environ)
        key, _ = found_key(ctx, files, None)
        if key is None:
            raise no_key("the OS keyring, the .env file, the config")
        environ[KEY_VAR] = key.reveal()
        where = f"{KEY_VAR} {key.fingerprint} from {key.source.label}"
    if o.output.verbose:
        ctx.ui.say(f"flux-setup exec: {where}.")
    report = Report(o.command)
    report.exit_status = run_child(ctx, argv, environ)
    return report


def run_child(ctx: Context, argv: Sequence[str], environ: Mapping[str, str]) -> int:
    """Start CMD, pass the signals on, wait; its exit code (128 + N when signal N ended it)."""
    try:
        child = subprocess.Popen(list(argv), env=dict(environ), cwd=ctx.cwd)
    except FileNotFoundError:
        ctx.ui.warn(f"flux-setup exec: {argv[0]}: command not found.")
        return NOT_FOUND
    except PermissionError:
        ctx.ui.warn(f"flux-setup exec: {argv[0]}: permission denied.")
        return NOT_RUNNABLE
    with _passed_on(child):
        code = child.wait()
    return 128 - code if code < 0 else code


@contextlib.contextmanager
def _passed_on(child: subprocess.Popen[bytes]) -> Iterator[None]:
    def forward(number: int, frame: object) -> None:
        if number == signal.SIGINT and _terminal_gave_it():
            return  # CMD got this Ctrl-C from the terminal itself
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(number)

    previous = {number: signal.signal(number, forward) for number in FORWARDED}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _terminal_gave_it() -> bool:
    """This process group is the terminal's foreground: the terminal sent Ctrl-C to all of it."""
    for fd in (0, 1, 2):
        with contextlib.suppress(OSError):
            return os.tcgetpgrp(fd) == os.getpgrp()
    return False
