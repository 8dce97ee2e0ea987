"""The simulated account: scenario, faults, counters, billing, and the answers that do not
depend on HTTP (scripted errors, transient faults, token counts, rate-limit headers)."""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from wizard.jsontypes import JsonObject, as_list, as_object

# The key's shape has one home: what flux-setup takes offline, the simulator takes too.
from wizard.keys import API_KEY_PREFIX, MIN_LENGTH
from wizard.simulator.scenarios import Rule, Scenario, SimModel

KEY_BODY_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")

CREDIT_MESSAGE = (
    "Your credit balance is too low to access the Anthropic API. "
    "Please go to Plans & Billing to upgrade or purchase credits."
)
OAUTH_MESSAGE = "This credential is only authorized for use with Claude Code and cannot be used for other API requests."


@dataclass
class Faults:
    """Faults applied to requests, in arrival order. `only` limits them to one path prefix."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    fail_first: int = 0
    fail_status: int = 529
    retry_after: float | None = 1.0
    reset_first: int = 0
    hang_first: int = 0
    hang_seconds: float = 3600.0
    only: str | None = None


@dataclass
class Counters:
    requests: Counter[str] = field(default_factory=Counter)
    billed_input_tokens: int = 0
    billed_output_tokens: int = 0
    billed_calls: int = 0
    max_concurrency: int = 0
    current: int = 0

    def snapshot(self) -> JsonObject:
        return {
            "requests": dict(self.requests),
            "total_requests": sum(self.requests.values()),
            "billed_input_tokens": self.billed_input_tokens,
            "billed_output_tokens": self.billed_output_tokens,
            "billed_calls": self.billed_calls,
            "max_concurrency": self.max_concurrency,
        }


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        err_type: str,
        message: str,
        *,
        error_code: str | None = None,
        headers: dict[str, str] | None = None,
        extra_details: JsonObject | None = None,
        body: JsonObject | str | None = None,
    ) -> None:
        super().__init__(message)
        self.body = body  # a non-standard body, sent as it is
        self.status = status
        self.err_type = err_type
        self.message = message
        self.error_code = error_code
        self.headers = headers or {}
        self.extra_details = extra_details or {}


def key_is_well_formed(key: str) -> bool:
    if not key.startswith(API_KEY_PREFIX) or len(key) < MIN_LENGTH:
        return False
    return set(key[len(API_KEY_PREFIX) :]) <= KEY_BODY_CHARS


class Simulator:
    """The simulator's state: scenario, faults, counters. Thread-safe."""

    def __init__(self, scenario: Scenario, faults: Faults | None = None, seed: int = 0) -> None:
        self.scenario = scenario
        self.faults = faults or Faults()
        self.counters = Counters()
        self._lock = threading.Lock()
        self._arrivals = 0
        self._random = random.Random(seed)
        self.stopping = threading.Event()
        self._listings: dict[frozenset[str], tuple[list[SimModel], dict[str, int]]] = {}
        self._seen_keys: dict[str, None] = {}  # the API keys presented, in order

    def saw_key(self, key: str) -> None:
        with self._lock:
            self._seen_keys.setdefault(key, None)

    def keys_seen(self) -> list[str]:
        with self._lock:
            return list(self._seen_keys)

    def listing(self, wanted: frozenset[str]) -> tuple[list[SimModel], dict[str, int]]:
        """The models of these lifecycles and each one's position, computed once per scenario:
        a page is then a slice, and 100 pages of a 100,000-model catalogue stay linear."""
        key = wanted
        with self._lock:
            cached = self._listings.get(key)
            if cached is None:
                selected = [m for m in self.scenario.models if m["lifecycle"] in wanted]
                positions: dict[str, int] = {}
                for i, m in enumerate(selected):
                    positions.setdefault(m["id"], i)
                cached = self._listings[key] = (selected, positions)
        return cached

    def reset_counters(self) -> None:
        with self._lock:
            self.counters = Counters()
            self._arrivals = 0

    def set_scenario(self, scenario: Scenario) -> None:
        with self._lock:
            self.scenario = scenario
            self._listings.clear()

    def _admit(self, endpoint: str, path: str) -> tuple[str | None, float]:
        """Count the request; decide its fault ('fail', 'reset', 'hang' or None) and delay."""
        with self._lock:
            self.counters.requests[endpoint] += 1
            self.counters.current += 1
            self.counters.max_concurrency = max(
                self.counters.max_concurrency, self.counters.current
            )
            faults = self.faults
            delay = faults.latency_ms / 1000.0
            if faults.jitter_ms:
                delay += self._random.uniform(0, faults.jitter_ms) / 1000.0
            if faults.only and not path.startswith(faults.only):
                return None, delay
            index = self._arrivals
            self._arrivals += 1
        if index < faults.hang_first:
            return "hang", delay
        if index < faults.hang_first + faults.reset_first:
            return "reset", delay
        if index < faults.hang_first + faults.reset_first + faults.fail_first:
            return "fail", delay
        return None, delay

    def _leave(self) -> None:
        with self._lock:
            self.counters.current -= 1

    def _bill(self, input_tokens: int, output_tokens: int) -> None:
        with self._lock:
            self.counters.billed_calls += 1
            self.counters.billed_input_tokens += input_tokens
            self.counters.billed_output_tokens += output_tokens


def scripted(rule: Rule | None, key: str = "") -> None:
    """Raise the error answer a scenario scripts for this request, if any. `{key}` in its
    message or headers is the key the request presented: a server that echoes it."""
    if rule is None:
        return
    headers = {
        name: str(value).replace("{key}", key) for name, value in rule.get("headers", {}).items()
    }
    if "retry_after" in rule:
        headers["retry-after"] = f"{rule['retry_after']:g}"
    raise ApiError(
        rule["status"],
        rule.get("type", "api_error"),
        rule.get("message", "").replace("{key}", key),
        error_code=rule.get("error_code"),
        headers=headers,
        body=rule.get("body"),
    )


def transient(faults: Faults) -> ApiError:
    status = faults.fail_status
    headers = {}
    if faults.retry_after is not None:
        headers["retry-after"] = f"{faults.retry_after:g}"
    if status == 429:
        return ApiError(
            429,
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit",
            headers=headers,
        )
    if status == 529:
        return ApiError(529, "overloaded_error", "Overloaded", headers=headers)
    return ApiError(status, "api_error", "Internal server error", headers=headers)


def page_limit(params: dict[str, list[str]]) -> int:
    """A list's `limit` query parameter: 1 to 1000, 20 when not given, else a 400."""
    try:
        limit = int(params.get("limit", ["20"])[0])
    except ValueError:
        raise ApiError(400, "invalid_request_error", "limit: must be an integer") from None
    if not 1 <= limit <= 1000:
        raise ApiError(400, "invalid_request_error", "limit: must be between 1 and 1000")
    return limit


def json_body(body: bytes) -> JsonObject:
    try:
        request = json.loads(body or b"{}")
    except json.JSONDecodeError:
        raise ApiError(400, "invalid_request_error", "request body is not valid JSON") from None
    if not isinstance(request, dict):
        raise ApiError(400, "invalid_request_error", "request body must be a JSON object")
    return request


def count_tokens(request: JsonObject) -> int:
    """About what the real tokenizer charges for a short prompt: framing plus ~4 chars a token."""
    chars = 0
    for message in as_list(request.get("messages")):
        content = as_object(message).get("content")
        if isinstance(content, str):
            chars += len(content)
        elif isinstance(content, list):
            chars += sum(len(str(as_object(block).get("text", ""))) for block in content)
    return 7 + max(1, (chars + 3) // 4)


def ratelimit_headers(scenario: Scenario, input_tokens: int, output_tokens: int) -> dict[str, str]:
    limits = scenario.rate_limits
    reset = (datetime.now(UTC) + timedelta(seconds=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    values = {
        "requests": (limits["requests"], limits["requests"] - 1),
        "input-tokens": (limits["input_tokens"], limits["input_tokens"] - input_tokens),
        "output-tokens": (limits["output_tokens"], limits["output_tokens"] - output_tokens),
    }
    total = limits["input_tokens"] + limits["output_tokens"]
    values["tokens"] = (total, total - input_tokens - output_tokens)
    headers = {}
    for name, (limit, remaining) in values.items():
        headers[f"anthropic-ratelimit-{name}-limit"] = str(limit)
        headers[f"anthropic-ratelimit-{name}-remaining"] = str(max(0, remaining))
        headers[f"anthropic-ratelimit-{name}-reset"] = reset
    return headers
