"""The verdict from a saved catalogue: the configured model judged by what the last online
check of its key saved (retired, refused then, retiring within `--warn-days`, deprecated, or
outranked then), by the same rules as an online check (`Model.status`, `verdict.overridden`).
`check --offline`, `check --all --offline` and `status` read it; it never imports the SDK."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from wizard import memory
from wizard import verdict as verdicts
from wizard.constants import DEFAULT_WARN_DAYS, STALE_DAYS
from wizard.detection.result import fallback_json
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode, WizardError
from wizard.export import snapshot as snapshot_file
from wizard.flow.prepare import Prepared, env_override
from wizard.flow.saved_verdict import Judgement, verdict_of
from wizard.flow.session import Context
from wizard.jsontypes import JsonObject
from wizard.keys import ApiKey
from wizard.vocab import Code


def missing_catalog(fingerprint: str | None) -> WizardError:
    whose = f"the key {fingerprint}" if fingerprint else "this project"
    return WizardError(
        f"no catalogue is saved for {whose}: `check --offline` judges the configured model by "
        "what the last online check saved, and none was made here.",
        fix="Run `flux-setup check` once with network access; `--offline` reads what it saves.",
        code=ExitCode.NETWORK,
        diagnosis=Code.CATALOG_MISSING,
    )


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
    """A catalogue's age for a sentence ("3 days old", "1 day ago", "5 hours ago": under a
    day, "0 days" would say nothing), or why it is unknown: a time in the future (a clock
    off, a hand-edited file) or none readable."""
    checked = checked_at_of(checked_at)
    if checked is None:
        return "of unknown age (no readable date)"
    if checked > now:
        return "dated in the future, so of unknown age"
    seconds = int((now - checked).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} {suffix}"
    return "just now" if suffix == "ago" else "less than a minute old"


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
    warn_days = ctx.options.scope.warn_days
    verdict = verdict_of(
        record,
        prepared.configured,
        prefer,
        now.date(),
        DEFAULT_WARN_DAYS if warn_days is None else warn_days,
        prepared.fallback,
    )
    result = Offline(
        verdict.code,
        verdict,
        list(verdict.diagnoses),
        record,
        age,
        snapshot,
        ctx.options.scope.max_age,
    )
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
    path = snapshot_file.default_path(ctx.options.files.project)
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
        record = memory.load_for_key(ctx.store, ctx.options.files.project, key.fingerprint)
        if record is None:
            raise missing_catalog(key.fingerprint)
        return record
    record = memory.load(ctx.store, ctx.options.files.project)
    if record is None:
        raise missing_catalog(None)
    return record


def checked_at_of(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


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


def offline_json(result: Offline, key: ApiKey | None, prepared: Prepared) -> JsonObject:
    """The JSON of a verdict from a saved catalogue: `check --offline`'s fields, which `doctor
    --offline` gives too (the key with the organisation its last check named)."""
    verdict = result.verdict
    return {
        "offline": True,
        "catalog": catalog_json(result),
        "key": (key.to_json(_organization(result.record, key)) if key else None),
        "configured": {
            "model": prepared.configured,
            "resolved": verdict.model.id if verdict.model else None,
            "status": str(verdict.status),
            "fallback": fallback_json(prepared.fallback, verdict.fallback_status),
            "sources": dict(prepared.sources),
        },
        "recommended": verdict.recommended,
        "reason": verdicts.reason(
            result.code,
            result.diagnoses,
            prepared.configured,
            verdict.model.id if verdict.model else None,
            verdict.recommended,
            prepared.fallback,
        ),
    }


def _organization(record: memory.Record, key: ApiKey) -> str | None:
    """The organisation the last check of this very key named (a snapshot's names none)."""
    return record.organization_id if record.key_fingerprint == key.fingerprint else None
