"""`flux-setup status`: offline and fast. What is configured, where each value comes from."""

from __future__ import annotations

from wizard import memory, schemas
from wizard import verdict as verdicts
from wizard.detection.result import fallback_json
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode, WizardError
from wizard.flow.key import tolerant_discovery
from wizard.flow.key_store import Storage, storage
from wizard.flow.prepare import (
    Prepared,
    config_mismatch,
    env_override,
    preferred_lines,
    prepare,
)
from wizard.flow.saved import Offline, age_words, judge_saved
from wizard.flow.session import Context
from wizard.jsontypes import JsonObject
from wizard.keys import KeyDiscovery, check_form
from wizard.report import Report
from wizard.vocab import Code, ModelSource, Status
from wizard.words import after_colon


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
    found, trouble = tolerant_discovery(ctx, prepared.files)
    kept = storage(found, prepared.files, trouble)
    diagnoses = _findings(ctx, prepared)
    key_ok = found.key is not None and check_form(found.key.reveal()) is None
    # judged whenever a catalogue is saved: a fallback is judged even without a model
    saved = _saved_verdict(ctx, prepared, found) if key_ok else None
    # the last check of the key in use (its organisation, its findings): in a state home two
    # keys share, another key's last check is not this one's
    last = saved.record if saved is not None else _last_of(ctx, found)
    _show(ctx, prepared, found, last, kept, saved)
    if saved is not None:  # the verdict `check --offline` gives, by the same rules
        diagnoses = [d for d in diagnoses if d.code != Code.ENV_OVERRIDE] + saved.diagnoses
    ctx.ui.diagnoses(diagnoses)
    code = _status_code(key_ok, prepared.configured, diagnoses, saved)
    _verdict(ctx, code, key_ok, prepared, saved)
    fields = {**_fields(prepared, found, last), "storage": kept.to_json()}
    if saved is not None:
        configured = fields["configured"]
        assert isinstance(configured, dict)
        configured["fallback"] = fallback_json(prepared.fallback, saved.verdict.fallback_status)
        if prepared.configured:  # the saved verdict's status, as the text says it
            configured["status"] = str(saved.verdict.status)
        fields["verdict"] = {
            "exit_code": int(saved.code),
            "status": str(saved.verdict.status),
            "recommended": saved.verdict.recommended,
            "checked_at": saved.record.checked_at,
        }
    return Report(ctx.options.command, code, diagnoses=diagnoses, fields=fields)


def _blocked_words(blocked: Diagnosis) -> str:
    """What stopped a check, in a few words: "the API rejected the key (exit 3)"."""
    code = blocked.code.exit_code or ExitCode.ACCOUNT
    if code == ExitCode.KEY:
        return f"the API rejected the key ({blocked.code.short}; exit 3)"
    return f"the API refused this account's calls ({blocked.code.short}; exit {int(code)})"


def _last_of(ctx: Context, found: KeyDiscovery) -> memory.Record | None:
    if found.key is not None:
        return memory.load_for_key(ctx.store, ctx.options.files.project, found.key.fingerprint)
    return memory.load(ctx.store, ctx.options.files.project)


def _saved_verdict(ctx: Context, prepared: Prepared, found: KeyDiscovery) -> Offline | None:
    """The configured model judged by the catalogue the last online check of this key saved:
    `check --offline`'s own step, so the two cannot disagree. None: no catalogue yet."""
    assert found.key is not None
    record = memory.load_for_key(ctx.store, ctx.options.files.project, found.key.fingerprint)
    if record is None:
        return None
    try:
        prefer = preferred_lines(ctx, prepared.files)
    except WizardError:
        return None  # a line order check cannot read: `check` says so; status shows the files
    return judge_saved(ctx, record, prepared, prefer)


def _verdict(
    ctx: Context, code: ExitCode, key_ok: bool, prepared: Prepared, saved: Offline | None
) -> None:
    """One closing line that says what the code means, never "see above" over nothing."""
    ui, model = ctx.ui, prepared.configured
    if not key_ok:
        ui.warn(f"Flux has no usable API key (exit {int(code)}): `flux-setup run` sets one up.")
    elif saved is not None and saved.record.blocked is not None:
        day = saved.record.checked_at[:10] or "an unknown date"
        ui.warn(f"By the check of {day}, {_blocked_words(saved.record.blocked)}: see above.")
    elif not model:
        ui.warn(f"{verdicts.NO_MODEL} (exit {int(code)})")
    elif saved is not None:
        day = saved.record.checked_at[:10] or "an unknown date"
        words = verdicts.sentence(code, saved.verdict.status, prepared.fallback)
        (ui.ok if code == ExitCode.OK else ui.warn)(after_colon(f"By the check of {day}", words))
    elif code != ExitCode.OK:
        ui.warn(f"Flux does not run the model the files name (exit {int(code)}): see above.")
    else:
        ui.say("Not checked online yet: `flux-setup check` tells whether the model is callable.")


def _show(
    ctx: Context,
    prepared: Prepared,
    found: KeyDiscovery,
    last: memory.Record | None,
    kept: Storage,
    saved: Offline | None,
) -> None:
    ui, cfg = ctx.ui, prepared.files.config
    ui.heading("Key")
    if not found.found and not kept.failed:  # (a keyring that fails is said below, with its fix)
        ui.warn("No API key found (stdin is not read by status).")
    for candidate in found.found:
        mark = "  (used)" if found.key and candidate.source == found.key.source else ""
        ui.say(f"  {candidate.fingerprint}  from {candidate.source.label}{mark}")
    if found.key is not None or kept.stored is not None:
        (ui.warn if kept.warns else ui.say)(f"  kept in {kept.line}")
        if kept.fix:
            ui.say(f"  fix: {kept.fix}")
    if found.key is not None:
        problem = check_form(found.key.reveal())
        if problem:
            ui.warn(f"  {problem.message}")
    organization = _organization(found, last)
    if organization:
        ui.say(f"  belongs to organisation {organization} (from the last check)")
    ui.heading("Model")
    for source in ModelSource:
        value = prepared.sources[source]
        mark = "  (used)" if source == prepared.winner else ""
        ui.row(prepared.label(source), f"{value or '-'}{mark}")
    fallback = prepared.fallback
    state = f"  ({saved.verdict.fallback_status.words})" if saved and fallback else ""
    ui.row(f"fallback: {prepared.fallback_key}", f"{fallback or '-'}{state}")
    ui.heading("Config")
    state_word = f"schema {cfg.version}" if cfg.location.exists else "not created yet"
    ui.say(f"  {cfg.location.path} ({cfg.display}, {state_word})")
    if cfg.needs_migration:
        ui.warn(
            f"  Schema {cfg.version}: `flux-setup migrate` brings it to schema {schemas.latest()}."
        )
    ui.heading("Last check")
    if last:
        what = (
            _blocked_words(last.blocked)
            if last.blocked
            else f"{last.configured} was {last.status.words}"
            if last.configured
            else "no model was configured"
        )
        ui.say(
            f"  {age_words(last.checked_at, ctx.now(), 'ago')}: {what}; "
            f"recommended {last.recommended or 'none'}."
        )
    else:
        ui.say("  never: run `flux-setup check`.")


def _organization(found: KeyDiscovery, last: memory.Record | None) -> str | None:
    """The organisation the last check of this very key saw (another key's is not this one's)."""
    if last is None or found.key is None or last.key_fingerprint != found.key.fingerprint:
        return None
    return last.organization_id


def _fields(prepared: Prepared, found: KeyDiscovery, last: memory.Record | None) -> JsonObject:
    cfg, model = prepared.files.config, prepared.configured
    key = found.key
    return {
        "key": (key.to_json(_organization(found, last)) if key else None),
        "keys_found": [
            {"source": str(c.source), "fingerprint": c.fingerprint} for c in found.found
        ],
        "configured": {
            "model": model,
            "status": str(Status.UNVERIFIED if model else Status.UNSET),
            "fallback": fallback_json(prepared.fallback, Status.UNVERIFIED),
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


def _status_code(
    key_ok: bool, model: str | None, diagnoses: list[Diagnosis], saved: Offline | None
) -> ExitCode:
    """Like `gh auth status`: non-zero when Flux could not run as configured. 3: no usable
    key; 12: no model. With a saved catalogue, the verdict `check --offline` gives; without
    one, 12 when the environment makes Flux run a model other than the files name. Files
    that disagree are said, but Flux runs the .env model: that alone is no failure."""
    if not key_ok:
        return ExitCode.KEY
    if saved is not None and saved.record.blocked is not None:
        return saved.code  # the key or the account refused: before any model, as online
    if not model:
        return ExitCode.UNAVAILABLE
    if saved is not None:
        return saved.code
    if any(d.code == Code.ENV_OVERRIDE for d in diagnoses):
        return ExitCode.UNAVAILABLE
    return ExitCode.OK
