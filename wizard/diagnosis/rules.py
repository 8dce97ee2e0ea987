"""Every fact and API failure becomes one diagnosis: a code, a message, the next step, a link.

A 404 on a model is decided from the catalogue (no error code tells the causes apart). A
transient failure never makes a model "not callable". No message says a tier withholds a model:
tiers set rate limits and spend caps only.
"""

from __future__ import annotations

import re
from datetime import date

from wizard import error_codes
from wizard.catalog import Catalog, Model
from wizard.constants import (
    BILLING_URL,
    KEYS_URL,
    LIMITS_URL,
    STATUS_URL,
    SUPPORT_URL,
)
from wizard.diagnosis.connection import (
    not_the_api,
    too_large,
    unreachable,
    untrusted_certificate,
)
from wizard.diagnosis.core import Diagnosis, api_said, for_model, wait_words
from wizard.failures import ApiFailure
from wizard.vocab import Code, FailureKind, Lifecycle
from wizard.words import plural

REGAIN_ACCESS = re.compile(r"regain access on ([^.]+)", re.IGNORECASE)
RELAY_NOT_FOUND = re.compile(
    r"(the )?model [`'\"]?[\w.:@/-]+[`'\"]? (was )?(not found|does not exist)\.?"
)


def _retires(model: Model, day: date | None) -> str:
    """The retirement date: overdue when it has passed by the day of the check (the words
    every view uses, `Model.retirement`); without that day, without a tense, so a date that
    has passed never reads as one to come."""
    if not model.retires_on:
        return ""
    if day is not None and model.retires_on < day.isoformat():
        return f" ({model.retirement(day)})"
    return f" (retirement date {model.retires_on})"


def _instead(successor: Model | None) -> str:
    """The next step of a model that cannot stay: its line's newest model, when one is known."""
    if successor is None:
        return "Switch to a current model."
    if successor.callable:  # (a newer one may be unverified: `Catalog.successor` prefers proof)
        return f"Switch to {successor.id}, the newest model of its line proven callable."
    return f"Switch to {successor.id}, the newest model of its line."


# The lifecycle refusals whose next step is the model's line's newest (`_instead`).
_LIFECYCLE = (Code.MODEL_RETIRED, Code.MODEL_CLOSED_TO_NEW_ADOPTERS)


def restate_instead(diagnoses: list[Diagnosis], catalog: Catalog) -> None:
    """A lifecycle refusal's "switch to" said again from what the whole check found: it was
    worded when the refusal came in, and a model it named may have been refused since (a call
    of round one answers before the walk reaches that model)."""
    for d in diagnoses:
        model = catalog.get(d.model)
        if d.code in _LIFECYCLE and model is not None and d.next_step.startswith("Switch to "):
            d.next_step = _instead(catalog.successor(model))


def model_refusal(
    model_id: str, catalog: Catalog, request_id: str | None, day: date | None = None
) -> Diagnosis:
    """Why a 404 `model: <id>` happened, from the catalogue."""
    model = catalog.get(model_id)
    if model is None:
        close = catalog.suggestions(model_id)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        return Diagnosis(
            Code.MODEL_UNKNOWN,
            f"{model_id} is not a model the API knows (not in the catalogue, retired ones included).{hint}",
            "Check the spelling, or pick a model from the list.",
            model=model_id,
            request_id=request_id,
        )
    instead = _instead(catalog.successor(model))
    if model.lifecycle == Lifecycle.RETIRED:
        when = f" on {model.retires_on}" if model.retires_on else ""
        return Diagnosis(
            Code.MODEL_RETIRED,
            f"{model_id} was retired{when}: no one can call it any more.",
            instead,
            model=model_id,
            request_id=request_id,
        )
    if model.lifecycle == Lifecycle.DEPRECATED:
        return Diagnosis(
            Code.MODEL_CLOSED_TO_NEW_ADOPTERS,
            f"{model_id} is deprecated{_retires(model, day)} and closed to organisations that did not "
            "use it before; yours did not.",
            instead,
            model=model_id,
            request_id=request_id,
        )
    return Diagnosis(
        Code.MODEL_NOT_AVAILABLE,
        f"{model_id} is listed and active, but this key may not call it: the workspace may "
        "restrict models, the model may be gated (approved customers only), or it may not be "
        "offered under zero data retention.",
        "Check the workspace's model restrictions in the Console; if none apply, contact "
        "support with the request ID.",
        url=SUPPORT_URL,
        model=model_id,
        request_id=request_id,
    )


def from_failure(
    failure: ApiFailure,
    *,
    model_id: str | None = None,
    catalog: Catalog | None = None,
    base_url: str | None = None,
    day: date | None = None,
) -> Diagnosis:
    """The one diagnosis that explains an API failure: the first rule that recognises it
    (`day`: of the check, for a retirement date that has passed)."""
    if failure.kind == FailureKind.MALFORMED:
        return not_the_api(failure, model_id, base_url)
    if failure.kind == FailureKind.CERTIFICATE:
        return untrusted_certificate(failure, model_id, base_url)
    if failure.kind != FailureKind.STATUS:
        return unreachable(failure, model_id, base_url)
    for rule in (_by_error_code, _credential, _account, _access):
        found = rule(failure, model_id)
        if found is not None:
            return _as_of(found, day)
    if failure.status == 404 and model_id is not None and catalog is not None:
        return _not_found(failure, model_id, catalog, day)
    if failure.status == 413:
        return too_large(failure, model_id, base_url)
    return _transient(failure, model_id) or _unknown(failure, model_id)


def _by_error_code(failure: ApiFailure, model_id: str | None) -> Diagnosis | None:
    """An `error_code` the SDK defines, read from its table (`error_codes.RULES`)."""
    rule = error_codes.rule_for(failure.error_code)
    return None if rule is None else _from_rule(rule, failure, model_id)


def _from_rule(rule: error_codes.Rule, failure: ApiFailure, model_id: str | None) -> Diagnosis:
    """A diagnosis in a rule's words (`error_codes.RULES`): its own sentence, the wait and the
    API's words after it, its next step and page."""
    url = rule.url
    appeal = failure.details.get("appeal_url") if failure.details else None
    if isinstance(appeal, str) and appeal.startswith("https://"):
        url = appeal  # organization_on_hold: where the organisation can appeal
    return Diagnosis(
        rule.code,
        f"{rule.says}{wait_words(failure)}{api_said(failure.message)}",
        rule.next_step,
        url=url,
        model=model_id if rule.transient else None,
        request_id=failure.request_id,
        account_wide=rule.whole_request,
    )


def _credential(failure: ApiFailure, model_id: str | None) -> Diagnosis | None:
    """The credential itself is refused: every request would be."""
    status, message, rid = failure.status, failure.message or "", failure.request_id
    lowered = message.lower()
    if status == 401 and "oauth" in lowered:
        return Diagnosis(
            Code.KEY_WRONG_KIND,
            f"This credential is an OAuth token, not an API key; the API refuses it.{api_said(message)}",
            error_codes.AN_API_KEY,
            url=KEYS_URL,
            request_id=rid,
        )
    if status == 401:
        return Diagnosis(
            Code.KEY_INVALID,
            "The API rejected the key (401): it is revoked, expired or mistyped.",
            error_codes.NEW_KEY,
            url=KEYS_URL,
            request_id=rid,
        )
    if status == 400 and "only authorized for use with claude code" in lowered:
        return Diagnosis(
            Code.KEY_WRONG_KIND,
            "This credential is a Claude Code OAuth token; the API refuses it.",
            error_codes.AN_API_KEY,
            url=KEYS_URL,
            request_id=rid,
        )
    return None


def _account(failure: ApiFailure, model_id: str | None) -> Diagnosis | None:
    """The organisation's standing: on hold, out of credit, over a spend limit, unpaid."""
    status, message, rid = failure.status, failure.message or "", failure.request_id
    lowered = message.lower()
    if status == 400 and (
        "organization has been disabled" in lowered or "organisation has been disabled" in lowered
    ):
        # the older body of the same refusal, without its error_code: the one rule's words
        return _from_rule(error_codes.RULES["organization_on_hold"], failure, model_id)
    if status == 400 and "credit balance is too low" in lowered:
        return Diagnosis(
            Code.CREDIT_BALANCE_TOO_LOW,
            "Your credit balance is too low: the API refuses inference until billing is set up.",
            "Add credit or a payment method on the billing page, then rerun `flux-setup check`.",
            url=BILLING_URL,
            request_id=rid,
        )
    if status == 400 and "reached your specified" in lowered and "usage limit" in lowered:
        return _spend_limit(message, rid)
    if status == 402:
        return Diagnosis(
            Code.BILLING_ERROR,
            f"The API reports a billing problem (402).{api_said(message)}",
            "Check the payment method and balance on the billing page.",
            url=BILLING_URL,
            request_id=rid,
        )
    return None


def _access(failure: ApiFailure, model_id: str | None) -> Diagnosis | None:
    """403s: a network the API refuses (every model), or a model the workspace withholds."""
    if failure.status != 403:
        return None
    message, rid = failure.message or "", failure.request_id
    if failure.type != "permission_error":
        return Diagnosis(
            Code.REGION_BLOCKED,
            f"The API refused the request from this network (403 {failure.type or 'forbidden'}): "
            f"requests from an unsupported region, or through a proxy that blocks them, are "
            f"refused for every model.{api_said(message)}",
            "Use the API from a supported country, or without the blocking proxy (check "
            "HTTPS_PROXY); support can confirm which applies.",
            url=SUPPORT_URL,
            request_id=rid,
        )
    return Diagnosis(
        Code.PERMISSION_DENIED,
        f"This key may not call {model_id or 'this endpoint'} (403 permission_error): the "
        f"key's workspace probably restricts it.{api_said(message)}",
        "Ask a workspace admin to allow it in the Console (the key's workspace settings), or "
        "use a key from a workspace that may call it.",
        url=KEYS_URL,
        model=model_id,
        request_id=rid,
    )


def _not_found(failure: ApiFailure, model_id: str, catalog: Catalog, day: date | None) -> Diagnosis:
    """A 404 on a model: its own message on a listed model is a suspension; the standard
    `model: <id>` is decided from the catalogue."""
    message = failure.message or ""
    listed = catalog.get(model_id)
    if (
        listed is not None
        and listed.lifecycle != Lifecycle.RETIRED
        and not _names_the_model(message)
    ):
        return Diagnosis(
            Code.MODEL_SUSPENDED,
            f"{model_id} is listed, but the API refuses it for now with its own message (not "
            f"a retirement, not a typo).{api_said(message)}",
            "Use another model until it returns (the API's message may name one); "
            "`flux-setup check` tells when it answers again.",
            model=model_id,
            request_id=failure.request_id,
        )
    return model_refusal(model_id, catalog, failure.request_id, day)


def _transient(failure: ApiFailure, model_id: str | None) -> Diagnosis | None:
    """Answers that change with time: they say nothing about access. Which answers those are
    is `ApiFailure.transient`'s call alone (the retry policy reads the same property)."""
    if not failure.transient:
        return None
    status, rid, tries = failure.status, failure.request_id, failure.attempts
    if status == 429:
        return Diagnosis(
            Code.RATE_LIMITED,
            f"Rate limited{for_model(model_id)} after {plural(tries, 'attempt')}; this says nothing "
            f"about which models you may call.{wait_words(failure)}",
            "Wait a minute and rerun; the limits page shows your rate limits."
            if failure.retry_after is None
            else f"Rerun `flux-setup check` in {failure.retry_after:g} s or later; the limits "
            "page shows your rate limits.",
            url=LIMITS_URL,
            model=model_id,
            request_id=rid,
        )
    if status == 529:
        return Diagnosis(
            Code.OVERLOADED,
            f"The API is overloaded{for_model(model_id)} (529) after {plural(tries, 'attempt')}; "
            "this says nothing about access.",
            "Rerun in a few minutes; see the status page.",
            url=STATUS_URL,
            model=model_id,
            request_id=rid,
        )
    # 408, 409 and the other 5xx: the same request may succeed when it is sent again.
    timed_out = status in (408, 504) or failure.type == "timeout_error"
    what = "timed out" if timed_out else "failed"
    return Diagnosis(
        Code.SERVER_ERROR,
        f"The API {what} ({status} {failure.type or 'error'}){for_model(model_id)} after "
        f"{plural(tries, 'attempt')}; this says nothing about access.",
        "Rerun in a few minutes; see the status page.",
        url=STATUS_URL,
        model=model_id,
        request_id=rid,
    )


def _unknown(failure: ApiFailure, model_id: str | None) -> Diagnosis:
    return Diagnosis(
        Code.REQUEST_REJECTED,
        f"The API refused the request{for_model(model_id)} ({failure.status} "
        f"{failure.type or 'error'}), for a reason flux-setup does not know; it is not taken as "
        f"a refusal of the model.{api_said(failure.message)}",
        "Contact support with the request ID if this persists.",
        url=SUPPORT_URL,
        model=model_id,
        request_id=failure.request_id,
    )


def _names_the_model(message: str) -> bool:
    """The standard 404 says `model: <id>`, relays and gateways `model 'X' not found` or
    `model X does not exist`; anything else is a message of its own."""
    text = message.strip().lower()
    return text.startswith("model:") or RELAY_NOT_FOUND.fullmatch(text) is not None


RETURNS_ON = re.compile(r" Access returns on (\d{4}-\d{2}-\d{2})[^.]*\.")


def _as_of(found: Diagnosis, day: date | None) -> Diagnosis:
    """A day the API named for access to return, read on the day of the check: one that has
    passed is said as passed, and waiting is no longer advised."""
    match = RETURNS_ON.search(found.message) if day is not None else None
    if match is None or day is None or match.group(1) >= day.isoformat():
        return found
    passed = (
        f" The API named {match.group(1)} as the day access returns; that day has passed, so "
        "the limit stands until it is raised."
    )
    found.message = found.message.replace(match.group(0), passed)
    found.next_step = found.next_step.replace(", or wait until it resets", "")
    return found


def _spend_limit(message: str, rid: str | None) -> Diagnosis:
    """A spend limit the organisation or a workspace set itself (400, with the date access
    returns). The tier's monthly cap has an error code (`error_codes.RULES`)."""
    found = REGAIN_ACCESS.search(message)
    when = f" Access returns on {found.group(1).strip()}." if found else ""
    if "workspace" in message.lower():
        whose, where = (
            "The workspace's own spend limit",
            "Raise the workspace's spend limit in the Console (the workspace's settings, "
            "Limits), or wait until it resets",
        )
    else:
        whose, where = (
            "The organisation's own spend limit",
            "Raise the spend limit on the limits page, or wait until it resets",
        )
    return Diagnosis(
        Code.SPEND_LIMIT_REACHED,
        f"{whose} is reached: the API refuses inference until "
        f"it resets or is raised. Retrying cannot help.{when}{api_said(message)}",
        f"{where}.",
        url=LIMITS_URL,
        request_id=rid,
    )


def deprecated_but_callable(model: Model, today: date, *, proven: bool = True) -> Diagnosis:
    answers = "still answers, but it" if proven else "was not verified; it"
    when = model.retirement(today)
    return Diagnosis(
        Code.MODEL_DEPRECATED,
        f"{model.id} {answers} is deprecated{f' ({when})' if when else ''}.",
        "Move to a current model before it retires: `flux-setup run`.",
        model=model.id,
    )
