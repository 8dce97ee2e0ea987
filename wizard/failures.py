"""What a request to the API came to: an answer (`Verification`) or why it failed
(`ApiFailure`), as data every layer reads; no SDK type leaves `api.py`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wizard import answers
from wizard.facts import SPEND_LIMIT_ERROR_CODE
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


def retry_after_of(headers: Any) -> float | None:
    try:
        return answers.retry_after(headers.get("retry-after"))
    except AttributeError:
        return None


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
