"""The verdict from a saved catalogue: the configured model judged by what the last online
check of its key saved (retired, refused then, retiring within `--warn-days`, deprecated, or
outranked then), by the same rules as an online check (`Model.status`, `verdict.overridden`).
`check --offline`, `check --all --offline` and `status` read it; it never imports the SDK."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from wizard import memory
from wizard import verdict as verdicts
from wizard.catalog import Model
from wizard.constants import DEFAULT_WARN_DAYS, STALE_DAYS
from wizard.detection.configured_fallback import as_fallback, replace_step, status_of
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode, WizardError
from wizard.export import snapshot as snapshot_file
from wizard.flow.prepare import Prepared, env_override
from wizard.flow.session import Context
from wizard.jsontypes import JsonObject
from wizard.keys import ApiKey
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


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def missing_catalog(fingerprint: str | None) -> WizardError:
    whose = f"the key {fingerprint}" if fingerprint else "this project"
    return WizardError(
        f"no catalogue is saved for {whose}: `check --offline` judges the configured model by "
        "what the last online check saved, and none was made here.",
        fix="Run `flux-setup check` once with network access; `--offline` reads what it saves.",
        code=ExitCode.NETWORK,
        diagnosis=Code.CATALOG_MISSING,
    )


def verdict_of(
    record: memory.Record,
    configured: str | None,
    prefer: tuple[str, ...],
    today: date,
    warn: int,
    fallback: str | None = None,
) -> Judgement:
    """The verdict the saved catalogue supports, by the same exit codes as an online check;
    a configured fallback that needs a change makes 0 or 10 an 11, as online."""
    judged = _primary(record, configured, prefer, today, warn)
    if not fallback:
        return judged
    model = record.catalog.get(record.aliases.get(fallback, fallback))
    judged.fallback_status = status_of(model, listed=True, answered=False)
    if model is not None and model.id == (judged.model.id if judged.model else None):
        return judged
    cause = _fallback_cause(record, fallback, model, today, warn)
    if cause is not None:
        as_fallback(cause, configured, replace_step())
        judged.diagnoses.append(cause)
    if judged.code in (ExitCode.OK, ExitCode.UPGRADE_AVAILABLE) and verdicts.fallback_due(
        fallback, judged.fallback_status
    ):
        judged.code = ExitCode.DEPRECATED
    return judged


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
        message = f"{model.id} was refused to this key at the last online check ({record.checked_at[:10]})."
        step = f"{switch}, or run `flux-setup check` online if the account changed."
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


def _refusal(reason: Code | None) -> Code:
    """The code the last check refused the model with (checked when read back)."""
    return reason or Code.MODEL_NOT_AVAILABLE


@dataclass
class Offline:
    """A project judged offline: the verdict, and what it was judged by."""

    code: ExitCode
    verdict: Judgement
    diagnoses: list[Diagnosis]
    record: memory.Record
    age: int | None  # days since the catalogue was saved
    snapshot: Path | None = None  # the committed snapshot judged by, when not the state's
    max_age: int | None = None  # --max-age: older fails

    @property
    def stale(self) -> bool:
        return is_stale(self.age)


def age_of(checked_at: str, now: datetime) -> int | None:
    """Days since a catalogue was saved; None when its time is unreadable or in the future
    (a clock off, a hand-edited record): its age is unknown then."""
    checked = checked_at_of(checked_at)
    age = (now - checked).days if checked else None
    return age if age is not None and age >= 0 else None


def age_words(checked_at: str, now: datetime, suffix: str) -> str:
    """A catalogue's age for a sentence ("3 days old", "1 day ago"), or why it is unknown: a
    time in the future (a clock off, a hand-edited file) or none readable."""
    age = age_of(checked_at, now)
    if age is not None:
        return f"{age} day{'s' if age != 1 else ''} {suffix}"
    checked = checked_at_of(checked_at)
    if checked is not None and checked > now:
        return "dated in the future, so of unknown age"
    return "of unknown age (no readable date)"


def is_stale(age: int | None) -> bool:
    """A catalogue of unknown age, or older than STALE_DAYS, may miss models changed since."""
    return age is None or age > STALE_DAYS


def judge_saved(
    ctx: Context,
    record: memory.Record,
    prepared: Prepared,
    prefer: tuple[str, ...],
    snapshot: Path | None = None,
) -> Offline:
    """The verdict from a saved catalogue (or the committed `snapshot`), its age said, the
    environment override and --max-age applied: one step for `check --offline` and `check
    --all --offline`."""
    now = ctx.now()
    age = age_of(record.checked_at, now)
    warn_days = ctx.options.warn_days
    verdict = verdict_of(
        record,
        prepared.configured,
        prefer,
        now.date(),
        DEFAULT_WARN_DAYS if warn_days is None else warn_days,
        prepared.fallback,
    )
    result = Offline(verdict.code, verdict, list(verdict.diagnoses), record, age, snapshot,
                     ctx.options.max_age)  # fmt: skip
    if result.stale:
        what = f"The snapshot {snapshot_file.DEFAULT_PATH}" if snapshot else "The saved catalogue"
        refresh = (
            "Commit a new `flux-setup export catalog` (online) to refresh it."
            if snapshot
            else "Run `flux-setup check` online to refresh it."
        )
        result.diagnoses.append(
            Diagnosis(
                Code.CATALOG_STALE,
                f"{what} is {age_words(record.checked_at, now, 'old')}: models deprecated or "
                "retired since are not in it.",
                refresh,
            )
        )
    override = env_override(ctx, prepared.sources)
    result.code, _ = verdicts.overridden(result.code, override, result.diagnoses)
    _too_old(result)
    return result


def _too_old(result: Offline) -> None:
    """--max-age: a catalogue older than that (or of unknown age) fails, exit 5 (an error, not
    a verdict: --fail-on never leaves it out); it replaces the note a stale one carries."""
    limit = result.max_age
    if limit is None or (result.age is not None and result.age <= limit):
        return
    age = f"{result.age} days old" if result.age is not None else "of unknown age"
    result.diagnoses[:] = [d for d in result.diagnoses if d.code != Code.CATALOG_STALE]
    result.diagnoses.append(
        Diagnosis(
            Code.CATALOG_STALE,
            f"The catalogue is {age}; --max-age {limit} allows {limit} days.",
            "Refresh it: `flux-setup check` online, or commit a new `flux-setup export catalog`.",
        )
    )
    result.code = ExitCode.NETWORK


def find_catalogue(
    ctx: Context, key: ApiKey | None
) -> tuple[memory.Record, Path | None, str | None]:
    """The catalogue to judge by: the fresher of the state home's (`saved_record`) and the
    snapshot the project commits (`export catalog`, for fresh clones and hooks without
    network), with the snapshot's path when it is the one, and the time of the state's
    catalogue it was fresher than; neither is `catalog_missing`. (A snapshot never beats a
    state catalogue as fresh as it: the state's holds proofs of access too.)"""
    path = snapshot_file.default_path(ctx.options.project)
    try:
        saved = saved_record(ctx, key)
    except WizardError as err:
        if err.diagnosis != Code.CATALOG_MISSING:
            raise
        try:
            committed = snapshot_file.load(path)
        except snapshot_file.Unreadable as why:
            raise unreadable_snapshot(snapshot_file.DEFAULT_PATH, str(why), err) from None
        if committed is None:
            raise
        return committed, path, None
    try:
        committed = snapshot_file.load(path)
    except snapshot_file.Unreadable:
        committed = None  # the state's catalogue stands; `check --offline` there said why
    if committed is not None and _fresher(committed.checked_at, saved.checked_at, ctx.now()):
        return committed, path, saved.checked_at
    return saved, None, None


def _fresher(one: str, other: str, now: datetime) -> bool:
    """Whether `one` was checked after `other`; never a time in the future (its age unknown)."""
    first, second = checked_at_of(one), checked_at_of(other)
    return first is not None and first <= now and (second is None or first > second)


class UnreadableSnapshot(WizardError):
    """No catalogue in the state home, and the file at the snapshot's path no snapshot: the
    missing catalogue it amounts to, said with the file and why."""


def unreadable_snapshot(shown: Path, why: str, missing: WizardError) -> WizardError:
    return UnreadableSnapshot(
        f"the snapshot {shown} cannot be judged by: {why}; and {missing.message}",
        fix="Rewrite it with `flux-setup export catalog` (online), or run `flux-setup check` "
        "once with network access.",
        code=ExitCode.NETWORK,
        diagnosis=Code.CATALOG_MISSING,
    )


def saved_record(ctx: Context, key: ApiKey | None) -> memory.Record:
    """The catalogue to judge by: the key's, else (no key) the project's last check."""
    if key is not None:
        record = memory.load_for_key(ctx.store, ctx.options.project, key.fingerprint)
        if record is None:
            raise missing_catalog(key.fingerprint)
        return record
    record = memory.load(ctx.store, ctx.options.project)
    if record is None:
        raise missing_catalog(None)
    return record


def checked_at_of(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def catalog_json(result: Offline) -> JsonObject:
    snapshot = result.snapshot
    return {
        "checked_at": result.record.checked_at,
        "age_days": result.age,
        "stale": result.stale,
        # a snapshot names no key
        "key_fingerprint": None if snapshot else result.record.key_fingerprint,
        "source": "snapshot" if snapshot else "state",
        "path": str(snapshot) if snapshot else None,
        "max_age_days": result.max_age,
    }
