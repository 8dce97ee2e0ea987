"""`flux-setup check`: is the configured model still the best callable one? Read-only."""

from __future__ import annotations

from wizard import checklist, memory
from wizard.detection import Detection
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode, UsageError
from wizard.flow.key import obtain_key
from wizard.flow.network import describe_configured, incomplete_reason, run_detection
from wizard.flow.outputs import check_targets, remember, write_checklist
from wizard.flow.prepare import Sources, env_override, preferred_lines, prepare
from wizard.flow.session import Context
from wizard.report import Report
from wizard.vocab import Lifecycle, Status

VERDICTS = {
    ExitCode.OK: "Flux uses the best callable model of your preferred lines.",
    ExitCode.UPGRADE_AVAILABLE: "A better model is callable now: run `flux-setup run` to switch.",
    ExitCode.DEPRECATED: "The configured model is deprecated: run `flux-setup run` to move before it retires.",
    ExitCode.UNAVAILABLE: "The configured model cannot be called: run `flux-setup run` to fix it.",
    ExitCode.ACCOUNT: "The API refuses this account's calls (see above): no model can be proven "
    "callable until that is fixed.",
    ExitCode.KEY: "The API refused the key (see above).",
}
CHANGE_DUE = (ExitCode.UPGRADE_AVAILABLE, ExitCode.DEPRECATED, ExitCode.UNAVAILABLE)


def rank(detection: Detection, model_id: str | None) -> int:
    ids = [
        m.id
        for m in detection.models
        if m.line in detection.prefer and m.lifecycle != Lifecycle.RETIRED
    ]
    wanted = detection.resolve(model_id)
    return ids.index(wanted) if wanted in ids else len(ids) + 1


def verdict(detection: Detection) -> ExitCode:
    """0 / 10 / 11 / 12 for the configured model; the highest of 12, 11, 10 wins. Whether
    transient failures make 0 or 10 unsafe to say is `Detection.uncertain`'s call."""
    status = detection.configured_status
    if status.unusable:
        return ExitCode.UNAVAILABLE
    if status == Status.DEPRECATED:
        return ExitCode.DEPRECATED
    recommended = detection.recommended
    if (
        recommended
        and recommended != detection.configured_model
        and rank(detection, recommended) < rank(detection, detection.configured)
    ):
        return ExitCode.UPGRADE_AVAILABLE
    return ExitCode.OK


def judge(
    ctx: Context, detection: Detection, sources: Sources
) -> tuple[ExitCode, Diagnosis | None]:
    """The exit code for one project's findings, and the environment override that decided
    it (None when Flux runs the right model anyway)."""
    code = detection.failure_exit_code() or verdict(detection)
    if code in (ExitCode.OK, ExitCode.UPGRADE_AVAILABLE) and detection.uncertain():
        code = ExitCode.NETWORK  # unknown models may hide a better one, or a refusal
    override = env_override(ctx, sources)
    if override is not None:
        detection.diagnoses.insert(0, override)
        if code in CHANGE_DUE:
            # A change is due, but Flux runs the environment's model whatever the files say:
            # `run` cannot fix that, `unset FLUX_MODEL` can.
            code = ExitCode.UNAVAILABLE
        else:
            override = None  # Flux runs the right model; the diagnosis tells of the override
    return code, override


def check(ctx: Context) -> Report:
    o = ctx.options
    if not o.all and (o.folders or o.fix):
        what = "Folders to search go" if o.folders else "--fix goes"
        example = " ".join(str(f) for f in o.folders) or "."
        raise UsageError(
            f"{what} with --all only (every project under the folders).",
            fix=f"e.g. `flux-setup check --all {example}{' --fix' if o.fix else ''}`; "
            "`--project DIR` checks one project.",
        )
    if ctx.options.all:
        from wizard.commands.check_all import check_all

        return failing_on(ctx, check_all(ctx))
    if ctx.options.offline:
        from wizard.commands.offline import check_offline

        return failing_on(ctx, check_offline(ctx))
    return failing_on(ctx, _check(ctx))


def failing_on(ctx: Context, report: Report) -> Report:
    """--fail-on: a verdict the user did not choose to fail on counts as 0, and says so; the
    JSON keeps the verdict as `verdict_code`. Errors are never masked: in a scan, a broken
    project's code still counts when a verdict above it is left out."""
    chosen = ctx.options.fail_on
    if chosen is None:
        return report
    projects = report.fields.get("projects")
    codes = [int(p["exit_code"]) for p in projects] if projects else [int(report.exit_code)]
    kept = [c for c in codes if c not in VERDICT_CODES or c in chosen]
    code = ExitCode(max(kept, default=0))
    if code == report.exit_code:
        return report
    report.fields["verdict_code"] = int(report.exit_code)
    ctx.ui.say(
        f"Exit {int(code)}: --fail-on {','.join(str(c) for c in sorted(chosen))} leaves out "
        f"{int(report.exit_code)}."
    )
    report.exit_code = code
    return report


VERDICT_CODES = (ExitCode.UPGRADE_AVAILABLE, ExitCode.DEPRECATED, ExitCode.UNAVAILABLE)


def _check(ctx: Context) -> Report:
    prepared = prepare(ctx)
    prefer = preferred_lines(ctx, prepared.files)
    if ctx.options.write_checklist:
        check_targets(ctx, prepared)  # before the network, not after it
    key = obtain_key(ctx, prepared.files, allow_prompt=False)
    previous = memory.load(ctx.store, ctx.options.project, key.fingerprint)
    detection = run_detection(ctx, key, prepared.configured, prefer)
    for line in memory.changes_since(previous, detection):
        ctx.ui.say(line)
    code, override = judge(ctx, detection, prepared.sources)
    report = Report(ctx.options.command, code, detection=detection, sources=prepared.sources)
    _tell(ctx, detection, code, override)
    remember(ctx, detection)
    if ctx.options.write_checklist:
        report.checklist = write_checklist(ctx, detection)
        ctx.ui.say(f"Checklist: {report.checklist}")
    return report


def _tell(ctx: Context, detection: Detection, code: ExitCode, override: Diagnosis | None) -> None:
    """The diagnoses, one line of facts, then one verdict: the next step itself when a change is
    due (not a sentence that repeats the diagnosis and then the step)."""
    ui = ctx.ui
    ui.diagnoses(detection.diagnoses)
    if detection.models:
        ui.say(
            f"Configured: {describe_configured(detection)} ({detection.configured_status.words}); "
            f"recommended: {detection.recommended or 'none'}."
        )
    step = checklist.first_open(detection) if override is None and code in CHANGE_DUE else None
    if override is not None and code == ExitCode.UNAVAILABLE:
        ui.warn(f"Flux uses FLUX_MODEL from the environment: {override.next_step}")
    elif code == ExitCode.UNAVAILABLE and detection.configured_status == Status.UNSET:
        ui.warn("No model is configured for Flux yet: run `flux-setup run`.")
    elif code == ExitCode.NETWORK:
        ui.warn(f"The check could not finish. {incomplete_reason(detection)}")
    elif code == ExitCode.OK and not detection.verify:
        ui.ok(
            "The configured model is listed, active and the best of your preferred lines; not "
            "verified (--no-verify), so access is not proven."
        )
    elif step is not None:
        where = f" {step.url}" if step.url else ""
        ui.warn(f"Next: {step.title}: {step.next_step or ''}{where}".rstrip())
    elif code in VERDICTS:
        (ui.ok if code == ExitCode.OK else ui.warn)(VERDICTS[code])
