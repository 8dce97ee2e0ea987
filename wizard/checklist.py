"""The upgrade checklist: the page a user keeps open while changing their account.

What this run proved (ticked from evidence only), the options in the order the evidence
suggests, each line's best model with its price, and the true levers for getting more, with
their links. Each item carries a hidden id (`<!-- id:... -->`): a box the user ticked by hand
stays ticked when the file is written again, and so does everything under "## Notes". A rerun
that finds nothing new changes only the date line and this run's request IDs.
Tiers set rate limits and spend caps; nothing here says or implies that a tier withholds a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard import __version__, prices
from wizard.catalog import Model
from wizard.detection import Detection
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode
from wizard.facts import BILLING_URL, KEYS_URL, LIMITS_URL, STATUS_URL, SUPPORT_URL, USAGE_URL
from wizard.vocab import Code, Lifecycle, Status

ITEM = re.compile(r"^- \[(?P<tick>[ xX])\] .*<!-- id:(?P<id>[a-z0-9-]+) -->\s*$", re.M)
NOTES_HEADING = "## Notes"
NOTES_HINT = "<!-- Your own notes: flux-setup keeps everything under this heading. -->"
STATUS_WORDS = {True: "callable (verified)", False: "refused", None: "not verified"}
# Refusals of a listed, active model that support (or another workspace's key) can change.
REFUSED_ACTIVE = {Code.MODEL_NOT_AVAILABLE, Code.PERMISSION_DENIED, Code.MODEL_SUSPENDED}
BILLING_CODES = {
    Code.CREDIT_BALANCE_TOO_LOW,
    Code.BILLING_ERROR,
    Code.SPEND_LIMIT_REACHED,
    Code.ORGANIZATION_ON_HOLD,
}
# From the platform facts, checked on the date below; shown with it, never as live.
TIERS_CHECKED = "2026-11-25"
TIERS = (
    "Usage tiers (Evaluation, Start, Build, Scale, Custom) are assigned automatically from usage "
    "history and account standing. They set rate limits and monthly spend caps (Start $500, "
    "Build $1,000, Scale $200,000, Custom none; checked {date}), not which models you may call."
)


@dataclass
class Item:
    id: str
    done: bool
    title: str
    details: list[str] = field(default_factory=list)
    next_step: str | None = None
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "done": self.done,
            "title": self.title,
            "next_step": self.next_step,
            "url": self.url,
        }


# -- what this run proved --------------------------------------------------------------------


def _model_status(detection: Detection, model_id: str) -> str:
    model = detection.model(model_id)
    if model is None:
        return "not in the catalogue"
    if model.lifecycle == Lifecycle.RETIRED:
        return "retired"
    if model.callable is False:
        return f"refused: {model.reason}" if model.reason else "refused"
    if model.callable is None and model.reason:
        return f"unknown ({model.reason})"
    return STATUS_WORDS[model.callable]


def _diag(detection: Detection, codes: set[Code]) -> Diagnosis | None:
    return next((d for d in detection.diagnoses if d.code in codes), None)


def _key_item(detection: Detection) -> Item:
    problem = _diag(detection, {c for c in Code if c.exit_code == ExitCode.KEY})
    if problem is None and detection.models:
        return Item(
            "key-works",
            True,
            "The API key works",
            [f"Key {detection.key_fingerprint} listed {len(detection.models)} models."],
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
    refusal = _diag(detection, BILLING_CODES)
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
    target = _best_of_line(detection, line)
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
    limits = detection.ratelimits
    if limits:
        shown = ", ".join(
            f"{name.replace('-limit', '')} {limits[name]}/min"
            for name in ("requests-limit", "input-tokens-limit", "output-tokens-limit")
            if name in limits
        )
        lines = [f"Read from the API's response headers: {shown}."]
    else:
        lines = ["Not read (no call succeeded)."]
    cap = _diag(detection, {Code.SPEND_LIMIT_REACHED})
    if cap:
        lines.append(f"Spend limit reached: {cap.next_step}")
    return Item(
        "limits",
        bool(limits) and cap is None,
        "Rate limits and spend cap are known",
        lines,
        "See or raise them on the limits page (request higher limits there).",
        LIMITS_URL,
    )


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


def _named(detection: Detection, model_id: str | None) -> str:
    model = detection.model(model_id)
    return model.display_name if model is not None else str(model_id)


def _cost_versus(detection: Detection, model_id: str, other: str | None) -> str:
    ratio = prices.relative(model_id, other)
    return f" ({ratio} the price of {_named(detection, other)})" if ratio else ""


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
            *_price_line(rec),
        ],
        f"`flux-setup run --model {rec}`",
    )


def _price_line(model_id: str) -> list[str]:
    price = prices.price_of(model_id)
    if price is None:
        return [f"Its price is not in the price table: {prices.PRICING_URL}"]
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
            *_error_texts(refused),
        ],
        "Contact support with the request IDs above.",
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
        texts.append(f"Error ({code}){others}: {group[0].message}")
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
        when = f" on {model.retires_on}" if model.retires_on else ""
        lacks.append(f"It is deprecated and retires{when}.")
    return Item(
        "keep",
        False,
        f"Or keep {current}",
        [*_price_line(current), *lacks],
        "Nothing to do; `flux-setup check` tells you when that changes.",
        prices.PRICING_URL,
    )


def _rerun_option(rerun: str) -> Item:
    return Item(
        "rerun",
        False,
        "After any change to your account, rerun the check",
        [
            f"`{rerun}` exits 0 (all good), 10 (a better model is callable), 11 (deprecated) or "
            "12 (unavailable); then run `flux-setup run`.",
            "Cron and CI snippets: docs/upgrading.md in the flux-setup repository.",
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
        _support_option(detection),
        _other_key_option(detection),
        _keep_option(detection),
    ]
    return [item for item in ordered if item is not None] + [_rerun_option(rerun)]


def proofs(detection: Detection) -> list[Item]:
    """What this run proved, ticked from evidence only."""
    return [
        _key_item(detection),
        _billing_item(detection),
        _target_item(detection),
        _limits_item(detection),
    ]


def items(detection: Detection, rerun: str = "flux-setup check") -> list[Item]:
    return proofs(detection) + options(detection, rerun)


def first_open(detection: Detection) -> Item | None:
    """The next thing to do: the first unticked option (the options already explain the proofs
    that failed), else the first unticked proof."""
    proven, chosen = proofs(detection), options(detection)
    return next((item for item in [*chosen, *proven] if not item.done), None)


# -- the per-line table and the levers -------------------------------------------------------


def _best_of_line(detection: Detection, line: str) -> Model | None:
    return next(
        (m for m in detection.models if m.line == line and m.lifecycle == Lifecycle.ACTIVE), None
    )


def _price_reference(detection: Detection, bests: list[Model]) -> tuple[str | None, str]:
    """What prices are compared with: the configured model when its price is known, else the
    recommendation, else the cheapest of the lines' best models."""
    if prices.price_of(detection.configured_model):
        return detection.configured_model, "the configured model"
    if prices.price_of(detection.recommended):
        return detection.recommended, "the recommendation"
    priced = [m.id for m in bests if prices.price_of(m.id)]
    if not priced:
        return None, ""
    cheapest = min(priced, key=lambda i: prices.TABLE[i].input)
    return cheapest, "the cheapest line"


def line_table(detection: Detection) -> list[str]:
    bests = [m for m in (_best_of_line(detection, line) for line in detection.prefer) if m]
    current, what = _price_reference(detection, bests)
    rows = [
        "| Line | Best model | This key | Price in / out per million tokens | Relative price |",
        "|---|---|---|---|---|",
    ]
    for line in detection.prefer:
        best = _best_of_line(detection, line)
        if best is None:
            rows.append(f"| {_cell(line)} | - | no active model listed | - | - |")
            continue
        status = _model_status(detection, best.id)
        callable_below = next(
            (m.id for m in detection.models if m.line == line and m.callable and m.id != best.id),
            None,
        )
        if best.callable is not True and callable_below:
            status += f"; `{callable_below}` answers"
        price = prices.price_of(best.id)
        ratio = prices.relative(best.id, current)
        versus = f"{ratio} {_named(detection, current)}" if ratio else "-"
        rows.append(
            f"| {_cell(line)} | `{_cell(best.id)}` | {_cell(status)} | "
            f"{price.describe() if price else 'not in the price table'} | {_cell(versus)} |"
        )
    compared = f" Relative to {_named(detection, current)} ({what})." if current else ""
    rows += ["", f"Prices: {prices.source()}.{compared}"]
    return rows


def getting_more(detection: Detection) -> list[str]:
    ids = [f"{d.model or 'account'}: {d.request_id}" for d in detection.diagnoses if d.request_id]
    lines = [
        f"- **Billing** (payment method, credits, auto-reload): {BILLING_URL}",
        f"- **Rate limits and spend cap**, and requests for higher limits: {LIMITS_URL}",
        f"- **Usage** so far: {USAGE_URL}",
        f"- **Support**: {SUPPORT_URL}"
        + (
            f" (request IDs of this run's refused or failed calls: {', '.join(ids)})" if ids else ""
        ),
    ]
    if any(d.code.exit_code == ExitCode.NETWORK for d in detection.diagnoses):
        lines.append(f"- **Service status** (this run met transient failures): {STATUS_URL}")
    lines += [
        "- **Sales**: limits beyond the Scale tier come with the Custom tier (ask through "
        f"support: {SUPPORT_URL}).",
        "- **Gated lines**: Mythos is for approved customers only (ask sales through "
        f"support: {SUPPORT_URL}). Fable and Mythos are not offered under zero data retention.",
        f"- {TIERS.format(date=TIERS_CHECKED)}",
    ]
    return lines


def models_table(detection: Detection) -> list[str]:
    rows = ["| Model | Line | Lifecycle | Retires | Status |", "|---|---|---|---|---|"]
    for model in detection.models:
        if model.lifecycle == Lifecycle.RETIRED and model.id != detection.configured_model:
            continue  # history, not choices; the configured one stays so its fate is visible
        rows.append(
            f"| `{_cell(model.id)}` | {_cell(model.line or '-')} | {model.lifecycle} | "
            f"{model.retires_on or '-'} | {_cell(_model_status(detection, model.id))} |"
        )
    return rows


def _cell(text: str) -> str:
    """Text in a Markdown table cell: a pipe or a line break would break the row."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


# -- the file --------------------------------------------------------------------------------


def ticked_by_hand(existing: str | None) -> set[str]:
    if not existing:
        return set()
    return {m["id"] for m in ITEM.finditer(existing) if m["tick"] in "xX"}


def notes_of(existing: str | None) -> str | None:
    """The user's own section: everything from the Notes heading to the end of the file."""
    if not existing:
        return None
    found = re.search(rf"^{re.escape(NOTES_HEADING)}\s*$", existing, flags=re.M)
    return existing[found.start() :].rstrip("\n") if found else None


def _item_lines(item: Item, manual: set[str]) -> list[str]:
    tick = "x" if item.done or item.id in manual else " "
    lines = [f"- [{tick}] {item.title} <!-- id:{item.id} -->"]
    lines += [f"  - {detail}" for detail in item.details]
    if item.next_step and not item.done:
        lines.append(f"  - Next: {item.next_step}" + (f" {item.url}" if item.url else ""))
    return lines


def _summary(detection: Detection, made_at: str) -> list[str]:
    alias = detection.configured_model != detection.configured
    return [
        "# Flux upgrade checklist",
        "",
        f"Made {made_at} by flux-setup {__version__}.",
        "",
        f"- Key: `{detection.key_fingerprint}`",
        f"- Configured model: `{detection.configured or 'none'}`"
        + (f" (an alias of `{detection.configured_model}`)" if alias else "")
        + f" ({detection.configured_status})"
        + (
            f"; it was `{detection.previous}` ({detection.previous_status}) before this run"
            if detection.previous
            else ""
        ),
        f"- Recommended: `{detection.recommended or 'none'}`",
        f"- Fallback: `{detection.fallback or 'none'}`",
        f"- Preferred lines: {', '.join(detection.prefer)}",
    ]


def render(
    detection: Detection,
    *,
    made_at: str,
    rerun: str = "flux-setup check",
    existing: str | None = None,
) -> str:
    manual = ticked_by_hand(existing)
    lines = _summary(detection, made_at)
    lines += ["", "## Your preferred lines", "", *line_table(detection)]
    lines += ["", "## What this run proved", ""]
    for item in proofs(detection):
        lines += _item_lines(item, manual)
    lines += ["", "## Your options", ""]
    for item in options(detection, rerun):
        lines += _item_lines(item, manual)
    lines += ["", "## Getting more", "", *getting_more(detection)]
    lines += ["", "## All models", "", *models_table(detection)]
    lines += ["", notes_of(existing) or f"{NOTES_HEADING}\n\n{NOTES_HINT}", ""]
    return "\n".join(lines)


def default_path(project: Path) -> Path:
    return project / "flux-upgrade-checklist.md"
