"""`flux-setup migrate`: config-schema and model-ID migrations only; offline."""

from __future__ import annotations

from datetime import date

from wizard import changes, memory, prices, project
from wizard.catalog import Model
from wizard.diagnosis import Diagnosis
from wizard.errors import Declined, ExitCode
from wizard.flow import consent
from wizard.flow.prepare import Prepared, prepare
from wizard.flow.session import Context
from wizard.report import Report
from wizard.vocab import Code, Lifecycle, ModelSource


def _successor_from_memory(ctx: Context, model_id: str | None) -> tuple[Model, Model] | None:
    """A retired or deprecated configured model and what replaces it, from the last detection:
    the same rule as `run`, the recommendation for the line order (its same-line successor
    only when the last check recommended nothing)."""
    last = memory.load(ctx.store, ctx.options.files.project)
    if last is None or not model_id:
        return None
    catalog = last.catalog
    current = catalog.get(model_id)
    if current is None or current.lifecycle == Lifecycle.ACTIVE:
        return None
    recommended = catalog.get(last.recommended)
    replacement = recommended if recommended is not None and recommended.callable else None
    replacement = replacement or catalog.successor(current)
    return (current, replacement) if replacement else None


def _fallback_from_memory(
    ctx: Context, model_id: str | None, fallback_id: str | None
) -> tuple[Model, Model] | None:
    """A retired or deprecated configured fallback and what replaces it, from the last
    detection: the fallback rule for the model the files will name (`Catalog.fallback`), else
    the same-line successor; like a model ID's migration."""
    last = memory.load(ctx.store, ctx.options.files.project)
    if last is None or not fallback_id or not model_id:
        return None
    catalog = last.catalog
    current = catalog.get(last.aliases.get(fallback_id, fallback_id))
    if current is None or current.lifecycle == Lifecycle.ACTIVE:
        return None
    primary = catalog.get(last.aliases.get(model_id, model_id))
    replacement = catalog.fallback(last.prefer, primary) or catalog.successor(current)
    if replacement is None or replacement.id in (model_id, current.id):
        return None
    return current, replacement


def _replacement(old: Model, new: Model, today: date, role: str = "") -> Diagnosis:
    retires = (
        f" ({old.retirement(today)})"
        if old.lifecycle == Lifecycle.DEPRECATED and old.retires_on
        else ""
    )
    why = (
        f"the newest active model of the {new.line} line."
        if new.line == old.line
        else f"the last check's recommendation (a move from the {old.line} line to the "
        f"{new.line} line; prices: {prices.source()})."
    )
    return Diagnosis(
        Code.MODEL_RETIRED if old.lifecycle == Lifecycle.RETIRED else Code.MODEL_DEPRECATED,
        f"{role}{old.id} is {old.lifecycle}{retires}, as of the last check.",
        f"Proposed: {new.id}, {why}",
        model=old.id,
    )


def files_model(prepared: Prepared) -> str | None:
    """The model the files name (.env, then the config): what a migration keeps writing,
    whatever the environment exports."""
    sources = prepared.sources
    return sources.get(ModelSource.ENV_FILE) or sources.get(ModelSource.CONFIG)


def migrate(ctx: Context) -> Report:
    o = ctx.options
    prepared = prepare(ctx)
    files = prepared.files
    pair = _successor_from_memory(ctx, prepared.configured)
    model = pair[1].id if pair else files_model(prepared)
    fallback = _fallback_from_memory(ctx, model, prepared.fallback)
    if pair is None and fallback is None:
        proposal = project.plan_migration(files)
    else:
        # the same plan `run` makes: schema migration, then the model in the config and .env
        assert model is not None
        proposal = project.plan_setup(
            files, model=model, fallback=fallback[1].id if fallback else prepared.fallback
        )
        if pair is not None:
            proposal.diagnoses.append(_replacement(*pair, ctx.now().date()))
        if fallback is not None:
            proposal.diagnoses.append(
                _replacement(*fallback, ctx.now().date(), role="The configured fallback ")
            )
    plan = proposal.plan
    report = Report(o.command, diagnoses=proposal.diagnoses, plan=plan)
    for note in proposal.notes:
        ctx.ui.say(note)
    ctx.ui.diagnoses(proposal.diagnoses)
    if plan.empty:
        ctx.ui.ok("Nothing to migrate.")
        return report
    ctx.ui.heading("Migration:")
    ctx.ui.diff(plan.diff())
    if o.writing.check:
        ctx.ui.say("A migration is pending: run `flux-setup migrate` to apply it.")
        report.exit_code = ExitCode.UPGRADE_AVAILABLE
        return report
    if consent.dry_run(ctx):
        return report
    consent.confirm(
        ctx,
        "Apply this migration?",
        Declined(
            "Nothing was written: you declined the migration.",
            fix="`flux-setup migrate` asks again; `flux-setup status` says what is pending.",
        ),
        what="`migrate` confirms before writing",
    )
    applied = changes.apply(plan, ctx.store, at=ctx.now())
    report.fields["changeset"] = applied.changeset
    ctx.ui.ok("Migrated (`flux-setup undo` restores the previous files).")
    return report
