"""`check --all --fix`: one plan over every project that needs a change (each switched to its
proven recommendation, as `run --yes` would), applied project by project, each with its own
backup and change set, the batch on record for `undo --batch`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime

from wizard import changes, project
from wizard.errors import FilesError, WizardError
from wizard.fleet import batch as batches
from wizard.fleet.scan import Member
from wizard.flow import plan_notes
from wizard.flow.fallback import planned_fallback
from wizard.manifest import ChangeSetStatus
from wizard.state import Store
from wizard.verdict import fallback_due
from wizard.vocab import ExitCode, Status


@dataclass
class Fix:
    member: Member
    model: str
    plan: changes.Plan
    # what `run --yes` in that project would say before writing (line change, fallback, ...)
    notes: plan_notes.Notes = field(default_factory=plan_notes.Notes)
    changeset: str | None = None
    skipped: str | None = None  # why it was not applied
    fallback: str | None = None  # the fallback written beside it

    @property
    def done(self) -> str:
        """What the project runs now, said as what changed (a kept model is not "now")."""
        kept = self.model == self.member.configured
        fallback = f"fallback {self.fallback}" if self.fallback else "no fallback"
        if kept:
            return f"keeps {self.model}, {fallback} now"
        return f"now uses {self.model}" + (f", {fallback}" if self.fallback else "")


def plan(members: list[Member]) -> list[Fix]:
    """A fix for each project whose verdict calls for a change that switching to the
    recommendation (or replacing a configured fallback that is due) makes: not when the environment's FLUX_MODEL overrides the files (no file
    change helps), nor when nothing callable is recommended."""
    fixes = []
    for member in members:
        view = member.detection
        if not member.code.is_verdict or member.override is not None or view is None:
            continue
        recommended = view.recommended
        due = fallback_due(view.configured_fallback, view.configured_fallback_status)
        if not recommended or (recommended == view.configured_model and not due):
            continue  # (a fallback that is due is fixed beside the model that stays)
        assert member.prepared is not None
        fallback = planned_fallback(view, recommended)
        proposal = project.plan_setup(member.prepared.files, model=recommended, fallback=fallback)
        if not proposal.plan.empty:
            notes = plan_notes.for_switch(view, recommended, fallback, proposal, None)
            fixes.append(Fix(member, recommended, proposal.plan, notes, fallback=fallback))
    return fixes


def diff(fixes: list[Fix]) -> str:
    """One diff over every project, each file named from the current folder."""
    out = []
    for fix in fixes:
        base = fix.member.shown or str(fix.member.path)
        for change in fix.plan.changes:
            out.append(change.diff(os.path.join(base, fix.plan.label(change))))
    return "".join(out)


def apply(fixes: list[Fix], store: Store, at: datetime) -> batches.Batch:
    """Each project all or nothing, under its own lock, with its own backup. A project whose
    files changed since they were read is skipped with the reason; the others go on. A
    project's entry is on the batch record from its backup on, before its first rename, so
    neither Ctrl-C nor a kill can leave a changed project out of `undo --batch`."""
    record = batches.new(at)

    def backed_up(fix: Fix, changeset: str) -> None:
        record.entries.append((str(fix.member.path), changeset))
        batches.save(store, record)

    def applied(fix: Fix, changeset: str) -> None:
        fix.changeset = changeset

    def forget(fix: Fix) -> None:
        """A project that was not applied after all (skipped, or interrupted before its first
        rename) leaves the record again."""
        if (
            fix.changeset is None
            and record.entries
            and record.entries[-1][0] == str(fix.member.path)
        ):
            record.entries.pop()
            batches.save(store, record)

    try:
        for fix in fixes:
            try:
                changes.apply(
                    fix.plan,
                    store,
                    at=at,
                    on_backed_up=lambda c, fix=fix: backed_up(fix, c),  # type: ignore[misc]
                    on_applied=lambda c, fix=fix: applied(fix, c),  # type: ignore[misc]
                )
            except FilesError as exc:
                forget(fix)
                fix.skipped = exc.message
                continue
            except KeyboardInterrupt:
                forget(fix)
                raise
            _now_uses(fix)
    except KeyboardInterrupt:
        changed = [f for f in fixes if f.changeset]
        if not changed:
            raise
        done = ", ".join(str(f.member.path) for f in changed)
        raise WizardError(
            f"Interrupted after {len(changed)} of {len(fixes)} projects were changed "
            f"in full ({done}); the others are as they were.",
            fix=f"`flux-setup undo --batch {record.name}` restores the changed ones.",
            code=ExitCode.CANCELLED,
        ) from None
    record.status = ChangeSetStatus.APPLIED
    if record.entries:
        batches.save(store, record)
    return record


def _now_uses(fix: Fix) -> None:
    """The project's verdict after the change: it names its proven recommendation now."""
    view = fix.member.detection
    assert view is not None
    fix.member.detection = view.after_change(fix.model)
    fix.member.status = fix.member.detection.configured_status
    deprecated = fix.member.status == Status.DEPRECATED
    fix.member.code = ExitCode.DEPRECATED if deprecated else ExitCode.OK
