"""`flux-setup models`: the catalogue as this key sees it. Every listed model (retired ones with
--all) with its line, lifecycle, retirement, price, context window and maximum output, and its
access: proven callable, refused with its cause, or not verified. `--verify` proves access with
the detection's own rules (the billed-call cap, refusals free, every refusal diagnosed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wizard import memory, untrusted
from wizard.catalog import Catalog, Model
from wizard.detection import Detection
from wizard.detection.steps import settling_cap
from wizard.errors import ExitCode, UsageError, WizardError
from wizard.flow.key import obtain_key
from wizard.flow.online import detect_project
from wizard.flow.prepare import Prepared, preferred_lines, prepare
from wizard.flow.session import Context
from wizard.report import Report
from wizard.vocab import Lifecycle

# Calls in flight at once when every model is verified: twice `check`'s (it verifies a few),
# still far under any tier's request rate.
CONCURRENCY = 8


def models(ctx: Context) -> Report:
    o = ctx.options
    if o.models.verify_models is not None and not o.api.verify:
        raise UsageError("--verify and --no-verify say opposite things.", fix="Pass one of them.")
    prepared = prepare(ctx)
    prefer = preferred_lines(ctx, prepared.files)
    key = obtain_key(ctx, prepared.files, allow_prompt=False)
    named = _named(o.models.verify_models)
    detection = detect_project(  # the project's model and fallback: said as check says them
        ctx,
        prepared,
        key,
        prefer,
        extra=named,  # IDs given are verified with the listing, in round one
        verify=o.models.verify_models is not None,
        choose=_chooser(o.models.verify_models or "all", named, o.models.line, prefer, prepared),
        concurrency=CONCURRENCY,
        admin=False,
    )
    if not detection.verify:
        # a catalogue view recommends only what a call proved: without one, the best listed
        # model may be refused to this key (gated, restricted), so none is named
        detection.recommended = detection.fallback = None
    shown = _shown(detection, o.models.line, o.models.include_retired)
    if not detection.listed:
        # nothing listed is an error with its cause, never an empty table
        report = Report(o.command, detection=detection, sources=prepared.sources)
        report.exit_code = detection.failure_exit_code() or ExitCode.NETWORK
        ctx.ui.diagnoses(detection.diagnoses)
        return report
    if not shown:
        lines = sorted({m.line for m in detection.models if m.line})
        if o.models.line:  # a typo, like --verify opux: a usage error naming the lines it lists
            raise UsageError(
                f"--line {untrusted.shown(o.models.line)!s}: the API lists no such line.",
                fix=f"Lines it lists: {', '.join(lines)}.",
            )
        raise WizardError(
            "the API listed no model for this key.",
            fix="Rerun later; if it continues, contact support with the key's fingerprint.",
            code=ExitCode.NETWORK,
        )
    _line_listed(detection, o.models.verify_models, named)
    ctx.ui.models(detection, only=shown, sizes=True)
    ctx.ui.diagnoses(detection.diagnoses)
    if detection.verify and detection.models:
        # the proofs feed what `check --offline` reads (the last check's judgement kept)
        memory.save_proofs(ctx.store, o.files.project, detection)
    _summary(ctx, detection, shown)
    report = Report(o.command, detection=detection, sources=prepared.sources)
    # the same objects as check --json's models (price included), in the table's order
    listed = {m["id"]: m for m in detection.models_json()}
    report.fields["models"] = [listed.get(m.id) or m.to_json() for m in shown]
    report.exit_code = detection.failure_exit_code() or ExitCode.OK
    return report


def _named(verify: str | None) -> list[str]:
    """The model IDs `--verify` names: a list, or one word with a dash (a line name such as
    `opus`, or `all`, names none)."""
    if verify is None or verify == "all" or ("," not in verify and "-" not in verify):
        return []
    ids = [w.strip() for w in verify.split(",") if w.strip()]
    bad = [w for w in ids if not untrusted.is_model_id(w)]
    if bad:
        raise UsageError(
            f"--verify: {untrusted.shown(bad[0])!s} is not a model ID.",
            fix="Name model IDs (claude-opus-5-5,claude-haiku-5-5), a line (opus), or all.",
        )
    return ids


def _chooser(
    verify: str,
    named: Sequence[str],
    shown_line: str | None,
    prefer: Sequence[str],
    prepared: Prepared,
) -> Callable[[Catalog], Sequence[str]]:
    """What `--verify` proves, picked from the listing: the IDs named, one line's models, or
    every active and deprecated model (a retired one answers no one); with `--line`, only the
    models shown (nothing is billed for a row that is not printed). In the order that settles
    most within the cap: the project's model and fallback, then the ranking of the preferred
    lines from the top (what decides the recommendation), then the rest as listed."""

    def choose(catalog: Catalog) -> Sequence[str]:
        if named:
            return list(named)
        line = verify if verify != "all" else shown_line
        live = [m for m in catalog.models if m.lifecycle != Lifecycle.RETIRED]
        mine = [catalog.get(i) for i in (prepared.configured, prepared.fallback) if i]
        order = [m for m in mine if m is not None] + catalog.ranked(prefer) + live
        wanted = {m.id for m in live if line is None or m.line == line}
        return [m for m in dict.fromkeys(m.id for m in order) if m in wanted]

    return choose


def _line_listed(detection: Detection, verify: str | None, named: Sequence[str]) -> None:
    """`--verify LINE` for a line the API does not list is a typo: said, not an empty proof."""
    if verify is None or verify == "all" or named:
        return
    lines = sorted({m.line for m in detection.models if m.line})
    if verify not in lines:
        raise UsageError(
            f"--verify {untrusted.shown(verify)!s}: the API lists no such line.",
            fix=f"Lines it lists: {', '.join(lines)}; or name model IDs, or all.",
        )


def _shown(detection: Detection, line: str | None, retired: bool) -> list[Model]:
    return [
        m
        for m in detection.models
        if (retired or m.lifecycle != Lifecycle.RETIRED) and (line is None or m.line == line)
    ]


def _summary(ctx: Context, detection: Detection, shown: list[Model]) -> None:
    callable_ = [m for m in shown if m.callable]
    refused = [m for m in shown if m.callable is False]
    unknown = len(shown) - len(callable_) - len(refused)
    if not detection.verify:
        ctx.ui.say(
            f"{len(shown)} models listed; access not verified: `flux-setup models --verify` "
            "proves it (one-token calls within --max-verify; refusals are free)."
        )
        return
    left = f", {unknown} not verified" if unknown else ""
    ctx.ui.say(f"{len(callable_)} callable, {len(refused)} refused{left} of {len(shown)} listed.")
    ctx.ui.say(recommendation_words(detection))


def recommendation_words(detection: Detection) -> str:
    """One recommendation, or why there is none, and at most one --max-verify that settles
    it (the cap's diagnosis names the same number)."""
    if detection.recommended and detection.settled:
        return f"Recommended: {detection.recommended} (proven by a call now)."
    if detection.unverified:
        return (
            f"No model is recommended yet: the cap of {detection.max_verify} billed calls left "
            f"{len(detection.unverified)} unverified; rerun with --max-verify "
            f"{settling_cap(detection)}."
        )
    return "No model of your preferred lines is proven callable, so none is recommended."
