"""`flux-setup undo`: restore the files of the last applied change set."""

from __future__ import annotations

from wizard import changes
from wizard.flow.session import Context
from wizard.report import Report


def undo(ctx: Context) -> Report:
    undone = changes.undo(ctx.store, ctx.options.project, force=ctx.options.force)
    for path in undone.restored:
        if path in undone.removed:
            ctx.ui.ok(f"Removed {path} (the change had created it)")
        else:
            ctx.ui.ok(f"Restored {path}")
    if not undone.restored:
        ctx.ui.say("The files were already as before the change.")
    return Report(
        ctx.options.command,
        fields={
            "changeset": undone.changeset,
            "restored": undone.restored,
            "removed": undone.removed,
        },
    )
