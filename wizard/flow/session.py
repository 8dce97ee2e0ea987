"""What a command is handed: its options and every piece of process I/O (environment, stdin,
prompts, output, clock, state home). Tests swap any of them; nothing below reads the process's own."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.constants import DEFAULT_MAX_VERIFY, DEFAULT_SCENARIO, DEFAULT_TIMEOUT
from wizard.prompts import Prompter
from wizard.render import UI
from wizard.state import Store

if TYPE_CHECKING:
    from wizard.api import ApiClient
    from wizard.keys import ApiKey
    from wizard.keystore import Keystore
    from wizard.limits.client import AdminClient
    from wizard.recording import Recorder


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
    save_key: str | None = None  # run --save-key keyring|env|none (None: asked, or none)
    allow_plaintext_keyring: bool = False  # a keyrings.alt file backend may keep the key
    key_action: str = "status"  # key set|move|remove|status
    to: str = "keyring"  # key move --to
    admin: bool = False  # key set/remove/status --admin: the admin key's entry
    verbose: bool = False  # exec --verbose: where the key came from, on stderr
    exec_command: list[str] = field(default_factory=list)  # exec -- CMD [ARGS...]
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
    max_age: int | None = None  # check --offline --max-age: an older catalogue fails
    fail_on: frozenset[int] | None = None  # check --fail-on: the verdicts that fail
    batch: str | None = None  # undo --batch: the batch of a `check --all --fix`
    verify_models: str | None = None  # models --verify: "all", a line, or model IDs
    line: str | None = None  # models --line
    include_retired: bool = False  # models --all
    record: Path | None = None  # --record FILE: every exchange with the API
    redact_org: bool = False  # --redact-org: the organisation ID masked in the recording
    report: Path | None = None  # doctor --report FILE: one file for a support ticket
    export_kind: str = "renovate"  # export renovate|catalog
    out: Path | None = None  # export --out FILE


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

    # --record (and doctor --report): every client this command makes reports to it.
    recorder: Recorder | None = None
    _base_url: str | None = field(default=None, init=False, repr=False, compare=False)

    def base_url(self) -> str:
        """The API's base URL for this run (--base-url, else ANTHROPIC_BASE_URL, else the
        official one): resolved here only, once, and read by every client the run makes."""
        if self._base_url is None:
            from wizard.api import resolve_base_url

            self._base_url = resolve_base_url(self.options.base_url, self.environ)
        return self._base_url

    def api_client(
        self, key: ApiKey, *, base_url: str | None = None, concurrency: int = 4
    ) -> ApiClient:
        """A client for this command: its timeout, clock and recorder (the one place that
        builds them, so no client escapes --record)."""
        from wizard.api import ApiClient

        return ApiClient(
            key,
            base_url or self.base_url(),
            now=self.now,
            timeout=self.options.timeout,
            max_concurrency=concurrency,
            recorder=self.recorder,
        )

    def admin_client(self, admin_key: ApiKey, api_key: ApiKey | None) -> AdminClient:
        """A client of the Admin API: like `api_client`, and it scrubs the API key too."""
        from wizard.limits.client import AdminClient

        client = AdminClient(
            admin_key,
            self.base_url(),
            now=self.now,
            timeout=self.options.timeout,
            recorder=self.recorder,
        )
        client.also_hide = api_key
        if api_key is not None and self.recorder is not None:
            self.recorder.hide(api_key)
        return client

    def keystore(self) -> Keystore:
        """The OS keyring as this command may use it (its environment decides the backend)."""
        from wizard.keystore import Keystore

        return Keystore(self.environ, allow_plaintext=self.options.allow_plaintext_keyring)

    @property
    def store(self) -> Store:
        return Store(self.state_home) if self.state_home else Store.from_environ(self.environ)
