"""`doctor --report FILE`: one file to attach to a support ticket or a bug report. The doctor's
checks, the recording of this run, the shape of the project's files (names, the schema, which
settings are set: never a value), which variables are set, versions and platform. It holds no
key: every string passes the recording's redaction, and values are never read into it."""

from __future__ import annotations

import json

from wizard.constants import API_VARS
from wizard.errors import WizardError
from wizard.flow.session import Context
from wizard.jsontypes import JsonObject, as_object
from wizard.report import Report

FORMAT = "flux-setup-report/1"
NOTE = (
    "A flux-setup report for support: it holds no API key, admin key or other secret (each was "
    "masked as it was recorded), and of the project's files only their names and which "
    "settings they set, never a value. `flux-setup simulator --replay` reads its recording."
)
# The .env settings flux-setup and Flux read: named when set; any other is only counted.
KNOWN_ENV = (*API_VARS, "ANTHROPIC_AUTH_TOKEN")


def project_shape(ctx: Context) -> JsonObject:
    """The project's files as names and which settings they set, never a value."""
    from wizard import project

    o = ctx.options
    try:
        files = project.load(o.files.project, o.files.env_file, o.files.config, environ=ctx.environ)
    except WizardError as err:
        return {"error": err.message}
    names = [c.key for c in files.env.chunks if c.key]
    config = files.config
    return {
        "env_file": {
            "name": files.env_path.name,
            "exists": files.env_before is not None,
            "sets": sorted({n for n in names if n in KNOWN_ENV}),
            "other_settings": len({n for n in names if n not in KNOWN_ENV}),
            "unparsable_lines": len(files.env.unparsable_lines()),
        },
        "config": {
            "name": config.location.path.name,
            "in_pyproject": config.location.in_pyproject,
            "exists": config.location.exists,
            "schema": config.version if config.location.exists else None,
            "migration_pending": config.needs_migration if config.location.exists else False,
            "sets": [
                name
                for name, value in (
                    ("model.id", config.model),
                    ("model.fallback", config.fallback),
                    ("model.prefer", config.prefer),
                    ("api_key", config.api_key),
                )
                if value
            ],
        },
    }


def support_report(ctx: Context, report: Report, rows: list[object]) -> str:
    """The report's text: one JSON document, the recording's rows (redacted already) in it;
    read from the command's typed result, never from its JSON."""
    assert ctx.recorder is not None
    head = as_object(rows[0]) if rows else {}
    document = {
        "report": FORMAT,
        "note": NOTE,
        "made_at": ctx.now().isoformat(),
        "versions": {name: head.get(name) for name in ("flux_setup", "anthropic", "python")},
        "platform": head.get("platform"),
        "command": ctx.options.command,
        "exit_code": int(report.exit_code),
        "checks": report.fields.get("checks") or [],
        "diagnosis": [d.to_json() for d in report.all_diagnoses()],
        "project": project_shape(ctx),
        "environment": {name: bool(ctx.environ.get(name)) for name in KNOWN_ENV},
    }
    # the recording's rows were redacted as they were made: only the rest is redacted here
    redacted = {**as_object(ctx.recorder.redactor.data(document)), "recording": rows}
    text = json.dumps(redacted, indent=1, ensure_ascii=True)
    return _without_paths(ctx, text) + "\n"


def _without_paths(ctx: Context, text: str) -> str:
    """The project's folder and the home folder name the person: `<project>` and `~` instead."""
    for path, shown in ((ctx.options.files.project, "<project>"), (ctx.environ.get("HOME"), "~")):
        if path and len(str(path)) > 1:
            text = text.replace(json.dumps(str(path))[1:-1], shown)
    return text
