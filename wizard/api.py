"""Anthropic API access: list and retrieve models, verify access with a 1-token call.

With `sdk.py`, the only module that touches `anthropic`, and only when a network step runs.
The wizard's own retry policy replaces the SDK's: short timeouts, retries of transient
failures within one time budget, never a retry of a 4xx or of the spend-cap 429.
Results are data (`ApiFailure`, `Verification`); no SDK exception leaves this module.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar, cast

from wizard import paging, redaction, responses, sdk, untrusted
from wizard.concurrency import concurrently
from wizard.constants import BASE_URL_VAR, DEFAULT_TIMEOUT, OFFICIAL_BASE_URL, ORG_HEADER
from wizard.failures import (
    ApiCallFailed,
    ApiFailure,
    Verification,
    cause_of,
)
from wizard.jsontypes import JsonObject
from wizard.keys import ApiKey
from wizard.vocab import FailureKind, Lifecycle

if TYPE_CHECKING:
    import anthropic

    from wizard.recording import Recorder

# The whole network part of a command ends within this many per-request timeouts.
BUDGET_TIMEOUTS = 3.0
MAX_RETRY_AFTER = 5.0
VERIFY_PROMPT = "Hi"
# A connection refused or a name that does not resolve: tried this many times (about a
# second), not for the whole budget.
REFUSED_ATTEMPTS = 3
# A model list longer than this many pages of 1,000 (500,000 models) is a server paginating
# for ever.
MAX_PAGES = 500
RATELIMIT = "anthropic-ratelimit-"
RATELIMIT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
RATELIMIT_VALUE = re.compile(r"[0-9][0-9A-Za-z:.+-]{0,39}")  # 50, 2026-12-06T10:00:00Z

T = TypeVar("T")
LifecycleWord = Literal["active", "deprecated", "retired"]


class _Answer(Protocol):
    """What the SDK's HTTP client hands a response hook (its own httpx's Response)."""

    @property
    def headers(self) -> Mapping[str, str]: ...


def resolve_base_url(flag: str | None, environ: Mapping[str, str]) -> str:
    """--base-url, else ANTHROPIC_BASE_URL, else the official URL; a trailing /v1 is dropped
    (the SDK would request /v1/v1/...)."""
    url = (flag or environ.get(BASE_URL_VAR) or OFFICIAL_BASE_URL).strip().rstrip("/")
    if url.endswith("/v1"):
        url = url[: -len("/v1")]
    return url


class ApiClient:
    """One command's access to the API: one key, one base URL, one time budget."""

    def __init__(
        self,
        key: ApiKey,
        base_url: str,
        *,
        now: Callable[[], datetime],  # the wall clock, handed in: a retry-after date needs it
        timeout: float = DEFAULT_TIMEOUT,
        budget: float | None = None,
        max_concurrency: int = 4,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        recorder: Recorder | None = None,
    ) -> None:
        self.key = key
        self.recorder = recorder  # --record: sees every exchange, redacted as it comes
        if recorder is not None:
            recorder.hide(key)
        self.base_url = base_url
        self.timeout = timeout
        self.budget = budget if budget is not None else timeout * BUDGET_TIMEOUTS
        self.max_concurrency = max_concurrency
        self._clock = clock
        self._now = now
        self._sleep = sleep
        self._deadline = clock() + self.budget
        self._client: anthropic.Anthropic | None = None
        self._client_lock = threading.Lock()
        self.requests = 0
        self._count_lock = threading.Lock()
        self.rejected_ids: list[str] = []
        self.organizations: set[str] = set()
        # Told of each retry and its cause (the spinner shows it); called from worker threads.
        self.on_retry: Callable[[str], None] = lambda note: None

    def _sdk_client(self) -> anthropic.Anthropic:
        with self._client_lock:
            if self._client is None:
                anthropic_sdk = sdk.load()
                # The budget is the network's: it starts once the SDK is imported (~2 s the
                # first time), not while a command waits for the import.
                self._deadline = self._clock() + self.budget
                self._client = anthropic_sdk.Anthropic(
                    api_key=self.key.reveal(),  # explicit: an ambient variable never wins silently
                    base_url=self.base_url,
                    timeout=self.timeout,
                    max_retries=0,  # our policy below, not the SDK's
                    # the SDK's default client (limits, proxies from the environment), with
                    # the process's one TLS context (sdk.tls_context: ~17 ms a client)
                    http_client=anthropic_sdk.DefaultHttpxClient(
                        base_url=self.base_url, timeout=self.timeout, verify=sdk.tls_context()
                    ),
                )
                # Never follow a redirect: an answer from another place (another origin, or
                # an unauthenticated one) must not count as the API's, nor get the key. (The
                # SDK's own httpx client; tests/test_hostile_round3.py fails if it moves.)
                http = getattr(self._client, "_client", None)
                if http is not None:
                    http.follow_redirects = False
                    # every answer, success or error, names the key's organisation
                    hooks = dict(http.event_hooks)
                    hooks["response"] = [
                        responses.bounded_read,
                        *hooks.get("response", []),
                        self._saw_answer,
                    ]
                    if self.recorder is not None:
                        hooks["request"] = [*hooks.get("request", []), self.recorder.on_request]
                        hooks["response"].append(self.recorder.on_response)
                    http.event_hooks = hooks
            return self._client

    def _saw_answer(self, response: _Answer) -> None:
        """Note the organisation an answer names (shape-checked: a server's text)."""
        found = untrusted.organization_id(response.headers.get(ORG_HEADER))
        if found is not None:
            with self._count_lock:
                self.organizations.add(found)

    @property
    def organization_id(self) -> str | None:
        """The organisation this key's answers named; None when none did, or when they named
        more than one (something between us and the API mixes answers: nothing is claimed)."""
        return next(iter(self.organizations)) if len(self.organizations) == 1 else None

    def remaining(self) -> float:
        return self._deadline - self._clock()

    def _call(self, fn: Callable[[anthropic.Anthropic, float], T], *, billed: bool = False) -> T:
        """Run one request with the wizard's retry policy; raise ApiCallFailed when it gives up.

        A `billed` request is not repeated after a time-out or a connection lost midway: the
        server may have answered (and billed) it unseen, and `--max-verify` counts it once."""
        client = self._sdk_client()
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
            failure = self._attempt(fn, client, timeout)
            if not isinstance(failure, ApiFailure):
                return failure
            failure.attempts = attempt
            if self._final(failure, attempt, billed):
                raise ApiCallFailed(failure) from None
            backoff = min(0.25 * 2 ** (attempt - 1), 2.0)
            wait = backoff
            if failure.retry_after is not None:
                # Honoured, never sooner than the backoff (`retry-after: 0` made 174 requests
                # in 6 s). A wait longer than MAX_RETRY_AFTER is not waited for: the server
                # said when, and the message says it (retrying sooner would only be refused).
                if failure.retry_after > MAX_RETRY_AFTER:
                    raise ApiCallFailed(failure) from None
                wait = max(failure.retry_after, backoff)
            if wait >= self.remaining() - 0.05:
                raise ApiCallFailed(failure) from None
            last = failure
            # how long: this wait, and when the whole budget gives up (a 504 retried for 31 s
            # without a word looked like a hang)
            self.on_retry(
                f"({cause_of(failure)}: retrying in {wait:.1f} s; "
                f"giving up within {max(1, round(self.remaining())):.0f} s)"
            )
            self._sleep(wait)

    @staticmethod
    def _final(failure: ApiFailure, attempt: int, billed: bool) -> bool:
        if failure.should_retry is not None and failure.kind == FailureKind.STATUS:
            # the server's own word comes first, as in the SDK: `false` is never retried
            return not failure.should_retry  # an error status was answered: never billed
        if not failure.transient or failure.kind in (
            FailureKind.MALFORMED,
            FailureKind.CERTIFICATE,
        ):
            return True  # a portal's page, junk or a certificate does not change within seconds
        if failure.kind == FailureKind.REFUSED and attempt >= REFUSED_ATTEMPTS:
            return True
        return billed and failure.kind in (FailureKind.TIMEOUT, FailureKind.CONNECTION)

    def _attempt(
        self,
        fn: Callable[[anthropic.Anthropic, float], T],
        client: anthropic.Anthropic,
        timeout: float,
    ) -> T | ApiFailure:
        """One request, ended by the command's deadline whatever the server does: a server that
        trickles its answer a byte at a time never resets the SDK's read timeout, so the request
        runs in a thread the deadline abandons."""
        anthropic_sdk = sdk.load()
        outcome: list[T | BaseException] = []

        def request() -> None:
            try:
                outcome.append(fn(client, timeout))
            except BaseException as exc:  # handed over below
                outcome.append(exc)

        worker = threading.Thread(target=request, daemon=True, name="api-request")
        worker.start()
        worker.join(max(0.05, self.remaining()))
        if not outcome:
            return ApiFailure(
                FailureKind.TIMEOUT,
                message="the answer did not arrive within the time budget (a slow or "
                "trickling server)",
            )
        result = outcome[0]
        if isinstance(result, responses.Junk):
            return self._scrubbed(ApiFailure(FailureKind.MALFORMED, message=result.describe()))
        if isinstance(result, anthropic_sdk.APIError):
            return self._scrubbed(sdk.to_failure(result, self._now().timestamp()))
        if isinstance(result, (ValueError, TypeError, AttributeError, KeyError)):
            # the SDK could not read the answer either: not the API's shape
            what = f"the answer could not be read ({type(result).__name__})"
            return ApiFailure(FailureKind.MALFORMED, message=what)
        if isinstance(result, BaseException):
            raise result
        return result

    def _scrubbed(self, failure: ApiFailure) -> ApiFailure:
        """A server may echo the key in any text it controls: none of it is kept unscrubbed."""
        scrub = self.key.scrub
        if isinstance(failure.message, str):
            failure.message = untrusted.text(scrub(failure.message))
        for name in ("type", "error_code", "request_id"):  # one token each, or escaped
            value = getattr(failure, name)
            if isinstance(value, str):
                setattr(failure, name, untrusted.token(scrub(value)))
        failure.details = {
            untrusted.text(scrub(str(k)), 60): untrusted.text(scrub(v)) if isinstance(v, str) else v
            for k, v in failure.details.items()
        }
        return failure

    @staticmethod
    def _scrub_data(data: JsonObject) -> JsonObject:
        """A server may echo a key in any field: the answer scrubbed as a whole (`scrub_data`)."""
        return cast("JsonObject", redaction.scrub_data(data))

    # -- the API -------------------------------------------------------------------------------
    def list_models(self) -> list[JsonObject]:
        """Every model, retired ones included, in as few requests as the API allows; entries
        whose ID is not a model ID are left out and kept in `rejected_ids` (escaped)."""
        models: list[JsonObject] = []
        arrived = 0
        try:
            for page in paging.pages(
                self._model_page, _cursor_of, max_pages=MAX_PAGES, what="model list"
            ):
                arrived += 1
                # the page at once: one pass over its text when nothing in it carries a key
                models.extend(cast("list[JsonObject]", redaction.scrub_data(page.models)))
                self.rejected_ids.extend(self.key.scrub(r) for r in page.rejected)
        except ApiCallFailed as failed:
            if failed.failure.kind == FailureKind.TIMEOUT and models:
                # Pages did arrive: the list is longer than the budget, not unreachable.
                failed.failure.details = {"pages": arrived, "models": len(models)}
            raise
        return models

    def _model_page(self, after: str | None) -> responses.Page:
        def one_page(client: anthropic.Anthropic, timeout: float) -> responses.Page:
            # every word the vocabulary has (the SDK types them as literals)
            lifecycles = cast("list[LifecycleWord]", [str(word) for word in Lifecycle])
            if after is None:
                raw = client.models.with_raw_response.list(
                    timeout=timeout, limit=1000, lifecycle=lifecycles
                )
            else:
                raw = client.models.with_raw_response.list(
                    timeout=timeout, limit=1000, lifecycle=lifecycles, after_id=after
                )
            return responses.page(raw.http_response.content)

        return self._call(one_page)

    def retrieve(self, model_id: str) -> JsonObject | None:
        """One model by ID (aliases resolve to their model); None when the API does not know it."""

        def one(client: anthropic.Anthropic, timeout: float) -> JsonObject | None:
            raw = client.models.with_raw_response.retrieve(model_id, timeout=timeout)
            body = raw.http_response.content
            return responses.model(responses.parse(body), body)

        try:
            found = self._call(one)
        except ApiCallFailed as failed:
            if failed.failure.status == 404:
                return None
            raise
        return self._scrub_data(found) if found else None

    def verify(self, model_id: str) -> Verification:
        """Prove access with the cheapest real call: max_tokens=1, a one-word prompt, nothing else
        (newer models reject sampling parameters)."""

        def create(
            client: anthropic.Anthropic, timeout: float
        ) -> tuple[Mapping[str, str], tuple[int, int]]:
            raw = client.messages.with_raw_response.create(
                model=model_id,
                max_tokens=1,
                messages=[{"role": "user", "content": VERIFY_PROMPT}],
                timeout=timeout,
            )
            return raw.headers, responses.message_usage(raw.http_response.content)

        try:
            headers, (input_tokens, output_tokens) = self._call(create, billed=True)
        except ApiCallFailed as failed:
            return Verification(model_id, False, failed.failure, failed.failure.request_id)
        scrub = self.key.scrub
        ratelimits = {  # a number or a date each, under a name of letters, digits and dashes
            name.lower()[len(RATELIMIT) :]: scrub(value)
            for name, value in headers.items()
            if name.lower().startswith(RATELIMIT)
            and RATELIMIT_NAME.fullmatch(name.lower()[len(RATELIMIT) :])
            and RATELIMIT_VALUE.fullmatch(value)
            and not untrusted.carries_key(name)
        }
        request_id = headers.get("request-id")
        return Verification(
            model_id,
            True,
            request_id=untrusted.token(scrub(request_id)) if request_id else None,
            ratelimits=ratelimits,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
        )

    def run_concurrently(self, calls: Iterable[Callable[[], T]], at_once: int = 0) -> list[T]:
        """The calls, `max_concurrency` at a time (or `at_once`, when a round is known to
        need more in flight: the listing beside every call round one makes)."""
        return concurrently(calls, max(self.max_concurrency, at_once))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _cursor_of(page: responses.Page) -> str | None:
    """The next page's cursor: the last ID of a page that says there is more."""
    return page.last_id if page.has_more and page.last_id else None
