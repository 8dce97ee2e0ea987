"""`--record FILE`: every exchange with the API, in order, as JSON lines, redacted on the way in.

The format's one home: the recorder (fed by the SDK's own HTTP client through event hooks, so
every request is seen, retries and the Admin API's included, whatever proxy carries it), the
file it writes, and the reader the replay and `--scenario-from` use.

A recording is: one header line (the format, a note that it holds no key, the versions, what
was asked), one line per exchange (method, path, query, the request body, status, the response
headers on an allow-list, the response body, milliseconds), one outcome line (the command's
verdict). Keys and secrets are masked as each exchange arrives (`keys.mask_secrets`, and any
eight-character window of a key this command holds), never kept in the clear."""

from __future__ import annotations

import json
import platform
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.keys import ADMIN_PREFIX, API_KEY_PREFIX, ApiKey, mask_secrets

FORMAT = "flux-setup-recording/1"
NOTE = (
    "This recording holds no API key or admin key: every key and secret was masked as it was "
    "recorded (at most its first 12 and last 4 characters are left)."
)
# Response headers kept: what the program reads; cookies and the rest say nothing it uses.
HEADERS = (
    "content-type",
    "request-id",
    "anthropic-organization-id",
    "retry-after",
    "retry-after-ms",
    "x-should-retry",
)
HEADER_PREFIXES = ("anthropic-ratelimit-",)
MAX_BODY = 2_000_000  # characters of one answer kept; the rest is cut, and said
MAX_EXCHANGES = 5_000  # a run that pages for ever is still a file of bounded size
# Stands where the Admin API's record of the presented API key gives its hint: the replay
# puts the hint of the key presented to it there, so the record matches that key again.
THIS_KEY_HINT = "{partial_key_hint of the API key presented}"
REDACTED_ORG = "00000000-0000-4000-8000-000000000000"
WINDOW = 8  # no run of this many characters of a key's secret part is ever kept
_SEQ = "flux_setup_seq"  # the request's own slot (httpx extensions) for its exchange


class RecordingError(ValueError):
    """A file that is not a recording flux-setup can read: said with where and why."""


@dataclass
class Exchange:
    seq: int
    method: str
    path: str
    query: str
    request_body: Any = None
    started: float = 0.0
    status: int | None = None  # None: no answer (a timeout, a reset, a trickle cut off)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    body_text: str | None = None
    ms: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "seq": self.seq,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "request_body": self.request_body,
        }
        if self.status is None:
            out["no_answer"] = True
            return out
        out.update(status=self.status, headers=self.headers, ms=self.ms)
        if self.body_text is not None:
            out["body_text"] = self.body_text
        else:
            out["body"] = self.body
        return out


class Redactor:
    """Masks every secret in a server's or the program's text: key shapes (`mask_secrets`), the
    keys this command holds (whole, or any window of their secret part), and the organisation
    with `--redact-org`."""

    def __init__(self, *, redact_org: bool = False) -> None:
        self.redact_org = redact_org
        self._keys: list[ApiKey] = []
        self._windows: set[str] = set()
        self._organizations: set[str] = set()

    def hide(self, key: ApiKey) -> None:
        value = key.reveal()
        if not value or any(k.reveal() == value for k in self._keys):
            return
        self._keys.append(key)
        prefix = next((p for p in (API_KEY_PREFIX, ADMIN_PREFIX) if value.startswith(p)), "")
        secret = value[len(prefix) :]
        self._windows |= {secret[i : i + WINDOW] for i in range(len(secret) - WINDOW + 1)}

    def saw_organization(self, organization: str) -> None:
        if self.redact_org and organization:
            self._organizations.add(organization)

    def text(self, value: str) -> str:
        for key in self._keys:
            value = key.scrub(value)
        value = mask_secrets(value)
        value = self._cut_windows(value)
        for organization in self._organizations:
            value = value.replace(organization, REDACTED_ORG)
        return value

    def _cut_windows(self, value: str) -> str:
        spans: list[tuple[int, int]] = []
        for window in self._windows:
            at = value.find(window)
            while at != -1:
                spans.append((at, at + WINDOW))
                at = value.find(window, at + 1)
        if not spans:
            return value
        spans.sort()
        out, last = [], 0
        for start, end in spans:
            if start < last:  # overlapping windows: one cut
                last = max(last, end)
                continue
            out.append(value[last:start] + "[redacted]")
            last = end
        return "".join(out) + value[last:]

    def data(self, value: Any) -> Any:
        """A JSON value with every string (keys of objects too) redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.data(v) for v in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        return value

    def matches_hint(self, hint: str) -> bool:
        """Whether an Admin API `partial_key_hint` is an API key's this command holds."""
        if hint.count("...") != 1:
            return False
        head, tail = hint.split("...")
        return len(head) >= 7 and any(
            k.reveal().startswith(head) and k.reveal().endswith(tail) for k in self._keys
        )


class Recorder:
    """Collects the exchanges of one command (every client it makes), redacted as they come."""

    def __init__(self, *, redact_org: bool = False, clock: Callable[[], float] = time.monotonic):
        self.redactor = Redactor(redact_org=redact_org)
        self._clock = clock
        self._lock = threading.Lock()
        self._exchanges: dict[int, Exchange] = {}
        self._next = 0
        self.dropped = 0  # exchanges past MAX_EXCHANGES

    def hide(self, key: ApiKey) -> None:
        with self._lock:
            self.redactor.hide(key)

    def on_request(self, request: Any) -> None:
        """httpx's request hook (in the request's thread)."""
        with self._lock:
            if len(self._exchanges) >= MAX_EXCHANGES:
                self.dropped += 1
                return
            self._next += 1
            seq = self._next
            request.extensions[_SEQ] = seq
            try:
                content = request.content
            except Exception:  # a streamed body (the SDK never sends one): not kept
                content = b""
            self._exchanges[seq] = Exchange(
                seq,
                request.method,
                self.redactor.text(request.url.path),
                self.redactor.text(request.url.query.decode("utf-8", "replace")),
                self._body(content)[0] if content else None,
                started=self._clock(),
            )

    def on_response(self, response: Any) -> None:
        """httpx's response hook: the body is read here (the SDK reads it next anyway)."""
        seq = response.request.extensions.get(_SEQ)
        response.read()
        with self._lock:
            exchange = self._exchanges.get(seq) if isinstance(seq, int) else None
            if exchange is None:
                return
            organization = response.headers.get("anthropic-organization-id")
            if organization:
                self.redactor.saw_organization(organization.strip().lower())
            exchange.status = response.status_code
            exchange.ms = round((self._clock() - exchange.started) * 1000, 1)
            exchange.headers = {
                name: self.redactor.text(value)
                for name, value in response.headers.items()
                if name.lower() in HEADERS or name.lower().startswith(HEADER_PREFIXES)
            }
            exchange.body, exchange.body_text = self._body(response.content)

    def _body(self, content: bytes) -> tuple[Any, str | None]:
        text = content.decode("utf-8", "replace")
        if len(text) > MAX_BODY:
            return None, self.redactor.text(text[:MAX_BODY]) + " [cut: the answer was longer]"
        try:
            data = json.loads(text)
        except ValueError:
            return None, self.redactor.text(text)
        return self.redactor.data(self._key_hints(data)), None

    def _key_hints(self, data: Any) -> Any:
        """The Admin API's record of a key this command holds: its hint becomes THIS_KEY_HINT
        (the replay gives the key presented to it the same record)."""
        rows = data.get("data") if isinstance(data, dict) else None
        for row in rows if isinstance(rows, list) else []:
            hint = row.get("partial_key_hint") if isinstance(row, dict) else None
            if isinstance(hint, str) and self.redactor.matches_hint(hint):
                row["partial_key_hint"] = THIS_KEY_HINT
        return data

    def exchanges(self) -> list[dict[str, Any]]:
        """In the order they were asked; one never answered says how long it was waited for."""
        now = self._clock()
        with self._lock:
            rows = []
            for seq in sorted(self._exchanges):
                exchange = self._exchanges[seq]
                row = exchange.to_json()
                if exchange.status is None:
                    row["ms"] = round((now - exchange.started) * 1000, 1)
                rows.append(row)
            return rows


def header(command: str, invocation: dict[str, Any], recorded_at: str) -> dict[str, Any]:
    from importlib import metadata

    from wizard import __version__

    try:
        sdk = metadata.version("anthropic")
    except metadata.PackageNotFoundError:
        sdk = None
    return {
        "format": FORMAT,
        "note": NOTE,
        "flux_setup": __version__,
        "anthropic": sdk,
        "python": platform.python_version(),
        "platform": sys.platform,
        "command": command,
        "invocation": invocation,
        "recorded_at": recorded_at,
    }


def lines(head: dict[str, Any], recorder: Recorder, outcome: dict[str, Any]) -> str:
    """The recording as text: header, exchanges, outcome; every string redacted once more."""
    # Once more, every row: a key the command learnt after an exchange arrived (the admin
    # key, read after the API key's listing) is masked there too.
    redact = recorder.redactor.data
    rows: list[dict[str, Any]] = [
        redact(head),
        *(redact(row) for row in recorder.exchanges()),
        {"outcome": redact(outcome), "dropped_exchanges": recorder.dropped},
    ]
    return "".join(json.dumps(row, ensure_ascii=True, sort_keys=False) + "\n" for row in rows)


def write(path: Path, text: str) -> None:
    """Atomically, mode 0600: a recording is the user's, whatever their umask."""
    from wizard.fileio import write_atomic

    write_atomic(path, text.encode("utf-8"), 0o600, keep_mode=False)


@dataclass
class Recording:
    header: dict[str, Any]
    exchanges: list[dict[str, Any]]
    outcome: dict[str, Any]

    @property
    def recorded_at(self) -> str:
        return str(self.header.get("recorded_at") or "")


def parse(text: str, where: str = "the recording") -> Recording:
    """A recording from its text (or the recording a `doctor --report` file holds)."""
    stripped = text.lstrip()
    if stripped.startswith("{") and '"report"' in stripped[:200]:
        try:
            embedded = json.loads(text).get("recording")
        except (ValueError, AttributeError):
            embedded = None
        if isinstance(embedded, list):
            return _rows(embedded, where)
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise RecordingError(f"{where}, line {number}: not JSON ({exc.msg})") from None
    return _rows(rows, where)


def _rows(rows: Iterable[Any], where: str) -> Recording:
    items = list(rows)
    if not items or not isinstance(items[0], dict) or items[0].get("format") != FORMAT:
        raise RecordingError(f"{where} is not a flux-setup recording (no `{FORMAT}` header)")
    outcome: dict[str, Any] = {}
    exchanges = []
    for row in items[1:]:
        if not isinstance(row, dict):
            raise RecordingError(f"{where}: an entry that is not a JSON object")
        if "outcome" in row:
            outcome = row["outcome"] if isinstance(row["outcome"], dict) else {}
        elif isinstance(row.get("method"), str) and isinstance(row.get("path"), str):
            exchanges.append(row)
        else:
            raise RecordingError(f"{where}: an exchange without a method and a path")
    return Recording(items[0], exchanges, outcome)
