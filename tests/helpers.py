"""Shared test plumbing: a scripted Prompter, a Context on real files and the real simulator."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from wizard.constants import without_api_vars
from wizard.environment import utc_now
from wizard.errors import Cancelled
from wizard.flow.options import Options
from wizard.flow.session import Context
from wizard.prompts import Option
from wizard.render import UI
from wizard.state import Store

# A distinctive, well-formed key: the canary that tests search for in every output.
KEY = "sk-ant-api03-" + "CanaryKeyQ7" * 8 + "ZxWv"
# An admin key's canary: the Admin API's tests search for it in every output and file.
ADMIN_KEY = "sk-ant-admin01-" + "AdminCanary9" * 8 + "QqRr"

# The JSON schema users script against, as the package ships it.
SCHEMA = json.loads((resources.files("wizard") / "schema" / "output.schema.json").read_text())
# One validator, made once: `jsonschema.validate` checks the schema itself on every call, which
# cost the suite more CPU than any command it validates.
jsonschema.validators.validator_for(SCHEMA).check_schema(SCHEMA)
VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)


def assert_no_key(text: str, key: str = KEY) -> None:
    assert key not in text
    assert key[12:-4] not in text


def sdk_client(base_url: str, key: str = KEY, **kwargs: object):  # type: ignore[no-untyped-def]
    """The real SDK with strict response validation: a simulator answer it cannot parse fails."""
    import anthropic

    options: dict[str, object] = {"max_retries": 0, "_strict_response_validation": True}
    options.update(kwargs)
    return anthropic.Anthropic(api_key=key, base_url=base_url, **options)  # type: ignore[arg-type]


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
    opts = Options.of(project=project, project_given=True, **options)
    ctx = Context(
        options=opts,
        environ=environ or {},
        read_stdin=lambda: stdin,
        prompter=prompter or ScriptedPrompter(interactive=False),
        ui=ui,
        now=utc_now,
        cwd=project,
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
    now: Any = None,
) -> Result:
    """The whole program in this process through `cli.main`, handed an Environment of its own:
    argv, environment, stdin, folder and both output streams as a subprocess would have them,
    without paying the SDK import again, and without touching this process's own."""
    from wizard import cli
    from wizard.environment import Environment

    out, err = io.StringIO(), io.StringIO()
    environment = Environment(
        stdin=io.StringIO(stdin),
        stdout=out,
        stderr=err,
        environ=clean_environ() if env is None else env,
        cwd=(cwd or Path.cwd()).absolute(),
        **({"now": now} if now is not None else {}),
    )
    code = cli.main(list(args), environment)
    return Result(code, out.getvalue(), err.getvalue())


def flux(
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
    subprocess_run: bool = False,
):
    """The program as a user runs it: in this process through `cli.main` (fast), or as a real
    subprocess (`python -m wizard`) for the smoke tests of the entry point itself."""
    full_env = clean_environ(**(env or {}))
    if not subprocess_run:
        return run_main(args, env=full_env, stdin=stdin or "", cwd=cwd)
    return subprocess.run(
        [sys.executable, "-m", "wizard", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
    )


def json_of(result) -> dict:
    payload = json.loads(result.stdout)
    VALIDATOR.validate(payload)
    assert payload["exit_code"] == result.returncode
    assert_no_key(result.stdout)
    assert_no_key(result.stderr)
    return payload


# Applies a setup plan in a child process and SIGKILLs it at the step named in argv[2].
CRASH_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime, timezone
    from pathlib import Path
    from wizard import project, changes
    from wizard.state import Store
    folder = Path(sys.argv[1]); step = sys.argv[2]
    proposal = project.plan_setup(project.load(folder), model="claude-opus-5-5", fallback="claude-sonnet-5-5")
    def fault(at):
        if at == step:
            os.kill(os.getpid(), signal.SIGKILL)
    original = changes.write_atomic
    def slow_write(target, data, mode, **options):
        if step == "mid-write:" + target.name:
            tmp = target.with_name(f".{target.name}.flux-setup-{os.getpid()}.tmp")
            tmp.write_bytes(data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        original(target, data, mode, **options)
    changes.write_atomic = slow_write
    changes.apply(proposal.plan, Store.from_environ(os.environ), at=datetime.now(timezone.utc), fault=fault)
    """
)


# The keyring: keyring's own fail backend (a machine without one), and another well-formed key.
KEYRING_FAIL = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
OTHER_KEY = "sk-ant-api03-" + "KeyringOther5" * 7 + "PlMn"


def cli(args: list[str], **given: Any) -> tuple[int, str, str]:
    """`run_main`, unpacked: exit code, stdout, stderr."""
    done = run_main(args, **given)
    return done.returncode, done.stdout, done.stderr


def stored_entry(name: str = "ANTHROPIC_API_KEY") -> str | None:
    """What the test's own Secret Service holds for flux-setup (tests/keyring_service.py)."""
    from keyring.core import load_keyring

    return load_keyring("keyring.backends.SecretService.Keyring").get_password("flux-setup", name)


def assert_key_in_no_file(*folders: Path, key: str = KEY) -> None:
    """No file under the folders holds the key, or any 8-character window of its secret part."""
    windows = {key[i : i + 8].encode() for i in range(13, len(key) - 8)}
    for folder in folders:
        for path in (p for p in folder.rglob("*") if p.is_file()):
            data = path.read_bytes()
            assert key.encode() not in data, path
            assert not [w for w in windows if w in data], path


def wait_for_a_request(running: Any, within: float = 60) -> None:
    """Until the simulator has seen a request (one under way counts), `within` seconds at most:
    a program that never sends one fails here instead of hanging the suite."""
    import time

    deadline = time.monotonic() + within
    while not running.counters.snapshot()["total_requests"]:
        assert time.monotonic() < deadline, f"no request reached the simulator in {within} s"
        time.sleep(0.02)


def long_listing(extra_models: int = 20_000):
    """The `today` scenario with this many more models in a line of their own: a list whose
    pages keep arriving (behind latency, longer than a small time budget)."""
    from wizard.simulator import load
    from wizard.simulator.scenarios import Scenario

    base = load("today")
    template = {**base.models[0], "line": "filler", "created_at": "2025-01-01T00:00:00Z"}
    filler = [
        {**template, "id": f"claude-filler-{i}", "display_name": f"Filler {i}"}
        for i in range(extra_models)
    ]
    return Scenario("huge", "a very long model list", base.models + filler, base.access)


def network_commands() -> tuple[str, ...]:
    """The commands with a network part: the parser's own `network` default (their
    --base-url and --timeout)."""
    import argparse

    from wizard.parser import build_parser

    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return tuple(name for name, sub in commands.choices.items() if sub.get_default("network"))
