"""`flux-setup simulator --scenario-from FILE`: a scenario file (the format `scenarios.py`
documents) made from a recording, for a maintainer to edit into a variant.

What the recording shows becomes the scenario's: the models listed (and aliases the API
resolved), the organisation, the rate limits of a successful call, every lasting refusal as a
`responses` rule for its model (in the API's own words and headers), and what the Admin API
answered. What it does not show is open: every model the recording never refused is callable
(deprecated ones too), and an exchange that had no answer is left to `--hang-first` and the
other faults."""

from __future__ import annotations

from typing import Any

from wizard.errors import UsageError
from wizard.recording import THIS_KEY_HINT, Recording
from wizard.simulator.scenarios import MODEL_FIELDS

RETRY_HEADERS = ("retry-after", "retry-after-ms", "x-should-retry")
RATE_HEADERS = {"requests": "requests", "input-tokens": "input_tokens", "output-tokens": "output_tokens"}  # fmt: skip
ADMIN = "/v1/organizations/"


def _answered(recording: Recording, path: str | None = None) -> list[dict[str, Any]]:
    return [
        e
        for e in recording.exchanges
        if e.get("status") == 200 and (path is None or e["path"] == path)
    ]


def _models(recording: Recording) -> list[dict[str, Any]]:
    models: dict[str, dict[str, Any]] = {}
    for exchange in _answered(recording, "/v1/models"):
        for model in (exchange.get("body") or {}).get("data") or []:
            if isinstance(model, dict) and isinstance(model.get("id"), str):
                models.setdefault(model["id"], {k: model.get(k) for k in MODEL_FIELDS})
    for exchange in _answered(recording):
        asked = exchange["path"].removeprefix("/v1/models/")
        body = exchange.get("body")
        if asked == exchange["path"] or not isinstance(body, dict) or "id" not in body:
            continue
        model = models.setdefault(body["id"], {k: body.get(k) for k in MODEL_FIELDS})
        if asked != body["id"]:  # an alias the API resolved
            model.setdefault("aliases", [])
            if asked not in model["aliases"]:
                model["aliases"].append(asked)
    for model in models.values():
        model.pop("type", None)
    return list(models.values())


def _rule(exchange: dict[str, Any]) -> dict[str, Any] | None:
    path = exchange["path"]
    if path == "/v1/messages":
        on, model = "messages", (exchange.get("request_body") or {}).get("model")
    elif path == "/v1/models":
        on, model = "models", None
    elif path.startswith("/v1/models/"):
        on, model = "model", path.removeprefix("/v1/models/")
    else:
        return None
    rule: dict[str, Any] = {"on": on, "status": exchange["status"]}
    if model:
        rule["models"] = [model]
    body = exchange.get("body")
    error = body.get("error") if isinstance(body, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    standard = (
        isinstance(body, dict)
        and body.get("type") == "error"
        and isinstance(error, dict)
        and set(error) <= {"type", "message", "details"}
        and (details is None or (isinstance(details, dict) and set(details) <= {"error_code"}))
    )
    if standard:
        assert isinstance(error, dict)
        rule.update(type=error.get("type"), message=error.get("message", ""))
        if isinstance(details, dict) and details.get("error_code"):
            rule["error_code"] = details["error_code"]
    else:
        rule["body"] = body if body is not None else {"text": exchange.get("body_text")}
    headers = {k: v for k, v in (exchange.get("headers") or {}).items() if k in RETRY_HEADERS}
    if headers:
        rule["headers"] = headers
    return rule


def _responses(recording: Recording) -> list[dict[str, Any]]:
    """Every refusal, once; a transient one the same request later got past is left out."""
    rules: list[dict[str, Any]] = []
    exchanges = recording.exchanges
    for index, exchange in enumerate(exchanges):
        status = exchange.get("status")
        if status is None or status == 200:
            continue
        later = exchanges[index + 1 :]
        same = [e for e in later if e["path"] == exchange["path"]
                and e.get("request_body") == exchange.get("request_body")]  # fmt: skip
        if (status >= 500 or status in (408, 409, 429)) and any(
            e.get("status") == 200 for e in same
        ):
            continue
        rule = _rule(exchange)
        if rule is not None and rule not in rules:
            rules.append(rule)
    return rules


def _rate_limits(recording: Recording) -> dict[str, int]:
    for exchange in _answered(recording, "/v1/messages"):
        headers = exchange.get("headers") or {}
        found = {
            name: int(headers[f"anthropic-ratelimit-{header}-limit"])
            for header, name in RATE_HEADERS.items()
            if str(headers.get(f"anthropic-ratelimit-{header}-limit", "")).isdigit()
        }
        if found:
            return found
    return {}


def _admin(recording: Recording) -> dict[str, Any]:
    admin: dict[str, Any] = {}
    for exchange in recording.exchanges:
        path, body = exchange["path"], exchange.get("body")
        if not path.startswith(ADMIN) or not isinstance(body, dict):
            continue
        code = ((body.get("error") or {}).get("details") or {}).get("error_code")
        if code == "organization_type_not_supported":
            if path.endswith("/spend_limits/effective"):
                admin["spend_limits"] = "unsupported"
            else:
                admin["available"] = False
            continue
        if exchange.get("status") != 200:
            continue
        rows = [r for r in body.get("data") or [] if isinstance(r, dict)]
        _admin_answer(admin, path, body, rows)
    return admin


def _admin_answer(
    admin: dict[str, Any], path: str, body: dict[str, Any], rows: list[dict[str, Any]]
) -> None:
    def values(row: dict[str, Any], own: bool = False) -> dict[str, Any]:
        return {v["type"]: v["value"] for v in row.get("limits") or []
                if not own or (v.get("source") or {}).get("type") == "workspace"}  # fmt: skip

    if path.endswith("/me"):
        admin["name"] = body.get("name")
    elif path.startswith(ADMIN + "workspaces/"):
        admin["workspace_id"] = path.split("/")[4]
        admin["workspace_rate_limits"] = [
            {"group": (r.get("group") or {}).get("id"), "limits": values(r, own=True)} for r in rows
        ]
    elif path.endswith("/rate_limits"):
        admin["rate_limits"] = [
            {"group": r.get("group"), "models": r.get("models"), "limits": values(r)} for r in rows
        ]
    elif path.endswith("/spend_limits/effective"):
        admin["spend_limits"] = [
            {"period": r.get("period"), "amount": r.get("amount"),
             "spent": r.get("period_to_date_spend"), "scope": (r.get("source") or {}).get("type")}
            for r in rows
        ]  # fmt: skip
    elif path.endswith("/api_keys"):
        for row in rows:
            if row.get("partial_key_hint") == THIS_KEY_HINT:
                admin["this_key"] = {k: row.get(k) for k in ("status", "expires_at", "name")}
                scope = row.get("scope") or {}
                if scope.get("workspace_id"):
                    admin.setdefault("workspace_id", scope["workspace_id"])


def scenario_from(recording: Recording, name: str) -> dict[str, Any]:
    models = _models(recording)
    if not models:
        raise UsageError(
            "the recording has no model the API listed or returned: a scenario needs models.",
            fix="Record a command that lists the models (check, run, models, doctor).",
        )
    organizations = [
        (e.get("headers") or {}).get("anthropic-organization-id") for e in recording.exchanges
    ]
    head = recording.header
    scenario: dict[str, Any] = {
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
