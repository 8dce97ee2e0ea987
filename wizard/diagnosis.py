"""Every fact and API failure becomes one diagnosis: a code, a message, the next step, a link.

A 404 on a model is decided from the catalogue (no error code tells the causes apart). A
transient failure never makes a model "not callable". No message says a tier withholds a model:
tiers set rate limits and spend caps only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wizard.api import ApiFailure
from wizard.catalog import Catalog, Model
from wizard.errors import ExitCode

KEYS_URL = "https://platform.claude.com/settings/keys"
LIMITS_URL = "https://platform.claude.com/settings/limits"
BILLING_URL = "https://platform.claude.com/settings/billing"
USAGE_URL = "https://platform.claude.com/usage"
SUPPORT_URL = "https://support.claude.com"
STATUS_URL = "https://status.claude.com"

KEY_CODES = {"key_missing", "key_malformed", "key_wrong_kind", "key_invalid"}
# Refusals that no other model or request would escape: one answer settles them for the account.
ACCOUNT_CODES = {
    "credit_balance_too_low",
    "billing_error",
    "spend_limit_reached",
    "organization_on_hold",
    "region_blocked",
}
# Refusals that are account-wide only when the evidence says so: they repeated for every model
# tried and no call succeeded. Until then they belong to one model.
SCOPED_CODES = {"permission_denied", "request_rejected"}
NETWORK_CODES = {"network_error", "rate_limited", "overloaded", "server_error"}
MODEL_REFUSAL_CODES = {
    "model_retired",
    "model_closed_to_new_adopters",
    "model_not_available",
    "model_unknown",
    "model_suspended",
    "permission_denied",
}
REGAIN_ACCESS = re.compile(r"regain access on ([^.]+)", re.IGNORECASE)


@dataclass
class Diagnosis:
    code: str
    message: str
    next_step: str
    url: str | None = None
    model: str | None = None
    request_id: str | None = None
    # True when every further request would get the same answer: detection stops, and the
    # command exits with the code's category (3 key, 4 account).
    account_wide: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "model": self.model,
            "message": self.message,
            "next_step": self.next_step,
            "url": self.url,
            "request_id": self.request_id,
        }


def exit_code_for(code: str) -> ExitCode | None:
    if code in KEY_CODES:
        return ExitCode.KEY
    if code in ACCOUNT_CODES or code in SCOPED_CODES:
        return ExitCode.ACCOUNT
    if code in NETWORK_CODES:
        return ExitCode.NETWORK
    return None


def api_said(message: str | None) -> str:
    """The API's own words, quoted after a diagnosis' sentence (empty when it said nothing)."""
    return f" The API said: “{message.strip()}”" if message and message.strip() else ""


def _retires(model: Model) -> str:
    return f" (retires {model.retires_on})" if model.retires_on else ""


def model_refusal(model_id: str, catalog: Catalog, request_id: str | None) -> Diagnosis:
    """Why a 404 `model: <id>` happened, from the catalogue."""
    model = catalog.get(model_id)
    if model is None:
        close = catalog.suggestions(model_id)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        return Diagnosis(
            "model_unknown",
            f"{model_id} is not a model the API knows (not in the catalogue, retired ones included).{hint}",
            "Check the spelling, or pick a model from the list.",
            model=model_id,
            request_id=request_id,
        )
    successor = catalog.successor(model)
    instead = f" Use {successor.id} instead." if successor else ""
    if model.lifecycle == "retired":
        when = f" on {model.retires_on}" if model.retires_on else ""
        return Diagnosis(
            "model_retired",
            f"{model_id} was retired{when}: no one can call it any more.",
            f"Switch to a current model.{instead}",
            model=model_id,
            request_id=request_id,
        )
    if model.lifecycle == "deprecated":
        return Diagnosis(
            "model_closed_to_new_adopters",
            f"{model_id} is deprecated{_retires(model)} and closed to organisations that did not "
            "use it before; yours did not.",
            f"Use a current model.{instead}",
            model=model_id,
            request_id=request_id,
        )
    return Diagnosis(
        "model_not_available",
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
) -> Diagnosis:
    """The one diagnosis that explains an API failure."""
    rid = failure.request_id
    message = failure.message or ""
    if failure.kind in ("connection", "refused", "timeout"):
        where = f" {base_url}" if base_url else " the API"
        what = {
            "timeout": "timed out",
            "refused": f"nothing answered there ({failure.message or 'connection refused'})",
            "connection": f"the connection broke ({failure.message or 'reset'})",
        }[failure.kind]
        return Diagnosis(
            "network_error",
            f"Could not reach{where}: {what} after {failure.attempts} attempt(s).",
            "Check the network, proxy settings or --base-url, then rerun; a slow network may "
            "need a larger --timeout.",
            url=STATUS_URL,
            model=model_id,
        )
    status = failure.status
    lowered = message.lower()
    if status == 401 and "oauth" in lowered:
        return Diagnosis(
            "key_wrong_kind",
            f"This credential is an OAuth token, not an API key; the API refuses it.{api_said(message)}",
            "Create an API key (sk-ant-api03-...) in the Console and use it instead.",
            url=KEYS_URL,
            request_id=rid,
            account_wide=True,
        )
    if status == 401:
        return Diagnosis(
            "key_invalid",
            "The API rejected the key (401): it is revoked, expired or mistyped.",
            "Create a new key in the Console and rerun with it.",
            url=KEYS_URL,
            request_id=rid,
            account_wide=True,
        )
    if failure.error_code == "organization_on_hold" or (
        status == 400
        and (
            "organization has been disabled" in lowered
            or "organisation has been disabled" in lowered
        )
    ):
        appeal = failure.details.get("appeal_url") if failure.details else None
        return Diagnosis(
            "organization_on_hold",
            f"The organisation is disabled or on hold: the API refuses every request.{api_said(message)}",
            "Contact support (or appeal) with the request ID; nothing on this machine can fix it.",
            url=appeal
            if isinstance(appeal, str) and appeal.startswith("https://")
            else SUPPORT_URL,
            request_id=rid,
            account_wide=True,
        )
    if status == 400 and "credit balance is too low" in lowered:
        return Diagnosis(
            "credit_balance_too_low",
            "Your credit balance is too low: the API refuses inference until billing is set up.",
            "Add credit or a payment method on the billing page, then rerun `flux-setup check`.",
            url=BILLING_URL,
            request_id=rid,
            account_wide=True,
        )
    if status == 400 and "only authorized for use with claude code" in lowered:
        return Diagnosis(
            "key_wrong_kind",
            "This credential is a Claude Code OAuth token; the API refuses it.",
            "Create an API key (sk-ant-api03-...) in the Console.",
            url=KEYS_URL,
            request_id=rid,
            account_wide=True,
        )
    if (status == 400 and "reached your specified" in lowered and "usage limit" in lowered) or (
        status == 429 and failure.error_code == "enforced_spend_limit_reached"
    ):
        return _spend_limit(message, rid, cap=status == 429)
    if status == 402:
        return Diagnosis(
            "billing_error",
            f"The API reports a billing problem (402).{api_said(message)}",
            "Check the payment method and balance on the billing page.",
            url=BILLING_URL,
            request_id=rid,
            account_wide=True,
        )
    if status == 403 and failure.type != "permission_error":
        return Diagnosis(
            "region_blocked",
            f"The API refused the request from this network (403 {failure.type or 'forbidden'}): "
            f"requests from an unsupported region, or through a proxy that blocks them, are "
            f"refused for every model.{api_said(message)}",
            "Use the API from a supported country, or without the blocking proxy (check "
            "HTTPS_PROXY); support can confirm which applies.",
            url=SUPPORT_URL,
            request_id=rid,
            account_wide=True,
        )
    if status == 403:
        return Diagnosis(
            "permission_denied",
            f"This key may not call {model_id or 'this endpoint'} (403 permission_error): the "
            f"key's workspace probably restricts it.{api_said(message)}",
            "Ask a workspace admin to allow it in the Console (the key's workspace settings), or "
            "use a key from a workspace that may call it.",
            url=KEYS_URL,
            model=model_id,
            request_id=rid,
        )
    if status == 404 and model_id is not None and catalog is not None:
        listed = catalog.get(model_id)
        if listed is not None and listed.lifecycle != "retired" and not _names_the_model(message):
            return Diagnosis(
                "model_suspended",
                f"{model_id} is listed, but the API refuses it for now with its own message (not "
                f"a retirement, not a typo).{api_said(message)}",
                "Use another model until it returns (the API's message may name one); "
                "`flux-setup check` tells when it answers again.",
                model=model_id,
                request_id=rid,
            )
        return model_refusal(model_id, catalog, rid)
    if status == 429:
        return Diagnosis(
            "rate_limited",
            f"Rate limited{_for(model_id)} after {failure.attempts} attempt(s); this says nothing "
            "about which models you may call.",
            "Wait a minute and rerun; the limits page shows your rate limits.",
            url=LIMITS_URL,
            model=model_id,
            request_id=rid,
        )
    if status == 529:
        return Diagnosis(
            "overloaded",
            f"The API is overloaded{_for(model_id)} (529) after {failure.attempts} attempt(s); "
            "this says nothing about access.",
            "Rerun in a few minutes; see the status page.",
            url=STATUS_URL,
            model=model_id,
            request_id=rid,
        )
    if status is not None and status >= 500:
        what = "timed out" if status == 504 or failure.type == "timeout_error" else "failed"
        return Diagnosis(
            "server_error",
            f"The API {what} ({status} {failure.type or 'error'}){_for(model_id)} after "
            f"{failure.attempts} attempt(s); this says nothing about access.",
            "Rerun in a few minutes; see the status page.",
            url=STATUS_URL,
            model=model_id,
            request_id=rid,
        )
    return Diagnosis(
        "request_rejected",
        f"The API refused the request{_for(model_id)} ({status} {failure.type or 'error'}), "
        f"for a reason flux-setup does not know; it is not taken as a refusal of the model."
        f"{api_said(message)}",
        "Contact support with the request ID if this persists.",
        url=SUPPORT_URL,
        model=model_id,
        request_id=rid,
    )


def _names_the_model(message: str) -> bool:
    """The standard 404 says `model: <id>`; anything else is a message of its own."""
    return message.strip().lower().startswith("model:")


def _spend_limit(message: str, rid: str | None, *, cap: bool) -> Diagnosis:
    """The monthly spend cap of the usage tier (429 enforced_spend_limit_reached), or a spend
    limit the organisation or a workspace set itself (400, with the date access returns)."""
    found = REGAIN_ACCESS.search(message)
    when = f" Access returns on {found.group(1).strip()}." if found else ""
    if cap:
        whose, where = (
            "The monthly spend cap",
            "Raise the limit on the limits page, or wait for the next month",
        )
    elif "workspace" in message.lower():
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
        "spend_limit_reached",
        f"{whose} is reached: the API refuses inference until "
        f"it resets or is raised. Retrying cannot help.{when}{api_said(message)}",
        f"{where}.",
        url=LIMITS_URL,
        request_id=rid,
        account_wide=True,
    )


def _for(model_id: str | None) -> str:
    return f" for {model_id}" if model_id else ""


def deprecated_but_callable(model: Model, *, proven: bool = True) -> Diagnosis:
    answers = "still answers, but it" if proven else "was not verified; it"
    return Diagnosis(
        "model_deprecated",
        f"{model.id} {answers} is deprecated{_retires(model)}.",
        "Move to a current model before it retires: `flux-setup run`.",
        model=model.id,
    )
