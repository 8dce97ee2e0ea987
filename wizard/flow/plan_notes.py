"""What a switch of model means, said before it is made: the same sentences for `run` and for
each project of `check --all --fix`, so that a batch plan warns of exactly what `run --yes`
on that project would (a line change and its price, the model it leaves, the fallback, the
environment override, the migrations)."""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard import prices, project
from wizard.detection import Detection
from wizard.diagnosis import Diagnosis
from wizard.flow.fallback import describe, pricier, why_replaced
from wizard.vocab import Status

# Statuses of a configured model that a run replaces (it says so, and offers the successor).
REPLACED = (Status.RETIRED, Status.NOT_CALLABLE, Status.UNKNOWN_MODEL, Status.DEPRECATED)


@dataclass
class Notes:
    """The sentences before a change: `says` are facts, `warns` ask for attention."""

    says: list[str] = field(default_factory=list)
    warns: list[str] = field(default_factory=list)
    diagnoses: list[Diagnosis] = field(default_factory=list)


def line_change(
    detection: Detection, chosen: str | None, *, with_source: bool = True
) -> str | None:
    """A move to another line than the configured one, with what it does to the price (from
    the dated table: never presented as live)."""
    old, new = detection.model(detection.configured), detection.model(chosen)
    if old is None or new is None or not old.line or not new.line or old.line == new.line:
        return None
    move = f"This moves Flux from the {old.line} line to the {new.line} line: "
    day = detection.day
    price, ratio = prices.price_of(new.id, day), prices.relative(new.id, old.id, day)
    if price is None:
        return f"{move}{prices.unknown(new.id)}."
    versus = f", {ratio}" if ratio else ""
    source = f" ({prices.source()})" if with_source else ""
    return f"{move}{new.id} costs {price.describe()} per million tokens in/out{versus}{source}."


def for_switch(
    detection: Detection,
    chosen: str,
    fallback: str | None,
    proposal: project.Proposal,
    override: Diagnosis | None,
    *,
    no_fallback_asked: bool = False,
) -> Notes:
    """Everything to say before `chosen` (and `fallback`) are written by `proposal`.
    `no_fallback_asked`: the user said `--fallback none` (or chose none)."""
    notes = Notes()
    configured = detection.configured
    if configured and configured != chosen and detection.configured_status in REPLACED:
        status = detection.configured_status.words
        notes.says.append(f"{configured} is {status}: switching to {chosen}.")
    if override is None:
        moved = line_change(detection, chosen)
        if moved:
            notes.warns.append(moved)
    replaced = why_replaced(detection, chosen, fallback)
    if replaced:
        notes.says.append(replaced)
    notes.says.append(_fallback_words(detection, chosen, fallback, no_fallback_asked))
    if fallback is not None and pricier(chosen, fallback, detection.day):
        notes.warns.append(
            f"The fallback {fallback} costs more than {chosen} "
            f"({prices.relative(fallback, chosen, detection.day)}): calls that fall back cost "
            "more (`--fallback ID|none` changes it)."
        )
    notes.says.extend(proposal.notes)
    notes.diagnoses.extend(proposal.diagnoses)
    if override is not None:
        # said before the question, not after the write: the change will not take effect
        notes.warns.append(
            f"{override.message} The change below is written all the same, but takes effect "
            f"only once FLUX_MODEL is unset: {override.next_step}"
        )
    return notes


def _fallback_words(detection: Detection, chosen: str, fallback: str | None, declined: bool) -> str:
    if fallback is not None:
        return f"Fallback: {describe(detection, chosen, fallback)}."
    if declined:
        return "No fallback, as chosen: Flux has nothing to fall back to."
    return (
        f"No fallback: no callable model ranks below {chosen} in your line order "
        f"({', '.join(detection.prefer)})."
    )
