"""What the Admin API says about the organisation and this key, and the rules read from it:
which record is this key's, which lines have no rate limits (a hint), which findings are
diagnoses. One home: `limits`, `doctor` and the checklist read these, never the raw answers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from wizard.catalog import Model
from wizard.constants import KEYS_URL, LIMITS_URL
from wizard.diagnosis import Diagnosis
from wizard.keys import ApiKey, matches_hint
from wizard.vocab import Code, Lifecycle
from wizard.words import plural

# How the Admin API names the limiters of the response headers (first found wins).
REQUESTS = ("requests_per_minute",)
INPUT = ("input_tokens_per_minute_cache_aware", "input_tokens_per_minute", "tokens_per_minute")
OUTPUT = ("output_tokens_per_minute",)
SHORT_NAMES = {
    "requests_per_minute": "requests/min",
    "input_tokens_per_minute_cache_aware": "input tokens/min",
    "input_tokens_per_minute": "input tokens/min (cache reads count)",
    "output_tokens_per_minute": "output tokens/min",
    "tokens_per_minute": "tokens/min",
    "tokens_per_day": "tokens/day",
}


# A long Admin API list (thousands of groups, limiters, spend limits) as text: its first rows
# and how many more; `--json` keeps every one (within the answer cap and the page limit).
SHOWN_GROUPS = 12
SHOWN_LIMITERS = 6
SHOWN_SPEND = 4
SHOWN_HINTS = 3
EVERY_ONE = "`flux-setup limits --json` lists every one"


def first_rows(items: Sequence[str], count: int, noun: str) -> list[str]:
    """The first `count` rows, and one row saying how many more there are and where."""
    left = len(items) - count
    if left <= 0:
        return list(items)
    return [*items[:count], f"... and {plural(left, f'more {noun}')} ({EVERY_ONE})"]


@dataclass(frozen=True)
class Organization:
    id: str
    name: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class RateLimit:
    """One rate-limit group: its limiter values, the models it covers (model groups only), and
    the key's workspace's own values where it overrides them."""

    group_id: str
    group_type: str
    display_name: str | None
    models: tuple[str, ...] | None
    limits: dict[str, int]
    workspace: dict[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.display_name or self.group_type.replace("_", " ")

    def effective(self, limiter: str) -> int | None:
        """The value that binds: a workspace limit applies alongside the organisation's, so the
        lower of the two."""
        values = [v for v in (self.limits.get(limiter), self.workspace.get(limiter)) if v]
        return min(values) if values else None

    def describe(self) -> str:
        shown = []
        order = [*REQUESTS, *INPUT, *OUTPUT]
        every = set(self.limits) | set(self.workspace)
        ordered = sorted(every, key=lambda n: (order.index(n) if n in order else 99, n))
        valued = [limiter for limiter in ordered if self.effective(limiter) is not None]
        for limiter in valued[:SHOWN_LIMITERS]:
            value = self.effective(limiter)
            assert value is not None
            words = f"{value:,} {SHORT_NAMES.get(limiter, limiter)}"
            if limiter in self.workspace:
                org = self.limits.get(limiter)
                words += f" (workspace limit; organisation {org:,})" if org else " (workspace)"
            shown.append(words)
        if len(valued) > SHOWN_LIMITERS:  # a group of thousands of limiters is one line still
            shown.append(f"and {plural(len(valued) - SHOWN_LIMITERS, 'more limiter')}")
        return ", ".join(shown) or "no limiter values"

    def to_json(self) -> dict[str, object]:
        return {
            "group": self.group_id,
            "type": self.group_type,
            "display_name": self.display_name,
            "models": list(self.models) if self.models is not None else None,
            "limits": dict(self.limits),
            "workspace_limits": dict(self.workspace),
        }


def money(minor: Decimal | None) -> str | None:
    """An amount in the currency's minor unit (cents) as major units: "50000" -> "500.00"."""
    if minor is None:
        return None
    # half up, as money is shown: 1234.5 cents spent is $12.35
    return f"{(minor / 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"


@dataclass(frozen=True)
class SpendLimit:
    """One effective spend limit of the key's user: its period, cap (None: none applies for
    this period), what was spent so far, and where the cap comes from."""

    period: str
    amount: Decimal | None  # minor units
    spent: Decimal  # minor units
    currency: str
    source: str  # usage_tier, organization, workspace, user, ...

    def describe(self) -> str:
        sign = "$" if self.currency == "USD" else f"{self.currency} "
        where = self.source.replace("_", " ")
        if self.amount is None:
            return f"{self.period}: no cap ({sign}{money(self.spent)} spent)"
        left = "" if self.spent < self.amount else ", reached"
        return f"{self.period}: {sign}{money(self.spent)} of {sign}{money(self.amount)} ({where} cap){left}"

    @property
    def reached(self) -> bool:
        return self.amount is not None and self.spent >= self.amount

    def to_json(self) -> dict[str, object]:
        return {
            "period": self.period,
            "limit": money(self.amount),
            "spent": money(self.spent),
            "currency": self.currency,
            "source": self.source,
        }


@dataclass(frozen=True)
class KeyRecord:
    """The Admin API's record of one API key (its hint is never kept: it shows more of the key
    than a fingerprint may)."""

    id: str
    name: str
    status: str  # active, archived, expired, inactive
    created_at: str | None
    expires_at: str | None
    workspace_id: str | None
    user_id: str | None
    head: str = field(default="", repr=False)  # the hint's two ends, to match a key by
    tail: str = field(default="", repr=False)

    def matches(self, key: ApiKey) -> bool:
        return matches_hint(key.reveal(), self.head, self.tail)

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "workspace_id": self.workspace_id,
        }


def this_key(records: Iterable[KeyRecord], key: ApiKey) -> tuple[KeyRecord | None, str | None]:
    """The record of `key` (by its hint's ends), and why there is none when there is none."""
    found = [r for r in records if r.matches(key)]
    if len(found) == 1:
        return found[0], None
    if not found:
        return None, (
            f"No API key of this organisation matches {key.fingerprint}: the key belongs to "
            "another organisation, or was deleted."
        )
    return None, f"{len(found)} API keys of this organisation match {key.fingerprint}'s hint."


def lines_without_limits(models: Sequence[Model], groups: Sequence[RateLimit]) -> list[str]:
    """Lines the listing has whose models are in no model group: a hint that the organisation
    has no access to them (the groups list the models it has access to); never a proof."""
    covered = {m for g in groups if g.models is not None for m in g.models}
    lines: dict[str, bool] = {}
    for model in models:
        if model.line and model.lifecycle == Lifecycle.ACTIVE:
            lines[model.line] = lines.get(model.line, False) or model.id in covered
    return [line for line, seen in lines.items() if not seen]


@dataclass
class Limits:
    """Everything the Admin API said, and what could not be read (each with why)."""

    admin_fingerprint: str
    organization: Organization | None = None
    key_organization: str | None = None  # the organisation the API key's answers named
    rate_limits: list[RateLimit] | None = None
    spend_limits: list[SpendLimit] | None = None
    spend_note: str | None = None
    api_key: KeyRecord | None = None
    api_key_note: str | None = None
    hints: list[str] = field(default_factory=list)
    diagnoses: list[Diagnosis] = field(default_factory=list)

    @property
    def read(self) -> bool:
        """The rate limits were read: what the checklist's limits item ticks on."""
        return self.rate_limits is not None

    def beyond(self, said: Sequence[Diagnosis]) -> list[Diagnosis]:
        """The diagnoses the Admin API adds to what a command already said. They are shown and
        reported, never a verdict's input: check's exit code is the API's answers' alone."""
        return [d for d in self.diagnoses if d not in said]

    def group_of(self, model_id: str | None) -> RateLimit | None:
        return next((g for g in self.rate_limits or [] if g.models and model_id in g.models), None)

    def groups_shown(self, model_id: str | None = None) -> list[RateLimit]:
        """The groups with values, the one of `model_id` (the configured model) first, in the
        API's order; at most SHOWN_GROUPS of them (`groups_left` says how many more)."""
        valued = [g for g in self.rate_limits or [] if g.limits or g.workspace]
        mine = self.group_of(model_id)
        if mine in valued:
            valued = [mine, *(g for g in valued if g is not mine)]
        return valued[:SHOWN_GROUPS]

    def groups_left(self) -> int:
        valued = sum(1 for g in self.rate_limits or [] if g.limits or g.workspace)
        return max(0, valued - SHOWN_GROUPS)

    def spend_words(self) -> str:
        """The spend limits in one sentence's part: the first few, and how many more."""
        said = [s.describe() for s in self.spend_limits or []]
        return "; ".join(first_rows(said, SHOWN_SPEND, "spend limit"))

    def hints_shown(self) -> list[str]:
        return first_rows(self.hints, SHOWN_HINTS, "hint")

    def to_json(self) -> dict[str, object]:
        return {
            "admin_key": {"fingerprint": self.admin_fingerprint, "kind": "admin_key"},
            "organization": self.organization.to_json() if self.organization else None,
            "rate_limits": [g.to_json() for g in self.rate_limits]
            if self.rate_limits is not None
            else None,
            "spend_limits": [s.to_json() for s in self.spend_limits]
            if self.spend_limits is not None
            else None,
            "spend_limits_note": self.spend_note,
            "api_key": self.api_key.to_json() if self.api_key else None,
            "api_key_note": self.api_key_note,
            "hints": list(self.hints),
        }


def diagnose(limits: Limits, key: ApiKey | None) -> list[Diagnosis]:
    """What the Admin API proves wrong with this key: another organisation's admin key, or a
    key record that is not active."""
    found: list[Diagnosis] = []
    org = limits.organization
    if org and limits.key_organization and org.id != limits.key_organization:
        found.append(
            Diagnosis(
                Code.ORGANIZATION_MISMATCH,
                f"The admin key belongs to organisation {org.id} ({org.name}), but the API key "
                f"bills organisation {limits.key_organization}: these limits are not the key's.",
                "Use an admin key of the API key's organisation (the Console's organisation "
                "switcher shows which one is selected when you create it).",
                url=LIMITS_URL,
            )
        )
    for cap in limits.spend_limits or []:
        if cap.reached:
            found.append(
                Diagnosis(
                    Code.SPEND_LIMIT_REACHED,
                    f"The Admin API says the {cap.period} spend limit is reached: "
                    f"{cap.describe()}. Every billed call is refused until it resets.",
                    "Raise the limit on the limits page (an admin can), or wait for the period "
                    "to reset; then rerun `flux-setup check`.",
                    url=LIMITS_URL,
                )
            )
            break
    record = limits.api_key
    if record is not None and record.status != "active" and key is not None:
        since = f" (it expired {record.expires_at[:10]})" if record.expires_at else ""
        found.append(
            Diagnosis(
                Code.KEY_INACTIVE,
                f"The Admin API says the key {key.fingerprint} ({record.name!r}) is "
                f"{record.status}{since}: the API refuses every call with it.",
                "Create a new API key in the Console (or reactivate this one) and rerun "
                "`flux-setup run` with it.",
                url=KEYS_URL,
            )
        )
    return found
