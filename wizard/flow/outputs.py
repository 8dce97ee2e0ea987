"""Files written next to the main change: the checklist and the memory of this detection."""

from __future__ import annotations

from pathlib import Path

from wizard import checklist, memory
from wizard.detection import Detection
from wizard.errors import FilesError
from wizard.fileio import write_atomic
from wizard.flow.session import Context


def checklist_path(ctx: Context) -> Path:
    return ctx.options.checklist or checklist.default_path(ctx.options.project)


def check_checklist_folder(ctx: Context) -> Path:
    path = checklist_path(ctx)
    if not path.parent.is_dir():
        raise FilesError(
            f"cannot write the checklist: the folder {path.parent} does not exist.",
            fix="Create it, or pass another --checklist path.",
        )
    return path


def write_checklist(ctx: Context, detection: Detection) -> Path:
    path = check_checklist_folder(ctx)
    try:
        existing = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # missing or unreadable: no manual ticks to keep
        existing = None
    made_at = ctx.now().strftime("%Y-%m-%d %H:%M UTC")
    text = checklist.render(detection, made_at=made_at, existing=existing)
    write_atomic(path, text.encode("utf-8"), 0o644)
    return path


def remember(ctx: Context, detection: Detection) -> None:
    if detection.models:  # a failed listing teaches nothing worth keeping
        memory.save(ctx.store, ctx.options.project, detection)
