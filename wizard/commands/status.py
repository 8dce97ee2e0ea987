"""`flux-setup status`: offline and fast. What is configured, where each value comes from."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from wizard import memory
from wizard.commands.common import (
    Context,
    Outcome,
    base_payload,
    configured_sources,
    effective_model,
    env_override,
    key_discovery,
    load_files,
)
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode
from wizard.keys import SOURCE_LABELS, check_form

MODEL_SOURCE_LABELS = {
    "environment": "FLUX_MODEL in the environment",
    "env_file": "FLUX_MODEL in the .env file",
    "config": "[model].id in the config",
}


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


def status(ctx: Context) -> Outcome:
    files = load_files(ctx)
    sources = configured_sources(ctx, files)
    model = effective_model(sources)
    winner = next(
        (name for name in ("environment", "env_file", "config") if sources.get(name)), None
    )
    found = key_discovery(ctx, files)
    diagnoses: list[Diagnosis] = []
    if sources["env_file"] and sources["config"] and sources["env_file"] != sources["config"]:
        diagnoses.append(
            Diagnosis(
                "config_mismatch",
                f"FLUX_MODEL in .env ({sources['env_file']}) and [model].id in the config "
                f"({sources['config']}) disagree; Flux uses {model}.",
                "Run `flux-setup run` to make them agree.",
            )
        )
    override = env_override(ctx, sources)
    if override is not None:
        diagnoses.append(override)
    if files.config.api_key:
        diagnoses.append(
            Diagnosis(
                "key_in_config",
                "The Flux config holds an API key.",
                "Run `flux-setup migrate` to move it into .env.",
            )
        )
    cfg = files.config
    last = memory.load(ctx.options.project)
    ui = ctx.ui
    ui.heading("Key")
    if not found.found:
        ui.warn("No API key found (stdin is not read by status).")
    for candidate in found.found:
        mark = "  (used)" if found.key and candidate.source == found.key.source else ""
        ui.say(f"  {candidate.fingerprint}  from {SOURCE_LABELS[candidate.source]}{mark}")
    if found.key is not None:
        problem = check_form(found.key.reveal())
        if problem:
            ui.warn(f"  {problem.message}")
    ui.heading("Model")
    for name, label in MODEL_SOURCE_LABELS.items():
        value = sources[name]
        mark = "  (used)" if name == winner else ""
        ui.say(f"  {label:32} {value or '-'}{mark}")
    ui.heading("Config")
    state_word = f"schema {cfg.version}" if cfg.location.exists else "not created yet"
    ui.say(f"  {cfg.location.path} ({cfg.display}, {state_word})")
    if cfg.needs_migration:
        ui.warn("  Schema 1: `flux-setup migrate` brings it to schema 2.")
    ui.heading("Last check")
    if last:
        configured = last.get("configured") or {}
        ui.say(
            f"  {_age(last.get('checked_at'), ctx.now())}: {configured.get('model') or 'none'} was "
            f"{configured.get('status')}; recommended {last.get('recommended') or 'none'}."
        )
    else:
        ui.say("  never: run `flux-setup check`.")
    ui.diagnoses(diagnoses)
    payload: dict[str, Any] = base_payload(ctx, ExitCode.OK)
    payload.update(
        {
            "key": (
                {
                    "source": found.key.source,
                    "fingerprint": found.key.fingerprint,
                    "kind": found.key.kind,
                }
                if found.key
                else None
            ),
            "keys_found": [{"source": c.source, "fingerprint": c.fingerprint} for c in found.found],
            "configured": {
                "model": model,
                "status": "unverified" if model else "unset",
                "sources": sources,
                "winner": winner,
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
                    "checked_at": last.get("checked_at"),
                    "configured": last.get("configured"),
                    "recommended": last.get("recommended"),
                }
                if last
                else None
            ),
            "diagnosis": [d.to_json() for d in diagnoses],
        }
    )
    code = _status_code(
        found.key is not None and check_form(found.key.reveal()) is None, model, diagnoses
    )
    payload["exit_code"] = int(code)
    if code != ExitCode.OK:
        ui.warn(f"Flux cannot run as configured (exit {int(code)}): see above.")
    return Outcome(code, payload)


def _status_code(key_ok: bool, model: str | None, diagnoses: list[Diagnosis]) -> ExitCode:
    """Like `gh auth status`: non-zero when Flux could not run as configured. 3: no usable
    key; 12: no model, or a model other than the files say (environment override, files that
    disagree)."""
    if not key_ok:
        return ExitCode.KEY
    if not model or any(d.code in ("env_override", "config_mismatch") for d in diagnoses):
        return ExitCode.UNAVAILABLE
    return ExitCode.OK
