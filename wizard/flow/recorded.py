"""A command run with `--record FILE` (or `doctor --report FILE`): the targets checked before
anything else, every exchange recorded, and the recording written at the end with what the
command concluded, whether it succeeded, failed with a message, or met a bug."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from wizard.constants import CHECKLIST_NAME
from wizard.errors import ExitCode, UsageError, WizardError
from wizard.fileio import check_target
from wizard.flow.session import Context
from wizard.jsontypes import JsonObject, as_list, as_object
from wizard.report import Report


def run_recorded(ctx: Context, handler: Callable[[Context], Report]) -> Report:
    from wizard.recording import Recorder

    o = ctx.options
    where = _targets(ctx)
    ctx.recorder = Recorder(redact_org=o.redact_org)
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


def _targets(ctx: Context) -> dict[str, Path]:
    """Where each file goes, checked before anything is asked: a regular file or a new one (a
    symlink is followed, and stays a link), none of the project's own, and not both in one."""
    o = ctx.options
    given = [(flag, path) for flag, path in (("--record", o.record), ("--report", o.report))
             if path is not None]  # fmt: skip
    where: dict[str, Path] = {}
    for flag, path in given:
        _not_a_project_file(ctx, flag, path)
        where[flag] = check_target(path, flag=flag)
    if len(set(where.values())) < len(where):
        raise UsageError(
            "--record and --report name the same file: one would overwrite the other.",
            fix="Name two files (the report holds the recording too).",
        )
    return where


def _not_a_project_file(ctx: Context, flag: str, path: Path) -> None:
    """A recording written over the .env, the config or the checklist would destroy it."""
    o = ctx.options
    project = o.project
    files = [o.env_file or project / ".env", o.config or project / "flux.toml",
             project / "pyproject.toml", o.checklist or project / CHECKLIST_NAME]  # fmt: skip
    real = os.path.realpath(path)
    if any(os.path.realpath(f) == real for f in files):
        raise UsageError(
            f"{flag} {path} names one of the project's own files: it would be overwritten.",
            fix=f"Pass a new file, e.g. `{flag} flux-setup-{ctx.options.command}.jsonl`.",
        )


def _save(ctx: Context, report: Report, where: dict[str, Path]) -> None:
    from wizard import recording

    assert ctx.recorder is not None
    o = ctx.options
    data = report.to_json()
    head = recording.header(o.command, invocation(ctx, report), ctx.now().isoformat())
    rows = recording.rows(head, ctx.recorder, outcome(data))
    if "--record" in where:
        recording.write(where["--record"], recording.lines(rows))
        ctx.ui.say(f"Recording: {o.record} (every exchange, no key; mode 0600).")
    if "--report" in where:
        from wizard.flow.support import support_report

        recording.write(where["--report"], support_report(ctx, data, rows))
        ctx.ui.say(
            f"Report for support: {o.report} (the checks, the recording, the config's shape; "
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
        "verify": o.verify,
        "max_verify": o.max_verify,
        "model": o.model,
        "fallback": o.fallback,
        "verify_models": o.verify_models,
        "line": o.line,
        "include_retired": o.include_retired,
        "offline": o.offline,
        "timeout": o.timeout,
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
