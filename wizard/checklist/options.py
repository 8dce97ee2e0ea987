"""The options, in the order the evidence suggests: billing first, then a better model, then
refusals worth asking about, another key, keeping the current model, rerunning."""

from __future__ import annotations

from datetime import date

from wizard import prices
from wizard.checklist.proofs import BILLING_CODES, Item, proofs
from wizard.constants import BILLING_URL, KEYS_URL, SUPPORT_URL
from wizard.detection import Detection
from wizard.detection.configured_fallback import replace_step
from wizard.diagnosis import Diagnosis
from wizard.verdict import fallback_due
from wizard.vocab import Code, Lifecycle, Status
from wizard.words import after_colon

# Refusals of a listed, active model that support (or another workspace's key) can change.
REFUSED_ACTIVE = {Code.MODEL_NOT_AVAILABLE, Code.PERMISSION_DENIED, Code.MODEL_SUSPENDED}


# -- options, in the order the evidence suggests ---------------------------------------------


def _ranked_above(detection: Detection, model_id: str | None) -> list[str]:
    """The models of the preferred lines ranked above `model_id` (all of them without it)."""
    ranked = [m.id for m in detection.models if m.line in detection.prefer]
    return ranked[: ranked.index(model_id)] if model_id in ranked else ranked


def _refused_active(detection: Detection) -> list[Diagnosis]:
    """Refusals of listed, active models of the preferred lines that rank above the
    recommendation: the ones worth asking about."""
    above = set(_ranked_above(detection, detection.recommended))
    return [
        d
        for d in detection.diagnoses
        if d.code in REFUSED_ACTIVE and d.model in above and not d.account_wide
    ]


def named(detection: Detection, model_id: str | None) -> str:
    model = detection.model(model_id)
    return model.display_name if model is not None else str(model_id)


def _cost_versus(detection: Detection, model_id: str, other: str | None) -> str:
    ratio = prices.relative(model_id, other, detection.day, name=named(detection, other))
    return f" ({ratio})" if ratio else ""


def _switch_option(detection: Detection) -> Item | None:
    rec, current = detection.recommended, detection.configured_model
    if rec is None:
        return None
    if rec == current:
        return Item(
            "switch",
            True,
            f"Flux uses the best callable model of your preferred lines, {rec}",
            ["It answered a verification call in this run."],
        )
    return Item(
        "switch",
        False,
        f"Switch Flux to {rec} now{_cost_versus(detection, rec, current)}",
        [
            f"{rec} answered a verification call in this run; "
            + (
                "every model ranked above it was refused."
                if _ranked_above(detection, rec)
                else "it is the best model of your preferred lines."
            ),
            *price_line(rec, detection.day),
        ],
        f"`flux-setup run --model {rec}`",
    )


def price_line(model_id: str, day: date) -> list[str]:
    price = prices.price_of(model_id, day)
    if price is None:
        return [f"{prices.unknown(model_id)}."]
    return [f"It costs {price.describe()} per million input / output tokens ({prices.source()})."]


def _billing_option(detection: Detection) -> Item | None:
    refusal = next(
        (d for d in detection.diagnoses if d.code in BILLING_CODES and d.account_wide), None
    )
    if refusal is None:
        return None
    return Item(
        "fix-billing",
        False,
        f"Fix the {refusal.code.replace('_', ' ')} refusal",
        [refusal.message] + ([f"Request ID: {refusal.request_id}."] if refusal.request_id else []),
        refusal.next_step,
        refusal.url or BILLING_URL,
    )


def _support_option(detection: Detection) -> Item | None:
    refused = _refused_active(detection)
    if not refused:
        return None
    models = ", ".join(str(d.model) for d in refused)
    ids = ", ".join(f"{d.model} ({d.request_id})" for d in refused if d.request_id)
    return Item(
        "support",
        False,
        f"Ask support about refused models: {models}",
        [
            "Listed and active, but refused to this key: first check the workspace's model "
            "restrictions in the Console; if none apply, write to support.",
            f"Write: the key's fingerprint ({detection.key_fingerprint}), its workspace, each "
            "model ID, the error text below, and the request IDs.",
            f"Request IDs to quote: {ids or 'none given'}.",
            "Attach `flux-setup doctor --report flux-setup-report.json`: the checks and every "
            "exchange of one run, with no key in it (every key and secret masked).",
            *_error_texts(refused),
        ],
        "Contact support with the request IDs above, and attach the report.",
        SUPPORT_URL,
    )


def _error_texts(refused: list[Diagnosis]) -> list[str]:
    """Each distinct cause once, with the models it covers."""
    by_code: dict[str, list[Diagnosis]] = {}
    for d in refused:
        by_code.setdefault(d.code, []).append(d)
    texts = []
    for code, group in by_code.items():
        others = f" (the same for {len(group) - 1} more)" if len(group) > 1 else ""
        texts.append(after_colon(f"Error ({code}){others}", group[0].message))
    return texts


def _other_key_option(detection: Detection) -> Item | None:
    if not _refused_active(detection):
        return None
    return Item(
        "other-key",
        False,
        "Or use a key from another workspace or organisation that has access",
        [
            "Access to a model can differ by workspace; a key from a workspace that may call it "
            "gets it at once."
        ],
        "Create a key in that workspace, then rerun with it: "
        "`flux-setup run --api-key-stdin` (the key on standard input).",
        KEYS_URL,
    )


def _keep_option(detection: Detection) -> Item | None:
    current = detection.configured_model
    if not current or current == detection.recommended:
        return None
    if detection.configured_status not in (Status.CALLABLE, Status.DEPRECATED):
        return None
    lacks = []
    if detection.recommended:
        lacks.append(f"{detection.recommended} ranks higher in your preferred lines and answers.")
    model = detection.model(current)
    if model is not None and model.lifecycle == Lifecycle.DEPRECATED:
        when = model.retirement(detection.day)
        lacks.append(f"It is deprecated ({when})." if when else "It is deprecated.")
    return Item(
        "keep",
        False,
        f"Or keep {current}",
        [*price_line(current, detection.day), *lacks],
        "Nothing to do; `flux-setup check` tells you when that changes.",
        prices.PRICING_URL,
    )


def _fallback_option(detection: Detection) -> Item | None:
    """A configured fallback that needs a change: its own cause, and what replaces it."""
    fallback = detection.configured_fallback
    status = detection.configured_fallback_status
    if not fallback_due(fallback, status):
        return None
    cause = next(
        (d for d in detection.diagnoses if d.model in (fallback, detection.resolve(fallback))),
        None,
    )
    return Item(
        "fallback",
        False,
        f"Replace the fallback {fallback} ({status.words})",
        [cause.message] if cause else [],
        cause.next_step if cause else replace_step(detection),
        cause.url if cause else None,
    )


def _rerun_option(rerun: str) -> Item:
    return Item(
        "rerun",
        False,
        "After any change to your account, rerun the check",
        [
            f"`{rerun}` exits 0 (all good), 10 (a better model is callable), 11 (deprecated) or "
            "12 (unavailable); then run `flux-setup run`.",
            "Cron and CI snippets: docs/ci.md in the flux-setup repository.",
        ],
        f"`{rerun}`",
    )


def options(detection: Detection, rerun: str = "flux-setup check") -> list[Item]:
    """The levers, in the order the evidence suggests: a billing stop first (nothing else can
    work before it), then a better model to switch to, then refusals to ask about."""
    billing = _billing_option(detection)
    ordered = [
        billing,
        _switch_option(detection),
        _fallback_option(detection),
        _support_option(detection),
        _other_key_option(detection),
        _keep_option(detection),
    ]
    return [item for item in ordered if item is not None] + [_rerun_option(rerun)]


def items(detection: Detection, rerun: str = "flux-setup check") -> list[Item]:
    return proofs(detection) + options(detection, rerun)


def first_open(detection: Detection) -> Item | None:
    """The next thing to do: the first unticked option (the options already explain the proofs
    that failed), else the first unticked proof."""
    proven, chosen = proofs(detection), options(detection)
    return next((item for item in [*chosen, *proven] if not item.done), None)
