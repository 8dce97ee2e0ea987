"""The Admin API's answers, read from their bytes and checked against the SDK's shapes
(`types/organization/`): anything else is `Junk`; every string is cleaned, every number
checked, and a field of the wrong kind is left out rather than believed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from wizard import untrusted
from wizard.jsontypes import JsonObject, as_object
from wizard.limits.findings import KeyRecord, Organization, RateLimit, SpendLimit
from wizard.responses import DATE, Junk, parse

Scrub = Callable[[str], str]
STATUSES = ("active", "archived", "expired", "inactive")
AMOUNT = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,3})?")
CURRENCY = re.compile(r"[A-Z]{3}")
LIMITER = re.compile(r"[a-z][a-z0-9_]{0,63}")
MAX_LIMIT = 10**12


@dataclass
class Listing:
    """One page of a list: its items (as read) and the cursor to the next, if any."""

    items: list[JsonObject]
    next_cursor: str | None


def _object(body: bytes) -> JsonObject:
    data = parse(body)
    if not isinstance(data, dict):
        raise Junk("the answer is not a JSON object", body)
    return data


def listing(body: bytes, *, cursor_style: str) -> Listing:
    """A page: `data` and either `next_page` (cursor pages) or `has_more`/`last_id`."""
    data = _object(body)
    items = data.get("data")
    if not isinstance(items, list):
        raise Junk("the answer has no list of entries", body)
    kept = [i for i in items if isinstance(i, dict)]
    if cursor_style == "page":
        cursor = data.get("next_page")
    else:
        cursor = data.get("last_id") if data.get("has_more") is True else None
    return Listing(kept, untrusted.token(cursor) if isinstance(cursor, str) and cursor else None)


def _text(value: object, scrub: Scrub, limit: int = 120) -> str | None:
    return untrusted.text(scrub(value), limit) if isinstance(value, str) and value else None


def _date(value: object) -> str | None:
    return value if isinstance(value, str) and DATE.fullmatch(value) else None


def organization(body: bytes, scrub: Scrub) -> Organization:
    data = _object(body)
    org_id = untrusted.organization_id(data.get("id"))
    if org_id is None or data.get("type") != "organization":
        raise Junk("the answer is not an organisation", body)
    return Organization(org_id, _text(data.get("name"), scrub) or "(no name)")


def _limiters(values: object, with_source: bool = False) -> dict[str, int]:
    out: dict[str, int] = {}
    for value in values if isinstance(values, list) else []:
        if not isinstance(value, dict):
            continue
        kind, number = value.get("type"), value.get("value")
        if not (isinstance(kind, str) and LIMITER.fullmatch(kind)):
            continue
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < MAX_LIMIT:
            continue
        if with_source and as_object(value.get("source")).get("type") != "workspace":
            continue  # inherited from the organisation: not an override
        out[kind] = number
    return out


def _models(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(m for m in value if untrusted.is_model_id(m))


def rate_limit(item: JsonObject, scrub: Scrub) -> RateLimit | None:
    group = item.get("group")
    if not isinstance(group, dict):
        return None
    group_id, kind = untrusted.token(group.get("id")), group.get("type")
    if not group_id or not isinstance(kind, str) or not LIMITER.fullmatch(kind):
        return None
    return RateLimit(
        group_id=group_id,
        group_type=kind,
        display_name=_text(group.get("display_name"), scrub, 60),
        models=_models(item.get("models")) if kind == "model_group" else None,
        limits=_limiters(item.get("limits")),
    )


def workspace_override(item: JsonObject) -> tuple[str, dict[str, int]] | None:
    """A workspace's entry: the group it overrides and its own values (inherited left out)."""
    group = item.get("group")
    group_id = untrusted.token(group.get("id")) if isinstance(group, dict) else None
    if not group_id:
        return None
    return group_id, _limiters(item.get("limits"), with_source=True)


def _amount(value: object) -> Decimal | None:
    if isinstance(value, str) and AMOUNT.fullmatch(value):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def spend_limit(item: JsonObject) -> SpendLimit | None:
    period = item.get("period")
    currency = item.get("currency")
    spent = _amount(item.get("period_to_date_spend"))
    source = as_object(item.get("source")).get("type")
    if period not in ("daily", "weekly", "monthly") or spent is None:
        return None
    if not (isinstance(currency, str) and CURRENCY.fullmatch(currency)):
        return None
    amount = item.get("amount")
    cap = _amount(amount)
    if amount is not None and cap is None:
        return None  # a cap that is not a number: not believed as "no cap"
    kind = source if isinstance(source, str) and LIMITER.fullmatch(source) else "unknown"
    return SpendLimit(str(period), cap, spent, currency, kind)


def key_record(item: JsonObject, scrub: Scrub) -> KeyRecord | None:
    record_id = untrusted.token(item.get("id"))
    status = item.get("status")
    hint = item.get("partial_key_hint")
    if not record_id or status not in STATUSES or item.get("type") != "api_key":
        return None
    head, tail = "", ""
    if isinstance(hint, str) and hint.count("...") == 1:
        head, tail = hint.split("...")
    scope = as_object(item.get("scope"))
    principal = as_object(item.get("principal"))
    workspace = scope.get("workspace_id") if scope.get("type") == "workspace" else None
    user = principal.get("user_id") if principal.get("type") == "user_actor" else None
    return KeyRecord(
        id=record_id,
        name=_text(item.get("name"), scrub, 80) or "(no name)",
        status=str(status),
        created_at=_date(item.get("created_at")),
        expires_at=_date(item.get("expires_at")),
        workspace_id=untrusted.token(workspace) if isinstance(workspace, str) else None,
        user_id=untrusted.token(user) if isinstance(user, str) else None,
        head=head,
        tail=tail,
    )
