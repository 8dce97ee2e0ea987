"""Anthropic API access: list and retrieve models, verify access with a 1-token call.

The only module that imports `anthropic`, and only when a network step runs (it costs ~2 s).
The wizard's own retry policy replaces the SDK's: short timeouts, retries of transient
failures within one time budget, never a retry of a 4xx or of the spend-cap 429.
Results are data (`ApiFailure`, `Verification`); no SDK exception leaves this module.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from wizard.facts import BASE_URL_VAR, DEFAULT_TIMEOUT, OFFICIAL_BASE_URL, SPEND_LIMIT_ERROR_CODE
from wizard.keys import ApiKey
from wizard.vocab import FailureKind, Lifecycle

if TYPE_CHECKING:
    import anthropic

# The whole network part of a command ends within this many per-request timeouts.
BUDGET_TIMEOUTS = 3.0
MAX_RETRY_AFTER = 5.0
VERIFY_PROMPT = "Hi"
# A connection refused or a name that does not resolve: tried this many times (about a
# second), not for the whole budget.
REFUSED_ATTEMPTS = 3
TRANSIENT_STATUSES = {408, 409, 429, 500, 502, 503, 504, 529}

T = TypeVar("T")


_preloading = threading.Lock()
_preload_started = False


def preload(delay: float = 0.0) -> None:
    """Start importing the SDK in the background, so the first network step need not wait.

    The import holds the GIL for ~2 s: `delay` lets a prompt draw first (measured: starting at
    once pushed the first prompt from ~0.3 s to ~0.6 s)."""
    global _preload_started
    with _preloading:
        if _preload_started:
            return
        _preload_started = True
    if delay > 0:
        timer = threading.Timer(delay, _sdk)
        timer.daemon = True
        timer.start()
    else:
        threading.Thread(target=_sdk, name="preload-anthropic", daemon=True).start()


def _sdk() -> Any:
    import anthropic

    # The SDK warns on every call naming a deprecated model; the wizard reports that itself.
    warnings.filterwarnings(
        "ignore", message="The model .* is deprecated", category=DeprecationWarning
    )
    return anthropic


def resolve_base_url(flag: str | None, environ: Mapping[str, str]) -> str:
    """--base-url, else ANTHROPIC_BASE_URL, else the official URL; a trailing /v1 is dropped
    (the SDK would request /v1/v1/...)."""
    url = (flag or environ.get(BASE_URL_VAR) or OFFICIAL_BASE_URL).strip().rstrip("/")
    if url.endswith("/v1"):
        url = url[: -len("/v1")]
    return url


@dataclass
class ApiFailure:
    """Why a request did not succeed, after the retry policy gave up."""

    kind: FailureKind
    status: int | None = None
    type: str | None = None
    message: str | None = None
    error_code: str | None = None
    request_id: str | None = None
    retry_after: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    attempts: int = 1

    @property
    def transient(self) -> bool:
        if self.kind != FailureKind.STATUS:
            return True
        if self.error_code == SPEND_LIMIT_ERROR_CODE:
            return False
        return self.status in TRANSIENT_STATUSES


class ApiCallFailed(Exception):
    def __init__(self, failure: ApiFailure) -> None:
        super().__init__(f"{failure.kind} {failure.status or ''}".strip())
        self.failure = failure


@dataclass
class Verification:
    model_id: str
    ok: bool
    failure: ApiFailure | None = None
    request_id: str | None = None
    ratelimits: dict[str, str] = field(default_factory=dict)
    input_tokens: int = 0
    output_tokens: int = 0


def _retry_after(headers: Any) -> float | None:
    try:
        value = headers.get("retry-after")
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _to_failure(exc: BaseException) -> ApiFailure:
    sdk = _sdk()
    if isinstance(exc, sdk.APITimeoutError):
        return ApiFailure(FailureKind.TIMEOUT, message="the request timed out")
    if isinstance(exc, sdk.APIConnectionError):
        cause = exc.__cause__
        detail = str(cause) if cause is not None and str(cause) else type(cause).__name__
        # A connection never made (refused, no such host) is not a connection lost midway:
        # the first rarely changes within seconds, so it is retried less.
        refused = type(cause).__name__ == "ConnectError"
        kind = FailureKind.REFUSED if refused else FailureKind.CONNECTION
        return ApiFailure(kind, message=detail)
    if isinstance(exc, sdk.APIStatusError):
        details = exc.body.get("error", {}).get("details") if isinstance(exc.body, dict) else None
        return ApiFailure(
            FailureKind.STATUS,
            status=exc.status_code,
            type=exc.type,
            message=exc.api_message,
            error_code=exc.error_code,
            request_id=exc.request_id,
            retry_after=_retry_after(exc.response.headers),
            details=details if isinstance(details, dict) else {},
        )
    raise exc


class ApiClient:
    """One command's access to the API: one key, one base URL, one time budget."""

    def __init__(
        self,
        key: ApiKey,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        budget: float | None = None,
        max_concurrency: int = 4,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.key = key
        self.base_url = base_url
        self.timeout = timeout
        self.budget = budget if budget is not None else timeout * BUDGET_TIMEOUTS
        self.max_concurrency = max_concurrency
        self._clock = clock
        self._sleep = sleep
        self._deadline = clock() + self.budget
        self._client: anthropic.Anthropic | None = None
        self._client_lock = threading.Lock()
        self.requests = 0
        self._count_lock = threading.Lock()

    def _sdk_client(self) -> anthropic.Anthropic:
        with self._client_lock:
            if self._client is None:
                sdk = _sdk()
                self._client = sdk.Anthropic(
                    api_key=self.key.reveal(),  # explicit: an ambient variable never wins silently
                    base_url=self.base_url,
                    timeout=self.timeout,
                    max_retries=0,  # our policy below, not the SDK's
                )
            return self._client

    def remaining(self) -> float:
        return self._deadline - self._clock()

    def _call(self, fn: Callable[[anthropic.Anthropic, float], T], *, billed: bool = False) -> T:
        """Run one request with the wizard's retry policy; raise ApiCallFailed when it gives up.

        A `billed` request is not repeated after a time-out or a connection lost midway: the
        server may have answered (and billed) it unseen, and `--max-verify` counts it once."""
        client = self._sdk_client()
        sdk = _sdk()
        attempt = 0
        last: ApiFailure | None = None
        while True:
            attempt += 1
            timeout = min(self.timeout, self.remaining())
            if timeout <= 0.05:
                # The budget ran out between attempts: the last answer is the truth to report.
                raise ApiCallFailed(
                    last
                    or ApiFailure(
                        FailureKind.TIMEOUT, message="the time budget ran out", attempts=attempt - 1
                    )
                )
            with self._count_lock:
                self.requests += 1
            try:
                return fn(client, timeout)
            except sdk.APIError as exc:
                failure = self._scrubbed(_to_failure(exc))
                failure.attempts = attempt
                if not failure.transient:
                    raise ApiCallFailed(failure) from None
                if failure.kind == FailureKind.REFUSED and attempt >= REFUSED_ATTEMPTS:
                    raise ApiCallFailed(failure) from None
                if billed and failure.kind in (FailureKind.TIMEOUT, FailureKind.CONNECTION):
                    raise ApiCallFailed(failure) from None
                wait = min(0.25 * 2 ** (attempt - 1), 2.0)
                if failure.retry_after is not None:
                    wait = min(failure.retry_after, MAX_RETRY_AFTER)
                if wait >= self.remaining() - 0.05:
                    raise ApiCallFailed(failure) from None
                last = failure
                self._sleep(wait)

    def _scrubbed(self, failure: ApiFailure) -> ApiFailure:
        """A server may echo the key in any text it controls: none of it is kept unscrubbed."""
        scrub = self.key.scrub
        for name in ("type", "message", "error_code", "request_id"):
            value = getattr(failure, name)
            if isinstance(value, str):
                setattr(failure, name, scrub(value))
        failure.details = {
            scrub(str(k)): scrub(v) if isinstance(v, str) else v for k, v in failure.details.items()
        }
        return failure

    def _scrub_data(self, data: Any) -> Any:
        if isinstance(data, str):
            return self.key.scrub(data)
        if isinstance(data, dict):
            return {self._scrub_data(k): self._scrub_data(v) for k, v in data.items()}
        if isinstance(data, list):
            return [self._scrub_data(v) for v in data]
        return data

    # -- the API -------------------------------------------------------------------------------
    def list_models(self) -> list[dict[str, Any]]:
        """Every model, retired ones included, in as few requests as the API allows."""
        models: list[dict[str, Any]] = []
        after: str | None = None
        while True:

            def one_page(
                client: anthropic.Anthropic, timeout: float, after: str | None = after
            ) -> Any:
                kwargs: dict[str, Any] = {
                    "limit": 1000,
                    "lifecycle": [str(word) for word in Lifecycle],
                }
                if after is not None:
                    kwargs["after_id"] = after
                return client.models.list(timeout=timeout, **kwargs)

            page = self._call(one_page)
            models.extend(self._scrub_data(m.model_dump(mode="json")) for m in page.data)
            if not page.has_more or not page.last_id:
                return models
            after = page.last_id

    def retrieve(self, model_id: str) -> dict[str, Any] | None:
        """One model by ID (aliases resolve to their model); None when the API does not know it."""
        try:
            model = self._call(
                lambda client, timeout: client.models.retrieve(model_id, timeout=timeout)
            )
        except ApiCallFailed as failed:
            if failed.failure.status == 404:
                return None
            raise
        data: dict[str, Any] = self._scrub_data(model.model_dump(mode="json"))
        return data

    def verify(self, model_id: str) -> Verification:
        """Prove access with the cheapest real call: max_tokens=1, a one-word prompt, nothing else
        (newer models reject sampling parameters)."""

        def create(client: anthropic.Anthropic, timeout: float) -> Any:
            return client.messages.with_raw_response.create(
                model=model_id,
                max_tokens=1,
                messages=[{"role": "user", "content": VERIFY_PROMPT}],
                timeout=timeout,
            )

        try:
            raw = self._call(create, billed=True)
        except ApiCallFailed as failed:
            return Verification(model_id, False, failed.failure, failed.failure.request_id)
        message = raw.parse()
        ratelimits = {
            self.key.scrub(name[len("anthropic-ratelimit-") :]): self.key.scrub(value)
            for name, value in raw.headers.items()
            if name.lower().startswith("anthropic-ratelimit-")
        }
        request_id = raw.headers.get("request-id")
        return Verification(
            model_id,
            True,
            request_id=self.key.scrub(request_id) if request_id else None,
            ratelimits=ratelimits,
            input_tokens=message.usage.input_tokens,
            output_tokens=message.usage.output_tokens,
        )

    def run_concurrently(self, calls: Iterable[Callable[[], T]]) -> list[T]:
        """Run the calls at most `max_concurrency` at a time. Daemon threads, not an executor:
        Ctrl-C must end the program at once, not after the slowest request times out."""
        tasks = list(calls)
        if len(tasks) <= 1:
            return [task() for task in tasks]
        results: list[Any] = [None] * len(tasks)
        errors: list[BaseException | None] = [None] * len(tasks)
        slots = threading.Semaphore(self.max_concurrency)

        def work(index: int, task: Callable[[], T]) -> None:
            with slots:
                try:
                    results[index] = task()
                except BaseException as exc:  # handed to the caller's thread below
                    errors[index] = exc

        threads = [
            threading.Thread(target=work, args=(i, task), daemon=True, name=f"api-{i}")
            for i, task in enumerate(tasks)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for error in errors:
            if error is not None:
                raise error
        return results

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
