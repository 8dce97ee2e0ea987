"""The diagnosis itself: a code, a message, the next step, a link, and the model and request
it concerns; and the sentences every rule adds (the API's own words, how long it asks to
wait)."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.failures import ApiFailure
from wizard.jsontypes import JsonObject
from wizard.vocab import Code


@dataclass
class Diagnosis:
    code: Code
    message: str
    next_step: str
    url: str | None = None
    model: str | None = None
    request_id: str | None = None
    # True when every further request would get the same answer: detection stops, and the
    # command exits with the code's category (3 key, 4 account). The code's scope decides it
    # (`Code.scope`); only a refusal that is the model's or the account's by the evidence
    # (`Scope.MODEL_OR_ACCOUNT`) is set by whoever saw that evidence.
    account_wide: bool = False

    def __post_init__(self) -> None:
        if self.code.settles_account:
            self.account_wide = True

    def to_json(self) -> JsonObject:
        return {
            "code": str(self.code),
            "model": self.model,
            "message": self.message,
            "next_step": self.next_step,
            "url": self.url,
            "request_id": self.request_id,
        }


def api_said(message: str | None) -> str:
    """The API's own words, quoted after a diagnosis' sentence (empty when it said nothing)."""
    return f" The API said: “{message.strip()}”" if message and message.strip() else ""


def wait_words(failure: ApiFailure) -> str:
    """When the API asks to wait, for a transient answer: " The API asks to wait 3600 s ..."."""
    seconds = failure.retry_after
    if seconds is None or not failure.transient:
        return ""
    return f" The API asks to wait {seconds:g} s before trying again."


def for_model(model_id: str | None) -> str:
    return f" for {model_id}" if model_id else ""
