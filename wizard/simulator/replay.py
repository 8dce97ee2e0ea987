"""`flux-setup simulator --replay FILE`: a recording served back. Each request is matched by
method, path and model (the body's `model`), repeats in the order they were recorded, and is
answered with the recorded status, headers and body. A request the recording has no answer
for gets a 599 that names it (and `x-should-retry: false`): never a guess. An exchange that
had no answer (a timeout, a reset) waits as long as it did, then resets the connection."""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from wizard.jsontypes import as_object
from wizard.keys import API_KEY_PREFIX
from wizard.recording import THIS_KEY_HINT, Exchange, Recording

REPLAY_STATUS = 599
MAX_WAIT = 60.0  # seconds a recorded non-answer is replayed for, at most
Key = tuple[str, str, "str | None"]


def match_key(method: str, path: str, body: object) -> Key:
    model = as_object(body).get("model")
    return method.upper(), path, model if isinstance(model, str) else None


def hint(key: str) -> str:
    """An API key's `partial_key_hint`, as the Admin API gives it."""
    return f"{key[:16]}...{key[-4:]}"


def _transient(status: int) -> bool:
    return status in (408, 409, 429) or (500 <= status < 600 and status != REPLAY_STATUS)


class Replay:
    """The recording's answers, queued per request; thread-safe."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self._queues: dict[Key, deque[Exchange]] = defaultdict(deque)
        for exchange in recording.exchanges:
            key = (exchange.method, exchange.path, exchange.model)
            self._queues[key].append(exchange)
        self._last: dict[Key, Exchange] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self.api_key = ""  # the last API key presented: the Admin API's record names it
        self.unanswered: list[str] = []

    def next(self, method: str, path: str, body: object) -> Exchange | None:
        key = match_key(method, path, body)
        with self._lock:
            queue = self._queues.get(key)
            if queue:
                self._last[key] = queue[0]
                return queue.popleft()
            last = self._last.get(key)
            if last is not None and last.status is not None and _transient(last.status):
                # retried for longer than when it was recorded (the budget is a clock's, and
                # the recording run was slower): a transient refusal answers again the same
                return last
            what = f"{key[0]} {key[1]}" + (f" (model {key[2]})" if key[2] else "")
            self.unanswered.append(what)
            return None

    def saw_key(self, key: str) -> None:
        if key.startswith(API_KEY_PREFIX):
            with self._lock:
                self.api_key = key


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        replay = self.server.replay
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        authorization = self.headers.get("authorization", "")
        replay.saw_key(self.headers.get("x-api-key") or authorization.removeprefix("Bearer "))
        path = urlsplit(self.path).path
        exchange = replay.next(method, path, body)
        if exchange is None:
            return self._unrecorded(method, path, body)
        if exchange.status is None:  # no answer came: none comes now either
            replay.stopping.wait(min((exchange.ms or 0) / 1000, MAX_WAIT))
            return self._reset()
        if exchange.body_text is not None:
            data = exchange.body_text.encode("utf-8")
        else:
            text = json.dumps(exchange.body)
            data = text.replace(THIS_KEY_HINT, hint(replay.api_key)).encode("utf-8")
        self._send(exchange.status, data, dict(exchange.headers))

    def _unrecorded(self, method: str, path: str, body: object) -> None:
        model = match_key(method, path, body)[2]
        what = f"{method} {path}" + (f" (model {model})" if model else "")
        error = {
            "type": "replay_error",
            "message": f"flux-setup replay: the recording has no answer for {what}",
        }
        data = json.dumps({"type": "error", "error": error, "request_id": None}).encode()
        self._send(REPLAY_STATUS, data, {"x-should-retry": "false"})

    def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        headers.setdefault("content-type", "application/json")
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _reset(self) -> None:
        try:  # SO_LINGER 0: close() sends RST, as a connection cut off
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, replay: Replay) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.replay = replay

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, OSError)):
            return  # a client that gave up: its business
        super().handle_error(request, client_address)


class RunningReplay:
    """A replay serving on 127.0.0.1 in a background thread (like `RunningSimulator`)."""

    def __init__(self, recording: Recording, port: int = 0) -> None:
        self.replay = Replay(recording)
        self._server = _Server(port, self.replay)
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> RunningReplay:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.replay.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningReplay:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
