"""`flux-setup check`: is the configured model still the best callable one? Read-only."""

from __future__ import annotations

from wizard import checklist, memory
from wizard.commands.common import (
    Context,
    Outcome,
    configured_sources,
    effective_model,
    env_override,
    load_files,
    obtain_key,
    preferred_lines,
)
from wizard.commands.detect_step import (
    check_verdict,
    describe_configured,
    detection_payload,
    incomplete_reason,
    run_detection,
)
from wizard.commands.outputs import check_checklist_folder, remember, write_checklist
from wizard.errors import ExitCode

VERDICTS = {
    ExitCode.OK: "Flux uses the best callable model of your preferred lines.",
    ExitCode.UPGRADE_AVAILABLE: "A better model is callable now: run `flux-setup run` to switch.",
    ExitCode.DEPRECATED: "The configured model is deprecated: run `flux-setup run` to move before it retires.",
    ExitCode.UNAVAILABLE: "The configured model cannot be called: run `flux-setup run` to fix it.",
    ExitCode.ACCOUNT: "The API refuses this account's calls (see above): no model can be proven "
    "callable until that is fixed.",
    ExitCode.KEY: "The API refused the key (see above).",
}


def check(ctx: Context) -> Outcome:
    files = load_files(ctx)
    sources = configured_sources(ctx, files)
    configured = effective_model(sources)
    prefer = preferred_lines(ctx, files)
    if ctx.options.write_checklist:
        check_checklist_folder(ctx)  # before the network, not after it
    key = obtain_key(ctx, files, allow_prompt=False)
    previous = memory.load(ctx.options.project, key.fingerprint)
    detection = run_detection(ctx, key, configured, prefer)
    for line in memory.changes_since(previous, detection):
        ctx.ui.say(line)
    code = detection.failure_exit_code() or check_verdict(detection)
    if code in (ExitCode.OK, ExitCode.UPGRADE_AVAILABLE) and detection.uncertain():
        code = ExitCode.NETWORK  # unknown models may hide a better one, or a refusal
    override = env_override(ctx, sources)
    if override is not None:
        detection.diagnoses.insert(0, override)
        if code in (ExitCode.UPGRADE_AVAILABLE, ExitCode.DEPRECATED, ExitCode.UNAVAILABLE):
            # A change is due, but Flux runs the environment's model whatever the files say:
            # `run` cannot fix that, `unset FLUX_MODEL` can.
            code = ExitCode.UNAVAILABLE
        else:
            override = None  # Flux runs the right model; the diagnosis tells of the override
    payload = detection_payload(ctx, detection, sources, code)
    ctx.ui.diagnoses(detection.diagnoses)
    if detection.models:
        ctx.ui.say(
            f"Configured: {describe_configured(detection)} ({detection.configured_status}); "
            f"recommended: {detection.recommended or 'none'}."
        )
    if override is not None and code == ExitCode.UNAVAILABLE:
        ctx.ui.warn(f"Flux uses FLUX_MODEL from the environment: {override.next_step}")
    elif code == ExitCode.UNAVAILABLE and detection.configured_status == "unset":
        ctx.ui.warn("No model is configured for Flux yet: run `flux-setup run`.")
    elif code == ExitCode.NETWORK:
        ctx.ui.warn(f"The check could not finish. {incomplete_reason(detection)}")
    elif code == ExitCode.OK and not detection.verify:
        ctx.ui.ok(
            "The configured model is listed, active and the best of your preferred lines; not "
            "verified (--no-verify), so access is not proven."
        )
    elif code in VERDICTS:
        (ctx.ui.ok if code == ExitCode.OK else ctx.ui.warn)(VERDICTS[code])
    if override is None and code in (
        ExitCode.UPGRADE_AVAILABLE,
        ExitCode.DEPRECATED,
        ExitCode.UNAVAILABLE,
    ):
        step = checklist.first_open(detection)
        if step is not None:
            where = f" {step.url}" if step.url else ""
            ctx.ui.say(f"Next: {step.title}: {step.next_step or ''}{where}".rstrip())
    remember(ctx, detection)
    if ctx.options.write_checklist:
        path = write_checklist(ctx, detection)
        payload["checklist"] = str(path)
        ctx.ui.say(f"Checklist: {path}")
    return Outcome(code, payload)
