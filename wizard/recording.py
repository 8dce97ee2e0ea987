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
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from wizard.jsontypes import JsonObject, as_int, as_list, as_object
from wizard.keys import ApiKey
from wizard.redaction import Redactor
from wizard.targets import Target

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
# Characters of answers one recording keeps in all: with the rest of each line, the file stays
# below MAX_RECORDING_BYTES, which the replay reads (what flux-setup writes, it replays).
MAX_TOTAL = 10_000_000  # JSON escapes a character in 6 at most: 60 MB
MAX_RECORDING_BYTES = 64_000_000
MAX_RECORDING_WORDS = "64 MB"
# Stands where the Admin API's record of the presented API key gives its hint: the replay
# puts the hint of the key presented to it there, so the record matches that key again.
THIS_KEY_HINT = "{partial_key_hint of the API key presented}"
_SEQ = "flux_setup_seq"
ADMIN_PATH = "/v1/organizations/"  # the request's own slot (httpx extensions) for its exchange


class _Url(Protocol):
    path: str
    query: bytes


class _Request(Protocol):
    """What httpx hands a request hook (the SDK's own httpx; only these parts are read)."""

    method: str
    url: _Url
    extensions: dict[str, object]

    @property
    def content(self) -> bytes: ...


class _Response(Protocol):
    status_code: int
    request: _Request

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def content(self) -> bytes: ...

    def read(self) -> bytes: ...


class RecordingError(ValueError):
    """A file that is not a recording flux-setup can read: said with where and why."""


class UnreadableRecording(RecordingError):
    """A file no reader can take in (nested too deeply): a files problem (exit 6)."""


# A header a replay may send: a token for a name; a value of visible Latin-1 and spaces (a CR
# or LF would split the answer, a character beyond Latin-1 cannot be sent at all).
HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,99}")
HEADER_VALUE = re.compile(r"[\x20-\x7e\xa0-\xff]{0,2000}")


def sendable_headers(raw: object) -> tuple[dict[str, str], int]:
    """The headers of a recorded answer HTTP can carry, and how many were dropped."""
    kept: dict[str, str] = {}
    items = as_object(raw).items()
    for name, value in items:
        if isinstance(value, str) and HEADER_NAME.fullmatch(name) and HEADER_VALUE.fullmatch(value):
            kept[name] = value
    return kept, len(items) - len(kept)


@dataclass
class Exchange:
    seq: int
    method: str
    path: str
    query: str
    request_body: object = None
    started: float = 0.0
    status: int | None = None  # None: no answer (a timeout, a reset, a trickle cut off)
    headers: dict[str, str] = field(default_factory=dict)
    body: object = None
    body_text: str | None = None
    ms: float | None = None
    dropped_headers: int = 0  # read back: headers HTTP cannot carry (CR, LF, beyond Latin-1)

    @classmethod
    def from_json(cls, row: JsonObject, where: str) -> Exchange:
        """An exchange as `to_json` wrote it; a row of another shape is a RecordingError."""
        method, path, seq = row.get("method"), row.get("path"), as_int(row.get("seq"))
        if not isinstance(method, str) or not isinstance(path, str):
            raise RecordingError(f"{where}: an exchange without a method and a path")
        status = None if row.get("no_answer") else as_int(row.get("status"))
        if status is None and not row.get("no_answer"):
            raise RecordingError(f"{where}: the exchange {method} {path} has no status")
        ms = row.get("ms")
        headers, dropped = sendable_headers(row.get("headers"))
        return cls(
            seq or 0,
            method.upper(),
            path,
            str(row.get("query") or ""),
            row.get("request_body"),
            status=status,
            headers=headers,
            dropped_headers=dropped,
            body=row.get("body"),
            body_text=str(row["body_text"]) if "body_text" in row else None,
            ms=float(ms) if isinstance(ms, (int, float)) and not isinstance(ms, bool) else None,
        )

    @property
    def model(self) -> str | None:
        """The model a request names (a verification call's body), if any."""
        model = as_object(self.request_body).get("model")
        return model if isinstance(model, str) else None

    def to_json(self) -> JsonObject:
        out: JsonObject = {
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


class Recorder:
    """Collects the exchanges of one command (every client it makes), redacted as they come."""

    def __init__(self, *, redact_org: bool = False, clock: Callable[[], float] = time.monotonic):
        self.redactor = Redactor(redact_org=redact_org)
        self._clock = clock
        self._lock = threading.Lock()
        self._exchanges: dict[int, Exchange] = {}
        self._next = 0
        self.dropped = 0  # exchanges past MAX_EXCHANGES
        self._kept = 0  # characters of answers kept so far (MAX_TOTAL at most)
        self.generation = -1  # the keys held when the first exchange was redacted

    def hide(self, key: ApiKey) -> None:
        with self._lock:
            self.redactor.hide(key)

    def on_request(self, request: _Request) -> None:
        """httpx's request hook (in the request's thread)."""
        with self._lock:
            if len(self._exchanges) >= MAX_EXCHANGES:
                self.dropped += 1
                return
            self._next += 1
            seq = self._next
            if self.generation == -1:
                from wizard import redaction

                self.generation = redaction.generation()
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

    def on_response(self, response: _Response) -> None:
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
                self.redactor.text(name): self.redactor.text(value)
                for name, value in response.headers.items()
                if (name.lower() in HEADERS or name.lower().startswith(HEADER_PREFIXES))
                and HEADER_NAME.fullmatch(name)
            }
            if self.redactor.redact_org and exchange.path.startswith(ADMIN_PATH):
                self.redactor.saw_people(response.content)  # before the body is redacted
            exchange.body, exchange.body_text = self._body(response.content)

    def _body(self, content: bytes) -> tuple[object, str | None]:
        text = content.decode("utf-8", "replace")
        room = max(0, MAX_TOTAL - self._kept)  # the file stays one its replay reads
        self._kept += min(len(text), MAX_BODY, room)
        if len(text) > min(MAX_BODY, room):
            cut = text[: min(MAX_BODY, room)]
            return None, self.redactor.text(cut) + " [cut: the answer was longer]"
        try:
            raw = json.loads(text)
        except (ValueError, RecursionError):  # junk, or nested deeper than any reader goes
            return None, self.redactor.text(text)
        # The Admin API's hint of this key first: the scrub below would cut it (it is part of
        # the key), and the replay could no longer give the key presented its record.
        text = self.redactor.text(json.dumps(self._key_hints(raw)))  # once, as one text
        try:
            return json.loads(text), None
        except (ValueError, RecursionError):  # pragma: no cover - the scrub keeps JSON whole
            return None, text

    def _key_hints(self, data: object) -> object:
        """The Admin API's record of a key this command holds: its hint becomes THIS_KEY_HINT
        (the replay gives the key presented to it the same record)."""
        for row in as_list(as_object(data).get("data")):
            hint = as_object(row).get("partial_key_hint")
            if isinstance(row, dict) and isinstance(hint, str) and self.redactor.matches_hint(hint):
                row["partial_key_hint"] = THIS_KEY_HINT
        return data

    def exchanges(self) -> list[JsonObject]:
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


def header(command: str, invocation: JsonObject, recorded_at: str) -> JsonObject:
    from wizard import __version__
    from wizard.versions import installed

    sdk = installed("anthropic")
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


def rows(head: JsonObject, recorder: Recorder, outcome: JsonObject) -> list[object]:
    """The recording's rows: header, exchanges, outcome; the exchanges redacted once more when
    a key was held after they arrived (the admin key read after the API key's listing is
    masked there too), not otherwise: a recording of 5,000 pages is not redacted twice."""
    from wizard import redaction

    redact = recorder.redactor.data
    exchanges = recorder.exchanges()
    if recorder.generation != redaction.generation():
        exchanges = [as_object(redact(row)) for row in exchanges]
    return [
        redact(head),
        *exchanges,
        {"outcome": redact(outcome), "dropped_exchanges": recorder.dropped},
    ]


def lines(rows: list[object]) -> str:
    """The recording as a file holds it: one JSON object a line."""
    return "".join(json.dumps(row, ensure_ascii=True) + "\n" for row in rows)


def write(target: Target, text: str) -> None:
    """Mode 0600, a new file of ours (`targets.write`): a recording is the user's alone."""
    from wizard import targets

    targets.write(target, text.encode("utf-8"), 0o600)


@dataclass
class Recording:
    header: JsonObject
    exchanges: list[Exchange]
    outcome: JsonObject

    @property
    def recorded_at(self) -> str:
        return str(self.header.get("recorded_at") or "")

    @property
    def command(self) -> str:
        return str(self.header.get("command") or "check")

    @property
    def invocation(self) -> JsonObject:
        return as_object(self.header.get("invocation"))


def parse(text: str, where: str = "the recording") -> Recording:
    """A recording from its text (or the recording a `doctor --report` file holds); a BOM an
    editor added is no part of it."""
    try:
        return _parse(text.removeprefix("\ufeff"), where)
    except RecursionError:
        raise UnreadableRecording(f"{where} is nested too deeply to be a recording") from None


def _parse(text: str, where: str) -> Recording:
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


def _rows(rows: Iterable[object], where: str) -> Recording:
    items = list(rows)
    if not items or not isinstance(items[0], dict) or items[0].get("format") != FORMAT:
        raise RecordingError(f"{where} is not a flux-setup recording (no `{FORMAT}` header)")
    outcome: JsonObject = {}
    exchanges = []
    for row in items[1:]:
        if not isinstance(row, dict):
            raise RecordingError(f"{where}: an entry that is not a JSON object")
        if "outcome" in row:
            outcome = as_object(row["outcome"])
        else:
            exchanges.append(Exchange.from_json(row, where))
    return Recording(items[0], exchanges, outcome)
