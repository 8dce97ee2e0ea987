"""What round one asks before the listing answers, and which refusals the walk expects.

Round one sends the listing and the verification calls at the same moment, so every model it
can name before the listing arrives saves a round trip. It names the models the request does
(the configured model, `--model`, the configured fallback) and, from an earlier check
(`Hint`), the likely recommendation: for this key's own last check, the models it saw refused
above the one that answered, then that one; for another key's catalogue, only the top of the
ranking (it says which models exist, not which answer). All within the billed cap. A guess
proves nothing by being made: the listing decides whether it counts (`discard_unlisted`), and
the walk goes on from what the calls answered, as if it had asked them itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from wizard.catalog import Catalog, Model
from wizard.detection.ledger import Ledger
from wizard.detection.request import Hint, Request
from wizard.vocab import Code, Lifecycle


def named(request: Request) -> list[str]:
    """The IDs the request itself names, each once, in the order they are asked."""
    return list(
        dict.fromkeys(m for m in (request.configured, *request.extra, request.fallback) if m)
    )


def first_round(request: Request) -> tuple[list[str], list[str]]:
    """The IDs round one verifies beside the listing (the named ones first, then the guesses,
    within the cap), and which of them are guesses."""
    if not request.verify:
        return [], []
    asked = named(request)
    guesses = [] if request.choose is not None else _guesses(request.hint, request, asked)
    cap = max(1, request.max_billed)
    chosen = (asked + [g for g in guesses if g not in asked])[:cap]
    return chosen, [g for g in guesses if g in chosen]


def _guesses(hint: Hint | None, request: Request, asked: Sequence[str]) -> list[str]:
    """Down the hint's ranking: past the models this key's last check saw refused, to the
    first one that was not (the likely recommendation). A named model there ends it: what
    ranks below it cannot be the recommendation while it may answer."""
    if hint is None:
        return []
    taken = {hint.aliases.get(i, i) for i in asked} | set(asked)
    out: list[str] = []
    for model in Catalog(hint.models).ranked(request.prefer):
        expected_refused = hint.own and model.callable is False
        if model.id not in taken:
            out.append(model.id)
        if not expected_refused:
            break
    return out


def expected_refusals(hint: Hint | None) -> set[str]:
    """The models this key's last check saw refused by the API: the walk may ask them together
    (a refusal is free), where it would otherwise go one by one."""
    if hint is None or not hint.own:
        return set()
    return {m.id for m in hint.models if m.callable is False}


def refusals_ahead(run: Ledger, chain: Sequence[Model]) -> int:
    """How many models at the head of the chain are expected to be refused (`expected`): a
    round may ask them all and the first one after them."""
    denied = _denied_lines(run)
    count = 0
    for model in chain:
        if not expected(run, model, denied):
            break
        count += 1
    return count


def all_expected(run: Ledger, ids: Sequence[str]) -> bool:
    """Whether every one of these models was expected to be refused: a round of them refused
    whole tells nothing new about where the answers are."""
    denied = _denied_lines(run)
    return all((m := run.catalog.get(i)) is not None and expected(run, m, denied) for i in ids)


def expected(run: Ledger, model: Model, denied: set[str | None]) -> bool:
    """A refusal is expected of the models this key's last check saw refused, and of the models
    of a line the workspace refused (a 403 permission_error on one of its models: a workspace
    restriction is the line's, not one model's)."""
    return model.id in run.expected or model.line in denied


def _denied_lines(run: Ledger) -> set[str | None]:
    return {
        model.line
        for d in run.result.diagnoses
        if d.code == Code.PERMISSION_DENIED
        and d.model
        and (model := run.catalog.get(d.model)) is not None
    }


def discard_unlisted(run: Ledger, guesses: Sequence[str]) -> None:
    """A guess the listing does not confirm (no longer listed, or retired) is no proof of
    anything: its call is set aside, counted only against the cap and in the billed calls."""
    for model_id in guesses:
        model = run.catalog.get(model_id)
        if run.listed and model is not None and model.lifecycle != Lifecycle.RETIRED:
            continue
        run.set_aside(model_id)
