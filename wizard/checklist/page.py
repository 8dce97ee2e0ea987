"""The checklist file: summary, sections, hand ticks and the Notes section kept on rewrite."""

from __future__ import annotations

import re
from pathlib import Path

from wizard import __version__, schemas
from wizard.checklist.options import options
from wizard.checklist.proofs import Item, proofs
from wizard.checklist.tables import getting_more, line_table, models_table
from wizard.constants import CHECKLIST_NAME
from wizard.detection import Detection
from wizard.untrusted import markdown
from wizard.vocab import Status

ITEM = re.compile(r"^- \[(?P<tick>[ xX])\] .*<!-- id:(?P<id>[a-z0-9-]+) -->\s*$", re.M)
NOTES_HEADING = "## Notes"
NOTES_HINT = "<!-- Your own notes: flux-setup keeps everything under this heading. -->"


# -- the file --------------------------------------------------------------------------------


def ticked_by_hand(existing: str | None) -> set[str]:
    if not existing:
        return set()
    return {m["id"] for m in ITEM.finditer(existing) if m["tick"] in "xX"}


def notes_of(existing: str | None) -> str | None:
    """The user's own section: everything from the Notes heading to the end of the file."""
    if not existing:
        return None
    found = re.search(rf"^{re.escape(NOTES_HEADING)}\s*$", existing, flags=re.M)
    return existing[found.start() :].rstrip("\n") if found else None


def _item_lines(item: Item, manual: set[str]) -> list[str]:
    tick = "x" if item.done or item.id in manual else " "
    # the words may quote a server (a diagnosis, a header, an Admin API name): inert Markdown
    lines = [f"- [{tick}] {markdown(item.title)} <!-- id:{item.id} -->"]
    lines += [f"  - {markdown(detail)}" for detail in item.details]
    if item.next_step and not item.done:
        lines.append(f"  - Next: {markdown(item.next_step)}" + (f" {item.url}" if item.url else ""))
    return lines


def _summary(detection: Detection, made_at: str, fallback_key: str) -> list[str]:
    alias = detection.configured_model != detection.configured
    return [
        "# Flux upgrade checklist",
        "",
        f"Made {made_at} by flux-setup {__version__}.",
        "",
        f"- Key: `{detection.key_fingerprint}`"
        + (f", organisation `{detection.organization_id}`" if detection.organization_id else ""),
        f"- Configured model: `{detection.configured or 'none'}`"
        + (f" (an alias of `{detection.configured_model}`)" if alias else "")
        + f" ({detection.configured_status.words})"
        + (
            f"; it was `{detection.previous}` ({_words(detection.previous_status)}) before this run"
            if detection.previous
            else ""
        ),
        f"- Recommended: `{detection.recommended or 'none'}`",
        # (beside "Configured fallback" below: this one is the rule's, what `run` writes)
        f"- Fallback: `{detection.fallback or 'none'}` (what `flux-setup run` writes beside "
        "the recommendation)",
        *_configured_fallback(detection, fallback_key),
        f"- Preferred lines: {', '.join(detection.prefer)}",
    ]


def _words(status: Status | None) -> str:
    return (status or Status.UNVERIFIED).words


def _configured_fallback(detection: Detection, key: str) -> list[str]:
    """The fallback the config names, and what it is for this key (when it names one); `key`:
    the fallback's key as the config's schema spells it."""
    fallback = detection.configured_fallback
    if not fallback:
        return []
    status = detection.configured_fallback_status.words
    return [f"- Configured fallback: `{fallback}` ({status}), from `{key}`"]


def render(
    detection: Detection,
    *,
    made_at: str,
    rerun: str = "flux-setup check",
    existing: str | None = None,
    fallback_key: str | None = None,
) -> str:
    """`fallback_key`: as the config's schema spells it (None: a config of the newest
    schema, as `run` leaves it)."""
    manual = ticked_by_hand(existing)
    key = fallback_key or schemas.SCHEMAS[schemas.latest()].fallback_key
    lines = _summary(detection, made_at, key)
    lines += ["", "## Your preferred lines", "", *line_table(detection)]
    lines += ["", "## What this run proved", ""]
    for item in proofs(detection):
        lines += _item_lines(item, manual)
    lines += ["", "## Your options", ""]
    for item in options(detection, rerun):
        lines += _item_lines(item, manual)
    lines += ["", "## Getting more", "", *getting_more(detection)]
    lines += ["", "## All models", "", *models_table(detection)]
    lines += ["", notes_of(existing) or f"{NOTES_HEADING}\n\n{NOTES_HINT}", ""]
    return "\n".join(lines)


def default_path(project: Path) -> Path:
    return project / CHECKLIST_NAME
