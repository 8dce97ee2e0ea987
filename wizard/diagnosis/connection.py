"""Answers that are not the API's verdict on anything: nothing reached (DNS, refused, timed
out, reset), or something else answered (a portal, a proxy, a gateway refusing a one-word
request as too large). None of them refuses a model or the account."""

from __future__ import annotations

from wizard.constants import STATUS_URL
from wizard.diagnosis.core import Diagnosis, api_said
from wizard.failures import ApiFailure
from wizard.vocab import Code, FailureKind
from wizard.words import plural


def not_the_api(failure: ApiFailure, model_id: str | None, base_url: str | None) -> Diagnosis:
    where = f"The server at {base_url}" if base_url else "The server"
    return Diagnosis(
        Code.UNEXPECTED_RESPONSE,
        f"{where} did not answer like the Anthropic API (a captive portal or a proxy?): "
        f"{failure.message or 'an answer of the wrong shape'}.",
        "Check --base-url or ANTHROPIC_BASE_URL, log in to the network's portal, or check the "
        "proxy settings (HTTPS_PROXY), then rerun.",
        url=STATUS_URL,
        model=model_id,
    )


# The words that say a certificate was refused (the closing line of a check reads them).
UNTRUSTED = "sent a certificate this machine does not trust"


def untrusted_certificate(
    failure: ApiFailure, model_id: str | None, base_url: str | None
) -> Diagnosis:
    """TLS refused the server's certificate: no request was sent (nothing billed, nothing
    refused). Most often a network that inspects HTTPS with its own authority; not retried."""
    where = f"The server at {base_url}" if base_url else "The server"
    return Diagnosis(
        Code.NETWORK_ERROR,
        f"{where} {UNTRUSTED} ({failure.message}), so no request was sent: a network that "
        "inspects HTTPS, or the wrong address.",
        "If your network inspects HTTPS, point SSL_CERT_FILE at its CA certificate (your IT "
        "team has it); otherwise check --base-url or ANTHROPIC_BASE_URL. Then rerun.",
        model=model_id,
    )


def too_large(failure: ApiFailure, model_id: str | None, base_url: str | None) -> Diagnosis:
    """A 413 without an error code the SDK knows: flux-setup sends a one-word prompt, so it is
    a proxy or gateway in front of the API, not the account: never a refusal of anything."""
    where = f" at {base_url}" if base_url else ""
    return Diagnosis(
        Code.UNEXPECTED_RESPONSE,
        f"Something in front of the API{where} (a proxy or gateway) refused a one-word request "
        f"as too large (413 {failure.type or 'request_too_large'}): this says nothing about "
        f"the account or access.{api_said(failure.message)}",
        "Check the proxy settings (HTTPS_PROXY) or --base-url, then rerun.",
        url=STATUS_URL,
        model=model_id,
        request_id=failure.request_id,
    )


# What the resolver says when a host name has no address, on Linux, macOS and Windows.
_UNRESOLVED = (
    "name or service not known",
    "nodename nor servname",
    "temporary failure in name resolution",
    "no address associated",
    "getaddrinfo failed",
    "name resolution",
)


def unresolved(message: str | None) -> bool:
    return bool(message) and any(words in str(message).lower() for words in _UNRESOLVED)


def unreachable(failure: ApiFailure, model_id: str | None, base_url: str | None) -> Diagnosis:
    where = f" {base_url}" if base_url else " the API"
    what = {
        FailureKind.TIMEOUT: failure.message or "the request timed out",
        FailureKind.REFUSED: (
            f"the host name did not resolve (DNS: {failure.message})"
            if unresolved(failure.message)
            else f"nothing answered there ({failure.message or 'connection refused'})"
        ),
        FailureKind.CONNECTION: f"the connection broke ({failure.message or 'reset'})",
    }[FailureKind(failure.kind)]
    return Diagnosis(
        Code.NETWORK_ERROR,
        f"Could not reach{where}: {what} after {plural(failure.attempts, 'attempt')}.",
        "Check the network, proxy settings or --base-url, then rerun; a slow network may "
        "need a larger --timeout.",
        url=STATUS_URL,
        model=model_id,
    )
