"""The configured fallback (`[model].fallback`) as a checked fact: its status for this key, by
the lifecycle reading the configured model gets (`Model.status`), and its diagnoses said as a
fallback's (what happens when the primary fails, and what replaces it). Online here, offline
in `flow/saved.py` through `status_of`; every view reads one of the two."""

from __future__ import annotations

from datetime import date

from wizard.catalog import Catalog, Model
from wizard.detection.result import Detection
from wizard.diagnosis import Diagnosis, deprecated_but_callable, model_refusal
from wizard.vocab import Code, Lifecycle, Status

# The codes a fallback's own diagnosis may carry (its refusal or its lifecycle).
FALLBACK_CODES = frozenset(
    {
        Code.MODEL_RETIRED,
        Code.MODEL_DEPRECATED,
        Code.MODEL_CLOSED_TO_NEW_ADOPTERS,
        Code.MODEL_NOT_AVAILABLE,
        Code.MODEL_UNKNOWN,
        Code.MODEL_SUSPENDED,
        Code.MODEL_RETIRING,
        Code.PERMISSION_DENIED,
    }
)


def status_of(model: Model | None, *, listed: bool, answered: bool) -> Status:
    """What a configured fallback is for this key: `Model.status` when the catalogue has it;
    unknown when a listing that answered does not; unverified when nothing was listed (or it
    answered a call: then it is callable, listed or not)."""
    if model is not None:
        if model.status == Status.UNVERIFIED and model.lifecycle == Lifecycle.DEPRECATED:
            return Status.DEPRECATED  # going whether or not a call proved it: a change is due
        return model.status
    if answered:
        return Status.CALLABLE
    return Status.UNKNOWN_MODEL if listed else Status.UNVERIFIED


def judge_fallback(result: Detection, catalog: Catalog) -> None:
    """The configured fallback's status, its diagnosis when it needs one, and every diagnosis
    of it worded as the fallback's."""
    wanted = result.configured_fallback
    if not wanted:
        result.configured_fallback_status = Status.UNSET
        return
    resolved = result.resolve(wanted) or wanted
    model = catalog.get(resolved)
    status = status_of(model, listed=bool(catalog.models), answered=wanted in result.answered)
    result.configured_fallback_status = status
    if resolved == result.configured_model:
        return  # the same model: its own diagnoses say it already
    if status == Status.RETIRED:
        # retired is the whole truth of a fallback: a refusal of it (a workspace's 403, where
        # a shared detection asked) adds nothing, and a check of its own never asks
        result.diagnoses = [
            d
            for d in result.diagnoses
            if d.model not in (wanted, resolved) or d.code == Code.MODEL_RETIRED
        ]
    said = {d.code for d in result.diagnoses if d.model in (wanted, resolved)}
    if status in (Status.UNKNOWN_MODEL, Status.RETIRED) and not said & FALLBACK_CODES:
        result.diagnoses.append(model_refusal(resolved, catalog, None, result.day))
    elif (
        model is not None
        and model.lifecycle == Lifecycle.DEPRECATED
        and status != Status.NOT_CALLABLE
        and Code.MODEL_DEPRECATED not in said
    ):
        result.diagnoses.append(
            deprecated_but_callable(model, _day(result), proven=model.callable is True)
        )
    for d in result.diagnoses:
        if d.model in (wanted, resolved) and d.code in FALLBACK_CODES:
            as_fallback(d, result.configured_model, replace_step(result))


def as_fallback(diagnosis: Diagnosis, primary: str | None, step: str) -> None:
    """A diagnosis of the configured fallback says what it means for Flux and what replaces it
    (once: a view may judge a copy again)."""
    note = (
        f" It is the configured fallback: when {primary or 'the configured model'} fails, "
        "Flux falls back to it."
    )
    if note in diagnosis.message:
        return
    diagnosis.message = diagnosis.message.rstrip() + note
    diagnosis.next_step = step


def replace_step(
    result: Detection | None = None, primary: str | None = None, switch_to: str | None = None
) -> str:
    """What sets a fallback that can stay, in one wording for every view: `run` (the rule's
    choice, named when this check proved it) or `run --fallback` (the flag is run's).
    Offline there is no result: `primary` names the configured model, and `switch_to` the
    model `run` replaces it with when it must go too (the fallback ranks below that one)."""
    if result is not None:
        primary = result.configured_model
        if result.configured_status.unusable and result.recommended:
            switch_to = result.recommended
    primary = switch_to or primary
    proven = result is not None and result.verify and primary  # never an unproven "callable"
    rule = result.fallback_for(primary) if result is not None and proven else None
    below = f"the best callable model below {primary or 'the configured model'}"
    choice = f"{rule}, {below}" if rule is not None else below
    why = "the model it switches to; " if switch_to else ""
    return (
        f"`flux-setup run` replaces it with {choice} ({why}`flux-setup run --fallback ID` sets "
        "another, `--fallback none` none)."
    )


def _day(result: Detection) -> date:
    return result.day
