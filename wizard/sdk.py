"""The `anthropic` package itself: imported lazily (it costs ~2 s), warmed up in the background
when the network is next, and its exceptions read into `ApiFailure` data. Only this module and
`api.py` touch the SDK; no SDK exception leaves them."""

from __future__ import annotations

import os
import ssl
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


_contexts: dict[tuple[str | None, str | None], ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def tls_context() -> ssl.SSLContext:
    """The verifying TLS context the SDK's HTTP library makes for a new client, made once per
    process (again only if SSL_CERT_FILE or SSL_CERT_DIR, which it reads, change).

    Making one reads every certificate of the trust store (~17 ms of CPU, measured), and a
    process can build many clients: `check --all` one per key, the tests one per in-process
    command. The same context serves every connection; what it verifies is the SDK's default."""
    key = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    with _contexts_lock:
        context = _contexts.get(key)
        if context is None:
            import httpx2  # the SDK's own HTTP library (a dependency of `anthropic`)

            context = _contexts[key] = httpx2.create_ssl_context(verify=True, trust_env=True)
        return context


def _untrusted(exc: BaseException) -> str | None:
    """OpenSSL's reason when the connection failed on the server's certificate, else None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return untrusted.text(current.verify_message or str(current), limit=200)
        current = current.__cause__ or current.__context__
    return None


def to_failure(exc: BaseException, now: float) -> ApiFailure:
    sdk = load()
    if isinstance(exc, sdk.APITimeoutError):
        return ApiFailure(FailureKind.TIMEOUT, message="the request timed out")
    if isinstance(exc, sdk.APIConnectionError) and (refused_tls := _untrusted(exc)) is not None:
        return ApiFailure(FailureKind.CERTIFICATE, message=refused_tls)
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
