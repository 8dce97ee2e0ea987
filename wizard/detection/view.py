"""One detection read for many projects: `check --all` detects once per key and base URL, and
each project sharing that key gets its own view (its configured model, its line order), judged
by the same rules as a detection of its own."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace

from wizard.catalog import Catalog
from wizard.detection.result import Detection
from wizard.detection.steps import judge_configured, rank
from wizard.diagnosis import Diagnosis
from wizard.keys import ApiKey


def for_project(
    shared: Detection,
    *,
    configured: str | None,
    prefer: Sequence[str],
    key: ApiKey,
    fallback: str | None = None,
) -> Detection:
    """The shared findings as a detection of this project would have made them: its own
    configured model and line order, and only the diagnoses in its scope (`in_scope`)."""
    view = replace(
        shared,
        key_source=key.source,
        configured=configured,
        configured_fallback=fallback,
        prefer=tuple(prefer),
        diagnoses=[],
        models=list(shared.models),
        complete=shared.complete,
    )
    catalog = Catalog(view.models)
    rank(view, catalog)
    if not view.settled:
        view.complete = False
    # the next step is rewritten per project (what replaces its model): copies, not the shared
    ranked = [m.id for m in catalog.ranked(view.prefer)]
    view.diagnoses = [copy.copy(d) for d in shared.diagnoses if in_scope(view, d, ranked)]
    judge_configured(view, catalog)
    return view


def in_scope(view: Detection, diagnosis: Diagnosis, ranked: Sequence[str]) -> bool:
    """Whether a project's view carries a diagnosis: the key's, the account's and the run's
    always; a model's only when it is the project's own model, or ranks in the project's line
    order above its recommendation (a refusal that explains why the recommendation is not a
    better model), or it is the project's configured fallback. Another project's model is
    never this project's business. `ranked`: the IDs of the view's line order, best first."""
    model = diagnosis.model
    if model is None or diagnosis.account_wide:
        return True
    resolved = view.resolve(model)
    if resolved in (view.configured_model, view.resolve(view.configured_fallback)):
        return True
    if resolved not in ranked:
        return False
    top = ranked.index(view.recommended) if view.recommended in ranked else len(ranked)
    return ranked.index(resolved) < top
