"""`flux-setup undo`: restore the files of a change set (the last applied one by default),
after showing what it will write; `--list` shows the change sets on record."""

from __future__ import annotations

from pathlib import Path

from wizard import history
from wizard.errors import Declined
from wizard.fleet import batch as batches
from wizard.flow import consent
from wizard.flow.key_store import keyring_reader, undo_notes
from wizard.flow.session import Context
from wizard.jsontypes import JsonObject
from wizard.manifest import ChangeSetStatus
from wizard.render import shown_path
from wizard.report import Report
from wizard.words import plural


def undo(ctx: Context) -> Report:
    o = ctx.options
    if o.undo.list_changesets:
        return _list(ctx)
    if o.undo.batch:
        return _undo_batch(ctx, o.undo.batch)
    secrets = keyring_reader(ctx)
    plan = history.plan_undo(
        ctx.store, o.files.project, name=o.undo.changeset, force=o.writing.force, secrets=secrets
    )
    if plan.manifest.status == ChangeSetStatus.APPLYING:
        ctx.ui.warn(
            f"The change {plan.changeset} was interrupted while it was written (the process "
            "was killed): undo puts back what it wrote and leaves what it never reached."
        )
    if plan.restores:
        ctx.ui.heading(f"Undo of change set {plan.changeset}:")
        ctx.ui.diff(plan.diff())
        for note in undo_notes(ctx, [(c.before, c.after) for c in plan.changes()]):
            ctx.ui.warn(note)
    fields = {"changeset": plan.changeset, "changes": _changes(plan)}
    if consent.dry_run(ctx):
        return Report(o.command, fields={**fields, "restored": [], "removed": []})
    if plan.restores:
        consent.confirm(
            ctx,
            "Restore these files?",
            Declined("Nothing was restored: you declined.", fix="`flux-setup undo` asks again."),
            what="`undo` confirms before it restores or removes files",
        )
    undone = history.undo(
        ctx.store, o.files.project, name=o.undo.changeset, force=o.writing.force, secrets=secrets
    )
    for path in undone.restored:
        if path in undone.removed:
            ctx.ui.ok(f"Removed {path} (the change had created it)")
        else:
            ctx.ui.ok(f"Restored {path}")
    if not undone.restored:
        ctx.ui.say("The files were already as before the change.")
    return Report(
        o.command, fields={**fields, "restored": undone.restored, "removed": undone.removed}
    )


def _changes(plan: history.UndoPlan) -> list[dict[str, str]]:
    return [
        {"path": str(c.path), "action": str(c.action), "diff": c.diff()} for c in plan.changes()
    ]


def _list(ctx: Context) -> Report:
    entries = history.list_changesets(ctx.store, ctx.options.files.project)
    if not entries:
        ctx.ui.say("No change set on record for this project.")
    for entry in entries:
        files = ", ".join(entry.files) or "-"
        ctx.ui.say(f"  {entry.changeset}  {entry.status:11}  {files}")
    if any(e.status in history.UNDOABLE for e in entries):
        ctx.ui.say(
            "`flux-setup undo` undoes the newest applied one; `undo CHANGESET` a chosen one."
        )
    return Report(
        ctx.options.command,
        fields={
            "changesets": [
                {"changeset": e.changeset, "status": e.status, "files": e.files} for e in entries
            ]
        },
    )


def _undo_batch(ctx: Context, name: str) -> Report:
    """Every project of a `check --all --fix` batch: all checked first (one project edited
    since stops the lot, unless --force), one diff, one confirmation, then each restored."""
    o = ctx.options
    record = batches.find(ctx.store, name)
    plans = _batch_plans(ctx, record)
    ctx.ui.heading(f"Undo of batch {record.name} ({len(plans)} projects):")
    ctx.ui.diff(
        "".join(c.diff(shown_path(c.path, ctx.cwd)) for _, plan in plans for c in plan.changes())
    )
    fields: JsonObject = {
        "batch": record.name,
        "changes": [change for _, plan in plans for change in _changes(plan)],
    }
    if consent.dry_run(ctx):
        return Report(o.command, fields={**fields, "restored": [], "removed": []})
    consent.confirm(
        ctx,
        f"Restore the files of these {len(plans)} projects?",
        Declined(
            "Nothing was restored: you declined.", fix="`flux-setup undo --batch` asks again."
        ),
        what="`undo --batch` confirms before it restores or removes files",
    )
    restored: list[str] = []
    removed: list[str] = []
    for project, plan in plans:
        undone = history.undo(ctx.store, project, name=plan.changeset, force=o.writing.force)
        restored += undone.restored
        removed += undone.removed
        ctx.ui.ok(
            f"Restored {shown_path(project, ctx.cwd)} ({plural(len(undone.restored), 'file')})"
        )
    record.status = ChangeSetStatus.UNDONE
    batches.save(ctx.store, record)
    return Report(o.command, fields={**fields, "restored": restored, "removed": removed})


def _batch_plans(ctx: Context, record: batches.Batch) -> list[tuple[Path, history.UndoPlan]]:
    """What undoing each project of the batch restores, all checked before anything is
    written; a project whose change set was undone on its own since is left as it is."""
    plans = []
    for folder, changeset in record.entries:
        project = Path(folder)
        state = {e.changeset: e.status for e in history.list_changesets(ctx.store, project)}
        if state.get(changeset) not in history.UNDOABLE:
            ctx.ui.say(
                f"{shown_path(project, ctx.cwd)}: change set {changeset} is "
                f"{state.get(changeset, 'not on record')}; left as it is."
            )
            continue
        plans.append(
            (
                project,
                history.plan_undo(
                    ctx.store, project, name=changeset, force=ctx.options.writing.force
                ),
            )
        )
    return plans
