"""The per-line table with prices, the true levers for getting more, and every model."""

from __future__ import annotations

from wizard import prices
from wizard.catalog import Model
from wizard.checklist.options import named
from wizard.checklist.proofs import best_of_line, model_status
from wizard.constants import BILLING_URL, LIMITS_URL, STATUS_URL, SUPPORT_URL, USAGE_URL
from wizard.detection import Detection
from wizard.errors import ExitCode
from wizard.untrusted import markdown

# From the platform facts, checked on the date below; shown with it, never as live.
TIERS_CHECKED = "2026-11-25"
TIERS = (
    "Usage tiers (Evaluation, Start, Build, Scale, Custom) are assigned automatically from usage "
    "history and account standing. They set rate limits and monthly spend caps (Start $500, "
    "Build $1,000, Scale $200,000, Custom none; checked {date}), not which models you may call."
)


# -- the per-line table and the levers -------------------------------------------------------


def _price_reference(detection: Detection, bests: list[Model]) -> tuple[str | None, str]:
    """What prices are compared with: the configured model when its price is known, else the
    recommendation, else the cheapest of the lines' best models."""
    if prices.price_of(detection.configured_model, detection.day):
        return detection.configured_model, "the configured model"
    if prices.price_of(detection.recommended, detection.day):
        return detection.recommended, "the recommendation"
    priced = [(price.input, m.id) for m in bests if (price := prices.price_of(m.id, detection.day))]
    if not priced:
        return None, ""
    return min(priced)[1], "the cheapest line"


def line_table(detection: Detection) -> list[str]:
    bests = [m for m in (best_of_line(detection, line) for line in detection.prefer) if m]
    current, what = _price_reference(detection, bests)
    rows = [
        "| Line | Best model | This key | Price in / out per million tokens | Relative price |",
        "|---|---|---|---|---|",
    ]
    for line in detection.prefer:
        best = best_of_line(detection, line)
        if best is None:
            rows.append(f"| {_cell(line)} | - | no active model listed | - | - |")
            continue
        status = model_status(detection, best.id)
        callable_below = next(
            (m.id for m in detection.models if m.line == line and m.callable and m.id != best.id),
            None,
        )
        if best.callable is not True and callable_below:
            status += f"; `{callable_below}` answers"
        price = prices.price_of(best.id, detection.day)
        versus = prices.ratio(best.id, current, detection.day) or "-"
        rows.append(
            f"| {_cell(line)} | `{_cell(best.id)}` | {_cell(status)} | "
            f"{price.describe() if price else 'not in the price data'} | {_cell(versus)} |"
        )
    compared = f" Relative to {named(detection, current)} ({what})." if current else ""
    rows += ["", markdown(f"Prices: {prices.source()}.{compared}")]
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
    for model in detection.shown_models():
        rows.append(
            f"| `{_cell(model.id)}` | {_cell(model.line or '-')} | {model.lifecycle} | "
            f"{model.retires_on or '-'} | {_cell(model_status(detection, model.id))} |"
        )
    return rows


def _cell(text: str) -> str:
    """Text in a Markdown table cell: a pipe or a line break would break the row."""
    return markdown(text.replace("\n", " ")).replace("|", "\\|")
