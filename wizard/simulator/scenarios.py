"""Simulator scenarios: data files describing one organisation's view of the API.

A scenario file is JSON. It may `extend` another scenario by name and override any field.
Fields:
  description      one line for `flux-setup simulator --list`
  models           ModelInfo objects (every public field). Simulator-only fields:
                   `sim_rejects` lists request parameters the model refuses, e.g. ["temperature"];
                   `aliases` lists IDs that retrieve and messages resolve to this model;
                   `sim_reply` overrides the 1-token answer, e.g. {"content": [], "stop_reason":
                   "refusal"} (a 200 with nothing in it, as thinking models can send)
  access           who may call what: {"deprecated": bool, "allow_lines": [..] | null,
                   "deny_lines": [..], "allow": [ids], "deny": [ids]}
  billing          "ok" | "credit_balance_too_low" | "spend_limit_reached" | "organization_on_hold"
  rate_limits      {"requests": int, "input_tokens": int, "output_tokens": int}
  keys             {"revoked": [keys]}  (by default every well-formed sk-ant-api03 key is valid)
  reply            the default for every model's `sim_reply`
  organization_id  what every answer's `anthropic-organization-id` header says (default: a
                   UUID made from the scenario's name; any text, to test what a client accepts)
  responses        error answers that win over everything but authentication, first match wins:
                   {"on": "messages" | "models" | "model" | "*", "models": [ids], "lines": [..],
                    "status": int, "type": str, "message": str, "error_code": str,
                    "retry_after": seconds, "body": {..}}; without "models"/"lines" a rule
                   applies to every request of its endpoint; "body" replaces the standard error
                   envelope (for the non-standard bodies real proxies and region blocks send)
  admin            the Admin API, for an admin key (sk-ant-admin01-...); every field optional:
                   {"available": bool (false: an organisation type without it, every endpoint
                    answers organization_type_not_supported), "name": str, "organization_id":
                    str (organizations/me's ID; default: the scenario's), "workspace_id": str,
                    "this_key": {"status": "active" | "expired" | "archived" | "inactive",
                                 "expires_at": str | null, "name": str}  (the record of each API
                    key presented to the simulator; a key not active is refused with a 401),
                    "api_keys": [APIKey objects: the organisation's other keys],
                    "rate_limits": [{"group": {"id", "display_name", "type"}, "models": [ids],
                                     "limits": {"requests_per_minute": int, ...}}]
                      (default: one model group per line, listing the models the organisation
                      may call, with `rate_limits` as its values; a line it may not call has no
                      group),
                    "workspace_rate_limits": [{"group": group id, "limits": {type: int}}]
                      (the key's workspace's overrides),
                    "spend_limits": "unsupported" | [{"period": "monthly", "amount": "50000" |
                      null, "spent": "1234", "scope": "usage_tier" | "organization" |
                      "workspace"}]  (the effective limits of the key's user)}
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TypedDict, cast

from wizard.jsontypes import JsonObject, as_list, as_object

BILLING_STATES = ("ok", "credit_balance_too_low", "spend_limit_reached", "organization_on_hold")
MODEL_FIELDS = (
    "type",
    "id",
    "display_name",
    "created_at",
    "lifecycle",
    "deprecated_at",
    "retires_at",
    "line",
    "max_input_tokens",
    "max_tokens",
    "capabilities",
)


KEY_STATUSES = ("active", "archived", "expired", "inactive")


# The Start tier's monthly cap ($500), a little of it spent: the default spend limit.
START_TIER: JsonObject = {
    "period": "monthly",
    "amount": "50000",
    "spent": "1234.5",
    "scope": "usage_tier",
}


class SimModel(TypedDict, total=False):
    """A model of a scenario: the ModelInfo fields, plus the simulator's own (`aliases`,
    `sim_rejects`, `sim_reply`). `load` checks the four it cannot do without."""

    type: str
    id: str
    display_name: str
    created_at: str
    lifecycle: str
    deprecated_at: str | None
    retires_at: str | None
    line: str | None
    max_input_tokens: int
    max_tokens: int
    capabilities: object
    aliases: list[str]
    sim_rejects: list[str]
    sim_reply: JsonObject


class Rule(TypedDict, total=False):
    """A scripted error answer (`responses`): which requests, and what is answered."""

    on: str
    status: int
    type: str
    message: str
    error_code: str
    retry_after: float
    headers: dict[str, str]
    body: JsonObject | str
    models: list[str]
    lines: list[str]


class ScenarioError(ValueError):
    pass


class UnreadableScenario(ScenarioError):
    """A scenario file no reader can take in (nested too deeply): a files problem (exit 6)."""


@dataclass
class Admin:
    """The organisation as the Admin API shows it (see the module's doc)."""

    available: bool = True
    name: str = "Simulated Organisation"
    # "": the organisation the API's answers name; else another one (an admin key of another
    # organisation than the API key's)
    organization_id: str = ""
    workspace_id: str = "wrkspc_01SimDefaultWorkspace"
    this_key: JsonObject = field(default_factory=dict)
    api_keys: list[JsonObject] = field(default_factory=list)
    rate_limits: list[JsonObject] | None = None
    workspace_rate_limits: list[JsonObject] = field(default_factory=list)
    spend_limits: str | list[JsonObject] = field(default_factory=lambda: [dict(START_TIER)])

    @property
    def key_status(self) -> str:
        return str(self.this_key.get("status", "active"))


@dataclass
class Access:
    deprecated: bool = False
    allow_lines: list[str] | None = None
    deny_lines: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)


@dataclass
class Scenario:
    name: str
    description: str
    models: list[SimModel]
    access: Access
    billing: str = "ok"
    rate_limits: dict[str, int] = field(
        default_factory=lambda: {"requests": 50, "input_tokens": 30000, "output_tokens": 8000}
    )
    revoked_keys: list[str] = field(default_factory=list)
    responses: list[Rule] = field(default_factory=list)
    reply: JsonObject = field(default_factory=dict)
    organization_id: str = ""  # "" : a UUID made from the name (`organization`)
    admin: Admin = field(default_factory=Admin)

    @property
    def organization(self) -> str:
        """The organisation every answer names: one per scenario, stable across runs."""
        return self.organization_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"flux-sim:{self.name}"))

    def __post_init__(self) -> None:
        self._by_id: dict[str, SimModel] = {}
        for model in self.models:
            self._by_id.setdefault(model["id"], model)
        for model in self.models:
            for alias in model.get("aliases") or []:
                self._by_id.setdefault(alias, model)

    def find(self, model_id: str) -> SimModel | None:
        """A model by its ID or one of its aliases."""
        return self._by_id.get(model_id)

    def response_for(self, endpoint: str, model: SimModel | None) -> Rule | None:
        """The scripted error answer for a request, if a rule of the scenario matches it."""
        for rule in self.responses:
            if rule.get("on", "*") not in (endpoint, "*"):
                continue
            ids, lines = rule.get("models"), rule.get("lines")
            if ids is None and lines is None:
                return rule
            if model is None:
                continue
            if (ids and model["id"] in ids) or (lines and model.get("line") in lines):
                return rule
        return None

    def may_call(self, model: SimModel) -> bool:
        """Whether this organisation's inference request naming `model` succeeds."""
        access = self.access
        if model["lifecycle"] == "retired":
            return False
        if model["id"] in access.deny:
            return False
        if model["id"] in access.allow:
            return True
        line = model.get("line")
        if access.allow_lines is not None and line not in access.allow_lines:
            return False
        if line in access.deny_lines:
            return False
        if model["lifecycle"] == "deprecated":
            return access.deprecated
        return True


def builtin_names() -> list[str]:
    folder = resources.files("wizard.simulator") / "scenarios"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def _read_raw(name_or_path: str, seen: tuple[str, ...] = ()) -> JsonObject:
    if name_or_path in seen:
        raise ScenarioError(f"scenario {name_or_path!r} extends itself")
    path = Path(name_or_path)
    if name_or_path.endswith(".json") or path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioError(f"cannot read scenario file {path}: {exc.strerror}") from None
    else:
        resource = resources.files("wizard.simulator") / "scenarios" / f"{name_or_path}.json"
        if not resource.is_file():
            names = ", ".join(builtin_names())
            raise ScenarioError(f"unknown scenario {name_or_path!r}; built-in: {names}")
        text = resource.read_text(encoding="utf-8")
    try:
        raw = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"scenario {name_or_path}: invalid JSON: {exc}") from None
    except RecursionError:
        raise UnreadableScenario(f"scenario {name_or_path}: nested too deeply to be one") from None
    if not isinstance(raw, dict):
        raise ScenarioError(f"scenario {name_or_path}: expected a JSON object")
    base = raw.pop("extends", None)
    if base:
        merged = _read_raw(base, (*seen, name_or_path))
        merged.pop("name", None)  # a scenario is named by its own file
        merged.update(raw)
        return merged
    return raw


def load(name_or_path: str) -> Scenario:
    """Load a built-in scenario by name, or a user's scenario file by path."""
    raw = _read_raw(name_or_path)
    name = str(raw.get("name") or Path(name_or_path).stem)
    models = raw.get("models")
    if not isinstance(models, list) or not models:
        raise ScenarioError(f"scenario {name}: 'models' must be a non-empty list")
    cleaned = [_model(name, as_object(model)) for model in models]
    # The real API lists newest first.
    cleaned.sort(key=lambda m: m["created_at"], reverse=True)
    billing = str(raw.get("billing", "ok"))
    if billing not in BILLING_STATES:
        raise ScenarioError(f"scenario {name}: billing must be one of {BILLING_STATES}")
    scenario = Scenario(
        name=name,
        description=str(raw.get("description", "")),
        models=cleaned,
        access=Access(**as_object(raw.get("access"))),  # type: ignore[arg-type]
        billing=billing,
        revoked_keys=[str(k) for k in as_list(as_object(raw.get("keys")).get("revoked"))],
        responses=_responses(name, raw.get("responses", [])),
        reply=as_object(raw.get("reply")),
        organization_id=str(raw.get("organization_id") or ""),
        admin=_admin(name, raw.get("admin") or {}),
    )
    if "rate_limits" in raw:
        limits = as_object(raw["rate_limits"])
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in limits.values()):
            raise ScenarioError(f"scenario {name}: 'rate_limits' must map names to whole numbers")
        scenario.rate_limits = {str(k): int(str(v)) for k, v in limits.items()}
    return scenario


def _model(name: str, model: JsonObject) -> SimModel:
    """A scenario's model with the ModelInfo fields it leaves out at their defaults."""
    missing = [k for k in ("id", "display_name", "created_at", "lifecycle") if k not in model]
    if missing or not all(isinstance(model[k], str) for k in ("id", "created_at", "lifecycle")):
        raise ScenarioError(f"scenario {name}: model {model.get('id')!r} lacks {missing}")
    entry: JsonObject = {"type": "model", "deprecated_at": None, "retires_at": None, "line": None}
    entry.update({"max_input_tokens": 200000, "max_tokens": 64000, "capabilities": None})
    entry.update(model)
    return cast(SimModel, entry)  # the fields a model needs, checked above


def _responses(name: str, rules: object) -> list[Rule]:
    if not isinstance(rules, list):
        raise ScenarioError(f"scenario {name}: 'responses' must be a list")
    for rule in rules:
        if not isinstance(rule, dict) or not isinstance(rule.get("status"), int):
            raise ScenarioError(f"scenario {name}: each response needs an integer 'status'")
        if rule.get("on", "*") not in ("messages", "models", "model", "*"):
            raise ScenarioError(f"scenario {name}: 'on' is messages, models, model or *")
    return cast("list[Rule]", rules)  # each one's status and endpoint checked above


def _admin(name: str, raw: object) -> Admin:
    if not isinstance(raw, dict):
        raise ScenarioError(f"scenario {name}: 'admin' must be an object")
    unknown = set(raw) - set(Admin.__dataclass_fields__)
    if unknown:
        raise ScenarioError(f"scenario {name}: 'admin' has unknown fields {sorted(unknown)}")
    admin = Admin(**raw)
    if admin.key_status not in KEY_STATUSES:
        raise ScenarioError(f"scenario {name}: admin.this_key.status must be one of {KEY_STATUSES}")
    if isinstance(admin.spend_limits, str) and admin.spend_limits != "unsupported":
        raise ScenarioError(f"scenario {name}: admin.spend_limits is a list or 'unsupported'")
    return admin


def public_model(model: SimModel) -> JsonObject:
    """A model as the API sends it: only the public ModelInfo fields."""
    return {k: model.get(k) for k in MODEL_FIELDS}
