"""`flux-setup check --offline`: no network. The configured model judged from the catalogue the
last online check of this key saved (`flow.saved`). Fast enough for a pre-commit hook: it
never imports the SDK."""

from __future__ import annotations

from pathlib import Path

from wizard import memory
from wizard import verdict as verdicts
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode, WizardError
from wizard.export import snapshot
from wizard.flow.key import found_key, stdin_key
from wizard.flow.prepare import Prepared, preferred_lines, prepare
from wizard.flow.saved import (
    Offline,
    UnreadableSnapshot,
    age_words,
    find_catalogue,
    judge_saved,
    offline_json,
)
from wizard.flow.session import Context
from wizard.keys import ApiKey
from wizard.report import Report
from wizard.vocab import Code, Status
from wizard.words import after_colon


def check_offline(ctx: Context) -> Report:
    o = ctx.options
    prepared = prepare(ctx)
    prefer = preferred_lines(ctx, prepared.files)
    key, conflict = found_key(ctx, prepared.files, stdin_key(ctx))
    if conflict:
        ctx.ui.warn(conflict)
    record, snapshot_path, missing, beaten = _catalogue(ctx, key)
    if record is None:
        # A hook must not block a commit for lack of local state: nothing to judge by. Said
        # (and in --json, as the diagnosis it would have failed with), then passed.
        return Report(
            o.command, ExitCode.OK, diagnoses=[missing] if missing else [], sources=prepared.sources
        )
    if snapshot_path is not None:
        why = (
            f"The snapshot is fresher than the state home's catalogue (of {beaten[:10]})"
            if beaten
            else "No catalogue in the state home"
        )
        ctx.ui.say(
            f"{why}: judging by the snapshot {snapshot.DEFAULT_PATH} "
            "(lifecycles and retirements; not what a key may call)."
        )
    elif key is not None:
        ctx.ui.say(f"Using the key {key.fingerprint} from {key.source.label} (offline).")
    else:
        ctx.ui.say(
            f"No API key found: reading the last check of this project ({record.key_fingerprint})."
        )
    result = judge_saved(ctx, record, prepared, prefer, snapshot_path)
    _tell(ctx, result, prepared, snapshot=snapshot_path is not None)
    report = Report(o.command, result.code, diagnoses=result.diagnoses, sources=prepared.sources)
    report.fields.update(offline_json(result, key, prepared))
    return report


def _catalogue(
    ctx: Context, key: ApiKey | None
) -> tuple[memory.Record | None, Path | None, Diagnosis | None, str | None]:
    """The catalogue, the snapshot it came from and the state's it beat (`find_catalogue`);
    none at all, with `--missing-catalog pass`, and why (without it, the missing catalogue
    is the error)."""
    try:
        record, path, beaten = find_catalogue(ctx, key)
    except WizardError as err:
        if err.diagnosis != Code.CATALOG_MISSING or ctx.options.scope.missing_catalog != "pass":
            raise
        if isinstance(err, UnreadableSnapshot):
            # a file at the snapshot's path that is none: named, with why, not "no catalogue"
            ctx.ui.warn(f"Passing without a catalogue: {err.message}")
        else:
            ctx.ui.say(
                "No saved catalogue to judge by yet: passing. Run `flux-setup check` once "
                "(online); this check then judges by what it saves, or by a snapshot the "
                "repository commits (`flux-setup export catalog`); `--missing-catalog fail` "
                "makes it strict."
            )
        return None, None, Diagnosis(Code.CATALOG_MISSING, err.message, err.fix or ""), None
    return record, path, None, beaten


def _tell(ctx: Context, result: Offline, prepared: Prepared, *, snapshot: bool) -> None:
    ui, record, verdict, code = ctx.ui, result.record, result.verdict, result.code
    ago = age_words(record.checked_at, ctx.now(), "ago")
    made = (
        "Snapshot: made by the online check" if snapshot else "Catalogue: saved by the online check"
    )
    ui.say(f"{made} of {record.checked_at[:10]} ({ago}).")
    ui.diagnoses(result.diagnoses)
    fallback = prepared.fallback
    also = f", fallback {fallback} ({verdict.fallback_status.words})" if fallback else ""
    if snapshot:
        ui.say(f"Configured: {prepared.configured or 'none'}{also}.")
        if code == ExitCode.OK:
            ui.ok("By the snapshot, the configured model is current: not retired or retiring soon.")
            return
    else:
        ui.say(
            f"Configured: {prepared.configured or 'none'} ({verdict.status.words}){also}; "
            f"recommended by that check: {verdict.recommended or 'none'}."
        )
        if code == ExitCode.OK:
            ui.ok("By the saved catalogue, Flux uses the best model of your preferred lines.")
            return
    if code == ExitCode.UPGRADE_AVAILABLE and verdict.recommended:
        ui.warn(
            f"A better model was callable then: `flux-setup run` switches to {verdict.recommended}."
        )
    elif code == ExitCode.UNAVAILABLE and verdict.status == Status.UNSET:
        ui.warn(verdicts.NO_MODEL)
    elif code in verdicts.SENTENCES:  # one closing verdict, as online and in `status`
        words = verdicts.sentence(code, verdict.status, fallback)
        ui.warn(
            after_colon(f"By the check of {record.checked_at[:10] or 'an unknown date'}", words)
        )
