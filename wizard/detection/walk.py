"""The walk down the ranking: verify until the recommendation is proven, then the fallback."""

from __future__ import annotations

from collections.abc import Sequence

from wizard.catalog import Model
from wizard.detection.fold import fold
from wizard.detection.guess import all_expected, refusals_ahead
from wizard.detection.ledger import MAX_VERIFY_REQUESTS, Ledger
from wizard.vocab import Code, Lifecycle


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


def walk(run: Ledger) -> None:
    """Verify down the ranking until the recommendation is proven, then prove the fallback.

    Refusals are free and answers are billed, so each round sends as many calls as the billed
    cap still allows (`Ledger.room`): however many answer, the cap holds, and a line refused end to
    end costs few round trips (`check` goes narrower: see `_round`). Refusals that are expected
    (`guess.refusals_ahead`: this key's last check saw them, or the workspace refused their
    line) are asked together. Until a refusal shows up, the last call of a round proves the
    likely fallback (the best model of another line) in the same round trip."""
    prefer = run.result.prefer
    # round one's guesses refused: the walk is past the first refusal already
    speculate = not any(
        v.failure is not None and not v.failure.transient
        for i, v in run.verifications.items()
        if i in run.guessed
    )
    while not run.stop:
        ranked = run.catalog.ranked(prefer)
        chain, blocked = _chain(ranked, run.tried)
        probe = _probe_repeat(run, ranked) if blocked and not chain else []
        if probe:
            chain, speculate = probe, False
        room = run.room()
        if chain:
            batch = _round(run, ranked, chain, room, speculate)
        else:
            recommended = next((m for m in ranked if m.callable), None)
            if recommended is None or blocked:
                return
            batch = _secondary(run, ranked, recommended)[: max(1, room)]
            if not batch:
                return
        if room <= 0 or run.verify_requests >= MAX_VERIFY_REQUESTS:
            if chain:
                run.exhausted = True
                run.result.unverified = [m.id for m in chain]
            return
        done = run.verify_round([m.id for m in batch])
        if not done:
            return
        fold(run)
        if any(not v.ok for v in done):
            speculate = False
        if not any(v.ok for v in done) and not all_expected(run, [v.model_id for v in done]):
            run.width *= 2  # refused whole, not only where expected: the next round goes wider


def _round(
    run: Ledger, ranked: list[Model], chain: list[Model], room: int, speculate: bool
) -> list[Model]:
    """One round's calls down the chain: `room` of them, the last one spent on the likely
    fallback while nothing has been refused (a rejected request is not retried that way)."""
    rejected = any(d.code == Code.REQUEST_REJECTED for d in run.result.diagnoses)
    # the refusals expected at the head of the chain, asked together with the one after them
    ahead = refusals_ahead(run, chain)
    if not run.prove_fallback and (not speculate or rejected):
        # `check` after a refusal: as wide as the refusals so far allow (`Ledger.width`) or
        # the refusals expected ahead, not as the cap allows (that would bill every model
        # below the one that answers)
        return chain[: max(1, min(room, max(run.width, ahead + 1)))]
    if not speculate or rejected:
        return chain[: max(1, room)]
    spec = [m for m in configured_fallback(run) if m not in chain]
    if not spec and run.prove_fallback:
        spec = _chain([m for m in ranked if m.line != chain[0].line], run.tried)[0][:1]
    # Without the rule's fallback to prove (`check`), nothing below the top may be billed
    # while the top may still answer: one call down the chain until something is refused.
    width = room - len(spec) if run.prove_fallback else min(ahead + 1, room - len(spec))
    return chain[: max(1, width)] + spec


def configured_fallback(run: Ledger) -> list[Model]:
    """The configured fallback when a call may still prove it: listed, not retired (a retired
    model is known refused without a call), not tried yet."""
    result = run.result
    model = run.catalog.get(result.resolve(result.configured_fallback))
    if model is None or model.lifecycle == Lifecycle.RETIRED or model.callable is not None:
        return []
    return [] if model.id in run.tried else [model]


def _probe_repeat(run: Ledger, ranked: list[Model]) -> list[Model]:
    """A refusal no rule knows blocks the top of the ranking: one more model, tried once,
    tells whether it is that model's or the account's (the same answer for a second model)."""
    if any(v.ok for v in run.spent()):
        return []
    rejected = [d for d in run.result.diagnoses if d.code == Code.REQUEST_REJECTED and d.model]
    if len(rejected) != 1:
        return []
    untried = [m for m in ranked if m.id not in run.tried and m.callable is None]
    return untried[:1]


def _secondary(run: Ledger, ranked: list[Model], recommended: Model) -> list[Model]:
    """With the recommendation proven, what is left proves the fallback (`Catalog.fallback`:
    ranked below it, another line first), then the same-line successor of a configured model
    that cannot stay, which the choice offers beside the recommendation. The configured
    fallback comes first; only it when the rule's is not wanted (`check`)."""
    own = configured_fallback(run)
    if own or not run.prove_fallback:
        return own
    fallback = _chain(run.catalog.fallback_candidates(run.result.prefer, recommended), run.tried)[0]
    if fallback:
        return fallback
    current = run.catalog.get(run.result.configured_model)
    if current is None or current.line is None or current.line == recommended.line:
        return []
    if current.lifecycle == Lifecycle.ACTIVE and current.callable is not False:
        return []
    same_line = [
        m
        for m in run.catalog.models
        if m.line == current.line and m.lifecycle == Lifecycle.ACTIVE and m.id != current.id
    ]
    return _chain(same_line, run.tried)[0]


def verify_these(run: Ledger, ids: Sequence[str]) -> None:
    """Each model of `ids` verified (`models --verify`): rounds of as many calls as the billed
    cap still allows (refusals are free), until each answered or was refused, the cap is spent,
    or an account-wide answer stops the run. What the cap left is `unverified`."""
    while not run.stop:
        left = [i for i in dict.fromkeys(ids) if i not in run.verifications]
        if not left:
            return
        if run.room() <= 0 or run.verify_requests >= MAX_VERIFY_REQUESTS:
            run.exhausted = True
            run.result.unverified = left
            return
        if not run.verify_round(left):
            return
        fold(run)
