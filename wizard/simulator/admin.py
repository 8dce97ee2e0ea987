"""The simulator's Admin API: `/v1/organizations/...` for an admin key, in the shapes the SDK's
`types/organization/` define (a test parses every answer with the SDK's strict validation).

Only what flux-setup reads: the organisation, its rate limits per group and a workspace's
overrides, the effective spend limits of a member, and the API key records (the record of each
API key presented to the simulator is built from the scenario's `admin.this_key`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote

from wizard.jsontypes import JsonObject, as_list, as_object
from wizard.keys import ADMIN_PREFIX, API_KEY_PREFIX, MIN_LENGTH
from wizard.simulator.engine import KEY_BODY_CHARS, ApiError, page_limit

if TYPE_CHECKING:
    from wizard.simulator.scenarios import Scenario

PREFIX = "/v1/organizations/"
USER_ID = "user_01SimFluxDeveloper"
CREATED = "2026-01-15T09:30:00Z"
LIMIT_TYPES = {  # the scenario's header limits, as the Admin API names their limiters
    "requests": "requests_per_minute",
    "input_tokens": "input_tokens_per_minute_cache_aware",
    "output_tokens": "output_tokens_per_minute",
}
NOT_SUPPORTED = (
    "The Admin API is not available for this organization's type (individual accounts have none)."
)


def route(path: str) -> str | None:
    """The Admin API route of a path, or None when it is not one."""
    if not path.startswith(PREFIX):
        return None
    rest = path[len(PREFIX) :].split("/")
    if rest in (["me"], ["rate_limits"], ["api_keys"], ["spend_limits", "effective"]):
        return PREFIX + "/".join(rest)
    if len(rest) == 3 and rest[0] == "workspaces" and rest[2] == "rate_limits" and rest[1]:
        return PREFIX + "workspaces/{id}/rate_limits"
    return "unknown"


def hint(key: str) -> str:
    """A key's `partial_key_hint` as the Admin API gives it: its first 16 and last 4 characters."""
    return f"{key[:16]}...{key[-4:]}"


def authenticate(key: str, scenario: Scenario) -> None:
    if not key:
        raise ApiError(401, "authentication_error", "x-api-key header is required")
    if key.startswith(API_KEY_PREFIX):
        raise ApiError(
            403,
            "permission_error",
            "The Admin API needs an Admin API key (sk-ant-admin01-...); this is an API key.",
        )
    body = key[len(ADMIN_PREFIX) :]
    if not key.startswith(ADMIN_PREFIX) or len(key) < MIN_LENGTH or set(body) - KEY_BODY_CHARS:
        raise ApiError(401, "authentication_error", "invalid x-api-key")
    if key in scenario.revoked_keys:
        raise ApiError(401, "authentication_error", "invalid x-api-key")


def answer(
    scenario: Scenario, route_name: str, path: str, query: str, seen_keys: list[str]
) -> JsonObject:
    """One Admin API answer (the caller has authenticated the admin key)."""
    admin = scenario.admin
    if not admin.available:
        raise ApiError(
            400,
            "invalid_request_error",
            NOT_SUPPORTED,
            error_code="organization_type_not_supported",
        )
    params = parse_qs(query)
    if route_name == PREFIX + "me":
        org = admin.organization_id or scenario.organization
        return {"id": org, "name": admin.name, "type": "organization"}
    if route_name == PREFIX + "rate_limits":
        return {"data": _filtered(rate_limits(scenario), params), "next_page": None}
    if route_name == PREFIX + "workspaces/{id}/rate_limits":
        workspace = unquote(path[len(PREFIX + "workspaces/") :].split("/")[0])
        if workspace != admin.workspace_id:
            raise ApiError(404, "not_found_error", f"workspace: {workspace}")
        return {"data": _workspace_limits(scenario), "next_page": None}
    if route_name == PREFIX + "spend_limits/effective":
        if admin.spend_limits == "unsupported":
            raise ApiError(
                400,
                "invalid_request_error",
                "Spend limits are not available for this organization's type.",
                error_code="organization_type_not_supported",
            )
        return {"data": _spend(scenario, params), "next_page": None}
    if route_name == PREFIX + "api_keys":
        return _api_keys(scenario, seen_keys, params)
    raise ApiError(404, "not_found_error", "Not found")


def key_refused(scenario: Scenario) -> bool:
    """Whether an API key's inference requests are refused: its record is not active."""
    return scenario.admin.available and scenario.admin.key_status != "active"


@dataclass
class _Entry:
    """One rate-limit entry of the organisation: its group, the models it covers (model
    groups only) and its limiter values."""

    group: JsonObject  # {"id", "display_name", "type"}, as the SDK's group types
    models: list[str] | None
    limits: dict[str, object]

    @property
    def group_id(self) -> str:
        return str(self.group.get("id"))

    @property
    def id(self) -> str:
        return "rl_" + self.group_id.removeprefix("rlg_")

    def to_json(self) -> JsonObject:
        model_group = self.group.get("type") == "model_group"
        return {
            "id": self.id,
            "type": "rate_limit",
            "group": self.group,
            "limits": [{"type": t, "value": v} for t, v in self.limits.items()],
            "models": self.models if model_group else None,
        }


def rate_limits(scenario: Scenario) -> list[_Entry]:
    """The organisation's rate-limit entries: the scenario's own, or one model group per line
    whose models the organisation may call (a line it may not call has no group), and a
    batch group (no models: not a model group)."""
    admin = scenario.admin
    if admin.rate_limits is not None:
        return [
            _Entry(
                as_object(g.get("group")),
                [str(m) for m in as_list(g.get("models"))],
                as_object(g.get("limits")),
            )
            for g in admin.rate_limits
        ]
    by_line: dict[str, list[str]] = {}
    for model in scenario.models:
        line = model.get("line")
        if line and scenario.may_call(model):
            by_line.setdefault(line, []).extend([model["id"], *model.get("aliases", [])])
    values: dict[str, object] = {
        LIMIT_TYPES[k]: v for k, v in scenario.rate_limits.items() if k in LIMIT_TYPES
    }
    entries = [
        _Entry(
            {
                "id": f"rlg_sim_{line}",
                "display_name": f"Claude {line.title()}",
                "type": "model_group",
            },
            ids,
            values,
        )
        for line, ids in by_line.items()
    ]
    return [*entries, _Entry({"id": "rlg_sim_batch", "type": "batch"}, None, {})]


def _filtered(entries: list[_Entry], params: dict[str, list[str]]) -> list[JsonObject]:
    kind = params.get("group_type", [None])[0]
    model = params.get("model", [None])[0]
    kept = [e for e in entries if kind is None or e.group.get("type") == kind]
    if model is not None:
        kept = [e for e in kept if model in (e.models or [])]
        if not kept:
            raise ApiError(404, "not_found_error", f"model: {model}")
    return [e.to_json() for e in kept]


def _workspace_limits(scenario: Scenario) -> list[JsonObject]:
    admin = scenario.admin
    entries = {e.group_id: e for e in rate_limits(scenario)}
    out: list[JsonObject] = []
    for override in admin.workspace_rate_limits:
        entry = entries.get(str(override.get("group")))
        if entry is None:
            continue
        out.append(
            {
                "type": "workspace_rate_limit",
                "workspace_id": admin.workspace_id,
                "rate_limit_id": entry.id,
                "group": entry.group,
                "models": entry.to_json()["models"],
                "limits": [
                    {
                        "type": t,
                        "value": v,
                        "org_limit": entry.limits.get(t),
                        "source": {"type": "workspace"},
                    }
                    for t, v in as_object(override.get("limits")).items()
                ],
            }
        )
    return out


def _scope(scenario: Scenario, kind: str) -> JsonObject:
    if kind == "workspace":
        return {"type": "workspace", "workspace_id": scenario.admin.workspace_id}
    if kind == "user":
        return {"type": "user", "user_id": USER_ID}
    return {"type": kind}


def _spend(scenario: Scenario, params: dict[str, list[str]]) -> list[JsonObject]:
    users = params.get("user_ids", []) + params.get("user_ids[]", [])
    if users and USER_ID not in users:
        return []
    rows = scenario.admin.spend_limits
    assert isinstance(rows, list)
    return [
        {
            "actor": {
                "type": "user_actor",
                "user_id": USER_ID,
                "deleted": False,
                "email_address": "developer@example.com",
                "name": "Flux Developer",
            },
            "amount": row.get("amount"),
            "currency": "USD",
            "period": row.get("period", "monthly"),
            "period_to_date_spend": str(row.get("spent", "0")),
            "scope": _scope(scenario, str(row.get("scope", "usage_tier"))),
            "source": _scope(scenario, str(row.get("scope", "usage_tier"))),
            "spend_limit_id": f"spl_sim{i:04d}",
        }
        for i, row in enumerate(rows)
    ]


def _record(scenario: Scenario, key: str, index: int) -> JsonObject:
    this = scenario.admin.this_key
    return {
        "id": f"apikey_01Sim{index:04d}",
        "type": "api_key",
        "name": this.get("name", "flux"),
        "status": this.get("status", "active"),
        "created_at": CREATED,
        "expires_at": this.get("expires_at"),
        "created_by": {"id": USER_ID, "type": "user"},
        "partial_key_hint": hint(key),
        "principal": {"type": "user_actor", "user_id": USER_ID},
        "scope": {"type": "workspace", "workspace_id": scenario.admin.workspace_id},
    }


def _api_keys(scenario: Scenario, seen_keys: list[str], params: dict[str, list[str]]) -> JsonObject:
    records = [_record(scenario, k, i) for i, k in enumerate(seen_keys)]
    records += scenario.admin.api_keys
    limit = page_limit(params)
    after = params.get("after_id", [None])[0]
    start = 0
    if after is not None:
        ids = [r["id"] for r in records]
        if after not in ids:
            raise ApiError(404, "not_found_error", f"api_key: {after}")
        start = ids.index(after) + 1
    page = records[start : start + limit]
    return {
        "data": page,
        "has_more": len(records) > start + limit,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
    }
