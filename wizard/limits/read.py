"""Reading the Admin API in two rounds: the organisation, its rate limits and the key records at
once; then, for this key's record, its workspace's overrides and its user's spend limits.
A failure is a diagnosis (or a note, for the parts an organisation may not have), never an
exception; the admin key's failures are said as the admin key's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TypeVar

from wizard.catalog import Model
from wizard.constants import ADMIN_KEYS_URL, LIMITS_URL
from wizard.diagnosis import Diagnosis, from_failure
from wizard.failures import ApiCallFailed, ApiFailure
from wizard.keys import ApiKey
from wizard.limits.client import AdminClient
from wizard.limits.findings import (
    KeyRecord,
    Limits,
    Organization,
    RateLimit,
    SpendLimit,
    diagnose,
    lines_without_limits,
    this_key,
)
from wizard.vocab import Code

T = TypeVar("T")


def _tried(call: Callable[[], T]) -> Callable[[], T | ApiFailure]:
    def attempt() -> T | ApiFailure:
        try:
            return call()
        except ApiCallFailed as failed:
            return failed.failure

    return attempt


def admin_diagnosis(failure: ApiFailure, admin: AdminClient) -> Diagnosis:
    """An Admin API failure, said as the admin key's (not the API key's) where that matters."""
    found = from_failure(failure, base_url=admin.base_url)
    fp = admin.key.fingerprint
    if found.code == Code.KEY_INVALID:
        return replace(
            found,
            message=f"The Admin API rejected the admin key {fp} (401): it is revoked, mistyped "
            "or not an admin key.",
            next_step="Create an admin key in the Console (organisation admins only) and pass "
            "it with ANTHROPIC_ADMIN_KEY or --admin-key-stdin.",
            url=ADMIN_KEYS_URL,
        )
    if found.code == Code.ORGANIZATION_NOT_SUPPORTED:
        return replace(
            found,
            message="The Admin API is not available to this organisation (individual accounts "
            "have none): its rate and spend limits cannot be read with an admin key.",
            next_step="The limits page shows them; `flux-setup check` reads the rate limits "
            "from the API's answers.",
            url=LIMITS_URL,
        )
    if found.code == Code.PERMISSION_DENIED:
        return replace(
            found,
            message=f"The admin key {fp} may not read this organisation's settings (403).",
            next_step="Use an admin key of an organisation admin.",
            url=ADMIN_KEYS_URL,
        )
    return found


def read_limits(
    admin: AdminClient,
    key: ApiKey | None,
    *,
    key_organization: str | None,
    models: Sequence[Model] = (),
) -> Limits:
    """What the Admin API says about the organisation and (when given) this API key."""
    limits = Limits(admin.key.fingerprint, key_organization=key_organization)
    calls: list[Callable[[], object]] = [
        _tried(admin.organization),
        _tried(admin.rate_limits),
        _tried(admin.api_keys),
    ]
    org, groups, records = admin.run_concurrently(calls)
    failures = [r for r in (org, groups, records) if isinstance(r, ApiFailure)]
    for failure in failures:
        found = admin_diagnosis(failure, admin)
        if all(d.code != found.code for d in limits.diagnoses):
            limits.diagnoses.append(found)
    if isinstance(org, Organization):
        limits.organization = org
    if isinstance(groups, list):
        limits.rate_limits = [g for g in groups if isinstance(g, RateLimit)]
    if not isinstance(records, list):
        limits.api_key_note = "The API key records could not be read (see the diagnosis)."
    elif key is None:
        limits.api_key_note = "No API key was found, so no record is matched to one."
    else:
        mine = [r for r in records if isinstance(r, KeyRecord)]
        limits.api_key, limits.api_key_note = this_key(mine, key)
    if failures and limits.organization is None and limits.rate_limits is None:
        limits.spend_note = "Not read: the Admin API refused every request (see the diagnosis)."
        return limits  # the admin key is refused: the second round would be too
    _second_round(admin, limits)
    if limits.rate_limits is not None and models:
        limits.hints = [
            f"No rate-limit group lists any {line} model: the organisation probably has no "
            f"access to the {line} line (a hint; only a one-token call proves access)."
            for line in lines_without_limits(models, limits.rate_limits)
        ]
    limits.diagnoses += diagnose(limits, key)
    return limits


def _second_round(admin: AdminClient, limits: Limits) -> None:
    record = limits.api_key
    calls: list[Callable[[], object]] = [
        _tried(lambda: admin.spend_limits(record.user_id if record else None))
    ]
    if record is not None and record.workspace_id and limits.rate_limits is not None:
        workspace = record.workspace_id
        calls.append(_tried(lambda: admin.workspace_overrides(workspace)))
    results = admin.run_concurrently(calls)
    spend = results[0]
    if isinstance(spend, ApiFailure):
        said = admin_diagnosis(spend, admin)
        if said.code == Code.ORGANIZATION_NOT_SUPPORTED or spend.status == 404:
            limits.spend_note = (
                "Spend limits are not available for this organisation's type (the Admin API "
                "said so); the limits page shows the monthly cap."
            )
        else:
            limits.spend_note = f"Not read: {said.message}"
    elif isinstance(spend, list):
        limits.spend_limits = [s for s in spend if isinstance(s, SpendLimit)]
    if len(results) > 1 and isinstance(results[1], dict) and limits.rate_limits is not None:
        overrides: dict[str, dict[str, int]] = results[1]
        limits.rate_limits = [
            replace(g, workspace=overrides.get(g.group_id, {})) for g in limits.rate_limits
        ]
