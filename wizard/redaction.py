"""The one secret scrubber: every text that leaves the program (the terminal, `--json`, a CI
annotation, a recording, a report, a checklist, the state) passes `scrub`.

It knows each key this process holds (every `ApiKey` made registers its value with `hold`) and
removes any 8-character window of a key's secret part (the part after `sk-ant-api03-`), in the
forms a hostile server or proxy uses: whole, without the prefix, in any letter case, reversed,
split into pieces inside one value (`abcdefg hijklmn`), base64 (standard or URL-safe, at any
offset) and URL-encoded. Key shapes it does not hold are masked by `keys.mask_secrets`. A model
ID or display name that `carries` such a window is no model (`untrusted.is_model_id`)."""

from __future__ import annotations

import base64
import binascii
import bisect
import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import unquote

from wizard.keys import (
    fingerprint,
    mask_secrets,
    matches_hint,
)  # keys imports this module only when used

if TYPE_CHECKING:
    from wizard.keys import ApiKey

REDACTED = "[redacted]"
REDACTED_ORG = "00000000-0000-4000-8000-000000000000"
REDACTED_NAME = "[redacted name]"
REDACTED_EMAIL = "[redacted email]"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
WINDOW = 8  # no run of this many characters of a key's secret part is ever kept
_GRAM = WINDOW // 2  # every window holds one 4-gram starting at a multiple of 4 (the prefilter)
# The vendor part of a key: what is public (it names the kind) and is left in fingerprints.
_PREFIX = re.compile(r"sk-(?:ant-[a-z]+\d*-|proj-|svcacct-|admin-)?")
_ALNUM = re.compile(r"[A-Za-z0-9]+")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")
# A run that may be base64 (either alphabet) or URL-encoded: long enough to hold 8 bytes.
_ENCODED = re.compile(r"[A-Za-z0-9+/=%_-]{11,}")


class _Held:
    """The secrets of the keys held, as windows of their letters and digits (lower-cased), and
    each window reversed; and the 4-grams that start a search."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: set[str] = set()
        self.generation = 0  # one more with every key held: what was scrubbed before may not be
        self.windows: set[str] = set()
        self.grams: set[str] = set()

    def add(self, value: str) -> None:
        from wizard.constants import DEMO_KEY

        if value == DEMO_KEY:
            return  # printed in the docs: no secret to keep
        prefix = _PREFIX.match(value)
        secret = value[prefix.end() :] if prefix else value
        letters = "".join(_ALNUM.findall(secret)).lower()
        if len(letters) < WINDOW or (len(value) < 32 and not value.startswith("sk-")):
            return  # too short to be a key; a model ID mistaken for one is not hidden
        with self.lock:
            if value in self.values:
                return
            self.generation += 1
            self.values.add(value)
            for form in (letters, letters[::-1]):
                for i in range(len(form) - WINDOW + 1):
                    window = form[i : i + WINDOW]
                    if len(set(window)) >= 4:  # `00000000` is no secret, and in every UUID
                        self.windows.add(window)
                for i in range(len(form) - _GRAM + 1):
                    self.grams.add(form[i : i + _GRAM])

    def clear(self) -> None:
        with self.lock:
            self.values, self.windows, self.grams = set(), set(), set()


_HELD = _Held()


def hold(value: str) -> None:
    """Every key this process reads (`ApiKey` calls it): from now on no output holds it."""
    if value:
        _HELD.add(value)


def generation() -> int:
    """Changes whenever a key is held: a text scrubbed at an older one is scrubbed again."""
    return _HELD.generation


def forget_all() -> None:
    """A new command in this process (`cli.main`): the keys of the last one are gone."""
    _HELD.clear()


def hold_environment(environ: Mapping[str, str]) -> None:
    """The keys the environment holds, before anything is parsed or said: a value echoed
    back from a flag (`--model`, `--fallback`) is scrubbed of them too."""
    from wizard.constants import ADMIN_KEY_VAR, KEY_VAR

    for name in (KEY_VAR, ADMIN_KEY_VAR):
        value = environ.get(name, "").strip()
        if value:
            hold(value)


def _spans(text: str) -> list[tuple[int, int]]:
    """Where `text` holds a window of a held secret, letters and digits only and in any case
    (so pieces split by spaces, dashes or dots count as one): spans of the original text."""
    if not _HELD.windows or len(text) < WINDOW:
        return []
    joined = _NOT_ALNUM.sub("", text).lower()
    grams, windows = _HELD.grams, _HELD.windows
    if len(joined) < WINDOW:
        return []
    sampled = {joined[q : q + _GRAM] for q in range(0, len(joined) - _GRAM + 1, _GRAM)}
    if sampled.isdisjoint(grams):  # the common case, in one pass at C speed
        return []
    hits: list[int] = []  # starts of matching windows in `joined`
    for q in range(0, len(joined) - _GRAM + 1, _GRAM):
        if joined[q : q + _GRAM] in grams:
            for p in range(max(0, q - _GRAM), q + 1):
                if joined[p : p + WINDOW] in windows:
                    hits.append(p)
    if not hits:
        return []
    runs = list(_ALNUM.finditer(text))
    starts, offsets, at = [], [], 0
    for run in runs:
        starts.append(at)
        offsets.append(run.start())
        at += len(run.group(0))

    def original(j: int) -> int:
        k = bisect.bisect_right(starts, j) - 1
        return offsets[k] + (j - starts[k])

    return [(original(p), original(p + WINDOW - 1) + 1) for p in sorted(set(hits))]


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:  # overlapping windows: one cut
            last = max(last, end)
            continue
        out.append(text[last:start] + REDACTED)
        last = end
    return "".join(out) + text[last:]


def _decoded(run: str) -> list[str]:
    """What a run may stand for: URL-decoded, and base64-decoded at each of the 4 offsets."""
    forms = [unquote(run)] if "%" in run else []
    for source in (*forms, run):
        standard = source.replace("-", "+").replace("_", "/").rstrip("=")
        for offset in range(4):
            body = standard[offset:]
            body = body[: len(body) - len(body) % 4]
            try:
                forms.append(base64.b64decode(body, validate=False).decode("latin-1"))
            except (binascii.Error, ValueError):
                continue
    return forms


def _encoded_spans(text: str) -> list[tuple[int, int]]:
    if not _HELD.windows:
        return []
    return [
        (m.start(), m.end())
        for m in _ENCODED.finditer(text)
        if _maybe_encoded(m.group(0)) and any(_spans(form) for form in _decoded(m.group(0)))
    ]


def _maybe_encoded(run: str) -> bool:
    """URL-encoded, or mixed-case like base64 of 9 bytes or more always is: a model ID, a date
    or a word is not decoded four times for nothing."""
    return "%" in run or (len(run) >= 12 and run.lower() != run and run.upper() != run)


def carries(value: str) -> bool:
    """Whether `value` holds a window of a held key in any form `scrub` removes."""
    return bool(_spans(value) or _encoded_spans(value))


def scrub(text: str) -> str:
    """`text` without any secret: each held key whole becomes its fingerprint, any window of
    its secret part (in every form above) `[redacted]`, and key shapes `mask_secrets` masks."""
    for value in tuple(_HELD.values):
        if value in text:
            text = text.replace(value, fingerprint(value))
    spans = _spans(text)
    if spans:
        text = _cut(text, spans)
    spans = _encoded_spans(text)
    if spans:
        text = _cut(text, spans)
    return mask_secrets(text)


def scrub_data(value: object) -> object:
    """A JSON value with every string (keys of objects too) scrubbed, each on its own (pieces
    of a key count within one value). Each distinct string is scrubbed once: a scan's JSON
    repeats its field names, model IDs and statuses thousands of times."""
    seen: dict[str, str] = {}

    def one(text: str) -> str:
        done = seen.get(text)
        if done is None:
            done = seen[text] = scrub(text)
        return done

    def walk(item: object) -> object:
        if isinstance(item, str):
            return one(item)
        if isinstance(item, list):
            return [walk(v) for v in item]
        if isinstance(item, dict):
            return {one(str(k)): walk(v) for k, v in item.items()}
        return item

    return walk(value)


class Redactor:
    """A recording's redaction: `scrub`, and with `--redact-org` the organisation ID (in any
    case) too. The keys are the process's (`hold`); `hide` holds one more."""

    def __init__(self, *, redact_org: bool = False) -> None:
        self.redact_org = redact_org
        self._organizations: set[str] = set()
        self._people: set[str] = set()
        self._hints: list[str] = []

    def hide(self, key: ApiKey) -> None:
        hold(key.reveal())
        self._hints.append(key.reveal())

    def saw_people(self, body: bytes) -> None:
        """With --redact-org, the names the Admin API gives keys and members (`name`,
        `email`): masked wherever they appear next, as the organisation is."""
        import json

        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return
        stack: list[tuple[object, int]] = [(data, 0)]
        while stack:
            node, depth = stack.pop()
            if isinstance(node, list) and depth < 8:
                stack += [(item, depth + 1) for item in node]
            elif isinstance(node, dict) and depth < 8:
                for field, value in node.items():
                    if field in ("name", "email") and isinstance(value, str):
                        if len(value.strip()) >= 3:
                            self._people.add(value.strip())
                    else:
                        stack.append((value, depth + 1))

    def saw_organization(self, organization: str) -> None:
        from wizard import untrusted

        found = untrusted.organization_id(organization)
        if self.redact_org and found:  # only a real ID: "e" would mangle every word
            self._organizations.add(found)

    def text(self, value: str) -> str:
        value = scrub(value)
        for organization in self._organizations:
            value = re.sub(re.escape(organization), REDACTED_ORG, value, flags=re.IGNORECASE)
        if self.redact_org:
            for person in sorted(self._people, key=len, reverse=True):
                # whole names only: a key named "flux" leaves "flux-setup" alone
                whole = rf"(?<![\w-]){re.escape(person)}(?![\w-])"
                value = re.sub(whole, REDACTED_NAME, value)
            value = EMAIL.sub(REDACTED_EMAIL, value)
        return value

    def data(self, value: object) -> object:
        """A JSON value with every string (keys of objects too) redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.data(v) for v in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        return value

    def matches_hint(self, hint: str) -> bool:
        """Whether an Admin API `partial_key_hint` is an API key's this command holds
        (`keys.matches_hint`)."""
        if hint.count("...") != 1:
            return False
        head, tail = hint.split("...")
        return any(matches_hint(k, head, tail) for k in self._hints)
