"""`flux-setup run`: the wizard. Key, discovery, choice, preview, apply, checklist."""

from __future__ import annotations

from datetime import date

from wizard import changes, memory, prices, project
from wizard.catalog import Catalog
from wizard.constants import KEY_VAR
from wizard.detection import Detection
from wizard.diagnosis import Diagnosis
from wizard.errors import Declined, ExitCode, FilesError, UsageError, WizardError
from wizard.fileio import check_target
from wizard.flow import consent, key_store, plan_notes
from wizard.flow.admin_key import read_given_limits
from wizard.flow.fallback import choose_fallback
from wizard.flow.key import obtain_key
from wizard.flow.key_store import KEPT_AS, choose_keeping, keep_in_keyring, keyring_reader
from wizard.flow.network import incomplete_reason, run_detection, verify_choice
from wizard.flow.outputs import check_targets, checklist_change, remember, write_checklist
from wizard.flow.prepare import Prepared, config_mismatch, env_override, preferred_lines, prepare
from wizard.flow.session import Context
from wizard.keys import ApiKey
from wizard.prompts import Option
from wizard.report import Report
from wizard.vocab import Lifecycle, ModelSource, Status

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
    previous = memory.load(ctx.store, o.project, key.fingerprint)
    detection = run_detection(
        ctx, key, prepared.configured, prefer, extra=[o.model] if o.model else []
    )
    detection.admin_limits = read_given_limits(ctx, key, detection)
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
        ctx.ui.ok(f"Recommended: {detection.recommended}, {_why(detection)}.")
    chosen = _choose(ctx, detection)
    if chosen is None:
        report.exit_code = ExitCode.NETWORK if not detection.complete else ExitCode.UNAVAILABLE
        ctx.ui.warn(
            "No model of your preferred lines is callable with this key; nothing was changed."
        )
        return _close(ctx, report, detection)
    chosen_model = detection.model(chosen)
    if detection.verify and chosen_model is not None and chosen_model.callable is None:
        verify_choice(ctx, key, detection, chosen)  # proven before anything is written
    return _setup(ctx, report, prepared, key, chosen)


def _finish_interrupted(ctx: Context) -> None:
    """A change a kill interrupted between two renames is rolled back before anything else,
    and said: the files are whole again, and this run starts from them."""
    from wizard import history

    if ctx.options.dry_run:
        names = history.interrupted(ctx.store, ctx.options.project)
        if names:
            ctx.ui.warn(
                f"The change {names[0]} was interrupted while it was written: a run without "
                "--dry-run first puts its files back (`flux-setup undo` does too)."
            )
        return
    for name in history.roll_back_interrupted(ctx.store, ctx.options.project, keyring_reader(ctx)):
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
        if not ctx.options.dry_run:
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
        if detection.models and not ctx.options.dry_run:
            report.checklist = write_checklist(ctx, detection)
            ctx.ui.say(f"Checklist with the next steps: {report.checklist}")
        remember(ctx, detection)
        return report
    mismatch = config_mismatch(prepared, "This run sets both to the model you choose.")
    if mismatch is not None:
        detection.diagnoses.append(mismatch)
    ctx.ui.diagnoses(report.all_diagnoses())
    if detection.uncertain() and not ctx.options.dry_run:
        # Transient failures left models that matter unknown: a choice now could downgrade the
        # configured model because the network failed. Change nothing; the user reruns.
        ctx.ui.warn(f"Nothing was changed. {incomplete_reason(detection)}")
        remember(ctx, detection)
        report.exit_code = ExitCode.NETWORK
        return report
    return None


def _close(ctx: Context, report: Report, detection: Detection) -> Report:
    """Nothing to set up: the checklist and the memory still tell what was found."""
    if not ctx.options.dry_run:
        report.checklist = write_checklist(ctx, detection)
    remember(ctx, detection)
    return report


def _setup(ctx: Context, report: Report, prepared: Prepared, key: ApiKey, chosen: str) -> Report:
    """Plan the files for `chosen`, preview, apply, and write the checklist of the result."""
    o = ctx.options
    detection = report.detection
    assert detection is not None
    fallback = choose_fallback(ctx, key, detection, chosen)
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
        prefer=list(detection.prefer) if o.prefer else None,
    )
    override = env_override(ctx, prepared.sources, files_model=chosen)
    notes = plan_notes.for_switch(
        detection, chosen, fallback, proposal, override, no_fallback_asked=o.fallback == "none"
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
    if consent.dry_run(ctx):
        return report
    if plan.empty:
        report.checklist = write_checklist(ctx, detection)
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
    labels = ", ".join(plan.label(c) for c in plan.changes)
    ctx.ui.ok(f"Wrote {labels} (backup kept; `flux-setup undo` restores).")
    report.fields["changeset"] = applied.changeset
    report.checklist = sheet.path
    return detection


def _writable_or_said(ctx: Context, plan: changes.Plan) -> None:
    """Every file the change would write, checked before the question: a file the user may
    not write stops the run here (exit 6), not after "Apply?"; a dry run says it and goes on."""
    for change in plan.changes:
        try:
            check_target(change.path, flag=None)
        except FilesError as exc:
            if not ctx.options.dry_run:
                raise
            ctx.ui.warn(f"The change could not be applied as it is: {exc.message}")


def _flux_has_a_key(ctx: Context, prepared: Prepared) -> bool:
    """Whether Flux will find a key of its own: its environment, the .env file, or the
    config's legacy api_key (which a migration moves into .env)."""
    files = prepared.files
    return bool(ctx.environ.get(KEY_VAR) or files.env_values.get(KEY_VAR) or files.config.api_key)


def _asks(ctx: Context) -> bool:
    return ctx.prompter.interactive and not ctx.options.yes


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
    ctx.ui.say(f"Checklist: {report.checklist}")
    ctx.ui.say(
        "After a change to your account, run `flux-setup check` (exit 10 means a better model is callable)."
    )


def _why(detection: Detection) -> str:
    model = detection.model(detection.recommended)
    if model is None:
        return ""
    order = ", ".join(detection.prefer)
    if not detection.verify:
        return f"the newest listed {model.line} model, not verified (line order: {order})"
    return f"the newest callable {model.line} model (line order: {order})"


def _choose(ctx: Context, detection: Detection) -> str | None:
    o = ctx.options
    if o.model:
        return _given_model(detection, o.model)
    recommended = detection.recommended
    configured = detection.configured
    if configured and recommended and configured != recommended == detection.configured_model:
        return _keep_or_pin(ctx, configured, recommended)
    if not _asks(ctx):
        return recommended
    options = _choices(detection)
    if not options:
        return None
    if configured and detection.usable(configured) and configured == recommended:
        ctx.ui.ok(f"Flux already uses {configured}, the recommendation: Enter keeps it.")
    default = recommended or options[0].value
    return ctx.prompter.select(
        "Which model should Flux use?", options, default, flag="--model or --yes"
    )


def _given_model(detection: Detection, wanted: str) -> str:
    if not detection.usable(wanted):
        raise UsageError(
            f"--model {wanted} cannot be used: {detection.why_unusable(wanted)}",
            fix="Pick a callable model from the table, or drop --model to take the recommendation.",
        )
    return wanted


def _choices(detection: Detection) -> list[Option]:
    """The recommendation, the configured model's successor, keeping it, then every other
    usable model of the preferred lines."""
    recommended, configured = detection.recommended, detection.configured
    options: list[Option] = []
    moves = plan_notes.line_change(detection, recommended) if recommended else None
    if recommended:
        note = _why(detection) + (f". {moves}" if moves else "")
        mark = "current, " if recommended == configured else ""
        options.append(Option(f"{recommended}  ({mark}recommended)", recommended, note=note))
    current = detection.model(configured)
    status = detection.configured_status
    leaving = status in (Status.RETIRED, Status.DEPRECATED, Status.NOT_CALLABLE)
    if current is not None and (leaving or moves is not None):
        # A change of line is a choice: the newest callable model of the current line is the
        # other answer (the successor of a model that cannot stay).
        successor = Catalog(detection.models).successor(current)
        order = {m.id: i for i, m in enumerate(detection.models)}  # the listing: newest first
        newer = successor is not None and order[successor.id] < order.get(current.id, 0)
        if successor is not None and successor.id != recommended and (leaving or newer):
            # the answer stays short (60 columns); its detail goes on the line under it
            why = "successor" if leaving else f"stay on {current.line}"
            detail = (
                f"The newest {current.line} model, successor of {configured} ({status})"
                if leaving
                else f"The newest model of the {current.line} line, which Flux uses now"
            )
            if not successor.callable:
                detail += (
                    "; verified with one call if chosen"
                    if detection.verify
                    else "; not verified (--no-verify)"
                )
            options.append(Option(f"{successor.id}  ({why})", successor.id, note=detail))
    if configured and configured != recommended and detection.usable(configured):
        options.append(Option(f"{configured}  (current: keep it, {status})", configured))
    taken = {o.value for o in options} | {recommended, configured}
    for model in detection.models:
        if model.id in taken or model.lifecycle == Lifecycle.RETIRED:
            continue
        if model.line not in detection.prefer or model.callable is False:
            continue
        if model.callable:
            options.append(Option(f"{model.id}  ({model.line}, {model.lifecycle})", model.id))
        elif model.lifecycle == Lifecycle.ACTIVE:
            # not verified yet: offered all the same, and verified once chosen
            checked = "verified if chosen" if detection.verify else "not verified"
            options.append(Option(f"{model.id}  ({model.line}, {checked})", model.id))
    said = {recommended} if moves else set()  # its note's line change says the price already
    return [_priced(o, configured, detection.day, said=o.value in said) for o in options]


def _priced(option: Option, current: str | None, day: date, *, said: bool) -> Option:
    """Each answer states its cost on the line under it (unless its note says it already)."""
    if said:
        return option
    cost = prices.brief(option.value, current, day)
    return Option(
        option.title, option.value, note=f"{option.note}. {cost}" if option.note else cost
    )


def _keep_or_pin(ctx: Context, alias: str, model_id: str) -> str:
    """The configured alias already names the recommendation: keep it unless the person
    chooses to pin the dated ID (an alias follows the API; a pinned ID never moves)."""
    if not _asks(ctx):
        return alias
    options = [
        Option(f"{alias}  (current: an alias of {model_id})", alias),
        Option(f"{model_id}  (pin the dated ID)", model_id),
    ]
    return ctx.prompter.select("Which model should Flux use?", options, alias, flag="--model")
