"""The organisation a key belongs to, said where it matters: a user told "credit balance is too
low" while the Console shows credit is usually looking at another organisation, so every
billing and spend diagnosis names the one this key bills."""

from __future__ import annotations

from collections.abc import Iterable

from wizard.diagnosis.core import Diagnosis
from wizard.vocab import Code

# Diagnoses whose fix is on an organisation's Console pages.
BILLED = frozenset({Code.CREDIT_BALANCE_TOO_LOW, Code.SPEND_LIMIT_REACHED, Code.BILLING_ERROR})


def switcher_sentence(organization_id: str) -> str:
    return (
        f" This key belongs to (and bills) organisation {organization_id}: the Console's "
        "organisation switcher must show that organisation for its pages to be this key's."
    )


def name_the_organization(diagnoses: Iterable[Diagnosis], organization_id: str | None) -> None:
    """Add the organisation to each billing or spend diagnosis (once)."""
    if organization_id is None:
        return
    words = switcher_sentence(organization_id)
    for diagnosis in diagnoses:
        if diagnosis.code in BILLED and words not in diagnosis.message:
            diagnosis.message += words
