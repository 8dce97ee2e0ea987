"""What this run proved, ticked from evidence only; the item every section is made of."""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.catalog import Model
from wizard.constants import BILLING_URL, KEYS_URL, LIMITS_URL, STATUS_URL
from wizard.detection import Detection
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode
from wizard.jsontypes import JsonObject
from wizard.limits.findings import Limits
from wizard.vocab import Code, Lifecycle

STATUS_WORDS = {True: "callable (verified)", False: "refused", None: "not verified"}
BILLING_CODES = {
    Code.CREDIT_BALANCE_TOO_LOW,
    Code.BILLING_ERROR,
    Code.SPEND_LIMIT_REACHED,
    Code.ORGANIZATION_ON_HOLD,
}


@dataclass
class Item:
    id: str
    done: bool
    title: str
    details: list[str] = field(default_factory=list)
    next_step: str | None = None
    url: str | None = None

    def to_json(self) -> JsonObject:
        return {
            "id": self.id,
            "done": self.done,
            "title": self.title,
            "next_step": self.next_step,
            "url": self.url,
        }


# -- what this run proved --------------------------------------------------------------------


def model_status(detection: Detection, model_id: str) -> str:
    model = detection.model(model_id)
    if model is None:
        return "not in the catalogue"
    if model.lifecycle == Lifecycle.RETIRED:
        return "retired"
    if model.callable is False:
        why = model.reason.short if model.reason else "refused"
        return "refused" if why == "refused" else f"refused ({why})"
    if model.callable is None and model.reason:
        return f"unknown ({model.reason.short})"
    return STATUS_WORDS[model.callable]


def diag(detection: Detection, codes: set[Code]) -> Diagnosis | None:
    return next((d for d in detection.diagnoses if d.code in codes), None)


def _key_item(detection: Detection) -> Item:
    problem = diag(detection, {c for c in Code if c.exit_code == ExitCode.KEY})
    if problem is None and detection.models:
        return Item(
            "key-works",
            True,
            "The API key works",
            [_listed(detection)],
        )
    if problem is None and detection.billed_calls:
        # the listing did not arrive, but a call the key made answered: the key is proven
        return Item(
            "key-works",
            True,
            "The API key works",
            [f"Key {detection.key_fingerprint} made a call that answered."],
        )
    if problem is not None:
        return Item(
            "key-works",
            False,
            "The API key works",
            [problem.message],
            problem.next_step,
            problem.url or KEYS_URL,
        )
    return Item(
        "key-works",
        False,
        "The API key works",
        ["Not proven: the API could not be reached."],
        "Rerun when the network is back.",
        STATUS_URL,
    )


def _billing_item(detection: Detection) -> Item:
    title = "Billing works"
    refusal = diag(detection, BILLING_CODES)
    if detection.billed_calls:
        return Item("billing", True, title, ["A verification call succeeded."])
    if refusal is not None:
        return Item(
            "billing",
            False,
            title,
            [refusal.message],
            refusal.next_step,
            refusal.url or BILLING_URL,
        )
    why = "Not verified (--no-verify)." if not detection.verify else "Not proven yet."
    return Item("billing", False, title, [why], "Check the billing page.", BILLING_URL)


def _target_item(detection: Detection) -> Item:
    line = detection.prefer[0]
    target = best_of_line(detection, line)
    if target is None:
        return Item(
            "target-model",
            False,
            f"A {line} model is callable",
            ["No active model of this line is listed."],
        )
    title = f"The best {target.line} model, {target.id}, is callable"
    if target.callable:
        return Item("target-model", True, title, ["Verified with a 1-token call."])
    cause = next((d for d in detection.diagnoses if d.model == target.id), None)
    account = next((d for d in detection.diagnoses if d.account_wide), None)
    if cause is not None:
        return Item(
            "target-model",
            False,
            title,
            [f"Cause: {cause.code}: {cause.message}"],
            cause.next_step,
            cause.url,
        )
    if account is not None:
        detail = f"Not verified: {account.code} stops every call first (see billing above)."
    else:
        detail = "Not verified in this run."
    return Item("target-model", False, title, [detail], "Rerun `flux-setup check`.")


def _limits_item(detection: Detection) -> Item:
    """Ticked only for what this page shows: the rate limits read from the headers, or the
    rate and spend limits the Admin API gave (with an admin key). Without the Admin API the
    spend cap is in no answer (only a refusal says it was reached), so it is never called
    known; the limits page shows it."""
    admin = detection.admin_limits
    if admin is not None and admin.read:
        return _admin_limits_item(detection, admin)
    # a limit is a number: `50`, not `fifty` or `50 | # H`
    limits = {k: v for k, v in detection.ratelimits.items() if v.isascii() and v.isdigit()}
    if limits:
        shown = ", ".join(
            f"{name.replace('-limit', '')} {limits[name]}/min"
            for name in ("requests-limit", "input-tokens-limit", "output-tokens-limit")
            if name in limits
        )
        lines = [f"Read from the API's response headers: {shown}."]
    else:
        lines = ["Not read (no call succeeded)."]
    cap = diag(detection, {Code.SPEND_LIMIT_REACHED})
    if cap:
        lines.append(f"Spend limit reached: {cap.next_step}")
    else:
        lines.append(
            "Spend cap: not in the API's answers; the limits page shows it (`flux-setup limits` "
            "reads it with an admin key)."
        )
    return Item(
        "limits",
        bool(limits) and cap is None,
        "Rate limits are known",
        lines,
        "See or raise them, and the monthly spend cap, on the limits page (request higher "
        "limits there).",
        LIMITS_URL,
    )


def _admin_limits_item(detection: Detection, admin: Limits) -> Item:
    """The Admin API's limits: the target model's group, the spend limits, the key's record.
    Ticked when they were read, belong to this key's organisation, and no cap is reached."""
    target = detection.configured_model or detection.recommended
    group = admin.group_of(target)
    lines = ["Read through the Admin API (an admin key, used in memory only)."]
    if group is not None:
        lines.append(f"{target} ({group.name}): {group.describe()}.")
    lines += [f"Hint: {hint}" for hint in admin.hints_shown()]
    if admin.spend_limits:
        lines.append(f"Spend limits: {admin.spend_words()}.")
    elif admin.spend_note:
        lines.append(admin.spend_note)
    problems = [d for d in admin.diagnoses if d.code.exit_code is not None]
    lines += [d.message for d in problems]
    return Item(
        "limits",
        not problems,
        "Rate and spend limits are known",
        lines,
        problems[0].next_step if problems else "Raise them on the limits page if they bind.",
        LIMITS_URL,
    )


def proofs(detection: Detection) -> list[Item]:
    """What this run proved, ticked from evidence only."""
    return [
        _key_item(detection),
        _billing_item(detection),
        _target_item(detection),
        _limits_item(detection),
    ]


def best_of_line(detection: Detection, line: str) -> Model | None:
    return next(
        (m for m in detection.models if m.line == line and m.lifecycle == Lifecycle.ACTIVE), None
    )


def _listed(detection: Detection) -> str:
    """What the listing proved, in the count the models table below shows beside the whole
    (the table leaves retired models out, but the configured ones)."""
    listed, shown = len(detection.models), len(detection.shown_models())
    also = (
        f" ({shown} shown below; the other {listed - shown} are retired)" if shown < listed else ""
    )
    return f"Key {detection.key_fingerprint} listed {listed} models{also}."
