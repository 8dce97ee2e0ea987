"""Files written next to the main change: the checklist and the memory of this detection."""

from __future__ import annotations

from pathlib import Path

from wizard import checklist, memory
from wizard.changes import FileChange
from wizard.detection import Detection
from wizard.fileio import check_target, read_optional, write_atomic
from wizard.flow.prepare import Prepared
from wizard.flow.session import Context


def checklist_path(ctx: Context) -> Path:
    return ctx.options.files.checklist or checklist.default_path(ctx.options.files.project)


def check_targets(ctx: Context, prepared: Prepared) -> Path:
    """Before anything is asked or sent: the checklist can be written (the .env and config
    targets are checked again by the apply, before any write; that no two roles share a file
    the command line checked first, `flow.roles`)."""
    path = checklist_path(ctx)
    check_target(path, flag="--checklist")
    return path


def checklist_change(
    ctx: Context, detection: Detection, fallback_key: str | None = None
) -> FileChange:
    """The checklist as a change: applied with the other files (backup, undo) when there are
    any, written alone otherwise. `fallback_key`: as the config's schema spells it (None: the
    newest schema, which `run` leaves)."""
    path = checklist_path(ctx)
    before = read_optional(path, flag="--checklist")
    try:
        existing = before.decode("utf-8") if before is not None else None
    except UnicodeDecodeError:  # unreadable as text: no manual ticks or notes to keep
        existing = None
    made_at = ctx.now().strftime("%Y-%m-%d %H:%M UTC")
    text = checklist.render(
        detection, made_at=made_at, existing=existing, fallback_key=fallback_key
    )
    return FileChange(path, before, text.encode("utf-8"), why="the upgrade checklist")


def write_checklist(ctx: Context, detection: Detection, fallback_key: str) -> Path:
    change = checklist_change(ctx, detection, fallback_key)
    write_atomic(check_target(change.path, flag="--checklist"), change.after or b"", 0o644)
    return change.path


def remember(ctx: Context, detection: Detection) -> None:
    """What `check --offline`, `status` and `doctor --offline` judge by next. A failed listing
    teaches nothing worth keeping, but a refusal of the whole key or account does (they say
    it, with its exit code); a check that made no call (--no-verify) adds to the proofs of the
    last one rather than replacing them with "not verified"."""
    if not detection.models and detection.blocker() is None:
        return
    if detection.verify:
        memory.save(ctx.store, ctx.options.files.project, detection)
    else:
        memory.save_proofs(ctx.store, ctx.options.files.project, detection)
