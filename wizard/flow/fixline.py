"""A fix line is a command that works as printed: the command being run, its project when it
is not the current folder, and the flags the fix needs (`run` piped a key has no terminal to
ask on, so it needs --yes)."""

from __future__ import annotations

import shlex

from wizard.flow.session import Context


def again(ctx: Context, *flags: str) -> str:
    """ "flux-setup check --project /p --api-key-stdin": this command, rerun with `flags`."""
    o = ctx.options
    words = ["flux-setup", o.command]
    if o.files.project_given or o.files.project != ctx.cwd:
        words += ["--project", str(o.files.project)]
    words += flags
    if o.command == "run" and ("--api-key-stdin" in flags or "--admin-key-stdin" in flags):
        words.append("--yes")  # a key on stdin leaves no terminal for the questions
    return shlex.join(words)
