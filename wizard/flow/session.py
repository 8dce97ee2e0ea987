"""What a command is handed: its options and every piece of process I/O (environment, stdin,
prompts, output, clock, state home). Tests swap any of them; nothing below reads the process's own."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.flow.options import Options
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

            self._base_url = resolve_base_url(self.options.api.base_url, self.environ)
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
            timeout=self.options.api.timeout,
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
            timeout=self.options.api.timeout,
            recorder=self.recorder,
        )
        client.also_hide = api_key
        if api_key is not None and self.recorder is not None:
            self.recorder.hide(api_key)
        return client

    def keystore(self) -> Keystore:
        """The OS keyring as this command may use it (its environment decides the backend)."""
        from wizard.keystore import Keystore

        return Keystore(self.environ, allow_plaintext=self.options.choice.allow_plaintext_keyring)

    @property
    def store(self) -> Store:
        return Store(self.state_home) if self.state_home else Store.from_environ(self.environ)
