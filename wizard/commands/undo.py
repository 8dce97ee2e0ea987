"""`flux-setup undo`: restore the files of the last applied change set."""

from __future__ import annotations

from wizard import changes
from wizard.commands.common import Context, Outcome, base_payload
from wizard.errors import ExitCode


def undo(ctx: Context) -> Outcome:
    undone = changes.undo(ctx.options.project, force=ctx.options.force)
    for path in undone.restored:
        if path in undone.removed:
            ctx.ui.ok(f"Removed {path} (the change had created it)")
        else:
            ctx.ui.ok(f"Restored {path}")
    if not undone.restored:
        ctx.ui.say("The files were already as before the change.")
    payload = base_payload(ctx, ExitCode.OK)
    payload.update(
        {"changeset": undone.changeset, "restored": undone.restored, "removed": undone.removed}
    )
    return Outcome(ExitCode.OK, payload)
