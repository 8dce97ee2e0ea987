"""A command run with `--record FILE` (or `doctor --report FILE`): the targets checked before
anything else, every exchange recorded, and the recording written at the end with what the
command concluded, whether it succeeded, failed with a message, or met a bug."""

from __future__ import annotations

import re
from collections.abc import Callable

from wizard.constants import CHECKLIST_NAME, CONFIG_NAME, ENV_NAME, PYPROJECT_NAME
from wizard.errors import ExitCode, UsageError, WizardError
from wizard.flow.session import Context
from wizard.jsontypes import JsonObject, as_list, as_object
from wizard.report import Report
from wizard.targets import Target

# What a recording (`{"format": "flux-setup-recording/1", ...`) or a report starts with.
WRITTEN_BY_US = re.compile(rb'\s*\{\s*"(?:format|report)"\s*:\s*"flux-setup-(?:recording|report)/')


def run_recorded(ctx: Context, handler: Callable[[Context], Report]) -> Report:
    from wizard.recording import Recorder

    o = ctx.options
    where = _targets(ctx)
    ctx.recorder = Recorder(redact_org=o.recording.redact_org)
    try:
        report = handler(ctx)
    except WizardError as err:
        failed = Report.failure(o.command, err.code, err.message, err.fix, err.diagnosis)
        _save(ctx, failed, where)
        raise
    except Exception as exc:  # a bug: the recording is what a bug report needs most
        bug = f"unexpected {type(exc).__name__} (a bug in flux-setup)"
        _save(ctx, Report.failure(o.command, ExitCode.ERROR, bug, None), where)
        raise
    _save(ctx, report, where)
    return report


def _targets(ctx: Context) -> dict[str, Target]:
    """Where each file goes, checked before anything is asked or sent (`targets.check`: no
    link followed, no file git or the project depends on, nothing replaced that flux-setup did
    not write without --force), and not both in one."""
    from wizard import targets

    o = ctx.options
    given = [
        (flag, path)
        for flag, path in (("--record", o.recording.record), ("--report", o.recording.report))
        if path is not None
    ]
    project = o.files.project
    own = [
        o.files.env_file or project / ENV_NAME,
        o.files.config or project / CONFIG_NAME,
        project / PYPROJECT_NAME,
        o.files.checklist or project / CHECKLIST_NAME,
    ]
    where: dict[str, Target] = {}
    for flag, path in given:
        example = f"flux-setup-{o.command}.{'jsonl' if flag == '--record' else 'json'}"
        where[flag] = targets.check(
            path,
            flag=flag,
            ours=written_by_us,
            force=o.writing.force,
            protected=own,
            example=example,
        )
    if len({t.path for t in where.values()}) < len(where):
        raise UsageError(
            "--record and --report name the same file: one would overwrite the other.",
            fix="Name two files (the report holds the recording too).",
        )
    return where


def written_by_us(head: bytes) -> bool:
    """A recording's or a report's first bytes: what --record and --report replace unasked."""
    return WRITTEN_BY_US.match(head) is not None


def _save(ctx: Context, report: Report, where: dict[str, Target]) -> None:
    from wizard import recording

    assert ctx.recorder is not None
    o = ctx.options
    data = report.to_json()
    head = recording.header(o.command, invocation(ctx, report), ctx.now().isoformat())
    rows = recording.rows(head, ctx.recorder, outcome(data))
    if "--record" in where:
        recording.write(where["--record"], recording.lines(rows))
        ctx.ui.say(f"Recording: {o.recording.record} (every exchange, no key; mode 0600).")
    if "--report" in where:
        from wizard.flow.support import support_report

        recording.write(where["--report"], support_report(ctx, report, rows))
        ctx.ui.say(
            f"Report for support: {o.recording.report} (the checks, the recording, the config's shape; "
            "no key). Attach it to your ticket or bug report."
        )


def invocation(ctx: Context, report: Report) -> JsonObject:
    """What a replay needs to ask the same questions: the configured model and line order the
    command judged by, and the options that change which requests it makes."""
    o = ctx.options
    detection = report.detection
    return {
        "configured": detection.configured if detection else None,
        "prefer": list(detection.prefer) if detection else None,
        "verify": o.api.verify,
        "max_verify": o.api.max_verify,
        "model": o.choice.model,
        "fallback": o.choice.fallback,
        "verify_models": o.models.verify_models,
        "line": o.models.line,
        "include_retired": o.models.include_retired,
        "offline": o.scope.offline,
        "timeout": o.api.timeout,
    }


def outcome(data: JsonObject) -> JsonObject:
    """What the command concluded, in the terms a replay is held to."""
    configured = as_object(data.get("configured"))

    def rows(name: str) -> list[JsonObject]:
        return [as_object(row) for row in as_list(data.get(name))]

    return {
        "exit_code": data.get("exit_code"),
        "configured": {"model": configured.get("model"), "status": configured.get("status")}
        if configured
        else None,
        "recommended": data.get("recommended"),
        "fallback": data.get("fallback"),
        "diagnosis": [[d.get("code"), d.get("model")] for d in rows("diagnosis")],
        "models": {str(m.get("id")): m.get("callable") for m in rows("models")},
        "checks": {str(c.get("id")): c.get("ok") for c in rows("checks")},
        "error": as_object(data.get("error")).get("message"),
    }
