"""The `anthropic` package itself: imported lazily (it costs ~2 s), warmed up in the background
when the network is next, and its exceptions read into `ApiFailure` data. Only this module and
`api.py` touch the SDK; no SDK exception leaves them."""

from __future__ import annotations

import threading
import warnings
from types import ModuleType

from wizard import untrusted
from wizard.failures import ApiFailure, retry_after_of, should_retry_of
from wizard.responses import AnswerTooLarge
from wizard.vocab import FailureKind

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
        timer = threading.Timer(delay, load)
        timer.daemon = True
        timer.start()
    else:
        threading.Thread(target=load, name="preload-anthropic", daemon=True).start()


def load() -> ModuleType:
    import anthropic

    # The SDK warns on every call naming a deprecated model; the wizard reports that itself.
    warnings.filterwarnings(
        "ignore", message="The model .* is deprecated", category=DeprecationWarning
    )
    return anthropic


def to_failure(exc: BaseException, now: float) -> ApiFailure:
    sdk = load()
    if isinstance(exc, sdk.APITimeoutError):
        return ApiFailure(FailureKind.TIMEOUT, message="the request timed out")
    if isinstance(exc, sdk.APIConnectionError):
        cause = exc.__cause__
        if isinstance(cause, AnswerTooLarge):  # not the API's: not retried
            return ApiFailure(FailureKind.MALFORMED, message=str(cause))
        detail = str(cause) if cause is not None and str(cause) else type(cause).__name__
        # A connection never made (refused, no such host) is not a connection lost midway:
        # the first rarely changes within seconds, so it is retried less.
        refused = type(cause).__name__ == "ConnectError"
        kind = FailureKind.REFUSED if refused else FailureKind.CONNECTION
        return ApiFailure(kind, message=detail)
    if isinstance(exc, sdk.APIStatusError) and 300 <= exc.status_code < 400:
        where = untrusted.text(exc.response.headers.get("location") or "elsewhere", limit=200)
        return ApiFailure(
            FailureKind.MALFORMED,
            status=exc.status_code,
            message=f"a redirect ({exc.status_code}) to {where}, which flux-setup does not follow",
        )
    if isinstance(exc, sdk.APIStatusError):
        details = exc.body.get("error", {}).get("details") if isinstance(exc.body, dict) else None
        return ApiFailure(
            FailureKind.STATUS,
            status=exc.status_code,
            type=exc.type,
            message=exc.api_message,
            error_code=exc.error_code,
            request_id=exc.request_id,
            retry_after=retry_after_of(exc.response.headers, now),
            should_retry=should_retry_of(exc.response.headers),
            details=details if isinstance(details, dict) else {},
        )
    raise exc
