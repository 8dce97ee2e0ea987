"""One detection read for many projects: `check --all` detects once per key and base URL, and
each project sharing that key gets its own view (its configured model, its line order), judged
by the same rules as a detection of its own."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from dataclasses import replace

from wizard.catalog import Catalog
from wizard.detection.result import Detection
from wizard.detection.steps import judge_configured, rank
from wizard.keys import ApiKey


def for_project(
    shared: Detection,
    *,
    configured: str | None,
    prefer: Sequence[str],
    key: ApiKey,
    others: Collection[str] = (),
) -> Detection:
    """The shared findings as a detection of this project would have made them. `others` are
    the models other projects configured (verified in the same run): their refusals are not
    this project's business unless they rank in its own line order."""
    own = shared.resolve(configured)
    ranked = {m.id for m in Catalog(shared.models).ranked(prefer)}
    elsewhere = {shared.resolve(o) for o in others}
    diagnoses = [
        copy.copy(d)  # the next step is rewritten per project (what replaces its model)
        for d in shared.diagnoses
        if d.model is None
        or d.model == own
        or d.model in ranked
        or shared.resolve(d.model) not in elsewhere
    ]
    view = replace(
        shared,
        key_source=key.source,
        configured=configured,
        prefer=tuple(prefer),
        diagnoses=diagnoses,
        models=list(shared.models),
        complete=shared.complete,
    )
    catalog = Catalog(view.models)
    rank(view, catalog)
    if not view.settled:
        view.complete = False
    judge_configured(view, catalog)
    return view
