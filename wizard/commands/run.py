"""`flux-setup run`: the wizard. Key, discovery, choice, preview, apply, checklist."""

from __future__ import annotations

from wizard import changes, checklist, memory, prices, project
from wizard.catalog import Catalog
from wizard.commands.common import (
    Context,
    Outcome,
    changes_json,
    configured_sources,
    effective_model,
    env_override,
    load_files,
    obtain_key,
    preferred_lines,
)
from wizard.commands.detect_step import (
    detection_payload,
    failure_outcome,
    incomplete_reason,
    run_detection,
)
from wizard.commands.outputs import check_checklist_folder, remember, write_checklist
from wizard.detection import Detection
from wizard.diagnosis import Diagnosis
from wizard.errors import Cancelled, ExitCode, UsageError
from wizard.keys import ApiKey
from wizard.prompts import Option


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
        model = detection.model(o.model)
        if model is None or model.callable is False or model.lifecycle == "retired":
            wanted = detection.resolve(o.model)
            cause = next((d for d in detection.diagnoses if d.model in (o.model, wanted)), None)
            raise UsageError(
                f"--model {o.model} cannot be used: {cause.message if cause else 'it is not callable'}",
                fix="Pick a callable model from the table, or drop --model to take the recommendation.",
            )
        return o.model
    recommended = detection.recommended
    configured = detection.configured
    if configured and recommended and configured != recommended == detection.configured_model:
        return _keep_or_pin(ctx, configured, recommended)
    if not ctx.prompter.interactive or o.yes:
        return recommended
    options: list[Option] = []
    if recommended:
        moves = _line_change(detection, recommended)
        note = _why(detection) + (f". {moves}" if moves else "")
        options.append(Option(f"{recommended}  (recommended)", recommended, note=note))
    current = detection.model(configured)
    if current is not None and detection.configured_status in (
        "retired",
        "deprecated",
        "not_callable",
    ):
        successor = Catalog(detection.models).successor(current)
        if successor is not None and successor.callable and successor.id != recommended:
            options.append(
                Option(
                    f"{successor.id}  (successor of {configured}, {detection.configured_status})",
                    successor.id,
                )
            )
    keep = detection.model(configured)
    if (
        configured
        and configured != recommended
        and keep is not None
        and keep.callable is not False
        and keep.lifecycle != "retired"
    ):
        options.append(
            Option(
                f"{configured}  (keep the current model, {detection.configured_status})", configured
            )
        )
    for model in detection.models:
        if model.id in (recommended, configured) or model.lifecycle == "retired":
            continue
        if any(o.value == model.id for o in options):
            continue
        usable = model.callable or (
            model.callable is None and not detection.verify and model.lifecycle == "active"
        )
        if usable and model.line in detection.prefer:
            options.append(Option(f"{model.id}  ({model.line}, {model.lifecycle})", model.id))
    if not options:
        return None
    default = recommended or options[0].value
    return ctx.prompter.select(
        "Which model should Flux use?", options, default, flag="--model or --yes"
    )


def _line_change(detection: Detection, chosen: str) -> str | None:
    """A move to another line than the configured one is said, with what it does to the price
    (from the dated table: never presented as live)."""
    old, new = detection.model(detection.configured), detection.model(chosen)
    if old is None or new is None or not old.line or not new.line or old.line == new.line:
        return None
    ratio = prices.relative(new.id, old.id)
    if ratio is None:
        cost = f"prices: {prices.PRICING_URL}"
    else:
        cost = f"{ratio} the price of {old.id} ({prices.source()})"
    return (
        f"This moves Flux from the {old.line} line to the {new.line} line: {new.id} costs {cost}."
    )


def _keep_or_pin(ctx: Context, alias: str, model_id: str) -> str:
    """The configured alias already names the recommendation: keep it unless the person
    chooses to pin the dated ID (an alias follows the API; a pinned ID never moves)."""
    if not ctx.prompter.interactive or ctx.options.yes:
        return alias
    options = [
        Option(f"{alias}  (current: an alias of {model_id})", alias),
        Option(f"{model_id}  (pin the dated ID)", model_id),
    ]
    return ctx.prompter.select("Which model should Flux use?", options, alias, flag="--model")


def _fallback_for(detection: Detection, chosen: str) -> str | None:
    catalog = Catalog(detection.models)
    chosen_model = catalog.get(chosen)
    fb = catalog.fallback(detection.prefer, chosen_model, unverified_ok=not detection.verify)
    return fb.id if fb else None


def _save_key(ctx: Context, files: project.ProjectFiles, key: ApiKey) -> bool:
    o = ctx.options
    if o.save_key is not None:
        return o.save_key
    if key.source not in ("prompt", "stdin") or not ctx.prompter.interactive or o.yes:
        return False
    return ctx.prompter.confirm(
        f"Save the key in {files.env_path.name} so Flux finds it? (kept out of git)",
        True,
        flag="--save-key / --no-save-key",
    )


def run(ctx: Context) -> Outcome:
    o = ctx.options
    if not ctx.prompter.interactive and not (o.yes or o.dry_run):
        raise UsageError(
            "`run` asks which model to use and confirms before writing, and there is no terminal to ask on.",
            fix="Pass --yes to accept the recommendation, or --dry-run to preview.",
        )
    files = load_files(ctx)
    if not o.dry_run:
        check_checklist_folder(ctx)  # fail before anything is written, not after
    sources = configured_sources(ctx, files)
    configured = effective_model(sources)
    prefer = preferred_lines(ctx, files)
    key = obtain_key(ctx, files, allow_prompt=True)
    previous = memory.load(o.project, key.fingerprint)
    detection = run_detection(ctx, key, configured, prefer, extra=[o.model] if o.model else [])
    for line in memory.changes_since(previous, detection):
        ctx.ui.say(line)
    if detection.models:
        ctx.ui.models(detection)
    failure = detection.failure_exit_code()
    if failure is not None:
        outcome = failure_outcome(ctx, detection, sources, failure)
        if detection.models and not o.dry_run:
            outcome.payload["checklist"] = str(write_checklist(ctx, detection))
            ctx.ui.say(f"Checklist with the next steps: {outcome.payload['checklist']}")
        remember(ctx, detection)
        return outcome
    if sources["env_file"] and sources["config"] and sources["env_file"] != sources["config"]:
        detection.diagnoses.append(
            Diagnosis(
                "config_mismatch",
                f"FLUX_MODEL in {files.env_path.name} ({sources['env_file']}) and [model].id in "
                f"{files.config.display} ({sources['config']}) disagree; Flux uses {configured}.",
                "This run sets both to the model you choose.",
            )
        )
    ctx.ui.diagnoses(detection.diagnoses)
    if detection.uncertain() and not o.dry_run:
        # Transient failures left models that matter unknown: a choice now could downgrade the
        # configured model because the network failed. Change nothing; the user reruns.
        ctx.ui.warn(f"Nothing was changed. {incomplete_reason(detection)}")
        remember(ctx, detection)
        return Outcome(
            ExitCode.NETWORK, detection_payload(ctx, detection, sources, ExitCode.NETWORK)
        )
    if detection.recommended:
        ctx.ui.ok(f"Recommended: {detection.recommended}, {_why(detection)}.")
    chosen = _choose(ctx, detection)
    if chosen is None:
        code = ExitCode.NETWORK if not detection.complete else ExitCode.UNAVAILABLE
        ctx.ui.warn(
            "No model of your preferred lines is callable with this key; nothing was changed."
        )
        outcome = Outcome(code, detection_payload(ctx, detection, sources, code))
        if not o.dry_run:
            outcome.payload["checklist"] = str(write_checklist(ctx, detection))
        remember(ctx, detection)
        return outcome
    proposal = project.plan_setup(
        files,
        model=chosen,
        fallback=_fallback_for(detection, chosen),
        key=key,
        save_key=_save_key(ctx, files, key),
        # a --prefer given here is kept, so `check` later ranks by the same order
        prefer=list(prefer) if o.prefer else None,
    )
    if (
        configured
        and configured != chosen
        and detection.configured_status
        in ("retired", "not_callable", "unknown_model", "deprecated")
    ):
        ctx.ui.say(
            f"{configured} is {detection.configured_status.replace('_', ' ')}: switching to {chosen}."
        )
    line_change = _line_change(detection, chosen)
    if line_change:
        ctx.ui.warn(line_change)
    for note in proposal.notes:
        ctx.ui.say(note)
    ctx.ui.diagnoses(proposal.diagnoses)
    plan = proposal.plan
    payload = detection_payload(ctx, detection, sources, ExitCode.OK)
    payload["diagnosis"] += [d.to_json() for d in proposal.diagnoses]
    payload["chosen"] = chosen
    payload["changes"] = changes_json(plan)
    override = env_override(ctx, sources, files_model=chosen)
    if override is not None:
        payload["diagnosis"].append(override.to_json())
    if plan.empty and override is not None:
        ctx.ui.say(f"The files already name {chosen}: nothing to change in them.")
    elif plan.empty:
        ctx.ui.ok(f"Flux already uses {chosen} and the files agree: nothing to change.")
    else:
        ctx.ui.heading("Changes:")
        ctx.ui.diff(plan.diff())
    if o.dry_run:
        ctx.ui.say("Dry run: nothing was written.")
        return Outcome(ExitCode.OK, payload)
    if not plan.empty:
        interactive = ctx.prompter.interactive and not o.yes
        if interactive and not ctx.prompter.confirm("Apply these changes?", True, flag="--yes"):
            raise Cancelled()
        applied = changes.apply(plan)
        ctx.ui.ok(
            f"Wrote {', '.join(plan.label(c) for c in plan.changes)} (backup kept; `flux-setup undo` restores)."
        )
        payload["changeset"] = applied.changeset
        detection = detection.after_change(chosen)  # the checklist and memory tell of now
    path = write_checklist(ctx, detection)
    payload["checklist"] = str(path)
    payload["checklist_items"] = [item.to_json() for item in checklist.items(detection)]
    remember(ctx, detection)
    fallback = _fallback_for(detection, chosen)
    if override is not None:
        # Never "Flux uses X" while the environment makes Flux use something else.
        ctx.ui.warn(f"{override.message} {override.next_step}")
    else:
        ctx.ui.ok(
            f"Flux uses {chosen}" + (f", falling back to {fallback}" if fallback else "") + "."
        )
    ctx.ui.say(f"Checklist: {path}")
    ctx.ui.say(
        "After a change to your account, run `flux-setup check` (exit 10 means a better model is callable)."
    )
    return Outcome(ExitCode.OK, payload)
