"""A small stdlib server that answers like a hostile or broken Anthropic API: it echoes the key
in every field it controls, trickles bytes, sends junk, lies about retry-after, paginates for
ever, and names models with escape sequences. For tests only; loopback only."""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

GOOD_MODELS = [
    {"id": "claude-opus-5-5", "display_name": "Claude Opus 5.5", "line": "opus"},
    {"id": "claude-sonnet-5-5", "display_name": "Claude Sonnet 5.5", "line": "sonnet"},
    {"id": "claude-haiku-5-5", "display_name": "Claude Haiku 5.5", "line": "haiku"},
]


def secret_of(key: str) -> str:
    """A key's secret part: what follows `sk-ant-api03-` (or `sk-ant-admin01-`)."""
    return key.split("-", 3)[-1] if key.startswith("sk-ant-") else key


def key_forms(key: str) -> dict[str, str]:
    """The key as the round-4 attacks carried it: every form the scrubber must remove."""
    secret = secret_of(key)
    return {
        "bare": secret,
        "upper": secret.upper(),
        "lower": secret.lower(),
        "reversed": secret[::-1],
        "base64": base64.b64encode(key.encode()).decode(),
        "base64url": base64.urlsafe_b64encode(b"x" + secret.encode()).decode(),
        "url": "".join(f"%{b:02X}" for b in secret.encode()),
        "pieces": " ".join(secret[i : i + 7] for i in range(0, len(secret), 7)),
        "dotted": ".".join(secret[i : i + 7] for i in range(0, len(secret), 7)),
    }


def pieces_models(key: str) -> list[dict[str, Any]]:
    """A listing whose newest entries carry the key: an ID of 60 characters of its secret part
    (no prefix), and a display name of its pieces; then the good models."""
    forms = key_forms(key)
    return [
        {"id": forms["bare"][:60], "display_name": "Claude Opus 9", "line": "opus"},
        {"id": "claude-opus-9-9", "display_name": forms["pieces"], "line": "opus"},
        {"id": "claude-opus-9-8", "display_name": forms["base64"], "line": "opus"},
        *[dict(m) for m in GOOD_MODELS],
    ]


def also_models(keys: list[str]) -> list[dict[str, Any]]:
    """Models named after more keys: each form of each key as a display name, and its bare
    secret part as an ID."""
    return [
        {"id": f"claude-opus-9-{i}{j}", "display_name": value, "line": "opus"}
        for i, key in enumerate(keys)
        for j, value in enumerate([*key_forms(key).values(), key])
    ] + [{"id": secret_of(key)[:60], "display_name": "Opus", "line": "opus"} for key in keys]


def pieces_headers(key: str) -> dict[str, str]:
    forms = key_forms(key)
    return {
        "request-id": f"req_{forms['base64']}",
        "anthropic-ratelimit-requests-limit": forms["reversed"],
        "anthropic-ratelimit-tokens-limit": forms["dotted"],
        f"anthropic-ratelimit-{forms['lower'][:24]}": "1",
    }


def pieces_message(key: str) -> str:
    forms = key_forms(key)
    return " ".join(f"{name}: {value}" for name, value in forms.items())


MARKDOWN = "50 | # H [click](javascript:alert(1)) <img src=x onerror=alert(1)> @everyone"


def model(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "model",
        "created_at": "2026-01-01T00:00:00Z",
        "lifecycle": "active",
        "deprecated_at": None,
        "retires_at": None,
        **data,
    }


@dataclass
class Hostile:
    """What the server does. `mode` picks the behaviour; `key` is echoed where asked."""

    mode: str = "ok"
    key: str = ""
    models: list[dict[str, Any]] = field(default_factory=lambda: [dict(m) for m in GOOD_MODELS])
    requests: int = 0
    extra_headers: dict[str, str] = field(default_factory=dict)  # sent with every answer
    also: list[str] = field(default_factory=list)  # more keys echoed, in `pieces` modes
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(
        self, status: int, body: bytes, headers: dict[str, str] | None = None, *, kind: str = ""
    ) -> None:
        self.send_response(status)
        self.send_header("content-type", kind or "application/json")
        self.send_header("content-length", str(len(body)))
        for name, value in {**(headers or {}), **self.server.hostile.extra_headers}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.server.hostile.mode == "trickle":
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        else:
            self.wfile.write(body)

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data).encode(), headers)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.body = json.loads(self.rfile.read(length) or b"null")
        self._answer()

    def _answer(self) -> None:
        h = self.server.hostile
        with h.lock:
            h.requests += 1
        key = h.key
        parts = urlsplit(self.path)
        mode = h.mode
        if mode == "redirect":  # to another origin, whose answer must not count
            return self._send(307, b"", {"location": f"{h.key}{self.path}"})
        if mode == "html":
            page = b"<html><head><title>Hotel WiFi</title></head><body>Log in</body></html>"
            return self._send(200, page, kind="text/html")
        if mode == "malformed-json":
            return self._send(200, b'{"data": [{"id": "claude-opus-5-5",')
        if mode == "echo-error":
            headers = {"request-id": f"req_{key}", "retry-after": "0.05"}
            body = {
                "type": "error",
                "error": {"type": f"error_{key}", "message": f"bad key {key}..."},
            }
            return self._json(400, body, headers)
        if mode == "retry-after":
            value = getattr(self.server, "retry_after", "0")
            body = {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}
            return self._json(529, body, {"retry-after": value})
        if parts.path.rstrip("/") == "/v1/models":
            return self._list(parse_qs(parts.query))
        if parts.path.startswith("/v1/models/") and mode == "model-is-message":
            message = {"type": "message", "id": "msg_1", "role": "assistant", "content": []}
            return self._json(200, message)  # an answer of the wrong kind for a lookup
        if parts.path.startswith("/v1/models/"):
            wanted = parts.path.rsplit("/", 1)[1]
            found = next((m for m in h.models if m.get("id") == wanted), None)
            if found is None:
                err = {"type": "not_found_error", "message": f"model: {wanted}"}
                return self._json(404, {"type": "error", "error": err})
            return self._json(200, model(found))
        if parts.path == "/v1/messages":
            return self._message()
        if parts.path.startswith("/v1/organizations/") and mode == "huge-admin":
            return (
                self._endless_body()
                if "api_keys" in parts.path
                else self._send(
                    200, b'{"data": [' + b'{"id": "rl_1"},' * 800_000 + b'{}], "next_page": null}'
                )
            )  # a 12 MB page, its size said up front
        if parts.path.startswith("/v1/organizations/"):
            return self._json(200, organization(parts.path, parse_qs(parts.query), h))
        self._json(404, {"type": "error", "error": {"type": "not_found_error", "message": "?"}})

    def _endless_body(self) -> None:
        """A listing that never ends, as fast as the client reads (no content-length)."""
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("connection", "close")
        self.end_headers()
        entry = json.dumps(model({"id": "claude-opus-5-5", "display_name": "x", "line": "opus"}))
        chunk = (entry + ",") * 1000
        self.wfile.write(b'{"data": [')
        try:
            while True:
                self.wfile.write(chunk.encode())
        except OSError:
            self.close_connection = True

    def _list(self, params: dict[str, list[str]]) -> None:
        h = self.server.hostile
        if h.mode == "endless-body":
            return self._endless_body()
        if h.mode == "wrong-shape":
            return self._json(200, {"data": "none", "has_more": "maybe"})
        if h.mode == "endless":
            after = (params.get("after_id") or ["page-0"])[0]
            n = int(after.rsplit("-", 1)[1]) + 1 if after.startswith("page-") else 1
            data = [model({"id": f"page-{n}", "display_name": "x", "line": "opus"})]
            return self._json(
                200,
                {"data": data, "has_more": True, "first_id": f"page-{n}", "last_id": f"page-{n}"},
            )
        data = [model(m) for m in h.models]
        headers = {}
        if h.mode == "markdown":
            for m in data:
                m["display_name"] = f"{m['display_name']} {MARKDOWN}"
        if h.mode in ("pieces", "pieces-error"):
            data = [model(m) for m in pieces_models(h.key)]
            headers = pieces_headers(h.key)
            data[3:3] = [model(m) for m in also_models(h.also)]
            for k in h.also:  # in the request ID a recording keeps
                headers["request-id"] += f" {key_forms(k)['pieces']} {key_forms(k)['base64']}"
        if h.mode == "echo-ok":
            headers = {"request-id": f"req_{h.key}"}
            for m in data:
                m["display_name"] = f"{m['display_name']} {h.key}"
                m["echo"] = h.key[15:47]  # a piece of it, as a truncating server might
        first = data[0]["id"] if data else None
        last = data[-1]["id"] if data else None
        body = {"data": data, "has_more": False, "first_id": first, "last_id": last}
        self._json(200, body, headers)

    def _message(self) -> None:
        h = self.server.hostile
        model = (getattr(self, "body", None) or {}).get("model")
        if h.mode == "gated" and model == "claude-opus-5-5":  # a flagship for approved customers
            err = {"type": "not_found_error", "message": f"model: {model}"}
            return self._json(404, {"type": "error", "error": err, "request_id": "req_gated"})
        if h.mode == "pieces-error":  # the key without its prefix, and in every other form
            said = " ".join(pieces_message(k) for k in (h.key, *h.also))
            err = {"type": "permission_error", "message": said}
            headers = pieces_headers(h.key)
            return self._json(403, {"type": "error", "error": err}, headers)
        usage: Any = {"input_tokens": 8, "output_tokens": 1}
        if h.mode == "bad-usage":
            usage = {"input_tokens": "eight", "output_tokens": None}
        headers = {"request-id": "req_ok", "anthropic-ratelimit-requests-limit": "50"}
        if h.mode == "pieces":
            headers = {**pieces_headers(h.key), "anthropic-ratelimit-requests-limit": "50"}
        if h.mode == "markdown":  # what a checklist must never render, in the limits' place
            headers = {
                "request-id": "req_ok",
                "anthropic-ratelimit-requests-limit": MARKDOWN,
                "anthropic-ratelimit-tokens-limit": "fifty",
                "anthropic-ratelimit-x_javascript-alert": "1",
            }
        if h.mode == "echo-ok":
            headers = {
                "request-id": f"req_{h.key}",
                "anthropic-ratelimit-requests-limit": h.key,
                f"anthropic-ratelimit-{h.key}": "1",
            }
        body = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-opus-5-5",
            "content": [{"type": "text", "text": "H"}],
            "stop_reason": "max_tokens",
            "stop_sequence": None,
            "usage": usage,
        }
        self._json(200, body, headers)


def organization(path: str, params: dict[str, list[str]], h: Hostile) -> dict[str, Any]:
    """The Admin API's answers, with the key (`h.key`: the API key or the admin key) in every
    field a server controls (`pieces`: without its prefix, a key record's `id` too);
    `endless` pages for ever."""
    if h.mode == "many":
        return many_entries(path, h.key)
    key = secret_of(h.key) if h.mode == "pieces" else h.key
    more = h.mode == "endless"
    page = int((params.get("page") or params.get("after_id") or ["0"])[0].rsplit("-", 1)[-1] or 0)
    cursor = f"page-{page + 1}" if more else None
    if path.endswith("/me"):
        return {"id": key, "name": f"Org {key}", "type": "organization"}
    if path.endswith("/rate_limits"):
        entry = {
            "id": f"rl_{key}",
            "type": "rate_limit",
            "group": {"id": f"rlg_{key}", "display_name": f"\x1b[31m{key}", "type": "model_group"},
            "limits": [
                {"type": "requests_per_minute", "value": 50},
                {"type": f"x_{key}", "value": 1},
                {"type": "tokens", "value": key},
            ],
            "models": [key, "claude-opus-5-5", f"claude-{key}"],
        }
        return {"data": [entry], "next_page": cursor}
    if path.endswith("/spend_limits/effective"):
        row = {
            "period": "monthly",
            "amount": key,
            "currency": key,
            "period_to_date_spend": "1",
            "source": {"type": key},
            "actor": {"type": "user_actor", "user_id": key},
        }
        return {"data": [row], "next_page": cursor}
    record = {
        "id": f"apikey_{key}" if h.mode == "pieces" else f"apikey_{page}",
        "type": "api_key",
        "name": f"flux {key}",
        "status": "active",
        "created_at": key,
        "expires_at": None,
        "partial_key_hint": f"{key[:16]}...{key[-4:]}" if key else None,
        "scope": {"type": "workspace", "workspace_id": key},
        "principal": {"type": "user_actor", "user_id": key},
        "created_by": {"type": "user", "name": "Alice Example", "email": "alice@example.com"},
    }
    return {
        "data": [record],
        "has_more": more,
        "first_id": record["id"],
        "last_id": f"apikey-{page + 1}" if more else record["id"],
    }


MANY = 3000  # entries of each Admin API list in `many` mode, on one page


def many_entries(path: str, key: str) -> dict[str, Any]:
    """Well-formed Admin API answers with very long lists: 3,000 rate-limit groups (the first
    with 40 limiters), 3,000 key records (one of them `key`'s), 3,000 spend limits."""
    if path.endswith("/me"):
        return {
            "id": "3c9e1f2a-0000-4000-8000-00000000beef",
            "name": "Acme",
            "type": "organization",
        }
    if path.endswith("/rate_limits"):
        groups = [
            {
                "id": f"rl_{i}",
                "type": "rate_limit",
                "group": {"id": f"rlg_{i}", "display_name": f"Group {i}", "type": "model_group"},
                "limits": [{"type": "requests_per_minute", "value": 50 + i}]
                + ([{"type": f"limiter_{n}", "value": n + 1} for n in range(40)] if i == 0 else []),
                "models": [f"claude-group-{i}"] if i else ["claude-opus-5-5"],
            }
            for i in range(MANY)
        ]
        return {"data": groups, "next_page": None}
    if path.endswith("/spend_limits/effective"):
        rows = [
            {
                "period": ("daily", "weekly", "monthly")[i % 3],
                "amount": str(50000 + i),
                "currency": "USD",
                "period_to_date_spend": "100",
                "source": {"type": "organization"},
            }
            for i in range(MANY)
        ]
        return {"data": rows, "next_page": None}
    records = [
        {
            "id": f"apikey_{i}",
            "type": "api_key",
            "name": f"key {i}",
            "status": "active",
            "created_at": "2026-01-01T00:00:00Z",
            "expires_at": None,
            "partial_key_hint": f"{key[:16]}...{key[-4:]}"
            if i == 7
            else f"sk-ant-api03-{i:03}...ab{i % 10}z",
            "scope": {"type": "workspace", "workspace_id": "wrkspc_1"},
            "principal": {"type": "user_actor", "user_id": "user_1"},
            "created_by": {"type": "user", "name": "Alice Example", "email": "alice@example.com"},
        }
        for i in range(MANY)
    ]
    return {"data": records, "has_more": False, "first_id": "apikey_0", "last_id": "apikey_2999"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up on a trickle: expected, not worth a traceback

    def __init__(self, hostile: Hostile) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hostile = hostile
        self.retry_after = "0"


@contextlib.contextmanager
def hostile(mode: str = "ok", **kwargs: Any) -> Iterator[_Server]:
    server = _Server(Hostile(mode, **kwargs))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def base_url(server: _Server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"
