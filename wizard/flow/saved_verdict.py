"""The verdict of a saved catalogue on one project: the configured model and fallback judged
by what the last online check of its key saved (retired, refused then, retiring within
`--warn-days`, deprecated, or outranked then; and a refusal of the whole key or account, which
stands), by the same rules as an online check (`Model.status`, `verdict.fallback_due`).
`flow/saved.py` applies it (age, the environment override, --max-age); it never imports the SDK."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from wizard import memory
from wizard import verdict as verdicts
from wizard.catalog import Model
from wizard.detection.configured_fallback import as_fallback, replace_step, status_of
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode
from wizard.vocab import Code, Lifecycle, Status


@dataclass
class Judgement:
    code: ExitCode
    status: Status
    model: Model | None
    recommended: str | None
    diagnoses: list[Diagnosis]
    # the configured fallback's status by the saved catalogue (unset: none is configured)
    fallback_status: Status = Status.UNSET
    # the configured model's own code, before a fallback that is due made it 11
    primary_code: ExitCode | None = None
    # the configured fallback needs a change (deprecated, retiring, gone, refused, unknown)
    fallback_due: bool = False


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def verdict_of(
    record: memory.Record,
    configured: str | None,
    prefer: tuple[str, ...],
    today: date,
    warn: int,
    fallback: str | None = None,
) -> Judgement:
    """The verdict the saved catalogue supports, by the same exit codes as an online check;
    a configured fallback that needs a change makes 0 or 10 an 11, as online. A refusal of
    the whole key or account stands first, as online (`Detection.failure_exit_code`)."""
    if record.blocked is not None:
        return _blocked(record, record.blocked, configured, fallback)
    judged = _primary(record, configured, prefer, today, warn)
    if not fallback:
        return judged
    model = record.catalog.get(record.aliases.get(fallback, fallback))
    judged.fallback_status = status_of(model, listed=True, answered=False)
    judged.fallback_due = verdicts.fallback_due(fallback, judged.fallback_status)
    if model is not None and model.id == (judged.model.id if judged.model else None):
        return judged
    cause = _fallback_cause(record, fallback, model, today, warn)
    if cause is not None:
        switch_to = judged.recommended if judged.status.unusable else None
        as_fallback(cause, configured, replace_step(primary=configured, switch_to=switch_to))
        judged.diagnoses.append(cause)
    judged.primary_code = judged.code
    judged.fallback_due |= cause is not None  # (an active model retiring within --warn-days)
    if judged.code in (ExitCode.OK, ExitCode.UPGRADE_AVAILABLE) and judged.fallback_due:
        judged.code = ExitCode.DEPRECATED
    return judged


def _blocked(
    record: memory.Record, blocked: Diagnosis, configured: str | None, fallback: str | None
) -> Judgement:
    """The last online check was stopped by a refusal of the key or the account: nothing the
    catalogue says can pass until an online check finds it fixed, so its code stands."""
    day = record.checked_at[:10] or "an unknown date"
    said = Diagnosis(
        blocked.code,
        f"{blocked.message.rstrip()} (found by the online check of {day}; nothing offline can "
        "tell whether it has been fixed since.)",
        blocked.next_step,
        url=blocked.url,
    )
    code = blocked.code.exit_code or ExitCode.ACCOUNT
    # what the catalogue says of the two all the same (an unknown ID is unknown, billing or not)
    catalog = record.catalog
    model = catalog.get(record.aliases.get(configured, configured)) if configured else None
    if not configured:
        status = Status.UNSET
    elif model is not None:
        status = model.status
    else:
        status = Status.UNKNOWN_MODEL if record.listed and record.models else Status.UNVERIFIED
    fallback_status = (
        status_of(
            catalog.get(record.aliases.get(fallback, fallback)),
            listed=record.listed and bool(record.models),
            answered=False,
        )
        if fallback
        else Status.UNSET
    )
    return Judgement(code, status, model, None, [said], fallback_status)


def _fallback_cause(
    record: memory.Record, fallback: str, model: Model | None, today: date, warn: int
) -> Diagnosis | None:
    """Why the configured fallback must go, by the saved catalogue (`_stop`'s reading)."""
    if model is None:
        return Diagnosis(
            Code.MODEL_UNKNOWN,
            f"{fallback} is not in the catalogue saved on {record.checked_at[:10]}.",
            "",
            model=fallback,
        )
    stop = _stop(model, record, today, warn, "`flux-setup run`")
    return stop[2] if stop is not None else None


def _primary(
    record: memory.Record, configured: str | None, prefer: tuple[str, ...], today: date, warn: int
) -> Judgement:
    """The configured model's verdict by the saved catalogue."""
    catalog = record.catalog
    recommended_model = catalog.recommend(prefer)
    recommended = recommended_model.id if recommended_model else None
    if not configured:
        return Judgement(ExitCode.UNAVAILABLE, Status.UNSET, None, recommended, [])
    model = catalog.get(record.aliases.get(configured, configured))
    if model is None:
        cause = Diagnosis(
            Code.MODEL_UNKNOWN,
            f"{configured} is not in the catalogue saved on {record.checked_at[:10]}.",
            "Run `flux-setup check` online: it may be newer than the saved catalogue.",
            model=configured,
        )
        return Judgement(ExitCode.UNAVAILABLE, Status.UNKNOWN_MODEL, None, recommended, [cause])
    switch = f"`flux-setup run` switches to {recommended}" if recommended else "`flux-setup run`"
    stop = _stop(model, record, today, warn, switch)
    if stop is not None:
        return Judgement(stop[0], stop[1], model, recommended, [stop[2]])
    status = model.status
    ranked = [m.id for m in catalog.ranked(prefer)]
    better = (
        recommended is not None
        and recommended != model.id
        and (model.id not in ranked or ranked.index(recommended) < ranked.index(model.id))
    )
    code = ExitCode.UPGRADE_AVAILABLE if better else ExitCode.OK
    if not record.listed and record.verified:
        # as online: without the listing, which models rank higher is unknown
        unlisted = Diagnosis(
            Code.VERIFICATION_INCOMPLETE,
            f"The online check of {record.checked_at[:10]} could not list the models, so which "
            "ones rank higher is unknown.",
            "Follow the listing's fix (`flux-setup check` says it), then rerun it online.",
        )
        return Judgement(ExitCode.NETWORK, status, model, None, [unlisted])
    if record.verified and (status == Status.UNVERIFIED or not catalog.settled(prefer)):
        # as online (`Detection.uncertain`): what the last check could not verify may hide a
        # refusal or a better model, so neither "all good" nor "switch" is said
        unknown = Diagnosis(
            Code.VERIFICATION_INCOMPLETE,
            f"The online check of {record.checked_at[:10]} could not verify "
            + (f"{model.id}" if status == Status.UNVERIFIED else "every model ranked above")
            + " (a transient failure, or the cap), so the saved catalogue cannot settle it.",
            "Run `flux-setup check` online when the API answers.",
        )
        return Judgement(ExitCode.NETWORK, status, model, recommended, [unknown])
    return Judgement(code, status, model, recommended, [])


def _stop(
    model: Model, record: memory.Record, today: date, warn: int, switch: str
) -> tuple[ExitCode, Status, Diagnosis] | None:
    """Why the configured model must go (retired, refused, retiring, deprecated), or None.
    The saved `lifecycle` decides, as online (`Model.status`): a retirement date that has
    passed on a model the catalogue calls deprecated is overdue, said as such, not retired."""
    retires = _day(model.retires_at)
    days = (retires - today).days if retires is not None else None
    status = model.status
    when = model.retirement(today)
    if status == Status.RETIRED:
        on = f" on {retires}" if retires else ""
        message = f"{model.id} was retired{on}: no one can call it any more."
        found = (ExitCode.UNAVAILABLE, Code.MODEL_RETIRED, message, f"{switch}.")
    elif status == Status.NOT_CALLABLE:
        message, step = _refused_words(model, record.checked_at[:10], when, switch)
        found = (ExitCode.UNAVAILABLE, _refusal(model.reason), message, step)
    elif days is not None and days < 0:
        message = f"{model.id} is deprecated and {when}; the saved catalogue cannot tell whether it has retired since."
        step = f"Run `flux-setup check` online, and move now: {switch}."
        found = (ExitCode.DEPRECATED, Code.MODEL_RETIRING, message, step)
    elif days is not None and days <= warn:
        message = f"{model.id} retires in {days} day{'s' if days != 1 else ''} ({retires})."
        step = f"Move before then: {switch}."
        found = (ExitCode.DEPRECATED, Code.MODEL_RETIRING, message, step)
    elif model.lifecycle == Lifecycle.DEPRECATED:
        message = f"{model.id} is deprecated" + (f", {when}." if when else ".")
        step = f"Move to a current model before it retires: {switch}."
        found = (ExitCode.DEPRECATED, Code.MODEL_DEPRECATED, message, step)
    else:
        return None
    code, cause, message, step = found
    # a model due to go is deprecated in words, whatever the last check could prove of it
    shown = Status.DEPRECATED if code == ExitCode.DEPRECATED else status
    return code, shown, Diagnosis(cause, message, step, model=model.id)


def _refused_words(model: Model, day: str, when: str, switch: str) -> tuple[str, str]:
    """A refusal the last online check proved, in the words it was said in then: what the
    model is (deprecated, overdue, suspended), then that it was refused."""
    at = f"at the last online check ({day})"
    if model.reason == Code.MODEL_SUSPENDED:
        return (
            f"{model.id} is listed, but the API refused it for now {at}, with its own message "
            "(not a retirement, not a typo).",
            "Use another model until it returns; `flux-setup check` online tells when it "
            "answers again.",
        )
    if model.lifecycle == Lifecycle.DEPRECATED:
        what = f"{model.id} is deprecated" + (f" ({when})" if when else "")
        closed = (
            "closed to organisations that did not use it before"
            if model.reason == Code.MODEL_CLOSED_TO_NEW_ADOPTERS
            else "refused to this key"
        )
        return f"{what} and was {closed} {at}.", f"{switch}."
    return (
        f"{model.id} was refused to this key {at}.",
        f"{switch}, or run `flux-setup check` online if the account changed.",
    )


def _refusal(reason: Code | None) -> Code:
    """The code the last check refused the model with (checked when read back)."""
    return reason or Code.MODEL_NOT_AVAILABLE
