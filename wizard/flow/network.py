"""The network step shared by `run` and `check`: discover, verify, explain."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wizard.catalog import DEFAULT_PREFER, Catalog
from wizard.detection import Detection, detect, estimate_cost
from wizard.detection.request import Hint, Request
from wizard.diagnosis import Diagnosis
from wizard.diagnosis.connection import UNTRUSTED
from wizard.errors import UsageError
from wizard.flow.session import Context
from wizard.keys import ApiKey
from wizard.vocab import Code

# `export` takes no --no-verify (a datasource offers only what a call proved): not offered.
NO_VERIFY_HINT = {"export": ""}


def run_detection(
    ctx: Context,
    key: ApiKey,
    configured: str | None,
    prefer: Sequence[str],
    extra: Sequence[str] = (),
    *,
    verify: bool | None = None,
    choose: Callable[[Catalog], Sequence[str]] | None = None,
    concurrency: int = 4,
    also_prefer: Sequence[Sequence[str]] = (),
    fallback: str | None = None,
    prove_fallback: bool = True,
    hint: Hint | None = None,
) -> Detection:
    """The detection of `check` and `run` (`detect`'s options: `fallback`, `prove_fallback`,
    `hint`: what round one may guess from an earlier check).
    `models` passes `verify` (its --verify) and `choose` (what to verify instead of the walk);
    `export` `also_prefer` (lines walked alone)."""
    o = ctx.options
    base_url = ctx.base_url()
    verify = o.api.verify if verify is None else verify
    spinning = _announce(ctx, verify, said_no_verify=choose is None)
    client = ctx.api_client(key, base_url=base_url, concurrency=concurrency)
    try:
        with ctx.ui.spinner(spinning) as note:
            client.on_retry = note
            request = Request(
                configured=configured,
                prefer=prefer,
                verify=verify,
                max_billed=o.api.max_verify,
                extra=extra,
                choose=choose,
                also_prefer=also_prefer,
                fallback=fallback,
                prove_fallback=prove_fallback,
                hint=hint,
            )
            detection = detect(client, key, request, now=ctx.now)
    finally:
        client.close()
    if detection.organization_id:
        ctx.ui.say(f"The key belongs to organisation {detection.organization_id}.")
    if detection.unknown_lines:
        raise unknown_lines(
            detection, detection.unknown_lines, _source(o.api.prefer, prefer), "e.g. --prefer "
        )
    if detection.configured_model != detection.configured:
        ctx.ui.say(
            f"{detection.configured} is an alias: the API resolves it to "
            f"{detection.configured_model}."
        )
    return detection


def _announce(ctx: Context, verify: bool, *, said_no_verify: bool) -> str:
    """What the calls will cost, said before any is made; the spinner's words."""
    o = ctx.options
    if not verify:
        if said_no_verify:
            ctx.ui.say("--no-verify: no verification call; models are listed, not proven callable.")
        return "Discovering models..."
    cost = estimate_cost(ctx.now().date(), o.api.max_verify)
    ctx.ui.say(
        f"Verifying access with at most {o.api.max_verify} billed one-token calls (at most "
        f"${cost:.4f} in all; refusals are free; "
        f"{NO_VERIFY_HINT.get(o.command, '--no-verify skips them, ')}--max-verify sets the cap)."
    )
    return "Discovering models and verifying access..."


def _source(flag: str | None, prefer: Sequence[str]) -> str:
    """Where the line order came from, as a message names it."""
    if flag:
        return "--prefer"
    if tuple(prefer) == DEFAULT_PREFER:
        return "The default line order"  # not a setting the user has: say so
    return "[model].prefer in the Flux config"


def unknown_lines(
    detection: Detection, unknown: Sequence[str], source: str, fix: str
) -> UsageError:
    """A line order that names a line the listing does not have (a typo like `opsu`)."""
    known = sorted({m.line for m in detection.models if m.line})
    return UsageError(
        f"{source} names a line the API does not list: {', '.join(unknown)}. "
        f"Lines the API lists: {', '.join(known)}.",
        fix=fix + ",".join(line for line in DEFAULT_PREFER if line in known),
    )


def incomplete_reason(detection: Detection) -> str:
    """Why the picture is incomplete, in a sentence that says what settles it."""
    codes = {d.code for d in detection.diagnoses}
    if detection.listing_cut is not None:  # the API answered: the list is longer than the budget
        pages, models = detection.listing_cut
        return (
            f"The model list was still arriving when the time budget ran out ({pages} "
            f"{'page' if pages == 1 else 'pages'}, {models} models so far): rerun with the "
            "larger --timeout named above."
        )
    if any(UNTRUSTED in d.message for d in detection.diagnoses) and not detection.models:
        return "The server's certificate is not trusted (see above): rerunning alone won't help."
    if Code.NETWORK_ERROR in codes and not detection.models:
        return "The API could not be reached (see above): rerun when it answers."
    if Code.VERIFICATION_INCOMPLETE in codes:
        return (
            "Better-ranked models were left unverified (see above), so nothing is recommended yet: "
            "rerun with the --max-verify it names."
        )
    if not detection.listed and Code.LISTING_FAILED in codes:
        # a refusal time does not change: its own next step settles it, never "rerun later"
        return (
            "The model listing was refused (see above), so which models rank higher is "
            "unknown: follow its next step, then rerun."
        )
    if not detection.listed:
        return "The model listing failed, so which models rank higher is unknown: rerun later."
    if Code.REQUEST_REJECTED in codes:
        return (
            "The API refused a call for a reason flux-setup does not know (see above), so the "
            "picture is incomplete: rerun once it is resolved."
        )
    return (
        "Some checks failed for a transient reason (see above), so the picture is incomplete: "
        "rerun in a few minutes."
    )


def describe_configured(detection: Detection) -> str:
    """The configured model as the user wrote it, and what an alias resolves to."""
    configured = detection.configured or "none"
    resolved = detection.configured_model
    if resolved and resolved != detection.configured:
        return f"{configured} -> {resolved}"
    return configured


def describe_fallback(detection: Detection) -> str:
    """ ", fallback claude-haiku-5-5 (callable)": the configured fallback and its status, or
    nothing when the config names none."""
    fallback = detection.configured_fallback
    if not fallback:
        return ""
    return f", fallback {fallback} ({detection.configured_fallback_status.words})"


def verify_choice(ctx: Context, key: ApiKey, detection: Detection, model_id: str) -> None:
    """A model chosen before it was verified gets its one-token call now: it is proven
    callable, or the run stops with the refusal's cause and nothing written."""
    cause = verify_one(ctx, key, detection, model_id)
    if cause is None:
        ctx.ui.ok(f"{model_id} answered: it is callable with this key.")
        return
    raise UsageError(
        f"{model_id} cannot be used: {cause.message}",
        fix="Choose another model (the recommendation is proven callable); nothing was written.",
    )


def verify_one(ctx: Context, key: ApiKey, detection: Detection, model_id: str) -> Diagnosis | None:
    """One verification call, its outcome folded into the detection: None when the model
    answered, else the diagnosis of why not (a lasting refusal marks the model refused)."""
    from wizard.catalog import Catalog
    from wizard.diagnosis import from_failure

    client = ctx.api_client(key)
    try:
        with ctx.ui.spinner(f"Verifying {model_id}...") as note:
            client.on_retry = note
            answer = client.verify(model_id)
    finally:
        client.close()
    model = detection.model(model_id)
    if answer.ok:
        detection.billed_calls += 1
        if model is not None:
            model.callable, model.verified = True, True
        return None
    assert answer.failure is not None
    cause = from_failure(
        answer.failure,
        model_id=model_id,
        catalog=Catalog(detection.models),
        base_url=client.base_url,
    )
    if model is not None and cause.code.refuses_model:
        model.callable, model.verified, model.reason = False, True, cause.code
    return cause
