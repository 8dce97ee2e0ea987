"""What a request to the API came to: an answer (`Verification`) or why it failed
(`ApiFailure`), as data every layer reads; no SDK type leaves `api.py`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from wizard import error_codes, responses
from wizard.vocab import FailureKind

TRANSIENT_STATUSES = {408, 409, 429, 500, 502, 503, 504, 529}


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
    details: dict[str, object] = field(default_factory=dict)
    attempts: int = 1
    # The server's own word on retrying (`x-should-retry: true|false`), obeyed first.
    should_retry: bool | None = None

    @property
    def transient(self) -> bool:
        """Whether time may change the answer: the one definition the retry policy and the
        diagnoses read. A known `error_code` decides (`error_codes.RULES`), else the status."""
        if self.kind != FailureKind.STATUS:
            return True
        rule = error_codes.rule_for(self.error_code)
        if rule is not None:
            return rule.transient
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


def retry_after_of(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asks to wait, by the SDK's rules (`_base_client.py`):
    `retry-after-ms` first, then `retry-after` in seconds or as an HTTP date (against `now`,
    seconds since the epoch)."""
    millis = responses.retry_after(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    value = headers.get("retry-after")
    seconds = responses.retry_after(value)
    if seconds is not None or not isinstance(value, str):
        return seconds
    return responses.retry_after_date(value, now)


def should_retry_of(headers: Mapping[str, str]) -> bool | None:
    """`x-should-retry: true|false`, the server's own word, which the SDK obeys first."""
    value = headers.get("x-should-retry")
    if not isinstance(value, str):
        return None
    return {"true": True, "false": False}.get(value.strip().lower())


def cause_of(failure: ApiFailure) -> str:
    """A retry's cause in a few words, for the spinner."""
    if failure.kind == FailureKind.STATUS:
        words = {429: "rate limited", 529: "overloaded"}.get(failure.status or 0, "server error")
        return f"{failure.status} {words}"
    return {
        FailureKind.TIMEOUT: "a request timed out",
        FailureKind.CONNECTION: "the connection broke",
        FailureKind.REFUSED: "nothing answered",
    }.get(FailureKind(failure.kind), "no answer")
