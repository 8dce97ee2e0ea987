"""Detection: what this key can really call, proven with few round trips and few billed calls,
and why every refusal happened.

Round 1 lists every model while the configured model (and `--model`) is verified at the same
time. Then verification walks the ranking of the preferred lines from the top: the
recommendation is the first model that answers, and it counts as proven only when every model
ranked above it was refused. The API bills answers, not refusals, so walking past a gated model
costs a round trip, not money: the cap (`--max-verify`, default 4) bounds the calls that may be
billed, and a walk that the cap or the request bound stops is reported as incomplete, naming
the models left unverified. The fallback (the best callable model of another line) is proven
only with what is left.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from wizard.api import ApiCallFailed, ApiClient, ApiFailure, Verification
from wizard.catalog import DEFAULT_PREFER, Catalog, Model
from wizard.diagnosis import (
    MODEL_REFUSAL_CODES,
    SUPPORT_URL,
    Diagnosis,
    api_said,
    deprecated_but_callable,
    exit_code_for,
    from_failure,
    model_refusal,
)
from wizard.errors import ExitCode
from wizard.keys import ApiKey

DEFAULT_MAX_VERIFY = 4
# Refusals are not billed, but each costs a round trip: a bound for an account where
# everything is refused (a restricted workspace, a 403 storm).
MAX_VERIFY_REQUESTS = 40
# A ceiling, not a quote: ~12 input and 1 output token at the highest published price
# ($10 / $50 per million tokens).
COST_CEILING_PER_CALL_USD = 12 * 10 / 1e6 + 1 * 50 / 1e6


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Detection:
    key_source: str
    key_fingerprint: str
    key_kind: str
    base_url: str
    prefer: tuple[str, ...]
    verify: bool
    configured: str | None = None
    configured_status: str = "unset"
    models: list[Model] = field(default_factory=list)
    recommended: str | None = None
    fallback: str | None = None
    diagnoses: list[Diagnosis] = field(default_factory=list)
    ratelimits: dict[str, str] = field(default_factory=dict)
    billed_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0
    rounds: int = 0
    # True only when the recommendation is proven and nothing failed on the way.
    complete: bool = True
    # The recommendation is proven (every model ranked above it refused), or nothing was to be.
    settled: bool = True
    max_verify: int = DEFAULT_MAX_VERIFY
    # Models ranked above every proven one that the cap left unverified.
    unverified: list[str] = field(default_factory=list)
    # The listing answered: which models exist, and their ranking, is known.
    listed: bool = False
    # Aliases the API resolved (`claude-sonnet-4-5` -> `claude-sonnet-4-5-20250929`).
    aliases: dict[str, str] = field(default_factory=dict)
    checked_at: str = ""
    # Preferred lines the listing does not know (a typo in --prefer or [model].prefer).
    unknown_lines: list[str] = field(default_factory=list)
    # After `run` applied a change: the model the files named before, and its status then.
    previous: str | None = None
    previous_status: str | None = None

    def after_change(self, chosen: str) -> Detection:
        """The same findings, describing the files as a change left them: `chosen` is now the
        configured model, and the one it replaced is `previous`."""
        if chosen == self.configured:
            return self
        model = self.model(chosen)
        if model is not None and model.callable:
            status = "deprecated" if model.lifecycle == "deprecated" else "callable"
        else:
            status = "unverified"
        return replace(
            self,
            configured=chosen,
            configured_status=status,
            previous=self.configured,
            previous_status=self.configured_status,
        )

    @property
    def estimated_cost_usd(self) -> float:
        return round(self.billed_calls * COST_CEILING_PER_CALL_USD, 6)

    def resolve(self, model_id: str | None) -> str | None:
        """The model an ID names: an alias resolves to its dated ID."""
        return self.aliases.get(model_id, model_id) if model_id else None

    @property
    def configured_model(self) -> str | None:
        return self.resolve(self.configured)

    def model(self, model_id: str | None) -> Model | None:
        wanted = self.resolve(model_id)
        return next((m for m in self.models if m.id == wanted), None)

    def uncertain(self) -> bool:
        """Whether what is unknown may hide the truth that matters: the configured model's
        status, or a model ranked above the recommendation. Then nothing may be changed."""
        if self.verify and self.configured and self.configured_status == "unverified":
            return True
        return not self.settled

    def failure_exit_code(self) -> ExitCode | None:
        """The exit code of an account-wide failure that stopped detection, if one did."""
        codes = [exit_code_for(d.code) for d in self.diagnoses if d.account_wide]
        for wanted in (ExitCode.KEY, ExitCode.ACCOUNT):
            if wanted in codes:
                return wanted
        network = [exit_code_for(d.code) for d in self.diagnoses]
        if not self.models and ExitCode.NETWORK in network:
            return ExitCode.NETWORK
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": {
                "source": self.key_source,
                "fingerprint": self.key_fingerprint,
                "kind": self.key_kind,
            },
            "configured": {
                "model": self.configured,
                "resolved": self.configured_model,
                "status": self.configured_status,
                **(
                    {"previous": self.previous, "previous_status": self.previous_status}
                    if self.previous is not None
                    else {}
                ),
            },
            "models": [m.to_json() for m in self.models],
            "recommended": self.recommended,
            "fallback": self.fallback,
            "diagnosis": [d.to_json() for d in self.diagnoses],
            "verification": {
                "verified": self.verify,
                "billed_calls": self.billed_calls,
                "max_verify": self.max_verify,
                "input_tokens": self.input_tokens,
                "output_tokens": self.output_tokens,
                "estimated_cost_usd_max": self.estimated_cost_usd,
                "requests": self.requests,
                "round_trips": self.rounds,
                "complete": self.complete,
                "unverified": self.unverified,
            },
            "ratelimits": self.ratelimits,
            "checked_at": self.checked_at,
        }


def estimate_cost(calls: int = DEFAULT_MAX_VERIFY) -> float:
    return round(calls * COST_CEILING_PER_CALL_USD, 6)


class _Run:
    """The bookkeeping of one detection: what was verified, what it proved, when to stop."""

    def __init__(self, client: ApiClient, result: Detection, catalog: Catalog) -> None:
        self.client = client
        self.result = result
        self.catalog = catalog
        self.verifications: dict[str, Verification] = {}  # by the ID asked
        self.tried: set[str] = set()  # resolved IDs that were asked
        self.folded: set[str] = set()
        self.stop = False  # an account-wide failure: further calls would repeat it
        self.exhausted = False  # the cap or the request bound stopped the walk
        self.listed = False  # the listing answered: the ranking is known
        self.verify_requests = 0

    def billed(self) -> int:
        return sum(1 for v in self.verifications.values() if v.ok)

    def room(self) -> int:
        """Calls that may still be made: each might answer, and so be billed. A call that timed
        out or lost its connection may have been billed too: it counts against the cap."""
        unknown = sum(
            1
            for v in self.verifications.values()
            if v.failure is not None and v.failure.kind in ("connection", "timeout")
        )
        return self.result.max_verify - self.billed() - unknown

    def verify_round(self, ids: Sequence[str]) -> list[Verification]:
        ids = [i for i in dict.fromkeys(ids) if i not in self.verifications]
        ids = ids[: max(0, min(self.room(), MAX_VERIFY_REQUESTS - self.verify_requests))]
        if not ids or self.stop:
            return []
        self.result.rounds += 1
        self.verify_requests += len(ids)
        tasks: list[Callable[[], Verification]] = [
            (lambda i=i: self.client.verify(i))  # type: ignore[misc]
            for i in ids
        ]
        done = self.client.run_concurrently(tasks)
        self.record(done)
        return done

    def record(self, done: Sequence[Verification]) -> None:
        for v in done:
            self.verifications[v.model_id] = v
            self.tried.add(self.result.resolve(v.model_id) or v.model_id)


def detect(
    client: ApiClient,
    key: ApiKey,
    *,
    configured: str | None = None,
    prefer: Sequence[str] = DEFAULT_PREFER,
    verify: bool = True,
    max_billed: int = DEFAULT_MAX_VERIFY,
    extra: Sequence[str] = (),
    now: Callable[[], datetime] = _utc_now,
) -> Detection:
    """Discover the models, verify the ones that decide the recommendation, explain every
    refusal. `extra` names models the user asked for (`--model`): verified like the configured
    one. `max_billed` is the cap on calls that may be billed (`--max-verify`)."""
    result = Detection(
        key_source=key.source,
        key_fingerprint=key.fingerprint,
        key_kind=key.kind,
        base_url=client.base_url,
        prefer=tuple(prefer),
        verify=verify,
        configured=configured,
        max_verify=max(1, max_billed),
        checked_at=now().isoformat(timespec="seconds"),
    )
    run = _Run(client, result, Catalog([]))
    listing = _round_one(run, [m for m in (configured, *extra) if m] if verify else [])
    if isinstance(listing, ApiFailure):
        _listing_failed(run, listing)
    else:
        run.catalog = Catalog(Model.from_api(m) for m in listing)
        run.listed = True
    if not run.stop:
        _resolve_unlisted(run, [m for m in (configured, *extra) if m])
    _fold(run)
    if run.listed:
        listed_lines = {m.line for m in run.catalog.models if m.line}
        result.unknown_lines = [line for line in result.prefer if line not in listed_lines]
    if verify and run.listed and not run.stop and not result.unknown_lines:
        _walk(run)
    _finish(run)
    return result


def _round_one(run: _Run, speculative: list[str]) -> list[dict[str, Any]] | ApiFailure:
    """The catalogue, and the configured model verified at the same time."""
    client = run.client
    run.result.rounds += 1

    def list_all() -> list[dict[str, Any]] | ApiFailure:
        try:
            return client.list_models()
        except ApiCallFailed as failed:
            return failed.failure

    asked = list(dict.fromkeys(speculative))[: run.result.max_verify]
    run.verify_requests += len(asked)
    calls: list[Callable[[], Any]] = [list_all] + [
        (lambda i=i: client.verify(i))  # type: ignore[misc]
        for i in asked
    ]
    outcomes = client.run_concurrently(calls)
    run.record(outcomes[1:])
    listing: list[dict[str, Any]] | ApiFailure = outcomes[0]
    return listing


def _listing_failed(run: _Run, failure: ApiFailure) -> None:
    """A listing that failed proves nothing about models, and takes nothing away from what the
    verification calls proved."""
    result = run.result
    result.complete = False
    diagnosis = from_failure(failure, base_url=run.client.base_url)
    if diagnosis.account_wide:
        run.stop = True
    elif not failure.transient:
        diagnosis = Diagnosis(
            "listing_failed",
            f"The model listing failed ({failure.status} {failure.type or 'error'}), so which "
            f"models exist and rank higher is unknown; models that answered a call are still "
            f"callable.{api_said(failure.message)}",
            "Rerun later; if it persists, the key may not list models: contact support with "
            "the request ID.",
            url=SUPPORT_URL,
            request_id=failure.request_id,
        )
    _add(result, diagnosis)


def _resolve_unlisted(run: _Run, ids: list[str]) -> None:
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


def _fold(run: _Run) -> None:
    """Fold verification outcomes into the catalogue, and diagnose each failure once."""
    result, catalog = run.result, run.catalog
    for asked, v in run.verifications.items():
        if asked in run.folded:
            continue
        run.folded.add(asked)
        model_id = result.resolve(asked) or asked
        model = catalog.get(model_id)
        if v.ok:
            result.billed_calls += 1
            result.input_tokens += v.input_tokens
            result.output_tokens += v.output_tokens
            if v.ratelimits and not result.ratelimits:
                result.ratelimits = dict(v.ratelimits)
            if model is not None:
                model.callable, model.verified, model.request_id = True, True, v.request_id
            continue
        assert v.failure is not None
        diagnosis = from_failure(
            v.failure, model_id=model_id, catalog=catalog, base_url=result.base_url
        )
        if v.failure.transient:
            # A transient error proves nothing: the model stays "unknown", never "refused".
            result.complete = False
            if model is not None:
                model.reason, model.request_id = diagnosis.code, v.request_id
        elif diagnosis.account_wide:
            run.stop = True
        elif diagnosis.code in MODEL_REFUSAL_CODES:
            if model is not None:
                model.callable, model.verified = False, True  # a refusal proven by the API
                model.reason, model.request_id = diagnosis.code, v.request_id
        else:
            # An answer no rule knows: shown as the API said it, never taken as a refusal.
            result.complete = False
            if model is not None:
                model.reason, model.request_id = diagnosis.code, v.request_id
        _add(result, diagnosis)
    _unknown_refusals_repeat(run)


def _add(result: Detection, diagnosis: Diagnosis) -> None:
    for d in result.diagnoses:
        if d.code == diagnosis.code and d.model in (None, diagnosis.model):
            return
    result.diagnoses.append(diagnosis)


def _unknown_refusals_repeat(run: _Run) -> None:
    """An unknown refusal that repeats for a second model, with no call answered, is the
    account's: one diagnosis, and no further calls."""
    if any(v.ok for v in run.verifications.values()):
        return
    result = run.result
    rejected = [d for d in result.diagnoses if d.code == "request_rejected" and d.model]
    if len({d.model for d in rejected}) < 2:
        return
    first = rejected[0]
    failure = run.verifications.get(first.model or "")
    detail = failure.failure if failure is not None and failure.failure is not None else None
    status = f"{detail.status} {detail.type or 'error'}" if detail else "the same"
    merged = Diagnosis(
        "request_rejected",
        f"The API refused every model tried ({', '.join(str(d.model) for d in rejected)}) with "
        f"{status}, for a reason flux-setup does not know: it concerns the account or the "
        f"request, not any one model.{api_said(detail.message if detail else None)}",
        "Contact support with the request ID and the API's message; rerun `flux-setup check` "
        "once it is resolved.",
        url=SUPPORT_URL,
        request_id=first.request_id,
        account_wide=True,
    )
    result.diagnoses = [d for d in result.diagnoses if d not in rejected] + [merged]
    run.stop = True


def _chain(ranked: Sequence[Model], tried: set[str]) -> tuple[list[Model], bool]:
    """The unverified models ranked above the first callable one, and whether a model that was
    tried without a verdict (a transient failure) blocks proving anything below it."""
    chain: list[Model] = []
    for model in ranked:
        if model.callable:
            break
        if model.callable is False:
            continue
        if model.id in tried:
            return chain, True
        chain.append(model)
    return chain, False


def _walk(run: _Run) -> None:
    """Verify down the ranking until the recommendation is proven, then prove the fallback."""
    prefer = run.result.prefer
    window = 1
    speculate = True  # until a refusal shows up, prove the likely fallback in the same round
    refused_rounds = 0
    line: str | None = None
    while not run.stop:
        ranked = run.catalog.ranked(prefer)
        chain, blocked = _chain(ranked, run.tried)
        if chain and chain[0].line != line:
            # A new line's newest model is the likeliest to answer: start narrow again.
            line, window, refused_rounds = chain[0].line, 1, 0
        probe = _probe_repeat(run, ranked) if blocked and not chain else []
        if probe:
            chain, speculate = probe, False
        if chain:
            batch = [m for m in chain[:window] if m.line == line] or chain[:1]
            if speculate and not any(d.code == "request_rejected" for d in run.result.diagnoses):
                spec = _chain([m for m in ranked if m.line != chain[0].line], run.tried)[0]
                batch += spec[:1]
        else:
            recommended = next((m for m in ranked if m.callable), None)
            if recommended is None or blocked:
                return
            batch = _secondary(run, ranked, recommended)[:window]
            if not batch:
                return
        if run.room() <= 0 or run.verify_requests >= MAX_VERIFY_REQUESTS:
            if chain:
                run.exhausted = True
                run.result.unverified = [m.id for m in chain]
            return
        done = run.verify_round([m.id for m in batch])
        if not done:
            return
        _fold(run)
        if any(not v.ok for v in done):
            speculate = False
            refused_rounds += 1
            # Each further refused round widens the next: a line refused end to end is
            # walked in few round trips; answers in one round cost at most the cap.
            window = min(4, 2 ** max(0, refused_rounds - 1))


def _probe_repeat(run: _Run, ranked: list[Model]) -> list[Model]:
    """A refusal no rule knows blocks the top of the ranking: one more model, tried once,
    tells whether it is that model's or the account's (the same answer for a second model)."""
    if any(v.ok for v in run.verifications.values()):
        return []
    rejected = [d for d in run.result.diagnoses if d.code == "request_rejected" and d.model]
    if len(rejected) != 1:
        return []
    untried = [m for m in ranked if m.id not in run.tried and m.callable is None]
    return untried[:1]


def _secondary(run: _Run, ranked: list[Model], recommended: Model) -> list[Model]:
    """With the recommendation proven, what is left proves the fallback (the best model of
    another line), then the same-line successor of a configured model that cannot stay, which
    the choice offers beside the recommendation."""
    fallback = _chain([m for m in ranked if m.line != recommended.line], run.tried)[0]
    if fallback:
        return fallback
    current = run.catalog.get(run.result.configured_model)
    if current is None or current.line is None or current.line == recommended.line:
        return []
    if current.lifecycle == "active" and current.callable is not False:
        return []
    same_line = [
        m
        for m in run.catalog.models
        if m.line == current.line and m.lifecycle == "active" and m.id != current.id
    ]
    return _chain(same_line, run.tried)[0]


def _scoped_refusals_repeat(run: _Run) -> None:
    """A 403 that every model tried answered, with no call answered, is the key's, not any
    model's."""
    result = run.result
    if any(v.ok for v in run.verifications.values()):
        return
    failures = [v.failure for v in run.verifications.values() if v.failure is not None]
    lasting = [f for f in failures if not f.transient]
    denied = [d for d in result.diagnoses if d.code == "permission_denied" and d.model]
    if len(denied) < 2 or len(denied) != len(lasting):
        return
    for d in denied:
        model = run.catalog.get(d.model)
        if model is not None:
            model.callable, model.verified = None, False
    result.diagnoses = [d for d in result.diagnoses if d not in denied]
    result.diagnoses.append(
        Diagnosis(
            "permission_denied",
            f"Every model tried ({', '.join(str(d.model) for d in denied)}) answered 403 "
            "permission_error: this key may not call models at all.",
            "Check the key's workspace and its permissions in the Console, or use another key.",
            url=denied[0].url,
            request_id=denied[0].request_id,
            account_wide=True,
        )
    )


def _finish(run: _Run) -> None:
    result, catalog = run.result, run.catalog
    _scoped_refusals_repeat(run)
    result.requests = run.client.requests
    prefer = result.prefer
    # Without the listing, a model found by ID is only itself: nothing may be ranked.
    ranking = catalog if run.listed else Catalog([])
    recommended = ranking.recommend(prefer, unverified_ok=not result.verify)
    fallback = ranking.fallback(prefer, recommended, unverified_ok=not result.verify)
    result.recommended = recommended.id if recommended else None
    result.fallback = fallback.id if fallback else None
    ranked = catalog.ranked(prefer)
    nothing_callable = bool(ranked) and all(m.callable is False for m in ranked)
    result.listed = run.listed
    result.settled = run.listed and (recommended is not None or nothing_callable or not ranked)
    if run.exhausted:
        _add(result, _incomplete(result, run))
    if run.stop or run.exhausted or not result.settled:
        result.complete = False
    # Show the preferred lines in ranking order, then every other listed model (newest first).
    shown = {m.id for m in ranked}
    result.models = ranked + [m for m in catalog.models if m.id not in shown]
    _configured_status(run)
    _advise_replacement(run)


# Lifecycle refusals: nothing brings the model back, so the next step is its replacement. (An
# access refusal keeps its own next step: the workspace or support can change it.)
REPLACEABLE = {"model_retired", "model_closed_to_new_adopters", "model_deprecated"}


def _advise_replacement(run: _Run) -> None:
    """One rule for what replaces a configured model that cannot stay: the recommendation, by
    the preference order. Its same-line successor is named beside it when it differs."""
    result = run.result
    current = run.catalog.get(result.configured_model)
    if current is None or result.recommended in (None, current.id):
        return
    successor = run.catalog.successor(current)
    also = (
        f"; {successor.id} is the newest model of the {current.line} line"
        + ("" if successor.callable else " (not verified)")
        if successor is not None and successor.id != result.recommended
        else ""
    )
    for d in result.diagnoses:
        if d.model == current.id and d.code in REPLACEABLE:
            d.next_step = (
                f"Switch to {result.recommended}, the recommendation for your line order "
                f"({', '.join(result.prefer)}){also}: `flux-setup run`."
            )


def _incomplete(result: Detection, run: _Run) -> Diagnosis:
    names = ", ".join(result.unverified[:6]) + (" ..." if len(result.unverified) > 6 else "")
    more = result.max_verify + len(result.unverified) + 1
    if run.verify_requests >= MAX_VERIFY_REQUESTS:
        why = f"after {MAX_VERIFY_REQUESTS} verification requests"
    else:
        why = f"within --max-verify {result.max_verify} (calls that may be billed)"
    return Diagnosis(
        "verification_incomplete",
        f"Not settled {why}: {names} rank above every model proven so far and were not "
        "verified, so no model is recommended.",
        f"Rerun with --max-verify {more} to settle it (each call costs well under $0.001; "
        "refusals are not billed).",
    )


def _configured_status(run: _Run) -> None:
    result, catalog = run.result, run.catalog
    configured = result.configured
    if not configured:
        result.configured_status = "unset"
        return
    answered = run.verifications.get(configured)
    model = catalog.get(result.configured_model)
    if model is None:
        if answered is not None and answered.ok:
            result.configured_status = "callable"  # an answer proves access, listed or not
        elif not catalog.models:
            result.configured_status = "unverified"
        else:
            result.configured_status = "unknown_model"
            if not any(d.model == configured for d in result.diagnoses):
                result.diagnoses.insert(0, model_refusal(configured, catalog, None))
    elif model.lifecycle == "retired":
        result.configured_status = "retired"
        if not any(d.model == model.id for d in result.diagnoses):
            result.diagnoses.insert(0, model_refusal(model.id, catalog, None))
    elif model.callable is False:
        result.configured_status = "not_callable"
    elif model.callable and model.lifecycle == "deprecated":
        result.configured_status = "deprecated"
        result.diagnoses.insert(0, deprecated_but_callable(model))
    elif model.callable:
        result.configured_status = "callable"
    else:
        result.configured_status = "unverified"
        if model.lifecycle == "deprecated":
            result.diagnoses.insert(0, deprecated_but_callable(model, proven=False))
