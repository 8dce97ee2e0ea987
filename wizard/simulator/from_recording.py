"""`flux-setup simulator --scenario-from FILE`: a scenario file (the format `scenarios.py`
documents) made from a recording, for a maintainer to edit into a variant.

What the recording shows becomes the scenario's: the models listed (and aliases the API
resolved), the organisation, the rate limits of a successful call, every lasting refusal as a
`responses` rule for its model (in the API's own words and headers), and what the Admin API
answered. What it does not show is open: every model the recording never refused is callable
(deprecated ones too), and an exchange that had no answer is left to `--hang-first` and the
other faults."""

from __future__ import annotations

import re

from wizard.errors import UsageError
from wizard.jsontypes import JsonObject, as_list, as_object
from wizard.recording import THIS_KEY_HINT, Exchange, Recording
from wizard.simulator.scenarios import MODEL_FIELDS

RETRY_HEADERS = ("retry-after", "retry-after-ms", "x-should-retry")
RATE_HEADERS = {
    "requests": "requests",
    "input-tokens": "input_tokens",
    "output-tokens": "output_tokens",
}
ADMIN = "/v1/organizations/"

DIGITS = re.compile(r"[0-9]{1,12}")  # ASCII digits: `²` is a digit to str.isdigit, not to int


def _answered(recording: Recording, path: str | None = None) -> list[Exchange]:
    return [e for e in recording.exchanges if e.status == 200 and (path is None or e.path == path)]


def _models(recording: Recording) -> list[JsonObject]:
    models: dict[str, JsonObject] = {}
    aliases: dict[str, list[str]] = {}
    for exchange in _answered(recording, "/v1/models"):
        for model in map(as_object, as_list(as_object(exchange.body).get("data"))):
            if isinstance(model.get("id"), str):
                models.setdefault(str(model["id"]), {k: model.get(k) for k in MODEL_FIELDS})
    for exchange in _answered(recording):
        asked = exchange.path.removeprefix("/v1/models/")
        body = as_object(exchange.body)
        found = body.get("id")
        if asked == exchange.path or not isinstance(found, str):
            continue
        models.setdefault(found, {k: body.get(k) for k in MODEL_FIELDS})
        if asked != found and asked not in aliases.setdefault(found, []):
            aliases[found].append(asked)  # an alias the API resolved
    for model_id, model in models.items():
        model.pop("type", None)
        if aliases.get(model_id):
            model["aliases"] = aliases[model_id]
    return list(models.values())


def _rule(exchange: Exchange) -> JsonObject | None:
    path = exchange.path
    if path == "/v1/messages":
        on, model = "messages", exchange.model
    elif path == "/v1/models":
        on, model = "models", None
    elif path.startswith("/v1/models/"):
        on, model = "model", path.removeprefix("/v1/models/")
    else:
        return None
    rule: JsonObject = {"on": on, "status": exchange.status}
    if model:
        rule["models"] = [model]
    body = exchange.body
    error = as_object(as_object(body).get("error"))
    details = error.get("details")
    standard = (
        as_object(body).get("type") == "error"
        and bool(error)
        and set(error) <= {"type", "message", "details"}
        and (details is None or (isinstance(details, dict) and set(details) <= {"error_code"}))
    )
    if standard:
        rule.update(type=error.get("type"), message=error.get("message", ""))
        code = as_object(details).get("error_code")
        if code:
            rule["error_code"] = code
    else:
        rule["body"] = body if body is not None else {"text": exchange.body_text}
    headers = {k: v for k, v in exchange.headers.items() if k in RETRY_HEADERS}
    if headers:
        rule["headers"] = headers
    return rule


def _responses(recording: Recording) -> list[JsonObject]:
    """Every refusal, once; a transient one the same request later got past is left out."""
    rules: list[JsonObject] = []
    exchanges = recording.exchanges
    for index, exchange in enumerate(exchanges):
        status = exchange.status
        if status is None or status == 200:
            continue
        later = exchanges[index + 1 :]
        same = [e for e in later if e.path == exchange.path and e.model == exchange.model]
        if (status >= 500 or status in (408, 409, 429)) and any(e.status == 200 for e in same):
            continue
        rule = _rule(exchange)
        if rule is not None and rule not in rules:
            rules.append(rule)
    return rules


def _rate_limits(recording: Recording) -> dict[str, int]:
    for exchange in _answered(recording, "/v1/messages"):
        headers = exchange.headers
        found = {
            name: int(headers[f"anthropic-ratelimit-{header}-limit"])
            for header, name in RATE_HEADERS.items()
            if DIGITS.fullmatch(str(headers.get(f"anthropic-ratelimit-{header}-limit", "")))
        }
        if found:
            return found
    return {}


def _admin(recording: Recording) -> JsonObject:
    admin: JsonObject = {}
    for exchange in recording.exchanges:
        path, body = exchange.path, as_object(exchange.body)
        if not path.startswith(ADMIN) or not body:
            continue
        error = as_object(body.get("error"))
        code = as_object(error.get("details")).get("error_code")
        if code == "organization_type_not_supported":
            if path.endswith("/spend_limits/effective"):
                admin["spend_limits"] = "unsupported"
            else:
                admin["available"] = False
            continue
        if exchange.status != 200:
            continue
        rows = [as_object(r) for r in as_list(body.get("data")) if isinstance(r, dict)]
        _admin_answer(admin, path, body, rows)
    return admin


def _admin_answer(admin: JsonObject, path: str, body: JsonObject, rows: list[JsonObject]) -> None:
    def values(row: JsonObject, own: bool = False) -> JsonObject:
        limits = [as_object(v) for v in as_list(row.get("limits"))]
        return {
            str(v.get("type")): v.get("value")
            for v in limits
            if not own or as_object(v.get("source")).get("type") == "workspace"
        }

    if path.endswith("/me"):
        admin["name"] = body.get("name")
    elif path.startswith(ADMIN + "workspaces/"):
        admin["workspace_id"] = path.split("/")[4]
        admin["workspace_rate_limits"] = [
            {"group": as_object(r.get("group")).get("id"), "limits": values(r, own=True)}
            for r in rows
        ]
    elif path.endswith("/rate_limits"):
        admin["rate_limits"] = [
            {"group": r.get("group"), "models": r.get("models"), "limits": values(r)} for r in rows
        ]
    elif path.endswith("/spend_limits/effective"):
        admin["spend_limits"] = [
            {
                "period": r.get("period"),
                "amount": r.get("amount"),
                "spent": r.get("period_to_date_spend"),
                "scope": as_object(r.get("source")).get("type"),
            }
            for r in rows
        ]
    elif path.endswith("/api_keys"):
        for row in rows:
            if row.get("partial_key_hint") == THIS_KEY_HINT:
                admin["this_key"] = {k: row.get(k) for k in ("status", "expires_at", "name")}
                scope = as_object(row.get("scope"))
                if scope.get("workspace_id"):
                    admin.setdefault("workspace_id", scope["workspace_id"])


def scenario_from(recording: Recording, name: str) -> JsonObject:
    models = _models(recording)
    if not models:
        raise UsageError(
            "the recording has no model the API listed or returned: a scenario needs models.",
            fix="Record a command that lists the models (check, run, models, doctor).",
        )
    organizations = [e.headers.get("anthropic-organization-id") for e in recording.exchanges]
    head = recording.header
    scenario: JsonObject = {
        "name": name,
        "description": f"Made from a recording of `{head.get('command')}` "
        f"({recording.recorded_at or 'undated'}, flux-setup {head.get('flux_setup')}): every "
        "model not refused there is callable here.",
        "models": models,
        "access": {"deprecated": True},
        "responses": _responses(recording),
    }
    organization = next((o for o in organizations if o), None)
    if organization:
        scenario["organization_id"] = organization
    rate_limits = _rate_limits(recording)
    if rate_limits:
        scenario["rate_limits"] = rate_limits
    admin = _admin(recording)
    if admin:
        scenario["admin"] = admin
    return scenario
