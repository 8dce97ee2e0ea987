"""The findings of one detection, as every command reads them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from wizard import prices
from wizard.catalog import Catalog, Model
from wizard.constants import DEFAULT_MAX_VERIFY
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode
from wizard.jsontypes import JsonObject
from wizard.keys import key_json
from wizard.limits.findings import Limits
from wizard.vocab import KeyKind, KeySource, KeyStored, Lifecycle, ModelSource, Status

# A verification call sends ~12 input tokens and gets 1 back.


@dataclass
class Detection:
    key_source: KeySource
    key_fingerprint: str
    key_kind: KeyKind
    base_url: str
    prefer: tuple[str, ...]
    verify: bool
    configured: str | None = None
    configured_status: Status = Status.UNSET
    # `[model].fallback` in the Flux config (the model Flux falls back to), and what it is for
    # this key: proven like the configured model, by the same lifecycle reading.
    configured_fallback: str | None = None
    configured_fallback_status: Status = Status.UNSET
    models: list[Model] = field(default_factory=list)
    recommended: str | None = None
    fallback: str | None = None
    diagnoses: list[Diagnosis] = field(default_factory=list)
    ratelimits: dict[str, str] = field(default_factory=dict)
    billed_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0
    rounds: int = 0
    # True only when the recommendation is proven and nothing failed on the way.
    complete: bool = True
    # The recommendation is proven (every model ranked above it refused), or nothing was to be.
    settled: bool = True
    max_verify: int = DEFAULT_MAX_VERIFY
    # Models ranked above every proven one that the cap left unverified.
    unverified: list[str] = field(default_factory=list)
    # The listing answered: which models exist, and their ranking, is known.
    listed: bool = False
    # The listing's pages kept arriving until the budget ran out: (pages, models) that had.
    listing_cut: tuple[int, int] | None = None
    # Aliases the API resolved (`claude-sonnet-4-5` -> `claude-sonnet-4-5-20250929`).
    aliases: dict[str, str] = field(default_factory=dict)
    checked_at: str = ""
    # The organisation the key's answers named (`anthropic-organization-id`), shape-checked.
    organization_id: str | None = None
    # Where the key is kept, when `run` saved it elsewhere than it came from (`key.stored`).
    key_stored: KeyStored | None = None
    # Preferred lines the listing does not know (a typo in --prefer or [model].prefer).
    unknown_lines: list[str] = field(default_factory=list)
    # After `run` applied a change: the model the files named before, and its status then.
    previous: str | None = None
    previous_status: Status | None = None
    # The IDs asked (as asked) whose verification call answered: proof even for an unlisted ID.
    answered: set[str] = field(default_factory=set)
    # What the Admin API said (run and check, when an admin key is given): the checklist's
    # limits item reads it. Never part of the verdict.
    admin_limits: Limits | None = None
    _index: dict[str, Model] = field(default_factory=dict, init=False, repr=False, compare=False)
    _index_stamp: tuple[int, int] = field(default=(0, -1), init=False, repr=False, compare=False)

    def after_change(self, chosen: str) -> Detection:
        """The same findings, describing the files as a change left them: `chosen` is now the
        configured model, and the one it replaced is `previous`; the fallback written
        (`fallback`) is now the configured fallback."""
        if chosen == self.configured and self.fallback == self.configured_fallback:
            return self
        fallback = self.model(self.fallback)
        changed = replace(
            self,
            configured_fallback=self.fallback,
            configured_fallback_status=(
                fallback.status
                if fallback
                else Status.UNVERIFIED
                if self.fallback
                else Status.UNSET
            ),
        )
        if chosen == self.configured:
            return changed
        model = self.model(chosen)
        if model is not None and model.callable:
            deprecated = model.lifecycle == Lifecycle.DEPRECATED
            status = Status.DEPRECATED if deprecated else Status.CALLABLE
        else:
            status = Status.UNVERIFIED
        return replace(
            changed,
            configured=chosen,
            configured_status=status,
            previous=self.configured,
            previous_status=self.configured_status,
        )

    def state_of(self, model_id: str | None) -> str | None:
        """A few words on a model that is not the configured one (a config the .env beats):
        "retired", "deprecated", "refused to this key", "not a model the API lists"."""
        model = self.model(model_id)
        if model is None:
            return "not a model the API lists" if self.listed and model_id else None
        if model.status == Status.NOT_CALLABLE:
            return "refused to this key"
        return str(model.lifecycle) if model.lifecycle != Lifecycle.ACTIVE else None

    def fallback_for(self, chosen: str | None) -> str | None:
        """The fallback of a chosen model by the one rule (`Catalog.fallback`: the configured
        one while it can stay, else the best below): what `run` writes, and for the
        recommendation what every view names."""
        catalog = Catalog(self.models)
        found = catalog.fallback(
            self.prefer,
            catalog.get(self.resolve(chosen)),
            unverified_ok=not self.verify,
            configured=self.resolve(self.configured_fallback),
        )
        return found.id if found else None

    @property
    def day(self) -> date:
        """The day of the check (`detect` stamps it): prices and "overdue" are read as of it."""
        return datetime.fromisoformat(self.checked_at).date()

    @property
    def estimated_cost_usd(self) -> float:
        return estimate_cost(self.day, self.billed_calls)

    def resolve(self, model_id: str | None) -> str | None:
        """The model an ID names: an alias resolves to its dated ID."""
        return self.aliases.get(model_id, model_id) if model_id else None

    @property
    def configured_model(self) -> str | None:
        return self.resolve(self.configured)

    def model(self, model_id: str | None) -> Model | None:
        """The model an ID (or alias) names: a dict lookup, rebuilt when the list changes
        (tables and checklists ask once per model: a scan would make them quadratic)."""
        wanted = self.resolve(model_id)
        if wanted is None:
            return None
        stamp = (id(self.models), len(self.models))
        if self._index_stamp != stamp:
            self._index = {}
            for m in self.models:
                self._index.setdefault(m.id, m)
            self._index_stamp = stamp
        return self._index.get(wanted)

    def shown_models(self) -> list[Model]:
        """The models a table shows: retired ones are history, not choices, except the
        configured model and fallback, whose fate must show."""
        mine = {self.configured_model, self.resolve(self.configured_fallback)}
        return [m for m in self.models if m.lifecycle != Lifecycle.RETIRED or m.id in mine]

    def usable(self, model_id: str | None) -> bool:
        """The one rule for a model the user may pick: known, not retired, not refused."""
        model = self.model(model_id)
        return (
            model is not None
            and model.callable is not False
            and model.lifecycle != Lifecycle.RETIRED
        )

    def why_unusable(self, model_id: str) -> str:
        """Why a model the user named cannot be used: its diagnosis, in the API's terms."""
        resolved = self.resolve(model_id)
        cause = next((d for d in self.diagnoses if d.model in (model_id, resolved)), None)
        return cause.message if cause else "it is not callable"

    def uncertain(self) -> bool:
        """Whether what is unknown may hide the truth that matters: the configured model's
        status, or a model ranked above the recommendation. Then nothing may be changed."""
        if self.verify and self.configured and self.configured_status == Status.UNVERIFIED:
            return True
        return not self.settled

    def blocker(self) -> Diagnosis | None:
        """The account-wide refusal that stopped detection (the key first, then the account),
        if one did: every view says it, and the saved record keeps it for the offline ones."""
        wide = [d for d in self.diagnoses if d.account_wide]
        for wanted in (ExitCode.KEY, ExitCode.ACCOUNT):
            found = next((d for d in wide if d.code.exit_code == wanted), None)
            if found is not None:
                return found
        return None

    def failure_exit_code(self) -> ExitCode | None:
        """The exit code of an account-wide failure that stopped detection, if one did."""
        blocker = self.blocker()
        if blocker is not None:
            return blocker.code.exit_code
        network = [d.code.exit_code for d in self.diagnoses]
        if not self.models and ExitCode.NETWORK in network:
            return ExitCode.NETWORK
        return None

    def models_json(self) -> list[JsonObject]:
        every = len(self.models) <= PRICE_ALL_UP_TO
        rows = []
        for m in self.models:
            price = prices.price_of(m.id, self.day) if every or m.line in self.prefer else None
            rows.append({**m.to_json(), "price": price.to_json() if price else None})
        return rows

    def configured_json(self) -> JsonObject:
        return {
            "model": self.configured,
            "resolved": self.configured_model,
            "status": str(self.configured_status),
            "fallback": fallback_json(self.configured_fallback, self.configured_fallback_status),
            **(
                {"previous": self.previous, "previous_status": _plain(self.previous_status)}
                if self.previous is not None
                else {}
            ),
        }

    def to_json(self) -> JsonObject:
        return {
            "key": key_json(
                self.key_source,
                self.key_fingerprint,
                self.key_kind,
                self.organization_id,
                self.key_stored,
            ),
            "configured": self.configured_json(),
            "models": self.models_json(),
            "recommended": self.recommended,
            "fallback": self.fallback,
            "diagnosis": [d.to_json() for d in self.diagnoses],
            "verification": {
                "verified": self.verify,
                "billed_calls": self.billed_calls,
                "max_verify": self.max_verify,
                "input_tokens": self.input_tokens,
                "output_tokens": self.output_tokens,
                "estimated_cost_usd_max": self.estimated_cost_usd,
                "requests": self.requests,
                "round_trips": self.rounds,
                # proven by calls now: never without verification
                "complete": self.complete and self.verify,
                "unverified": self.unverified,
            },
            "ratelimits": self.ratelimits,
            "checked_at": self.checked_at,
        }


# Pricing a model the price data does not know takes ~25 us (its match rules are tried in
# turn): in a catalogue longer than this, only the preferred lines' models are priced.
PRICE_ALL_UP_TO = 2000


def estimate_cost(day: date, calls: int = DEFAULT_MAX_VERIFY) -> float:
    return round(calls * cost_ceiling_per_call_usd(day), 6)


def fallback_json(model: str | None, status: Status) -> JsonObject:
    """`configured.fallback`: the fallback the config names, its status, where it comes from
    (only `[model].fallback` names one; null when none does)."""
    return {
        "model": model,
        "status": str(status if model else Status.UNSET),
        "source": str(ModelSource.CONFIG) if model else None,
    }


def _plain(word: Status | None) -> str | None:
    return str(word) if word is not None else None


def cost_ceiling_per_call_usd(day: date) -> float:
    """A verification call (about 12 input tokens, 1 output) at the highest price known."""
    return prices.call_ceiling_usd(input_tokens=12, output_tokens=1, day=day)
