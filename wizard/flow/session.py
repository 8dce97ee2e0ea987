"""What a command is handed: its options and every piece of process I/O (environment, stdin,
prompts, output, clock, state home). Tests swap any of them; nothing below reads the process's own."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from wizard.constants import DEFAULT_MAX_VERIFY, DEFAULT_SCENARIO, DEFAULT_TIMEOUT
from wizard.prompts import Prompter
from wizard.render import UI
from wizard.state import Store


@dataclass
class Options:
    command: str = "run"
    project: Path = Path(".")  # cli.py always sets it: the folder found, made absolute
    project_given: bool = False
    project_marker: str | None = None  # what marked the folder found above the current one
    env_file: Path | None = None
    config: Path | None = None
    checklist: Path | None = None
    api_key_stdin: bool = False
    admin_key_stdin: bool = False  # limits, doctor, run, check: the admin key on stdin
    base_url: str | None = None
    model: str | None = None
    fallback: str | None = None  # run --fallback: a model ID, or "none"
    prefer: str | None = None
    yes: bool = False
    no_input: bool = False
    dry_run: bool = False
    verify: bool = True
    save_key: bool | None = None
    json: bool = False
    timeout: float = DEFAULT_TIMEOUT
    max_verify: int = DEFAULT_MAX_VERIFY
    force: bool = False
    check: bool = False
    write_checklist: bool = False
    debug: bool = False
    scenario: str = DEFAULT_SCENARIO
    keep: bool = False
    list_changesets: bool = False
    changeset: str | None = None
    shell: str = "bash"
    all: bool = False  # check --all: every project under `folders`
    folders: list[Path] = field(default_factory=list)
    fix: bool = False
    offline: bool = False
    missing_catalog: str = "fail"  # --missing-catalog: "pass" for the pre-commit hook
    warn_days: int | None = None  # --warn-days; DEFAULT_WARN_DAYS when not given
    fail_on: frozenset[int] | None = None  # check --fail-on: the verdicts that fail
    batch: str | None = None  # undo --batch: the batch of a `check --all --fix`
    verify_models: str | None = None  # models --verify: "all", a line, or model IDs
    line: str | None = None  # models --line
    include_retired: bool = False  # models --all


@dataclass
class Context:
    options: Options
    environ: Mapping[str, str]
    read_stdin: Callable[[], str]
    prompter: Prompter
    ui: UI
    now: Callable[[], datetime]  # the clock (`environment.utc_now` in the program)
    cwd: Path  # the folder the command was started in (paths are shown relative to it)
    # Called when the network is next: the CLI starts importing the SDK (delay in seconds).
    warm_up: Callable[[float], None] = lambda delay: None
    # The state home; None: FLUX_SETUP_HOME in `environ`, else the platform's state folder.
    state_home: Path | None = None

    @property
    def store(self) -> Store:
        return Store(self.state_home) if self.state_home else Store.from_environ(self.environ)
