"""The fallback `run` writes beside the chosen model: by the one rule (`Catalog.fallback`),
shown with its price, changed by a question or `--fallback ID|none`. The files, the messages,
`--json` and the checklist then all name the model chosen here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from wizard import prices
from wizard.catalog import Catalog
from wizard.detection import Detection
from wizard.errors import UsageError
from wizard.flow import consent, named
from wizard.flow.network import verify_one
from wizard.flow.session import Context
from wizard.keys import ApiKey
from wizard.prompts import Option
from wizard.vocab import Status

NONE = "none"
MAX_OFFERED = 5  # answers of the question besides "none": the best few, not the catalogue
PROVE_AT_MOST = 3  # candidates tried for a fallback the walk did not prove


@dataclass(frozen=True)
class FallbackChoice:
    """The fallback `run` writes (None: none), and whether none is the user's own choice."""

    model: str | None
    declined: bool = False


def choose_fallback(ctx: Context, key: ApiKey, detection: Detection, chosen: str) -> FallbackChoice:
    """The fallback for `chosen` (`plan_notes` says it, with its price, and why it replaces
    the configured one): `--fallback`, else the configured one while it can stay, else the
    rule's; asked when a person is there."""
    o = ctx.options
    if o.choice.fallback == NONE:
        return FallbackChoice(None, declined=True)
    fallback: str | None
    if o.choice.fallback:
        return FallbackChoice(_given(ctx, key, detection, chosen, o.choice.fallback))
    fallback = planned_fallback(detection, chosen) or _prove(ctx, key, detection, chosen)
    offered = candidates(detection, chosen)
    if consent.may_ask(ctx) and offered:
        fallback = _ask(ctx, detection, chosen, offered, fallback)
        return FallbackChoice(fallback, declined=fallback is None)
    return FallbackChoice(fallback)


def planned_fallback(detection: Detection, chosen: str) -> str | None:
    """The fallback written beside `chosen` without a question (`run --yes`, `--fix`): the
    configured one while it can stay, else the rule's (`Detection.fallback_for`)."""
    return detection.fallback_for(chosen)


def why_replaced(detection: Detection, chosen: str, fallback: str | None) -> str | None:
    """Why the configured fallback is not the one written (None: it is, or none is set)."""
    configured = detection.configured_fallback
    if not configured or detection.resolve(configured) == detection.resolve(fallback):
        return None
    status = detection.configured_fallback_status
    if status.fallback_due or status == Status.UNVERIFIED:
        why = f"is {status.words}"
    elif detection.resolve(configured) == detection.resolve(chosen):
        why = "is the model chosen (a model cannot be its own fallback)"
    else:
        why = f"does not rank below {chosen} in your line order ({', '.join(detection.prefer)})"
    becomes = f"the fallback becomes {fallback}" if fallback else "no fallback is written"
    return f"The configured fallback {configured} {why}: {becomes}."


def _prove(ctx: Context, key: ApiKey, detection: Detection, chosen: str) -> str | None:
    """The chosen model's best fallback was not verified (the walk proves the
    recommendation's): verify down its candidates, within what the billed-call cap leaves,
    until one answers. A refusal moves on; anything else stops (no fallback is better than an
    unproven one)."""
    if not detection.verify:
        return None
    catalog = Catalog(detection.models)
    model = catalog.get(detection.resolve(chosen))
    if model is None:
        return None
    for candidate in catalog.fallback_candidates(detection.prefer, model)[:PROVE_AT_MOST]:
        if candidate.callable:
            return candidate.id
        if candidate.callable is False:
            continue
        if detection.billed_calls >= detection.max_verify:
            return None
        cause = verify_one(ctx, key, detection, candidate.id)
        if cause is None:
            return candidate.id
        if not cause.code.refuses_model:
            return None
    return None


def candidates(detection: Detection, chosen: str) -> list[str]:
    """The models the question offers: callable (proven, or listed under --no-verify) and
    ranked below the chosen one, other lines first."""
    catalog = Catalog(detection.models)
    model = catalog.get(detection.resolve(chosen))
    if model is None:
        return []
    below = catalog.fallback_candidates(detection.prefer, model)
    usable = [m.id for m in below if m.callable or (not detection.verify and m.callable is None)]
    return usable[:MAX_OFFERED]


def describe(detection: Detection, chosen: str, fallback: str) -> str:
    """ "claude-haiku-5-5 (haiku; from $0.10 / $0.50 per million tokens, 1/40 of ...)"."""
    model = detection.model(fallback)
    line = f"{model.line}; " if model is not None and model.line else ""
    price = prices.price_of(fallback, detection.day)
    if price is None:
        return f"{fallback} ({line}{prices.unknown(fallback)})"
    ratio = prices.relative(fallback, chosen, detection.day)
    versus = f", {ratio}" if ratio else ""
    return f"{fallback} ({line}{price.describe()} per million tokens in/out{versus})"


def _answer(detection: Detection, chosen: str, fallback: str) -> Option:
    """One short line ("claude-haiku-5-5  from $0.10/$0.50  (haiku)"), its detail under it:
    the price beside the chosen model's, or why it is not known."""
    model = detection.model(fallback)
    line = model.line if model is not None and model.line else "no line"
    price = prices.price_of(fallback, detection.day)
    if price is None:
        note = prices.unknown(fallback) + "."
    else:
        ratio = prices.relative(fallback, chosen, detection.day)
        versus = f", {ratio}" if ratio else ""
        note = f"{price.describe()} per million tokens in/out{versus}."
    return Option(
        f"{fallback}  {prices.compact(fallback, detection.day)}  ({line})", fallback, note
    )


def pricier(chosen: str, fallback: str, day: date) -> bool:
    mine, theirs = prices.price_of(fallback, day), prices.price_of(chosen, day)
    if mine is None or theirs is None:
        return False
    return mine.input > theirs.input or mine.output > theirs.output


def _given(ctx: Context, key: ApiKey, detection: Detection, chosen: str, wanted: str) -> str:
    if detection.resolve(wanted) == detection.resolve(chosen):
        raise UsageError(
            f"--fallback {wanted} is the model Flux is set to use: a fallback must be another.",
            fix="Name another callable model, or `--fallback none`.",
        )
    fix = "Pick a callable model from the table, `--fallback none`, or drop --fallback."
    named.usable_or_refused(detection, "--fallback", wanted, fix)
    named.proven_before_writing(ctx, key, detection, wanted)
    return wanted


def _ask(
    ctx: Context, detection: Detection, chosen: str, offered: list[str], default: str | None
) -> str | None:
    options = [_answer(detection, chosen, m) for m in offered]
    nothing = f"No fallback is written: when {chosen} fails, Flux has no other model to call."
    options.append(Option("none  (no fallback)", NONE, note=nothing))
    answer = ctx.prompter.select(
        f"Fallback when {chosen} fails?",
        options,
        default if default in offered else NONE,
        flag="--fallback ID|none",
    )
    return None if answer == NONE else answer
