"""What the command line says around a command, by its kind: the folder that holds no Flux
project, and a Ctrl-C (a command that only reads says nothing about writing)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.flow.options import Options
    from wizard.render import UI

# The commands that read one project: in a folder with none, they say so (and how to fix it).
PROJECT_COMMANDS = frozenset({"run", "check", "status", "doctor"})


def no_project_said(ui: UI, options: Options) -> None:
    """A folder with no Flux project (no flux.toml, no [tool.flux], no FLUX_MODEL in .env;
    none above it either) is named in one line with the step that fixes it."""
    from wizard.markers import marker

    folder = options.files.project
    if options.files.project_marker not in (None, ".git") or marker(folder) is not None:
        return
    where = str(folder) if options.files.project_given else f"{folder} or a folder above it"
    what = "no flux.toml, [tool.flux] in pyproject.toml or FLUX_MODEL in .env"
    if options.command == "run":
        ui.warn(
            f"No Flux project in {where} ({what}): this run sets one up in {folder}; "
            "--project DIR names another folder."
        )
    else:
        ui.warn(
            f"No Flux project in {where} ({what}): `flux-setup run --project {folder}` "
            "sets one up, or pass --project DIR."
        )


# The commands that write project files (check only with --fix or --write-checklist).
WRITING_COMMANDS = frozenset({"run", "migrate", "undo", "demo"})


def writes(command: str, args: argparse.Namespace) -> bool:
    """Whether `command` (as these flags run it) writes project files."""
    if command == "check":
        return bool(getattr(args, "fix", False) or getattr(args, "write_checklist", False))
    return command in WRITING_COMMANDS


def cancelled_message(writes: bool, written: Sequence[str]) -> str:
    """Ctrl-C, said once in one style, by what the command does: a command that writes says
    what is on disk (never "nothing was written" after an apply); one that only reads says
    nothing about writing."""
    if written:
        return (
            f"Interrupted after the change was written in full ({', '.join(written)}); "
            "`flux-setup undo` restores the previous files."
        )
    return "Cancelled: nothing was written." if writes else "Cancelled."
