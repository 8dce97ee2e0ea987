"""Renovate's custom datasource: the models this key proved callable, each line's offer topped
by the model flux-setup recommends on that line, so that Renovate proposes exactly it.

Renovate orders the IDs with the preset's `regex:` versioning (`ID_PATTERN`): the line word is
its `compatibility` (Renovate never moves a value to another line), major, minor and a date are
the numbers. flux-setup's rank within a line decides; the export keeps the two in step by
leaving out any callable model the pattern would order above the line's best (said in
`omitted`), so Renovate's "highest" is flux-setup's "best"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from wizard import __version__
from wizard.catalog import Catalog, Model
from wizard.jsontypes import JsonObject
from wizard.vocab import Lifecycle

# The versioning the preset gives Renovate, in JavaScript's syntax (renovate/flux.json holds
# it; a test keeps the two equal). Dated IDs before the 4.6 generation order by their date.
ID_PATTERN = (
    r"^claude-(?<compatibility>[a-z]+)-(?<major>\d+)(-(?<minor>\d{1,2}))?(-(?<patch>\d{8}))?$"
)
_ID = re.compile(ID_PATTERN.replace("(?<", "(?P<"))
# Where the pull request's reader learns what a switch means (the preset links it too).
CHECKLIST_DOCS = (
    "https://github.com/flux-setup/flux-setup/blob/main/docs/upgrading.md#the-checklist"
)
GENERATOR = f"flux-setup export renovate {__version__}"


@dataclass
class Offer:
    """What the datasource offers: the releases, each line's best, and what was left out."""

    releases: list[Model] = field(default_factory=list)
    best: dict[str, str | None] = field(default_factory=dict)
    omitted: list[JsonObject] = field(default_factory=list)


def order_key(model_id: str) -> tuple[int, int, int] | None:
    """The numbers Renovate's regex versioning compares, or None for an ID it cannot read."""
    found = _ID.fullmatch(model_id)
    if found is None:
        return None
    return (int(found["major"]), int(found["minor"] or 0), int(found["patch"] or 0))


def line_word(model_id: str) -> str | None:
    """The line as Renovate reads it from the ID (its `compatibility`)."""
    found = _ID.fullmatch(model_id)
    return found["compatibility"] if found else None


def offer(catalog: Catalog, lines: Sequence[str]) -> Offer:
    """Per line, the callable models up to the line's best (`Catalog.recommend` over that
    line alone: the rule `run` applies); retired, refused and unverified models never."""
    result = Offer()
    for line in lines:
        best = catalog.recommend((line,))
        result.best[line] = best.id if best else None
        if best is None:
            result.omitted.append({"line": line, "reason": "no model of this line proven callable"})
            continue
        top = order_key(best.id)
        if top is None or line_word(best.id) != line:
            result.best[line] = None
            why = f"its best, {best.id}, has an ID Renovate cannot order within the line"
            result.omitted.append({"line": line, "reason": why})
            continue
        for model in catalog.ranked((line,)):
            if model.callable is not True or model.lifecycle == Lifecycle.RETIRED:
                continue
            key = order_key(model.id)
            if key is None or line_word(model.id) != line:
                result.omitted.append({"id": model.id, "reason": "an ID Renovate cannot order"})
            elif key > top:
                why = f"Renovate would order it above {best.id}, which flux-setup ranks first"
                result.omitted.append({"id": model.id, "reason": why})
            else:
                result.releases.append(model)
    return result


def datasource(found: Offer, checked_at: str) -> JsonObject:
    """Renovate's custom-datasource JSON (`releases`, `homepage`), and who made it when."""
    return {
        "generator": GENERATOR,
        "checked_at": checked_at,
        "homepage": CHECKLIST_DOCS,
        "releases": [_release(m) for m in found.releases],
    }


def _release(model: Model) -> JsonObject:
    release: JsonObject = {
        "version": model.id,
        "isDeprecated": model.lifecycle == Lifecycle.DEPRECATED,
    }
    # `created_at` "may be set to an epoch value if the release date is unknown": left out then
    if model.created_at[:4].isdigit() and model.created_at[:4] > "1970":
        release["releaseTimestamp"] = model.created_at
    return release
