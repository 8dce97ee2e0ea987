"""`flux-setup check --offline`: no network. The configured model judged from the catalogue the
last online check of this key saved (`flow.saved`). Fast enough for a pre-commit hook: it
never imports the SDK."""

from __future__ import annotations

from wizard import verdict as verdicts
from wizard.detection.result import fallback_json
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode, WizardError
from wizard.flow.key import found_key, stdin_key
from wizard.flow.prepare import Prepared, preferred_lines, prepare
from wizard.flow.saved import Offline, catalog_json, judge_saved, saved_record
from wizard.flow.session import Context
from wizard.jsontypes import JsonObject
from wizard.keys import ApiKey
from wizard.report import Report
from wizard.vocab import Code, Status


def check_offline(ctx: Context) -> Report:
    o = ctx.options
    prepared = prepare(ctx)
    prefer = preferred_lines(ctx, prepared.files)
    key, conflict = found_key(ctx, prepared.files, stdin_key(ctx))
    if conflict:
        ctx.ui.warn(conflict)
    try:
        record = saved_record(ctx, key)
    except WizardError as err:
        if err.diagnosis != Code.CATALOG_MISSING or o.missing_catalog != "pass":
            raise
        # A hook must not block a commit for lack of local state: nothing to judge by. Said
        # (and in --json, as the diagnosis it would have failed with), then passed.
        ctx.ui.say(
            "No saved catalogue to judge by yet: passing. Run `flux-setup check` once (online); "
            "this check then judges by what it saves (`--missing-catalog fail` makes it strict)."
        )
        missing = Diagnosis(Code.CATALOG_MISSING, err.message, err.fix or "")
        return Report(o.command, ExitCode.OK, diagnoses=[missing], sources=prepared.sources)
    if key is not None:
        ctx.ui.say(f"Using the key {key.fingerprint} from {key.source.label} (offline).")
    else:
        ctx.ui.say(
            f"No API key found: reading the last check of this project ({record.key_fingerprint})."
        )
    result = judge_saved(ctx, record, prepared, prefer)
    _tell(ctx, result, prepared)
    report = Report(o.command, result.code, diagnoses=result.diagnoses, sources=prepared.sources)
    report.fields.update(_fields(result, key, prepared))
    return report


def _tell(ctx: Context, result: Offline, prepared: Prepared) -> None:
    ui, record, age, verdict, code = ctx.ui, result.record, result.age, result.verdict, result.code
    ago = f"{age} day{'s' if age != 1 else ''} ago" if age is not None else "date unknown"
    ui.say(f"Catalogue: saved by the online check of {record.checked_at[:10]} ({ago}).")
    ui.diagnoses(result.diagnoses)
    fallback = prepared.fallback
    also = f", fallback {fallback} ({verdict.fallback_status.words})" if fallback else ""
    ui.say(
        f"Configured: {prepared.configured or 'none'} ({verdict.status.words}){also}; "
        f"recommended by that check: {verdict.recommended or 'none'}."
    )
    if code == ExitCode.OK:
        ui.ok("By the saved catalogue, Flux uses the best model of your preferred lines.")
    elif code == ExitCode.UPGRADE_AVAILABLE:
        ui.warn(
            f"A better model was callable then: `flux-setup run` switches to {verdict.recommended}."
        )
    elif code == ExitCode.UNAVAILABLE and verdict.status == Status.UNSET:
        ui.warn(verdicts.NO_MODEL)


def _fields(result: Offline, key: ApiKey | None, prepared: Prepared) -> JsonObject:
    verdict = result.verdict
    return {
        "offline": True,
        "catalog": catalog_json(result),
        "key": (key.to_json() if key else None),
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
