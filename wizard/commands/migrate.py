"""`flux-setup migrate`: config-schema and model-ID migrations only; offline."""

from __future__ import annotations

from wizard import changes, memory, prices, project
from wizard.catalog import Catalog, Model
from wizard.commands.common import (
    Context,
    Outcome,
    base_payload,
    changes_json,
    configured_sources,
    effective_model,
    load_files,
)
from wizard.diagnosis import Diagnosis
from wizard.errors import Cancelled, ExitCode


def _successor_from_memory(ctx: Context, model_id: str | None) -> tuple[Model, Model] | None:
    """A retired or deprecated configured model and what replaces it, from the last detection:
    the same rule as `run`, the recommendation for the line order (its same-line successor
    only when the last check recommended nothing)."""
    last = memory.load(ctx.options.project)
    if not last or not model_id:
        return None
    models = []
    for raw in last.get("models", []):
        model = Model.from_api(raw)
        model.callable = raw.get("callable")
        models.append(model)
    catalog = Catalog(models)
    current = catalog.get(model_id)
    if current is None or current.lifecycle == "active":
        return None
    recommended = catalog.get(last.get("recommended"))
    replacement = recommended if recommended is not None and recommended.callable else None
    replacement = replacement or catalog.successor(current)
    return (current, replacement) if replacement else None


def migrate(ctx: Context) -> Outcome:
    o = ctx.options
    files = load_files(ctx)
    configured = effective_model(configured_sources(ctx, files))
    pair = _successor_from_memory(ctx, configured)
    if pair is None:
        proposal = project.plan_migration(files)
    else:
        old, new = pair
        retires = (
            f", retires {old.retires_on}"
            if old.lifecycle == "deprecated" and old.retires_on
            else ""
        )
        # the same plan `run` makes: schema migration, then the model in the config and .env
        proposal = project.plan_setup(files, model=new.id, fallback=files.config.fallback)
        proposal.diagnoses.append(
            Diagnosis(
                "model_retired" if old.lifecycle == "retired" else "model_deprecated",
                f"{old.id} is {old.lifecycle}{retires} (as of the last check).",
                f"Proposed: {new.id}, "
                + (
                    f"the newest active model of the {new.line} line."
                    if new.line == old.line
                    else f"the last check's recommendation (a move from the {old.line} line to "
                    f"the {new.line} line; prices: {prices.source()})."
                ),
                model=old.id,
            )
        )
    plan = proposal.plan
    payload = base_payload(ctx, ExitCode.OK)
    payload["diagnosis"] = [d.to_json() for d in proposal.diagnoses]
    payload["changes"] = changes_json(plan)
    for note in proposal.notes:
        ctx.ui.say(note)
    ctx.ui.diagnoses(proposal.diagnoses)
    if plan.empty:
        ctx.ui.ok("Nothing to migrate.")
        return Outcome(ExitCode.OK, payload)
    ctx.ui.heading("Migration:")
    ctx.ui.diff(plan.diff())
    if o.check or o.dry_run:
        code = ExitCode.UPGRADE_AVAILABLE if o.check else ExitCode.OK
        ctx.ui.say(
            "A migration is pending: run `flux-setup migrate` to apply it."
            if o.check
            else "Dry run: nothing was written."
        )
        payload["exit_code"] = int(code)
        return Outcome(code, payload)
    if not o.yes and not ctx.prompter.confirm("Apply this migration?", True, flag="--yes"):
        raise Cancelled()
    applied = changes.apply(plan)
    payload["changeset"] = applied.changeset
    ctx.ui.ok("Migrated (`flux-setup undo` restores the previous files).")
    return Outcome(ExitCode.OK, payload)
