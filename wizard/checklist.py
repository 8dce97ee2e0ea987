"""The upgrade checklist: Markdown items ticked from evidence only, stable across reruns.

Each item carries a hidden id (`<!-- id:... -->`): a box the user ticked by hand stays ticked
when the file is written again, and a rerun with nothing changed rewrites only the date line.
Tiers set rate limits and spend caps; nothing here says or implies that a tier withholds a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from wizard import __version__
from wizard.detection import Detection
from wizard.diagnosis import (
    BILLING_URL,
    KEY_CODES,
    LIMITS_URL,
    SUPPORT_URL,
    Diagnosis,
)

ITEM = re.compile(r"^- \[(?P<tick>[ xX])\] .*<!-- id:(?P<id>[a-z0-9-]+) -->\s*$", re.M)
STATUS_WORDS = {
    True: "callable (verified)",
    False: "refused",
    None: "not verified",
}


@dataclass
class Item:
    id: str
    done: bool
    title: str
    details: list[str]


def _model_status(detection: Detection, model_id: str) -> str:
    model = detection.model(model_id)
    if model is None:
        return "not in the catalogue"
    if model.lifecycle == "retired":
        return "retired"
    if model.callable is False:
        return f"refused: {model.reason}" if model.reason else "refused"
    if model.callable is None and model.reason:
        return f"unknown ({model.reason})"
    return STATUS_WORDS[model.callable]


def _diag(detection: Detection, codes: set[str]) -> Diagnosis | None:
    return next((d for d in detection.diagnoses if d.code in codes), None)


def items(detection: Detection, rerun: str) -> list[Item]:
    out: list[Item] = []
    key_problem = _diag(detection, KEY_CODES)
    key_ok = key_problem is None and bool(detection.models)
    out.append(
        Item(
            "key-works",
            key_ok,
            "The API key works",
            [f"Key {detection.key_fingerprint} listed {len(detection.models)} models."]
            if key_ok
            else [
                f"{key_problem.message} Next: {key_problem.next_step} {key_problem.url or ''}".strip()
                if key_problem
                else "Not proven: the API could not be reached. Next: rerun when the network is back."
            ],
        )
    )
    billing = _diag(detection, {"credit_balance_too_low", "billing_error", "spend_limit_reached"})
    if detection.billed_calls:
        billing_item = Item("billing", True, "Billing works", ["A verification call succeeded."])
    elif billing is not None:
        billing_item = Item(
            "billing",
            False,
            "Billing works",
            [f"{billing.message} Next: {billing.next_step} {billing.url or BILLING_URL}"],
        )
    elif not detection.verify:
        billing_item = Item(
            "billing",
            False,
            "Billing works",
            [f"Not verified (--no-verify). Billing page: {BILLING_URL}"],
        )
    else:
        billing_item = Item(
            "billing", False, "Billing works", [f"Not proven yet. Billing page: {BILLING_URL}"]
        )
    out.append(billing_item)

    target = next(
        iter(
            m for m in detection.models if m.line == detection.prefer[0] and m.lifecycle == "active"
        ),
        None,
    )
    if target is None:
        out.append(
            Item(
                "target-model",
                False,
                f"A {detection.prefer[0]} model is callable",
                ["No active model of this line is listed."],
            )
        )
    else:
        title = f"The best {target.line} model, {target.id}, is callable"
        if target.callable:
            out.append(Item("target-model", True, title, ["Verified with a 1-token call."]))
        else:
            cause = next((d for d in detection.diagnoses if d.model == target.id), None)
            account = next((d for d in detection.diagnoses if d.account_wide), None)
            if cause is not None:
                detail = f"Cause: {cause.code}: {cause.message} Next: {cause.next_step}"
            elif account is not None:
                detail = f"Not verified: {account.code} stops every call first (see billing above)."
            else:
                detail = "Not verified in this run."
            out.append(Item("target-model", False, title, [detail]))

    limits = detection.ratelimits
    if limits:
        shown = ", ".join(
            f"{name.replace('-limit', '')} {limits[name]}/min"
            for name in ("requests-limit", "input-tokens-limit", "output-tokens-limit")
            if name in limits
        )
        lines = [
            f"Read from the API's response headers: {shown}.",
            f"Limits and spend cap: {LIMITS_URL} (request higher limits there).",
        ]
    else:
        lines = [f"Not read (no call succeeded). Limits and spend cap: {LIMITS_URL}"]
    cap = _diag(detection, {"spend_limit_reached"})
    if cap:
        lines.append(f"The monthly spend cap is reached: {cap.next_step}")
    lines.append(
        "Rate limits and spend caps grow with your usage tier; they never decide which models you can call."
    )
    out.append(
        Item("limits", bool(limits) and cap is None, "Rate limits and spend cap are known", lines)
    )

    unexplained = [
        d
        for d in detection.diagnoses
        if d.code == "model_not_available" and d.model and _preferred(detection, d.model)
    ]
    if unexplained:
        ids = ", ".join(f"{d.model} ({d.request_id})" for d in unexplained)
        out.append(
            Item(
                "support",
                False,
                "Contact support about refused models",
                [
                    "Listed and active, but refused to this key: first check the workspace's model "
                    "restrictions in the Console; if none apply, contact support.",
                    f"Request IDs to quote: {ids}.",
                    f"Support: {SUPPORT_URL}",
                ],
            )
        )
    out.append(
        Item(
            "rerun",
            False,
            "After any change to your account, rerun the check",
            [
                f"Run `{rerun}`; if it exits 10 (a better model), 11 (deprecated) or 12 (unavailable), run `flux-setup run`."
            ],
        )
    )
    return out


def _preferred(detection: Detection, model_id: str) -> bool:
    model = detection.model(model_id)
    return model is not None and model.line in detection.prefer


def ticked_by_hand(existing: str | None) -> set[str]:
    if not existing:
        return set()
    return {m["id"] for m in ITEM.finditer(existing) if m["tick"] in "xX"}


def render(
    detection: Detection,
    *,
    made_at: str,
    rerun: str = "flux-setup check",
    existing: str | None = None,
) -> str:
    manual = ticked_by_hand(existing)
    lines = [
        "# Flux upgrade checklist",
        "",
        f"Made {made_at} by flux-setup {__version__}.",
        "",
        f"- Key: `{detection.key_fingerprint}`",
        f"- Configured model: `{detection.configured or 'none'}`"
        + (
            f" (an alias of `{detection.configured_model}`)"
            if detection.configured_model != detection.configured
            else ""
        )
        + f" ({detection.configured_status})",
        f"- Recommended: `{detection.recommended or 'none'}`",
        f"- Fallback: `{detection.fallback or 'none'}`",
        f"- Preferred lines: {', '.join(detection.prefer)}",
        "",
        "## Models",
        "",
        "| Model | Line | Lifecycle | Retires | Status |",
        "|---|---|---|---|---|",
    ]
    for model in detection.models:
        if model.lifecycle == "retired" and model.id != detection.configured_model:
            continue  # history, not choices; the configured one stays so its fate is visible
        lines.append(
            f"| `{model.id}` | {model.line or '-'} | {model.lifecycle} | {model.retires_on or '-'} | "
            f"{_model_status(detection, model.id)} |"
        )
    lines += ["", "## Checklist", ""]
    for item in items(detection, rerun):
        tick = "x" if item.done or item.id in manual else " "
        lines.append(f"- [{tick}] {item.title} <!-- id:{item.id} -->")
        lines.extend(f"  - {detail}" for detail in item.details)
    lines.append("")
    return "\n".join(lines)


def same_but_date(old: str | None, new: str) -> bool:
    if old is None:
        return False
    strip = re.compile(r"^Made .* by flux-setup .*$", re.M)
    return strip.sub("", old) == strip.sub("", new)


def default_path(project: Path) -> Path:
    return project / "flux-upgrade-checklist.md"
