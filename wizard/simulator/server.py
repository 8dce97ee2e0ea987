"""An HTTP simulator of the Anthropic API, on loopback, for tests, benchmarks and the demo.

It is faithful where the wizard's decisions depend on it: the Models API (pagination, lifecycle
filter, retrieve), the 1-token Messages call, error bodies and status codes, `request-id` and
`anthropic-ratelimit-*` headers. Faults (latency, error storms, resets, hangs) are settable per
run and can be changed while it serves.
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import struct
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from wizard.facts import DEFAULT_SCENARIO, SPEND_LIMIT_ERROR_CODE, SUPPORT_URL
from wizard.simulator.scenarios import Scenario, load, public_model

API_KEY_PREFIX = "sk-ant-api03-"
OAUTH_PREFIX = "sk-ant-oat01-"
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

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "total_requests": sum(self.requests.values()),
            "billed_input_tokens": self.billed_input_tokens,
            "billed_output_tokens": self.billed_output_tokens,
            "billed_calls": self.billed_calls,
            "max_concurrency": self.max_concurrency,
        }


class _ApiError(Exception):
    def __init__(
        self,
        status: int,
        err_type: str,
        message: str,
        *,
        error_code: str | None = None,
        headers: dict[str, str] | None = None,
        extra_details: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
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
    if not key.startswith(API_KEY_PREFIX) or len(key) < 40:
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

    def reset_counters(self) -> None:
        with self._lock:
            self.counters = Counters()
            self._arrivals = 0

    def set_scenario(self, scenario: Scenario) -> None:
        with self._lock:
            self.scenario = scenario

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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet: tests and the demo own the terminal

    # -- plumbing ---------------------------------------------------------------------------
    def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _reset(self) -> None:
        # SO_LINGER 0 makes close() send RST: the client sees a reset connection.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.close()

    def _body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self, method: str) -> None:
        sim = self.server.sim
        url = urlsplit(self.path)
        path = url.path
        body = self._body() if method == "POST" else b""
        if path == "/_sim/counters":
            self._send(200, sim.counters.snapshot(), {})
            return
        endpoint = f"{method} {_route(path)}"
        fault, delay = sim._admit(endpoint, path)
        try:
            if delay:
                time.sleep(delay)
            if fault == "hang":
                sim.stopping.wait(sim.faults.hang_seconds)
                self._reset()
                return
            if fault == "reset":
                self._reset()
                return
            request_id = "req_sim" + uuid.uuid4().hex[:20]
            headers = {"request-id": request_id}
            try:
                if fault == "fail":
                    raise _transient(sim.faults)
                status, payload, extra = self._dispatch(method, path, url.query, body)
                headers.update(extra)
                self._send(status, payload, headers)
            except _ApiError as err:
                headers.update(err.headers)
                if err.body is not None:
                    self._send(err.status, err.body, headers)
                    return
                error: dict[str, Any] = {"type": err.err_type, "message": err.message}
                if err.error_code or err.extra_details:
                    details: dict[str, Any] = dict(err.extra_details)
                    if err.error_code:
                        details["error_code"] = err.error_code
                    error["details"] = details
                self._send(
                    err.status,
                    {"type": "error", "error": error, "request_id": request_id},
                    headers,
                )
        finally:
            sim._leave()

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    # -- the API ----------------------------------------------------------------------------
    def _key(self) -> str:
        """The key the request presents: `Authorization: Bearer` (SDK 2.14) or `x-api-key`."""
        auth = self.headers.get("authorization", "")
        return auth[7:] if auth.lower().startswith("bearer ") else self.headers.get("x-api-key", "")

    def _authenticate(self) -> None:
        sim = self.server.sim
        key = self._key()
        if not key:
            raise _ApiError(401, "authentication_error", "x-api-key header is required")
        if key.startswith(OAUTH_PREFIX):
            raise _ApiError(400, "invalid_request_error", OAUTH_MESSAGE)
        if not key_is_well_formed(key) or key in sim.scenario.revoked_keys:
            raise _ApiError(401, "authentication_error", "invalid x-api-key")
        if sim.scenario.billing == "organization_on_hold":
            raise _ApiError(
                400,
                "invalid_request_error",
                "Your organization has been disabled. Contact support if you believe this is an error.",
                error_code="organization_on_hold",
                extra_details={"appeal_url": SUPPORT_URL},
            )

    def _dispatch(
        self, method: str, path: str, query: str, body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        route = _route(path)
        if route == "unknown":
            raise _ApiError(404, "not_found_error", "Not found")
        self._authenticate()
        scenario = self.server.sim.scenario
        if method == "GET" and route == "/v1/models":
            _scripted(scenario.response_for("models", None), self._key())
            return 200, self._list_models(parse_qs(query)), {}
        if method == "GET" and route == "/v1/models/{id}":
            model_id = unquote(path[len("/v1/models/") :])
            model = scenario.find(model_id)
            _scripted(scenario.response_for("model", model), self._key())
            if model is None:
                raise _ApiError(404, "not_found_error", f"model: {model_id}")
            return 200, public_model(model), {}
        if method == "POST" and route == "/v1/messages":
            return self._messages(body)
        if method == "POST" and route == "/v1/messages/count_tokens":
            request = _json_body(body)
            model = self._callable_model(request)
            return 200, {"input_tokens": _count_tokens(request)}, {}
        raise _ApiError(405, "invalid_request_error", f"{method} is not allowed on {path}")

    def _list_models(self, params: dict[str, list[str]]) -> dict[str, Any]:
        models = self.server.sim.scenario.models
        lifecycles: list[str] = []
        for name in ("lifecycle", "lifecycle[]"):
            for value in params.get(name, []):
                lifecycles.extend(v for v in value.split(",") if v)
        allowed = {"active", "deprecated", "retired"}
        if any(v not in allowed for v in lifecycles) or len(lifecycles) > 3:
            raise _ApiError(
                400, "invalid_request_error", "lifecycle: up to 3 of active, deprecated, retired"
            )
        wanted = set(lifecycles) if lifecycles else {"active", "deprecated"}
        selected = [m for m in models if m["lifecycle"] in wanted]
        try:
            limit = int(params.get("limit", ["20"])[0])
        except ValueError:
            raise _ApiError(400, "invalid_request_error", "limit: must be an integer") from None
        if not 1 <= limit <= 1000:
            raise _ApiError(400, "invalid_request_error", "limit: must be between 1 and 1000")
        ids = [m["id"] for m in selected]
        after = params.get("after_id", [None])[0]
        before = params.get("before_id", [None])[0]
        for cursor in (after, before):
            if cursor is not None and cursor not in ids:
                raise _ApiError(404, "not_found_error", f"model: {cursor}")
        if after is not None:
            window = selected[ids.index(after) + 1 :]
            page, has_more = window[:limit], len(window) > limit
        elif before is not None:
            window = selected[: ids.index(before)]
            page, has_more = window[-limit:], len(window) > limit
        else:
            page, has_more = selected[:limit], len(selected) > limit
        return {
            "data": [public_model(m) for m in page],
            "has_more": has_more,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
        }

    def _callable_model(self, request: dict[str, Any]) -> dict[str, Any]:
        sim = self.server.sim
        model_id = request.get("model")
        if not isinstance(model_id, str) or not model_id:
            raise _ApiError(400, "invalid_request_error", "model: Field required")
        model = sim.scenario.find(model_id)
        if model is None or not sim.scenario.may_call(model):
            raise _ApiError(404, "not_found_error", f"model: {model_id}")
        return model

    def _messages(self, body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        sim = self.server.sim
        request = _json_body(body)
        max_tokens = request.get("max_tokens")
        if not isinstance(max_tokens, int) or max_tokens < 1:
            raise _ApiError(400, "invalid_request_error", "max_tokens: Field required")
        if not isinstance(request.get("messages"), list) or not request["messages"]:
            raise _ApiError(400, "invalid_request_error", "messages: Field required")
        billing = sim.scenario.billing
        if billing == "credit_balance_too_low":
            raise _ApiError(400, "invalid_request_error", CREDIT_MESSAGE)
        if billing == "spend_limit_reached":
            raise _ApiError(
                429,
                "rate_limit_error",
                "Your organization has reached its monthly spend limit for its usage tier.",
                error_code=SPEND_LIMIT_ERROR_CODE,
                headers={"x-should-retry": "false"},
            )
        requested = request.get("model")
        found = sim.scenario.find(requested) if isinstance(requested, str) else None
        _scripted(sim.scenario.response_for("messages", found), self._key())
        model = self._callable_model(request)
        for param in model.get("sim_rejects", []):
            if param in request:
                raise _ApiError(
                    400,
                    "invalid_request_error",
                    f"{param}: is not supported by this model",
                )
        if max_tokens > (model.get("max_tokens") or 64000):
            raise _ApiError(400, "invalid_request_error", "max_tokens: exceeds the model's limit")
        input_tokens = _count_tokens(request)
        text = "Hello! How can I help you today?"
        output_tokens = min(max_tokens, 9)
        sim._bill(input_tokens, output_tokens)
        reply = model.get("sim_reply") or sim.scenario.reply
        payload = {
            "id": "msg_sim" + uuid.uuid4().hex[:20],
            "type": "message",
            "role": "assistant",
            "model": model["id"],
            "content": reply.get(
                "content", [{"type": "text", "text": " ".join(text.split()[:output_tokens])}]
            ),
            "stop_reason": reply.get(
                "stop_reason", "max_tokens" if output_tokens == max_tokens else "end_turn"
            ),
            "stop_sequence": None,
            "usage": {
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        }
        return 200, payload, _ratelimit_headers(sim.scenario, input_tokens, output_tokens)


def _route(path: str) -> str:
    if path in ("/v1/models", "/v1/messages", "/v1/messages/count_tokens"):
        return path
    if path.startswith("/v1/models/") and len(path) > len("/v1/models/"):
        return "/v1/models/{id}"
    return "unknown"


def _scripted(rule: dict[str, Any] | None, key: str = "") -> None:
    """Raise the error answer a scenario scripts for this request, if any. `{key}` in its
    message or headers is the key the request presented: a server that echoes it."""
    if rule is None:
        return
    headers = {
        name: str(value).replace("{key}", key) for name, value in rule.get("headers", {}).items()
    }
    if rule.get("retry_after") is not None:
        headers["retry-after"] = f"{rule['retry_after']:g}"
    raise _ApiError(
        rule["status"],
        rule.get("type", "api_error"),
        rule.get("message", "").replace("{key}", key),
        error_code=rule.get("error_code"),
        headers=headers,
        body=rule.get("body"),
    )


def _transient(faults: Faults) -> _ApiError:
    status = faults.fail_status
    headers = {}
    if faults.retry_after is not None:
        headers["retry-after"] = f"{faults.retry_after:g}"
    if status == 429:
        return _ApiError(
            429,
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit",
            headers=headers,
        )
    if status == 529:
        return _ApiError(529, "overloaded_error", "Overloaded", headers=headers)
    return _ApiError(status, "api_error", "Internal server error", headers=headers)


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        request = json.loads(body or b"{}")
    except json.JSONDecodeError:
        raise _ApiError(400, "invalid_request_error", "request body is not valid JSON") from None
    if not isinstance(request, dict):
        raise _ApiError(400, "invalid_request_error", "request body must be a JSON object")
    return request


def _count_tokens(request: dict[str, Any]) -> int:
    """About what the real tokenizer charges for a short prompt: framing plus ~4 chars a token."""
    chars = 0
    for message in request.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            chars += len(content)
        elif isinstance(content, list):
            chars += sum(
                len(str(block.get("text", ""))) for block in content if isinstance(block, dict)
            )
    return 7 + max(1, (chars + 3) // 4)


def _ratelimit_headers(scenario: Scenario, input_tokens: int, output_tokens: int) -> dict[str, str]:
    limits = scenario.rate_limits
    reset = (datetime.now(timezone.utc) + timedelta(seconds=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], sim: Simulator) -> None:
        super().__init__(address, _Handler)
        self.sim = sim


class RunningSimulator:
    """A simulator serving on 127.0.0.1 in a background thread."""

    def __init__(self, sim: Simulator, port: int = 0) -> None:
        self.sim = sim
        self._server = _Server(("127.0.0.1", port), sim)
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> RunningSimulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.sim.stopping.set()  # releases hanging requests
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def counters(self) -> Counters:
        return self.sim.counters

    @property
    def faults(self) -> Faults:
        return self.sim.faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        self.sim.faults = value
        with self.sim._lock:
            self.sim._arrivals = 0

    def reset_counters(self) -> None:
        self.sim.reset_counters()

    def use_scenario(self, scenario: str | Scenario) -> None:
        """Switch to a scenario: a built-in name, a file path, or a Scenario built in a test."""
        self.sim.set_scenario(load(scenario) if isinstance(scenario, str) else scenario)


@contextlib.contextmanager
def serve(
    scenario: str | Scenario = DEFAULT_SCENARIO, faults: Faults | None = None, port: int = 0
) -> Iterator[RunningSimulator]:
    """Serve a scenario on loopback for the duration of the block; yields the running server."""
    loaded = load(scenario) if isinstance(scenario, str) else scenario
    running = RunningSimulator(Simulator(loaded, faults), port).start()
    try:
        yield running
    finally:
        running.stop()
