"""`flux-setup run`: the wizard. Key, discovery, choice, preview, apply, checklist."""

from __future__ import annotations

from wizard import changes, memory, prices, project
from wizard.constants import KEY_VAR
from wizard.detection import Detection
from wizard.diagnosis import Diagnosis
from wizard.errors import Declined, ExitCode, FilesError, WizardError
from wizard.fileio import check_target
from wizard.flow import choices, consent, key_store, named, plan_notes
from wizard.flow.fallback import choose_fallback
from wizard.flow.key import obtain_key
from wizard.flow.key_store import KEPT_AS, choose_keeping, keep_in_keyring, keyring_reader
from wizard.flow.network import incomplete_reason
from wizard.flow.online import detect_project
from wizard.flow.outputs import (
    check_targets,
    checklist_change,
    checklist_path,
    remember,
)
from wizard.flow.prepare import Prepared, config_mismatch, env_override, preferred_lines, prepare
from wizard.flow.session import Context
from wizard.keys import ApiKey
from wizard.report import Report
from wizard.vocab import ModelSource

_ASKS = "`run` asks which model to use and confirms before writing"


def run(ctx: Context) -> Report:
    o = ctx.options
    consent.require(ctx, _ASKS)
    _finish_interrupted(ctx)
    prepared = prepare(ctx)
    key_store.refuse_unusable_keyring(ctx)  # before the key is asked for, before any call
    _said_before_the_network(ctx, prepared)
    prefer = preferred_lines(ctx, prepared.files)
    key = obtain_key(ctx, prepared.files, allow_prompt=True)
    previous = memory.load(ctx.store, o.files.project, key.fingerprint)
    detection = detect_project(
        ctx,
        prepared,
        key,
        prefer,
        extra=[o.choice.model] if o.choice.model else [],
        prove_fallback=True,
        previous=previous,
    )
    for line in memory.changes_since(previous, detection):
        ctx.ui.say(line)
    if detection.models:
        ctx.ui.models(detection)
    report = Report(o.command, detection=detection, sources=prepared.sources)
    if detection.admin_limits is not None:
        report.diagnoses += detection.admin_limits.beyond(detection.diagnoses)
    stopped = _stopped(ctx, detection, report, prepared)
    if stopped is not None:
        return stopped
    if detection.recommended:
        ctx.ui.ok(f"Recommended: {detection.recommended}, {choices.why(detection)}.")
    chosen = _choose(ctx, detection)
    if chosen is None:
        report.exit_code = ExitCode.NETWORK if not detection.complete else ExitCode.UNAVAILABLE
        ctx.ui.warn(
            "No model of your preferred lines is callable with this key; nothing was changed."
        )
        return _close(ctx, report, detection)
    named.proven_before_writing(ctx, key, detection, chosen)
    return _setup(ctx, report, prepared, key, chosen)


def _finish_interrupted(ctx: Context) -> None:
    """A change a kill interrupted between two renames is rolled back before anything else,
    and said: the files are whole again, and this run starts from them."""
    from wizard import history

    if ctx.options.writing.dry_run:
        names = history.interrupted(ctx.store, ctx.options.files.project)
        if names:
            ctx.ui.warn(
                f"The change {names[0]} was interrupted while it was written: a run without "
                "--dry-run first puts its files back (`flux-setup undo` does too)."
            )
        return
    for name in history.roll_back_interrupted(
        ctx.store, ctx.options.files.project, keyring_reader(ctx)
    ):
        ctx.ui.warn(
            f"The change {name} was interrupted while it was written (the process was killed): "
            "its files were put back as they were before it."
        )


def _said_before_the_network(ctx: Context, prepared: Prepared) -> None:
    """What can be known before a request is sent is said (or stops the run) then: two roles
    on one file, a target that cannot be written, an environment override of the files."""
    try:
        check_targets(ctx, prepared)  # fail before anything is asked or written, not after
    except WizardError as exc:
        if not ctx.options.writing.dry_run:
            raise
        ctx.ui.warn(f"The change could not be applied as it is: {exc.message}")
    exported = prepared.sources.get(ModelSource.ENVIRONMENT)
    if exported and env_override(ctx, prepared.sources) is not None:
        ctx.ui.warn(
            f"FLUX_MODEL={exported} is set in your environment and overrides the files: "
            f"whatever this run writes, Flux uses {exported} until it is unset."
        )


def _stopped(
    ctx: Context, detection: Detection, report: Report, prepared: Prepared
) -> Report | None:
    """A report when the findings leave nothing to choose: an account-wide failure, or
    transient failures that hide models that matter. None: go on to the choice."""
    failure = detection.failure_exit_code()
    if failure is not None:
        report.exit_code = failure
        ctx.ui.diagnoses(report.all_diagnoses())
        if detection.models:
            _checklist_alone(ctx, report, detection, "with the next steps")
        remember(ctx, detection)
        return report
    mismatch = config_mismatch(prepared, "This run sets both to the model you choose.")
    if mismatch is not None:
        detection.diagnoses.append(mismatch)
    ctx.ui.diagnoses(report.all_diagnoses())
    if detection.uncertain() and not ctx.options.writing.dry_run:
        # Transient failures left models that matter unknown: a choice now could downgrade the
        # configured model because the network failed. Change nothing; the user reruns.
        ctx.ui.warn(f"Nothing was changed. {incomplete_reason(detection)}")
        remember(ctx, detection)
        report.exit_code = ExitCode.NETWORK
        return report
    return None


def _close(ctx: Context, report: Report, detection: Detection) -> Report:
    """Nothing to set up: the checklist (with consent) and the memory tell what was found."""
    _checklist_alone(ctx, report, detection, "of what was found")
    remember(ctx, detection)
    return report


def _setup(ctx: Context, report: Report, prepared: Prepared, key: ApiKey, chosen: str) -> Report:
    """Plan the files for `chosen`, preview, apply, and write the checklist of the result."""
    o = ctx.options
    detection = report.detection
    assert detection is not None
    picked = choose_fallback(ctx, key, detection, chosen)
    fallback = picked.model
    detection.fallback = fallback  # the files, the messages, --json and the checklist agree
    keep = choose_keeping(ctx, prepared.files, key)
    entry = key_store.entry_for(ctx, prepared.files, key) if keep == "keyring" else None
    proposal = project.plan_setup(
        prepared.files,
        model=chosen,
        fallback=fallback,
        key=key,
        save_key=keep == "env",
        keyring_entry=entry,
        # a --prefer given here is kept, so `check` later ranks by the same order
        prefer=list(detection.prefer) if o.api.prefer else None,
    )
    override = env_override(ctx, prepared.sources, files_model=chosen)
    notes = plan_notes.for_switch(
        detection, chosen, fallback, proposal, override, no_fallback_asked=picked.declined
    )
    for line in notes.says:
        ctx.ui.say(line)
    for line in notes.warns:
        ctx.ui.warn(line)
    ctx.ui.diagnoses(notes.diagnoses)
    plan = proposal.plan
    report.plan = plan
    report.diagnoses += proposal.diagnoses
    report.fields["chosen"] = chosen
    if override is not None:
        report.diagnoses.append(override)
    _preview(ctx, plan, chosen, override)
    _writable_or_said(ctx, plan)
    if plan.empty:
        _nothing_to_change(ctx, report, detection)
        if ctx.options.writing.dry_run:
            return report
    elif consent.dry_run(ctx):
        return report
    else:
        detection = _apply(ctx, report, plan, detection, chosen, (key, keep, entry))
    remember(ctx, detection)
    _done(ctx, chosen, fallback, override, report)
    if keep == "keyring":
        ctx.ui.say("Flux reads no keyring: start it with `flux-setup exec -- flux`.")
    elif key.source.typed and keep == "none" and not _flux_has_a_key(ctx, prepared):
        ctx.ui.warn(
            f"Flux itself has no API key: this run used the key from {key.source.label} and "
            "did not save it. Export ANTHROPIC_API_KEY where Flux runs, or rerun with "
            "--save-key keyring (or env)."
        )
    return report


def _apply(
    ctx: Context,
    report: Report,
    plan: changes.Plan,
    detection: Detection,
    chosen: str,
    keeping: tuple[ApiKey, str, str | None],
) -> Detection:
    """With consent, write the plan and the checklist of the result as one change set (a key
    kept in the keyring goes there first: the .env then names it); returns the detection as it
    now stands (the checklist and the memory tell of the new state)."""
    consent.confirm(
        ctx,
        "Apply these changes?",
        Declined(
            "Nothing was written: you declined the changes.",
            fix="`flux-setup check --write-checklist` writes the checklist of where you "
            "stand without changing Flux; `flux-setup run` asks again.",
        ),
        what=_ASKS,
    )
    key, keep, entry = keeping
    if entry is not None:
        keep_in_keyring(ctx, key, entry)
    detection.key_stored = KEPT_AS.get(keep, detection.key_stored)  # the report's, then a copy
    detection = detection.after_change(chosen)
    report.checklist_from = detection
    # The checklist goes in the same change set: one backup, one undo, and no file changed
    # when it cannot be written.
    sheet = checklist_change(ctx, detection)
    applied = changes.apply(
        changes.Plan(plan.project, [*plan.changes, sheet]), ctx.store, at=ctx.now()
    )
    ctx.ui.ok(f"{plan.written()}; `flux-setup undo` restores.")
    report.fields["changeset"] = applied.changeset
    report.checklist = sheet.path
    return detection


def _nothing_to_change(ctx: Context, report: Report, detection: Detection) -> None:
    """Nothing changes, so nothing is written: a checklist rewritten outside a change set
    would make `undo` of the last real change refuse. Only a first checklist is offered."""
    path = checklist_path(ctx)
    if not path.exists():
        _checklist_alone(ctx, report, detection, "of this setup")
        return
    report.checklist = path
    ctx.ui.say(
        f"Nothing was written: the checklist {path} is left as it was "
        "(`flux-setup check --write-checklist` rewrites it)."
    )


def _checklist_alone(ctx: Context, report: Report, detection: Detection, what: str) -> None:
    """The checklist as a change set of its own (one backup, one undo): where it would go is
    said, and it is written with --yes or on a "yes"; a dry run or a "no" writes nothing."""
    sheet = checklist_change(ctx, detection)
    if sheet.before == sheet.after:
        report.checklist = sheet.path
        return
    ctx.ui.say(f"The checklist {what} would go to {sheet.path}.")
    if consent.dry_run(ctx):
        return
    if not ctx.options.writing.yes:
        if not ctx.prompter.interactive:
            return  # `run` refused at its start (consent.require); a demo answers --yes
        if not ctx.prompter.confirm("Write the checklist?", True, flag="--yes"):
            ctx.ui.say("The checklist was not written.")
            return
    applied = changes.apply(
        changes.Plan(ctx.options.files.project, [sheet]), ctx.store, at=ctx.now()
    )
    ctx.ui.ok(f"Wrote {sheet.path} (`flux-setup undo` removes or restores it).")
    report.fields["changeset"] = applied.changeset
    report.checklist = sheet.path


def _writable_or_said(ctx: Context, plan: changes.Plan) -> None:
    """Every file the change would write, checked before the question: a file the user may
    not write stops the run here (exit 6), not after "Apply?"; a dry run says it and goes on."""
    for change in plan.changes:
        try:
            check_target(change.path, flag=None)
        except FilesError as exc:
            if not ctx.options.writing.dry_run:
                raise
            ctx.ui.warn(f"The change could not be applied as it is: {exc.message}")


def _flux_has_a_key(ctx: Context, prepared: Prepared) -> bool:
    """Whether Flux will find a key of its own: its environment, the .env file, or the
    config's legacy api_key (which a migration moves into .env)."""
    files = prepared.files
    return bool(ctx.environ.get(KEY_VAR) or files.env_values.get(KEY_VAR) or files.config.api_key)


def _preview(ctx: Context, plan: changes.Plan, chosen: str, override: Diagnosis | None) -> None:
    if plan.empty and override is not None:
        ctx.ui.say(f"The files already name {chosen}: nothing to change in them.")
    elif plan.empty:
        ctx.ui.ok(f"Flux already uses {chosen} and the files agree: nothing to change.")
    else:
        ctx.ui.heading("Changes:")
        ctx.ui.diff(plan.diff())


def _done(
    ctx: Context, chosen: str, fallback: str | None, override: Diagnosis | None, report: Report
) -> None:
    if override is not None:
        # Never "Flux uses X" while the environment makes Flux use something else.
        ctx.ui.warn(f"{override.message} {override.next_step}")
    else:
        falling = f", falling back to {fallback}" if fallback else ""
        ctx.ui.ok(f"Flux uses {chosen}{falling}.")
    if report.checklist is not None:
        ctx.ui.say(f"Checklist: {report.checklist}")
    ctx.ui.say(
        "After a change to your account, run `flux-setup check` (exit 10 means a better model is callable)."
    )


def _choose(ctx: Context, detection: Detection) -> str | None:
    o = ctx.options
    if o.choice.model:
        return named.usable_or_refused(
            detection,
            "--model",
            o.choice.model,
            "Pick a callable model from the table, or drop --model to take the recommendation.",
        )
    recommended = detection.recommended
    configured = detection.configured
    if configured and recommended and configured != recommended == detection.configured_model:
        return _keep_or_pin(ctx, detection, configured, recommended)
    if not consent.may_ask(ctx):
        return recommended
    options = choices.model_choices(detection)
    if not options:
        return None
    if configured and detection.usable(configured) and configured == recommended:
        ctx.ui.ok(f"Flux already uses {configured}, the recommendation: Enter keeps it.")
    default = recommended or options[0].value
    ctx.ui.say(f"Prices: {prices.source()}.")  # said once: each answer carries its own price
    return ctx.prompter.select(
        "Which model should Flux use?", options, default, flag="--model or --yes"
    )


def _keep_or_pin(ctx: Context, detection: Detection, alias: str, model_id: str) -> str:
    """The configured alias already names the recommendation: keep it unless the person
    chooses to pin the dated ID (an alias follows the API; a pinned ID never moves)."""
    if not consent.may_ask(ctx):
        return alias
    return ctx.prompter.select(
        "Which model should Flux use?",
        choices.alias_choices(detection, alias, model_id),
        alias,
        flag="--model",
    )
