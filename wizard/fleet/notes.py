"""What `check --all` says of each project in a line of its own: its one next step, with every
command in it naming the project, and the few project names a shared line is about."""

from __future__ import annotations

import re

from wizard import verdict as verdicts
from wizard.errors import ExitCode
from wizard.fleet.scan import Member
from wizard.flow.network import incomplete_reason


def first_names(names: list[str], shown: int = 5) -> str:
    """A few of the projects a line is about, and how many more (5,000 names: a 70 KB line)."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def project_note(member: Member) -> str | None:
    """The one thing to do about a project, or None when it is fine."""
    if member.error is not None:
        fix = f" Fix: {member.error.fix}" if member.error.fix else ""
        return f"{member.error.message}{fix}"
    code, view = member.code, member.detection
    if code == ExitCode.NETWORK and view is not None:
        return incomplete_reason(view)
    if code in (ExitCode.KEY, ExitCode.ACCOUNT):
        if view is not None:  # said once above, under its key: not once per project
            return verdicts.SENTENCES.get(code)
        first = next((d for d in member.diagnoses if d.account_wide), None)
        return first.message if first else verdicts.SENTENCES.get(code)
    return _run_there(project_reason(member), member)


def project_reason(member: Member) -> str | None:
    """The project's verdict in one sentence, by the rule a single `check` follows (the same
    words in --json as a check of the project alone)."""
    view = member.detection
    resolved = view.configured_model if view is not None else member.configured
    fallback = view.resolve(member.fallback) if view is not None else member.fallback
    return verdicts.reason(
        member.code, member.diagnoses, member.configured, resolved, member.recommended, fallback
    )


# The commands that act on one project: in a project's note, each names it.
_PROJECT_COMMAND = re.compile(
    r"`flux-setup (run|check|migrate|undo|doctor|status)\b(?! --all| --project)"
)


def _run_there(said: str | None, member: Member) -> str | None:
    """On the screen, every command a project's note advises names the project: typed in the
    scanned folder, a bare `flux-setup run` (or `run --model X`) would set up that folder."""
    import shlex

    there = f"--project {shlex.quote(str(member.path))}"
    return _PROJECT_COMMAND.sub(lambda m: f"{m.group()} {there}", said) if said else said
