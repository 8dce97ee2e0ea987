"""`detect`: round one (listing + configured model), aliases, the walk, the finish."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import partial

from wizard.api import ApiClient
from wizard.catalog import DEFAULT_PREFER, Catalog, Model
from wizard.constants import KEYS_URL, SUPPORT_URL
from wizard.detection.configured_fallback import judge_fallback
from wizard.detection.fold import add, fold, scoped_refusals_repeat
from wizard.detection.guess import discard_unlisted, expected_refusals, first_round, named
from wizard.detection.ledger import MAX_VERIFY_REQUESTS, Ledger
from wizard.detection.request import Request
from wizard.detection.result import Detection
from wizard.detection.walk import verify_these, walk
from wizard.diagnosis import (
    Diagnosis,
    api_said,
    deprecated_but_callable,
    from_failure,
    model_refusal,
    restate_instead,
)
from wizard.diagnosis.organization import name_the_organization
from wizard.failures import ApiCallFailed, ApiFailure, Verification
from wizard.jsontypes import JsonObject
from wizard.keys import ApiKey
from wizard.vocab import Code, FailureKind, Lifecycle, Status


def detect(
    client: ApiClient, key: ApiKey, request: Request, *, now: Callable[[], datetime]
) -> Detection:
    """Discover the models, verify the ones that decide the recommendation, explain every
    refusal (`Request` says what is to be settled and with which cap)."""
    result = Detection(
        key_source=key.source,
        key_fingerprint=key.fingerprint,
        key_kind=key.kind,
        base_url=client.base_url,
        prefer=tuple(request.prefer),
        verify=request.verify,
        configured=request.configured,
        configured_fallback=request.fallback,
        max_verify=max(1, request.max_billed),
        checked_at=now().isoformat(timespec="seconds"),
    )
    run = Ledger(client, result, Catalog([]))
    run.prove_fallback = request.prove_fallback
    run.expected = expected_refusals(request.hint)
    asked, guesses = first_round(request)
    run.guessed = set(guesses)
    listing = _round_one(run, asked)
    if isinstance(listing, ApiFailure):
        _listing_failed(run, listing)
    else:
        run.catalog = Catalog(Model.from_api(m) for m in listing)
        run.listed = True
    discard_unlisted(run, guesses)
    unreachable = isinstance(listing, ApiFailure) and listing.kind in (
        FailureKind.REFUSED,
        FailureKind.CERTIFICATE,
    )
    if not run.stop and not unreachable:  # nothing answers there: no lookups of it either
        _resolve_unlisted(run, named(request))
    fold(run)
    if run.listed:
        listed_lines = {m.line for m in run.catalog.models if m.line}
        result.unknown_lines = unlisted_lines(result.prefer, listed_lines)
    if request.verify and run.listed and not run.stop and request.choose is not None:
        verify_these(run, request.choose(run.catalog))
    elif request.verify and run.listed and not run.stop:
        if not result.unknown_lines:
            walk(run)
        # a typo in one order stops only that one
        _walk_also(run, request.also_prefer, listed_lines)
    _finish(run)
    return result


def unlisted_lines(prefer: Sequence[str], listed: set[str]) -> list[str]:
    """The lines of an order the listing lacks: a typo (`opsu`) to stop for, unless the order
    is the default one, which is no setting of the user's (a listing of Opus models only is
    ranked by it, not refused)."""
    if tuple(prefer) == DEFAULT_PREFER:
        return []
    return [line for line in prefer if line not in listed]


def _walk_also(run: Ledger, orders: Sequence[Sequence[str]], listed: set[str]) -> None:
    """Walk other line orders too, so that each can be settled from the same findings. What
    stops one of them is that order's concern (its view finds it unsettled), not `prefer`'s."""
    result = run.result
    main = (result.prefer, run.exhausted, list(result.unverified))
    for order in orders:
        if run.stop or tuple(order) == main[0] or not set(order) <= listed:
            continue
        result.prefer = tuple(order)
        walk(run)
    result.prefer, run.exhausted, result.unverified = main


# The most requests round one has in flight at once.
ROUND_ONE_AT_ONCE = 8


def _round_one(run: Ledger, asked: list[str]) -> list[JsonObject] | ApiFailure:
    """The catalogue, and the models round one names (`guess.first_round`) verified at the
    same time."""
    client = run.client
    run.result.rounds += 1

    def list_all() -> list[JsonObject] | ApiFailure:
        try:
            return client.list_models()
        except ApiCallFailed as failed:
            return failed.failure

    run.verify_requests += len(asked)
    calls: list[Callable[[], list[JsonObject] | ApiFailure | Verification]] = [list_all]
    calls += [partial(client.verify, model_id) for model_id in asked]
    # the listing and every call of the round in flight at once (a scan's many configured
    # models beyond ROUND_ONE_AT_ONCE wait for a free one)
    listing, *verified = client.run_concurrently(calls, min(len(calls), ROUND_ONE_AT_ONCE))
    run.record([v for v in verified if isinstance(v, Verification)])
    assert not isinstance(listing, Verification)
    return listing


def _listing_failed(run: Ledger, failure: ApiFailure) -> None:
    """A listing that failed proves nothing about models, and takes nothing away from what the
    verification calls proved."""
    result = run.result
    result.complete = False
    diagnosis = from_failure(failure, base_url=run.client.base_url)
    if failure.kind == FailureKind.TIMEOUT and failure.details.get("pages"):
        diagnosis = _listing_too_long(failure, run.client.timeout, run.client.budget)
        pages, models = failure.details.get("pages"), failure.details.get("models")
        if isinstance(pages, int) and isinstance(models, int):
            result.listing_cut = (pages, models)
    if diagnosis.account_wide:
        run.stop = True
    elif not failure.transient:
        diagnosis = _listing_refused(failure)
    add(result, diagnosis)


def _listing_too_long(failure: ApiFailure, timeout: float, budget: float) -> Diagnosis:
    """Pages of the model list kept arriving until the budget ran out: the API answered, the
    list is longer than the budget allows. Not "could not reach": the next step is a larger
    budget, said as a number."""
    pages, count = failure.details.get("pages"), failure.details.get("models")
    return Diagnosis(
        Code.NETWORK_ERROR,
        f"The model list was still arriving when the time budget ({budget:g} s) ran out: "
        f"{pages} page(s) with {count} models had arrived, and the API said there were more. "
        "Nothing is refused; which models exist and rank higher is unknown.",
        f"Rerun with a larger budget, e.g. `--timeout {max(timeout * 4, 60):g}` (the network "
        "steps may take three timeouts).",
    )


def _listing_refused(failure: ApiFailure) -> Diagnosis:
    """A listing refused for good (not a transient answer): time will not change it, so the
    next step is never "rerun later"."""
    said = api_said(failure.message)
    kept = "models that answered a call are still callable"
    if failure.status == 403 and failure.type == "permission_error":
        return Diagnosis(
            Code.LISTING_FAILED,
            f"This key may not list models (403 permission_error): a setting of the key or "
            f"of its workspace withholds the Models API, so which models exist and rank "
            f"higher is unknown; {kept}.{said}",
            "Allow the key to list models in the Console (the key's workspace and its "
            "permissions), or use a key that may; then rerun `flux-setup check`.",
            url=KEYS_URL,
            request_id=failure.request_id,
        )
    return Diagnosis(
        Code.LISTING_FAILED,
        f"The model listing was refused ({failure.status} {failure.type or 'error'}), so "
        f"which models exist and rank higher is unknown; {kept}.{said}",
        "Contact support with the request ID and the API's message: a refusal like this does "
        "not pass with time.",
        url=SUPPORT_URL,
        request_id=failure.request_id,
    )


def _resolve_unlisted(run: Ledger, ids: list[str]) -> None:
    """IDs outside the listing (an alias, a model listed elsewhere, or a listing that failed)
    are looked up one by one: retrieve resolves aliases to their model."""
    unlisted = [i for i in dict.fromkeys(ids) if run.catalog.get(i) is None]
    if not unlisted:
        return
    run.result.rounds += 1
    for model_id in unlisted:
        try:
            found = run.client.retrieve(model_id)
        except ApiCallFailed:
            found = None
        if found is None or not isinstance(found.get("id"), str):
            continue
        model = Model.from_api(found)
        if model.id != model_id:
            run.result.aliases[model_id] = model.id
            if model_id in run.verifications:
                run.tried.add(model.id)  # the call made with the alias counts for the model
        run.catalog.add(model)


def _finish(run: Ledger) -> None:
    result, catalog = run.result, run.catalog
    scoped_refusals_repeat(run)
    result.requests = run.client.requests
    result.organization_id = run.client.organization_id
    name_the_organization(result.diagnoses, result.organization_id)
    rejected = run.client.rejected_ids
    if rejected:
        add(result, _rejected_ids(rejected, run.client.base_url))
    result.listed = run.listed
    result.answered = {asked for asked, v in run.verifications.items() if v.ok}
    rank(result, catalog)
    restate_instead(result.diagnoses, catalog)
    if run.exhausted:
        add(result, _incomplete(result, run))
    if run.stop or run.exhausted or not result.settled:
        result.complete = False
    judge_configured(result, catalog)


def rank(result: Detection, catalog: Catalog) -> None:
    """The recommendation and the fallback that what was proven supports, for the result's
    line order; the models in ranking order. Also how `check --all` reads one shared detection
    for each project's own line order."""
    prefer = result.prefer
    # Without the listing, a model found by ID is only itself: nothing may be ranked.
    ranking = catalog if result.listed else Catalog([])
    recommended = ranking.recommend(prefer, unverified_ok=not result.verify)
    fallback = ranking.fallback(
        prefer,
        recommended,
        unverified_ok=not result.verify,
        configured=result.resolve(result.configured_fallback),
    )
    result.recommended = recommended.id if recommended else None
    result.fallback = fallback.id if fallback else None
    ranked = catalog.ranked(prefer)
    result.settled = result.listed and ranking.settled(prefer, unverified_ok=not result.verify)
    # Show the preferred lines in ranking order, then every other listed model (newest first).
    shown = {m.id for m in ranked}
    result.models = ranked + [m for m in catalog.models if m.id not in shown]


def judge_configured(result: Detection, catalog: Catalog) -> None:
    """The configured model's status, and what replaces it when it cannot stay; the same for
    the configured fallback."""
    _configured_status(result, catalog)
    _advise_replacement(result, catalog)
    judge_fallback(result, catalog)


# Lifecycle refusals: nothing brings the model back, so the next step is its replacement. (An
# access refusal keeps its own next step: the workspace or support can change it.)
REPLACEABLE = {Code.MODEL_RETIRED, Code.MODEL_CLOSED_TO_NEW_ADOPTERS, Code.MODEL_DEPRECATED}


def _advise_replacement(result: Detection, catalog: Catalog) -> None:
    """One rule for what replaces a configured model that cannot stay: the recommendation, by
    the preference order. Its same-line successor is named beside it when it differs."""
    current = catalog.get(result.configured_model)
    if current is None or result.recommended in (None, current.id):
        return
    successor = catalog.successor(current)
    also = (  # a sentence after the command: beside the recommendation, it read as its part
        f" {successor.id} is the newest model of the {current.line} line"
        # (a newer one may be unverified: `Catalog.successor` prefers proof)
        + (", proven callable" if successor.callable else " (not verified)")
        + f": `flux-setup run --model {successor.id}` keeps that line."
        if successor is not None and successor.id != result.recommended
        else ""
    )
    order = ", ".join(result.prefer)
    for d in result.diagnoses:
        if d.model == current.id and d.code in REPLACEABLE and not result.verify:
            # nothing was called: the best listed model may be refused to this key
            d.next_step = (
                f"`flux-setup check` proves which model replaces it ({result.recommended} "
                f"leads your line order, {order}, but is not verified); then "
                f"`flux-setup run`.{also}"
            )
        elif d.model == current.id and d.code in REPLACEABLE:
            d.next_step = (
                f"Switch to {result.recommended}, the recommendation for your line order "
                f"({order}): `flux-setup run`.{also}"
            )


def _rejected_ids(rejected: list[str], base_url: str) -> Diagnosis:
    """Listed entries whose IDs are not model IDs: never shown raw, never written."""
    examples = ", ".join(rejected[:3]) + (" ..." if len(rejected) > 3 else "")
    return Diagnosis(
        Code.UNEXPECTED_RESPONSE,
        f"The model list from {base_url} held {len(rejected)} entries that are no models "
        f"(their IDs are not model IDs, or carry a piece of the key: {examples}); they were "
        "left out.",
        "If this is the Anthropic API, report it to support; otherwise check --base-url.",
        url=SUPPORT_URL,
    )


def settling_cap(result: Detection) -> int:
    """The one --max-verify that settles what the cap left: every call made so far, one per
    model left unverified, and one for the answer below them."""
    return result.max_verify + len(result.unverified) + 1


def _incomplete(result: Detection, run: Ledger) -> Diagnosis:
    left = result.unverified
    names = ", ".join(left[:6]) + (f" and {len(left) - 6} more" if len(left) > 6 else "")
    more = settling_cap(result)
    if run.verify_requests >= MAX_VERIFY_REQUESTS:
        why = f"after {MAX_VERIFY_REQUESTS} verification requests"
    else:
        why = f"within --max-verify {result.max_verify} (calls that may be billed)"
    if result.recommended and result.settled:  # `models --verify`: more than the walk needs
        return Diagnosis(
            Code.VERIFICATION_INCOMPLETE,
            f"Left unverified {why}: {names}. The recommendation, {result.recommended}, is "
            "proven all the same.",
            f"Rerun with --max-verify {more} to verify them too (each call costs well under "
            "$0.001; refusals are not billed).",
        )
    ranked = Catalog(result.models).ranked(result.prefer)
    first = next((i for i, m in enumerate(ranked) if m.callable), len(ranked))
    above = {m.id for m in ranked[:first]}  # (`models --verify` may leave others unverified)
    said = (
        "rank above every model proven so far and were not verified"
        if all(m in above for m in left)
        else f"{'was' if len(left) == 1 else 'were'} not verified, and the best of your "
        "preferred lines may be among them"
    )
    return Diagnosis(
        Code.VERIFICATION_INCOMPLETE,
        f"Not settled {why}: {names} {said}, so no model is recommended.",
        f"Rerun with --max-verify {more} to settle it (each call costs well under $0.001; "
        "refusals are not billed).",
    )


def _configured_status(result: Detection, catalog: Catalog) -> None:
    configured = result.configured
    if not configured:
        result.configured_status = Status.UNSET
        return
    model = catalog.get(result.configured_model)
    if model is None:
        if configured in result.answered:
            result.configured_status = Status.CALLABLE  # an answer proves access, listed or not
        elif not catalog.models:
            result.configured_status = Status.UNVERIFIED
        else:
            result.configured_status = Status.UNKNOWN_MODEL
            if not any(d.model == configured for d in result.diagnoses):
                result.diagnoses.insert(0, model_refusal(configured, catalog, None, result.day))
        return
    result.configured_status = status = model.status  # the one lifecycle reading
    retired_said = any(
        d.model == model.id and d.code == Code.MODEL_RETIRED for d in result.diagnoses
    )
    if status == Status.RETIRED and not retired_said:
        # retired is the true cause, whatever else refused it (a workspace's 403 comes first)
        result.diagnoses.insert(0, model_refusal(model.id, catalog, None, result.day))
    elif model.lifecycle == Lifecycle.DEPRECATED and status != Status.NOT_CALLABLE:
        proven = status == Status.DEPRECATED
        result.diagnoses.insert(0, deprecated_but_callable(model, _day(result), proven=proven))


def _day(result: Detection) -> date:
    """The day the detection was made: what "overdue" is measured against."""
    return datetime.fromisoformat(result.checked_at).date()  # detect() wrote it
