"""`flux-setup status`: offline and fast. What is configured, where each value comes from."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from wizard import memory
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode
from wizard.flow.key import key_discovery
from wizard.flow.prepare import Prepared, config_mismatch, env_override, prepare
from wizard.flow.session import Context
from wizard.keys import KeyDiscovery, check_form
from wizard.report import Report
from wizard.vocab import Code, ModelSource, Status


def _age(iso: str | None, now: datetime) -> str:
    if not iso:
        return "never"
    try:
        then = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if then.tzinfo is None:
        then = then.replace(tzinfo=timezone.utc)
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def _findings(ctx: Context, prepared: Prepared) -> list[Diagnosis]:
    diagnoses = [
        d
        for d in (
            config_mismatch(prepared, "Run `flux-setup run` to make them agree."),
            env_override(ctx, prepared.sources),
        )
        if d is not None
    ]
    if prepared.files.config.api_key:
        diagnoses.append(
            Diagnosis(
                Code.KEY_IN_CONFIG,
                "The Flux config holds an API key.",
                "Run `flux-setup migrate` to move it into .env.",
            )
        )
    return diagnoses


def status(ctx: Context) -> Report:
    prepared = prepare(ctx)
    found = key_discovery(ctx, prepared.files)
    diagnoses = _findings(ctx, prepared)
    last = memory.load(ctx.store, ctx.options.project)
    _show(ctx, prepared, found, last)
    ctx.ui.diagnoses(diagnoses)
    key_ok = found.key is not None and check_form(found.key.reveal()) is None
    code = _status_code(key_ok, prepared.configured, diagnoses)
    if code != ExitCode.OK:
        ctx.ui.warn(f"Flux cannot run as configured (exit {int(code)}): see above.")
    return Report(
        ctx.options.command, code, diagnoses=diagnoses, fields=_fields(prepared, found, last)
    )


def _show(
    ctx: Context, prepared: Prepared, found: KeyDiscovery, last: memory.Record | None
) -> None:
    ui, cfg = ctx.ui, prepared.files.config
    ui.heading("Key")
    if not found.found:
        ui.warn("No API key found (stdin is not read by status).")
    for candidate in found.found:
        mark = "  (used)" if found.key and candidate.source == found.key.source else ""
        ui.say(f"  {candidate.fingerprint}  from {candidate.source.label}{mark}")
    if found.key is not None:
        problem = check_form(found.key.reveal())
        if problem:
            ui.warn(f"  {problem.message}")
    ui.heading("Model")
    for source in ModelSource:
        value = prepared.sources[source]
        mark = "  (used)" if source == prepared.winner else ""
        ui.say(f"  {source.label:32} {value or '-'}{mark}")
    ui.heading("Config")
    state_word = f"schema {cfg.version}" if cfg.location.exists else "not created yet"
    ui.say(f"  {cfg.location.path} ({cfg.display}, {state_word})")
    if cfg.needs_migration:
        ui.warn("  Schema 1: `flux-setup migrate` brings it to schema 2.")
    ui.heading("Last check")
    if last:
        ui.say(
            f"  {_age(last.checked_at, ctx.now())}: {last.configured or 'none'} was "
            f"{last.status}; recommended {last.recommended or 'none'}."
        )
    else:
        ui.say("  never: run `flux-setup check`.")


def _fields(prepared: Prepared, found: KeyDiscovery, last: memory.Record | None) -> dict[str, Any]:
    cfg, model = prepared.files.config, prepared.configured
    key = found.key
    return {
        "key": (
            {"source": str(key.source), "fingerprint": key.fingerprint, "kind": str(key.kind)}
            if key
            else None
        ),
        "keys_found": [
            {"source": str(c.source), "fingerprint": c.fingerprint} for c in found.found
        ],
        "configured": {
            "model": model,
            "status": str(Status.UNVERIFIED if model else Status.UNSET),
            "sources": dict(prepared.sources),
            "winner": str(prepared.winner) if prepared.winner else None,
        },
        "config": {
            "path": str(cfg.location.path),
            "in_pyproject": cfg.location.in_pyproject,
            "exists": cfg.location.exists,
            "schema_version": cfg.version if cfg.location.exists else None,
            "needs_migration": cfg.needs_migration,
        },
        "last_check": (
            {
                "checked_at": last.checked_at,
                "configured": last.configured_json(),
                "recommended": last.recommended,
            }
            if last
            else None
        ),
    }


def _status_code(key_ok: bool, model: str | None, diagnoses: list[Diagnosis]) -> ExitCode:
    """Like `gh auth status`: non-zero when Flux could not run as configured. 3: no usable
    key; 12: no model, or a model other than the files say (environment override, files that
    disagree)."""
    if not key_ok:
        return ExitCode.KEY
    if not model or any(d.code in (Code.ENV_OVERRIDE, Code.CONFIG_MISMATCH) for d in diagnoses):
        return ExitCode.UNAVAILABLE
    return ExitCode.OK
