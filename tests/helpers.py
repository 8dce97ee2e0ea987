"""Shared test plumbing: a scripted Prompter, a Context on real files and the real simulator."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.errors import Cancelled
from wizard.facts import without_api_vars
from wizard.flow.session import Context, Options
from wizard.prompts import Option
from wizard.render import UI
from wizard.state import Store


@dataclass
class ScriptedPrompter:
    """Answers questions from a script; "default" takes the offered default; records the asks."""

    answers: list[Any] = field(default_factory=list)
    interactive: bool = True
    asked: list[tuple[str, str, Any]] = field(default_factory=list)
    offered: list[list[Option]] = field(default_factory=list)  # each select's options, whole

    def _next(self, kind: str, message: str, default: Any, options: Iterable[Option] = ()) -> Any:
        options = list(options)
        if options:
            self.offered.append(options)
        self.asked.append((kind, message, [o.value for o in options] or default))
        if not self.answers:
            raise AssertionError(f"unexpected question: {message}")
        answer = self.answers.pop(0)
        if answer == "^C":
            raise Cancelled()
        return default if answer == "default" else answer

    def secret(self, message: str, *, flag: str) -> str:
        return str(self._next("secret", message, None))

    def select(self, message: str, options: list[Option], default: str, *, flag: str) -> str:
        return str(self._next("select", message, default, options))

    def confirm(self, message: str, default: bool, *, flag: str) -> bool:
        return bool(self._next("confirm", message, default))


def make_context(
    project: Path,
    *,
    prompter: Any = None,
    environ: dict[str, str] | None = None,
    stdin: str = "",
    **options: Any,
) -> tuple[Context, io.StringIO]:
    out = io.StringIO()
    ui = UI(out, color=False)
    opts = Options(project=project, project_given=True, **options)
    ctx = Context(
        options=opts,
        environ=environ or {},
        read_stdin=lambda: stdin,
        prompter=prompter or ScriptedPrompter(interactive=False),
        ui=ui,
        state_home=store().home,
    )
    return ctx, out


def store() -> Store:
    """The state home of this test (conftest's `isolated_home` sets it)."""
    return Store.from_environ(os.environ)


def clean_environ(**extra: str) -> dict[str, str]:
    """This process's environment without any key, model or base URL of the person running the
    tests (the one scrubbing every test that starts the program uses), plus `extra`."""
    return {**without_api_vars(os.environ), **extra}


@dataclass
class Result:
    """What a run of the program left: like `subprocess.CompletedProcess`."""

    returncode: int
    stdout: str
    stderr: str


def run_main(
    args: Iterable[str],
    *,
    env: dict[str, str] | None = None,
    stdin: str = "",
    cwd: Path | None = None,
) -> Result:
    """The whole program in this process through `cli.main`: argv, environment, stdin, cwd and
    both output streams as a subprocess would have them, without paying the SDK import again."""
    import contextlib
    import sys

    from wizard import cli

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_stdin, saved_cwd = dict(os.environ), sys.stdin, Path.cwd()
    os.environ.clear()
    os.environ.update(clean_environ() if env is None else env)
    sys.stdin = io.StringIO(stdin)
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(list(args))
    finally:
        os.chdir(saved_cwd)
        sys.stdin = saved_stdin
        os.environ.clear()
        os.environ.update(saved_env)
    return Result(code, out.getvalue(), err.getvalue())
