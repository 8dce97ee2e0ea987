"""`flux-setup check`: is the configured model still the best callable one? Read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard import verdict as verdicts
from wizard.errors import ExitCode, UsageError
from wizard.flow.session import Context
from wizard.report import Report
from wizard.vocab import Status
from wizard.words import ended

if TYPE_CHECKING:
    from wizard.diagnosis import Diagnosis


def check(ctx: Context) -> Report:
    o = ctx.options
    if not o.scope.all and (o.scope.folders or o.scope.fix):
        what = "Folders to search go" if o.scope.folders else "--fix goes"
        example = " ".join(str(f) for f in o.scope.folders) or "."
        raise UsageError(
            f"{what} with --all only (every project under the folders).",
            fix=f"e.g. `flux-setup check --all {example}{' --fix' if o.scope.fix else ''}`; "
            "`--project DIR` checks one project.",
        )
    if o.scope.missing_catalog == "pass" and not o.scope.offline:
        raise UsageError(
            "--missing-catalog goes with --offline only (an online check makes the catalogue).",
            fix="e.g. `flux-setup check --offline --missing-catalog pass`.",
        )
    if o.scope.warn_days is not None and not o.scope.offline:
        raise UsageError(
            "--warn-days goes with --offline only (a check online reads the retirement dates "
            "from the API and says each one).",
            fix=f"e.g. `flux-setup check --offline --warn-days {o.scope.warn_days}`.",
        )
    if o.scope.max_age is not None and not o.scope.offline:
        raise UsageError(
            "--max-age goes with --offline only (it bounds the age of the catalogue an "
            "offline check judges by).",
            fix=f"e.g. `flux-setup check --offline --max-age {o.scope.max_age}`.",
        )
    if ctx.options.scope.all:
        from wizard.commands.check_all import check_all

        return failing_on(ctx, check_all(ctx))
    if ctx.options.scope.offline:
        from wizard.commands.offline import check_offline

        return failing_on(ctx, check_offline(ctx))
    return failing_on(ctx, _check(ctx))


def failing_on(ctx: Context, report: Report) -> Report:
    """--fail-on: a verdict the user did not choose to fail on counts as 0, and says so; the
    JSON keeps the verdict as `verdict_code`. Errors are never masked: in a scan, a broken
    project's code still counts when a verdict above it is left out."""
    chosen = ctx.options.scope.fail_on
    if chosen is None:
        return report
    codes = [int(c) for c in report.project_codes or [report.exit_code]]
    code = verdicts.failing_on(codes, chosen)
    if code == report.exit_code:
        return report
    report.fields["verdict_code"] = int(report.exit_code)
    ctx.ui.say(
        f"Exit {int(code)}: --fail-on {','.join(str(c) for c in sorted(chosen))} leaves out "
        f"{int(report.exit_code)}."
    )
    report.exit_code = code
    return report


def _check(ctx: Context) -> Report:
    # the online check's steps, imported here: `check --offline` (a pre-commit hook) never
    # loads the detection engine or the API client (tests/test_imports.py)
    from wizard import memory
    from wizard.flow.key import obtain_key
    from wizard.flow.online import detect_project, judge_project
    from wizard.flow.outputs import check_targets, remember, write_checklist
    from wizard.flow.prepare import preferred_lines, prepare

    prepared = prepare(ctx)
    prefer = preferred_lines(ctx, prepared.files)
    if ctx.options.writing.write_checklist:
        check_targets(ctx, prepared)  # before the network, not after it
    key = obtain_key(ctx, prepared.files, allow_prompt=False)
    previous = memory.load(ctx.store, ctx.options.files.project, key.fingerprint)
    detection = detect_project(ctx, prepared, key, prefer, previous=previous)
    for line in memory.changes_since(previous, detection):
        ctx.ui.say(line)
    online = judge_project(ctx, prepared, detection)
    report = Report(ctx.options.command, online.code, detection=detection, sources=prepared.sources)
    report.diagnoses += online.beyond
    report.fields["reason"] = online.reason
    _tell(ctx, report, online.code, online.override)
    remember(ctx, detection)
    if ctx.options.writing.write_checklist:
        report.checklist = write_checklist(ctx, detection, prepared.fallback_key)
        ctx.ui.say(f"Checklist: {report.checklist}")
    return report


def _tell(ctx: Context, report: Report, code: ExitCode, override: Diagnosis | None) -> None:
    """The diagnoses, one line of facts, then one verdict: the next step itself when a change is
    due (not a sentence that repeats the diagnosis and then the step)."""
    from wizard import checklist
    from wizard.flow.network import describe_configured, describe_fallback, incomplete_reason

    ui = ctx.ui
    detection = report.detection
    assert detection is not None
    ui.diagnoses(report.all_diagnoses())
    if detection.models:
        ui.say(
            f"Configured: {describe_configured(detection)} ({detection.configured_status.words})"
            f"{describe_fallback(detection)}; recommended: {detection.recommended or 'none'}."
        )
    step = checklist.first_open(detection) if override is None and code.is_verdict else None
    if override is not None and code == ExitCode.UNAVAILABLE:
        ui.warn(f"Flux uses FLUX_MODEL from the environment: {override.next_step}")
    elif code == ExitCode.UNAVAILABLE and detection.configured_status == Status.UNSET:
        ui.warn(verdicts.NO_MODEL)
    elif code == ExitCode.NETWORK:
        ui.warn(f"The check could not finish. {incomplete_reason(detection)}")
    elif code == ExitCode.OK and not detection.verify:
        ui.ok(
            "The configured model is listed, active and the best of your preferred lines; not "
            "verified (--no-verify), so access is not proven."
        )
    elif step is not None:
        where = f" {step.url}" if step.url else ""
        also = ""
        if (
            verdicts.fallback_due(
                detection.configured_fallback, detection.configured_fallback_status
            )
            and "fallback" not in step.title
        ):
            also = " (it replaces the configured fallback too)"
        ui.warn(ended(f"Next: {step.title}: {step.next_step or ''}{also}".rstrip()) + where)
    elif code in verdicts.SENTENCES:
        words = verdicts.sentence(code, detection.configured_status, detection.configured_fallback)
        (ui.ok if code == ExitCode.OK else ui.warn)(words)
