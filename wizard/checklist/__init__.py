"""The upgrade checklist: the page a user keeps open while changing their account.

What this run proved (ticked from evidence only), the options in the order the evidence
suggests, each line's best model with its price, and the true levers for getting more, with
their links. Each item carries a hidden id (`<!-- id:... -->`): a box the user ticked by hand
stays ticked when the file is written again, and so does everything under "## Notes". A rerun
that finds nothing new changes only the date line and this run's request IDs.
Tiers set rate limits and spend caps; nothing here says or implies that a tier withholds a model.

Modules: `proofs` (what this run proved), `options` (the levers, in the order the evidence
suggests), `tables` (the per-line table, getting more, all models), `page` (the file: ticks
and notes kept).
"""

from wizard.checklist.options import first_open, items, options
from wizard.checklist.page import default_path, notes_of, render, ticked_by_hand
from wizard.checklist.proofs import Item, proofs

__all__ = [
    "Item",
    "default_path",
    "first_open",
    "items",
    "notes_of",
    "options",
    "proofs",
    "render",
    "ticked_by_hand",
]
