"""Detection: what this key can really call, proven with as few round trips and billed calls as
possible, and why every refusal happened.

Round 1 lists every model (one request) while the configured model is verified speculatively.
Round 2 verifies the top candidate of each preferred line concurrently. Further rounds walk down
the ranking only until the recommendation is proven, within `max_billed` calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from wizard.api import ApiCallFailed, ApiClient, ApiFailure, Verification
from wizard.catalog import DEFAULT_PREFER, Catalog, Model
from wizard.diagnosis import (
    Diagnosis,
    deprecated_but_callable,
    exit_code_for,
    from_failure,
    is_account_wide,
    model_refusal,
)
from wizard.errors import ExitCode
from wizard.keys import ApiKey

DEFAULT_MAX_BILLED = 4
# A ceiling, not a quote: ~12 input and 1 output token at the highest published price
# ($10 / $50 per million tokens).
COST_CEILING_PER_CALL_USD = 12 * 10 / 1e6 + 1 * 50 / 1e6


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
    complete: bool = True  # False when a failure left the picture incomplete
    checked_at: str = field(
        default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds")
    )

    @property
    def estimated_cost_usd(self) -> float:
        return round(self.billed_calls * COST_CEILING_PER_CALL_USD, 6)

    def model(self, model_id: str | None) -> Model | None:
        return next((m for m in self.models if m.id == model_id), None)

    def uncertain(self) -> bool:
        """Whether transient failures may hide the truth that matters: the configured model's
        status, or a model that ranks above the recommendation. Then nothing may be changed."""
        if self.complete:
            return False
        if self.configured and self.configured_status == "unverified":
            return True
        for model in self.models:
            if model.line not in self.prefer or model.lifecycle == "retired":
                continue
            if model.id == self.recommended:
                return False
            if model.callable is None and model.reason:
                return True
        return True

    def failure_exit_code(self) -> ExitCode | None:
        """The exit code of the failure that stopped detection, if one did."""
        codes = [exit_code_for(d.code) for d in self.diagnoses]
        for wanted in (ExitCode.KEY, ExitCode.ACCOUNT):
            if wanted in codes:
                return wanted
        if not self.models and ExitCode.NETWORK in codes:
            return ExitCode.NETWORK
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": {
                "source": self.key_source,
                "fingerprint": self.key_fingerprint,
                "kind": self.key_kind,
            },
            "configured": {"model": self.configured, "status": self.configured_status},
            "models": [m.to_json() for m in self.models],
            "recommended": self.recommended,
            "fallback": self.fallback,
            "diagnosis": [d.to_json() for d in self.diagnoses],
            "verification": {
                "verified": self.verify,
                "billed_calls": self.billed_calls,
                "input_tokens": self.input_tokens,
                "output_tokens": self.output_tokens,
                "estimated_cost_usd_max": self.estimated_cost_usd,
                "requests": self.requests,
                "round_trips": self.rounds,
                "complete": self.complete,
            },
            "ratelimits": self.ratelimits,
            "checked_at": self.checked_at,
        }


def estimate_cost(calls: int = DEFAULT_MAX_BILLED) -> float:
    return round(calls * COST_CEILING_PER_CALL_USD, 6)


class _Run:
    def __init__(self, client: ApiClient, result: Detection, max_billed: int) -> None:
        self.client = client
        self.result = result
        self.max_billed = max_billed
        self.verifications: dict[str, Verification] = {}
        self.applied: set[str] = set()  # verifications already folded into the catalogue
        self.stop = False  # an account-wide failure: further calls would repeat it

    def verify_round(self, ids: Sequence[str]) -> list[Verification]:
        ids = [i for i in dict.fromkeys(ids) if i not in self.verifications]
        room = self.max_billed - len(self.verifications)
        ids = ids[: max(0, room)]
        if not ids or self.stop:
            return []
        self.result.rounds += 1
        done = self.client.run_concurrently([lambda i=i: self.client.verify(i) for i in ids])  # type: ignore[misc]
        for v in done:
            self.verifications[v.model_id] = v
        return done


def detect(
    client: ApiClient,
    key: ApiKey,
    *,
    configured: str | None = None,
    prefer: Sequence[str] = DEFAULT_PREFER,
    verify: bool = True,
    max_billed: int = DEFAULT_MAX_BILLED,
    extra: Sequence[str] = (),
) -> Detection:
    """Discover the models, verify the ones that matter, explain every refusal.

    `extra` names models the user asked for (`--model`); they are verified like the configured one.
    """
    result = Detection(
        key_source=key.source,
        key_fingerprint=key.fingerprint,
        key_kind=key.kind,
        base_url=client.base_url,
        prefer=tuple(prefer),
        verify=verify,
        configured=configured,
    )
    run = _Run(client, result, max_billed)
    speculative = [m for m in (configured, *extra) if m] if verify else []

    # Round 1: the catalogue, and the configured model verified at the same time.
    result.rounds += 1
    listing: list[dict[str, Any]] | ApiFailure

    def list_all() -> list[dict[str, Any]] | ApiFailure:
        try:
            return client.list_models()
        except ApiCallFailed as failed:
            return failed.failure

    calls: list[Any] = [list_all] + [
        lambda i=i: client.verify(i) for i in dict.fromkeys(speculative)
    ]
    outcomes = client.run_concurrently(calls)
    listing = outcomes[0]
    for v in outcomes[1:]:
        run.verifications[v.model_id] = v
    if isinstance(listing, ApiFailure):
        result.diagnoses.append(from_failure(listing, base_url=client.base_url))
        result.complete = False
        _finish(result, run, Catalog([]))
        return result
    catalog = Catalog(Model.from_api(m) for m in listing)
    unlisted = [m for m in speculative if catalog.get(m) is None]
    if unlisted:
        result.rounds += 1
    for model_id in unlisted:
        if catalog.get(model_id) is None:
            try:
                found = client.retrieve(model_id)  # an alias, or a model outside the listing
            except ApiCallFailed:
                found = None
            if found is not None:
                catalog.add(Model.from_api(found))
    _apply(run, catalog)

    if verify and not run.stop:
        ranked = catalog.ranked(prefer)
        # Round 2: the top candidate of each preferred line, concurrently.
        tops = []
        for line in prefer:
            top = next((m for m in ranked if m.line == line), None)
            if top is not None and top.callable is None:
                tops.append(top.id)
        run.verify_round(tops)
        _apply(run, catalog)
        # Further rounds: walk down the ranking until the recommendation is proven.
        while not run.stop and len(run.verifications) < max_billed:
            ranked = catalog.ranked(prefer)
            best = next((m for m in ranked if m.callable is not False), None)
            if best is None or best.callable:
                break
            if not [m for m in ranked if m.callable is None]:
                break
            pending = [m.id for m in ranked if m.callable is None and m.id not in run.verifications]
            if not pending or not run.verify_round(pending[:1]):
                break
            _apply(run, catalog)
    _finish(result, run, catalog)
    return result


def _apply(run: _Run, catalog: Catalog) -> None:
    """Fold verification outcomes into the catalogue, and diagnose each failure once."""
    result = run.result
    for v in run.verifications.values():
        model = catalog.get(v.model_id)
        if v.model_id in run.applied:
            continue
        run.applied.add(v.model_id)
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
            v.failure, model_id=v.model_id, catalog=catalog, base_url=result.base_url
        )
        if v.failure.transient:
            # A transient error proves nothing: the model stays "unknown", never "refused".
            result.complete = False
            if model is not None:
                model.reason, model.request_id = diagnosis.code, v.request_id
        elif model is not None:
            if v.failure.status == 404 or diagnosis.code == "permission_denied":
                model.callable, model.verified = False, True  # a refusal proven by the API
            model.reason, model.request_id = diagnosis.code, v.request_id
        if is_account_wide(diagnosis.code):
            run.stop = True
        if not any(
            d.code == diagnosis.code and d.model in (None, diagnosis.model)
            for d in result.diagnoses
        ):
            result.diagnoses.append(diagnosis)


def _finish(result: Detection, run: _Run, catalog: Catalog) -> None:
    result.requests = run.client.requests
    prefer = result.prefer
    recommended = catalog.recommend(prefer, unverified_ok=not result.verify)
    fallback = catalog.fallback(prefer, recommended, unverified_ok=not result.verify)
    result.recommended = recommended.id if recommended else None
    result.fallback = fallback.id if fallback else None
    # Show the preferred lines in ranking order, then every other listed model (newest first).
    ranked = catalog.ranked(prefer)
    rest = [m for m in catalog.models if m not in ranked]
    result.models = ranked + rest
    configured = result.configured
    if not configured:
        result.configured_status = "unset"
        return
    model = catalog.get(configured)
    if not catalog.models:
        result.configured_status = "unverified"
    elif model is None:
        result.configured_status = "unknown_model"
        if not any(d.model == configured for d in result.diagnoses):
            result.diagnoses.insert(0, model_refusal(configured, catalog, None))
    elif model.lifecycle == "retired":
        result.configured_status = "retired"
        if not any(d.model == configured for d in result.diagnoses):
            result.diagnoses.insert(0, model_refusal(configured, catalog, None))
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
            result.diagnoses.insert(0, deprecated_but_callable(model))
