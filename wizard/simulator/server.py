"""An HTTP simulator of the Anthropic API, on loopback, for tests, benchmarks and the demo.

It is faithful where the wizard's decisions depend on it: the Models API (pagination, lifecycle
filter, retrieve), the 1-token Messages call, error bodies and status codes, `request-id` and
`anthropic-ratelimit-*` headers. Faults (latency, error storms, resets, hangs) are settable per
run and can be changed while it serves.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from wizard.constants import DEFAULT_SCENARIO, ORG_HEADER, SPEND_LIMIT_ERROR_CODE, SUPPORT_URL
from wizard.jsontypes import JsonObject
from wizard.keys import OAUTH_PREFIX
from wizard.simulator import admin
from wizard.simulator.engine import (
    CREDIT_MESSAGE,
    OAUTH_MESSAGE,
    ApiError,
    Counters,
    Faults,
    Simulator,
    count_tokens,
    json_body,
    key_is_well_formed,
    page_limit,
    ratelimit_headers,
    scripted,
    transient,
)
from wizard.simulator.scenarios import Scenario, SimModel, load, public_model

if TYPE_CHECKING:
    import ssl  # a server context, handed in (tests/test_tls.py)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The response goes out in several small writes: with Nagle's algorithm on, each kept-alive
    # request waited ~40 ms for the client's delayed ACK (measured: 47 ms per verification).
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: tests and the demo own the terminal

    # -- plumbing ---------------------------------------------------------------------------
    def _send(self, status: int, body: JsonObject | str, headers: dict[str, str]) -> None:
        # a text body is a page from something in front of the API (a proxy's HTML)
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        kind = "text/html; charset=utf-8" if isinstance(body, str) else "application/json"
        self.send_header("content-type", kind)
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
            # every answer names the organisation the key belongs to, as the API's do
            headers = {"request-id": request_id, ORG_HEADER: sim.scenario.organization}
            try:
                if fault == "fail":
                    raise transient(sim.faults)
                status, payload, extra = self._dispatch(method, path, url.query, body)
                headers.update(extra)
                self._send(status, payload, headers)
            except ApiError as err:
                headers.update(err.headers)
                if err.body is not None:
                    self._send(err.status, err.body, headers)
                    return
                error: JsonObject = {"type": err.err_type, "message": err.message}
                if err.error_code or err.extra_details:
                    details: JsonObject = dict(err.extra_details)
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

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
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
            raise ApiError(401, "authentication_error", "x-api-key header is required")
        if key.startswith(OAUTH_PREFIX):
            raise ApiError(400, "invalid_request_error", OAUTH_MESSAGE)
        if not key_is_well_formed(key) or key in sim.scenario.revoked_keys:
            raise ApiError(401, "authentication_error", "invalid x-api-key")
        sim.saw_key(key)  # the Admin API lists a record for each key presented
        if admin.key_refused(sim.scenario):  # expired, archived or inactive: a 401, as the API
            raise ApiError(401, "authentication_error", "invalid x-api-key")
        if sim.scenario.billing == "organization_on_hold":
            raise ApiError(
                400,
                "invalid_request_error",
                "Your organization has been disabled. Contact support if you believe this is an error.",
                error_code="organization_on_hold",
                extra_details={"appeal_url": SUPPORT_URL},
            )

    def _dispatch(
        self, method: str, path: str, query: str, body: bytes
    ) -> tuple[int, JsonObject, dict[str, str]]:
        route = _route(path)
        if route == "unknown":
            raise ApiError(404, "not_found_error", "Not found")
        if route.startswith(admin.PREFIX):
            if method != "GET":
                raise ApiError(405, "invalid_request_error", f"{method} is not allowed on {path}")
            admin.authenticate(self._key(), self.server.sim.scenario)
            sim = self.server.sim
            return 200, admin.answer(sim.scenario, route, path, query, sim.keys_seen()), {}
        self._authenticate()
        scenario = self.server.sim.scenario
        if method == "GET" and route == "/v1/models":
            scripted(scenario.response_for("models", None), self._key())
            return 200, self._list_models(parse_qs(query)), {}
        if method == "GET" and route == "/v1/models/{id}":
            model_id = unquote(path[len("/v1/models/") :])
            model = scenario.find(model_id)
            scripted(scenario.response_for("model", model), self._key())
            if model is None:
                raise ApiError(404, "not_found_error", f"model: {model_id}")
            return 200, public_model(model), {}
        if method == "POST" and route == "/v1/messages":
            return self._messages(body)
        if method == "POST" and route == "/v1/messages/count_tokens":
            request = json_body(body)
            self._callable_model(request)  # a model this organisation may call, or refused
            return 200, {"input_tokens": count_tokens(request)}, {}
        raise ApiError(405, "invalid_request_error", f"{method} is not allowed on {path}")

    def _list_models(self, params: dict[str, list[str]]) -> JsonObject:
        lifecycles: list[str] = []
        for name in ("lifecycle", "lifecycle[]"):
            for value in params.get(name, []):
                lifecycles.extend(v for v in value.split(",") if v)
        allowed = {"active", "deprecated", "retired"}
        if any(v not in allowed for v in lifecycles) or len(lifecycles) > 3:
            raise ApiError(
                400, "invalid_request_error", "lifecycle: up to 3 of active, deprecated, retired"
            )
        wanted = frozenset(lifecycles) if lifecycles else frozenset({"active", "deprecated"})
        selected, positions = self.server.sim.listing(wanted)
        limit = page_limit(params)
        after = params.get("after_id", [None])[0]
        before = params.get("before_id", [None])[0]
        for cursor in (after, before):
            if cursor is not None and cursor not in positions:
                raise ApiError(404, "not_found_error", f"model: {cursor}")
        if after is not None:
            start = positions[after] + 1
            page, has_more = selected[start : start + limit], len(selected) > start + limit
        elif before is not None:
            end = positions[before]
            page, has_more = selected[max(0, end - limit) : end], end > limit
        else:
            page, has_more = selected[:limit], len(selected) > limit
        return {
            "data": [public_model(m) for m in page],
            "has_more": has_more,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
        }

    def _callable_model(self, request: JsonObject) -> SimModel:
        sim = self.server.sim
        model_id = request.get("model")
        if not isinstance(model_id, str) or not model_id:
            raise ApiError(400, "invalid_request_error", "model: Field required")
        model = sim.scenario.find(model_id)
        if model is None or not sim.scenario.may_call(model):
            raise ApiError(404, "not_found_error", f"model: {model_id}")
        return model

    def _messages(self, body: bytes) -> tuple[int, JsonObject, dict[str, str]]:
        sim = self.server.sim
        request = json_body(body)
        max_tokens = request.get("max_tokens")
        if not isinstance(max_tokens, int) or max_tokens < 1:
            raise ApiError(400, "invalid_request_error", "max_tokens: Field required")
        if not isinstance(request.get("messages"), list) or not request["messages"]:
            raise ApiError(400, "invalid_request_error", "messages: Field required")
        billing = sim.scenario.billing
        if billing == "credit_balance_too_low":
            raise ApiError(400, "invalid_request_error", CREDIT_MESSAGE)
        if billing == "spend_limit_reached":
            raise ApiError(
                429,
                "rate_limit_error",
                "Your organization has reached its monthly spend limit for its usage tier.",
                error_code=SPEND_LIMIT_ERROR_CODE,
                headers={"x-should-retry": "false"},
            )
        requested = request.get("model")
        found = sim.scenario.find(requested) if isinstance(requested, str) else None
        scripted(sim.scenario.response_for("messages", found), self._key())
        model = self._callable_model(request)
        for param in model.get("sim_rejects", []):
            if param in request:
                raise ApiError(
                    400,
                    "invalid_request_error",
                    f"{param}: is not supported by this model",
                )
        if max_tokens > (model.get("max_tokens") or 64000):
            raise ApiError(400, "invalid_request_error", "max_tokens: exceeds the model's limit")
        input_tokens = count_tokens(request)
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
        return 200, payload, ratelimit_headers(sim.scenario, input_tokens, output_tokens)


def _route(path: str) -> str:
    organization = admin.route(path)
    if organization is not None:
        return organization
    if path in ("/v1/models", "/v1/messages", "/v1/messages/count_tokens"):
        return path
    if path.startswith("/v1/models/") and len(path) > len("/v1/models/"):
        return "/v1/models/{id}"
    return "unknown"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], sim: Simulator) -> None:
        super().__init__(address, _Handler)
        self.sim = sim

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        """A client that hung up before its answer was sent (a timed-out request, Ctrl-C) is
        the client's business, not a traceback on the simulator's terminal."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class RunningSimulator:
    """A simulator serving on 127.0.0.1 in a background thread."""

    def __init__(self, sim: Simulator, port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        self.sim = sim
        self._server = _Server(("127.0.0.1", port), sim)
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        if tls is not None:  # HTTPS with the caller's certificate (the tests of verification)
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self.base_url = f"https://127.0.0.1:{self.port}"
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
    scenario: str | Scenario = DEFAULT_SCENARIO,
    faults: Faults | None = None,
    port: int = 0,
    tls: ssl.SSLContext | None = None,
) -> Iterator[RunningSimulator]:
    """Serve a scenario on loopback for the duration of the block; yields the running server."""
    loaded = load(scenario) if isinstance(scenario, str) else scenario
    running = RunningSimulator(Simulator(loaded, faults), port, tls).start()
    try:
        yield running
    finally:
        running.stop()
