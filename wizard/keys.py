"""API keys: where they come from, what form they have, and how they are shown (fingerprints).

The key's value lives only inside `ApiKey`; its repr, str and every message show the
fingerprint. Offline checks here never cost a request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from wizard.constants import ADMIN_KEYS_URL, KEY_VAR, KEYS_URL

# (the shapes and the fingerprint live in `plaintext`, below the scrubber: named here too)
from wizard.plaintext import ADMIN_PREFIX as ADMIN_PREFIX
from wizard.plaintext import API_KEY_PREFIX as API_KEY_PREFIX
from wizard.plaintext import OAUTH_PREFIX as OAUTH_PREFIX
from wizard.plaintext import TOKEN_SHAPES as TOKEN_SHAPES
from wizard.plaintext import fingerprint as fingerprint
from wizard.plaintext import mask_secrets as mask_secrets
from wizard.plaintext import matches_hint as matches_hint
from wizard.vocab import Code, KeyKind, KeySource, KeyStored

# Real API keys are 108 characters; anything much shorter was almost surely cut off in a paste.
MIN_LENGTH = 80
# ... and far fewer than this: a longer value is no key, and would go out as a huge header.
MAX_LENGTH = 512
KEY_BODY = re.compile(r"[A-Za-z0-9_-]+")


def key_json(
    source: KeySource,
    fingerprint: str,
    kind: KeyKind,
    organization_id: str | None = None,
    stored: KeyStored | None = None,
) -> dict[str, str | None]:
    """The key as `--json` shows it, in every command: where it came from, where it is kept,
    its fingerprint (never more of it), its kind, and the organisation it belongs to (when an
    answer named it)."""
    return {
        "source": str(source),
        "stored": str(stored or KeySource(source).stored),
        "fingerprint": fingerprint,
        "kind": str(kind),
        "organization_id": organization_id,
    }


class ApiKey:
    """A key and where it came from. Only `reveal()` gives the value, for the SDK alone."""

    __slots__ = ("_value", "source", "stored")

    def __init__(self, value: str, source: KeySource) -> None:
        from wizard import redaction

        self._value = value
        self.source = source
        self.stored: KeyStored | None = None  # set once a command keeps it somewhere else
        redaction.hold(value)  # from now on no output of this process holds any of it

    def reveal(self) -> str:
        return self._value

    @property
    def fingerprint(self) -> str:
        return fingerprint(self._value)

    @property
    def kind(self) -> KeyKind:
        return key_kind(self._value)

    def to_json(self, organization_id: str | None = None) -> dict[str, str | None]:
        return key_json(self.source, self.fingerprint, self.kind, organization_id, self.stored)

    def scrub(self, text: str) -> str:
        """`text` without this key or any other held (`redaction.scrub`: whole, or any
        8-character window of the secret part in any form). For every text from the network."""
        from wizard import redaction

        return redaction.scrub(text)

    def __repr__(self) -> str:
        return f"ApiKey({self.fingerprint}, source={self.source!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> str:  # never pickle the secret
        raise TypeError("ApiKey cannot be pickled")


def key_kind(value: str) -> KeyKind:
    if value.startswith(API_KEY_PREFIX):
        return KeyKind.API_KEY
    if value.startswith(ADMIN_PREFIX):
        return KeyKind.ADMIN_KEY
    if value.startswith(OAUTH_PREFIX):
        return KeyKind.OAUTH_TOKEN
    if value.startswith("sk-ant-"):
        return KeyKind.UNKNOWN_ANTHROPIC
    if value.startswith("sk-"):
        return KeyKind.OTHER_VENDOR
    return KeyKind.UNKNOWN


def normalise(raw: str) -> str:
    """Strip what a paste adds and is safe to strip: whitespace, quotes, an assignment prefix."""
    # A BOM (a file saved by a Windows editor, piped in) or zero-width characters from a web
    # page are never part of a key.
    value = raw.replace("\ufeff", "").replace("\u200b", "").strip()
    if value.lower().startswith("bearer "):  # copied from an Authorization header
        value = value[len("bearer ") :].strip()
    if value.startswith("export "):
        value = value[len("export ") :].strip()
    if value.startswith(KEY_VAR):
        rest = value[len(KEY_VAR) :].lstrip()
        if rest.startswith("=") or rest.startswith(":"):
            value = rest[1:].strip()
    for _ in range(2):
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'`":
            value = value[1:-1].strip()
    return value


@dataclass(frozen=True)
class KeyProblem:
    code: Code
    message: str
    next_step: str
    url: str | None = KEYS_URL


# What a value of another kind than an API key is, said by its kind.
_KIND_PROBLEMS = {
    KeyKind.ADMIN_KEY: KeyProblem(
        Code.KEY_WRONG_KIND,
        "This is an Admin API key (sk-ant-admin01-...): it manages an organisation and "
        "cannot call models.",
        "Create a regular API key (sk-ant-api03-...) in the Console.",
    ),
    KeyKind.OAUTH_TOKEN: KeyProblem(
        Code.KEY_WRONG_KIND,
        "This is a Claude Code OAuth token (sk-ant-oat01-...): the API refuses it.",
        "Create an API key (sk-ant-api03-...) in the Console; Claude subscriptions do not "
        "include API access.",
    ),
    KeyKind.OTHER_VENDOR: KeyProblem(
        Code.KEY_WRONG_KIND,
        "This looks like another vendor's key (sk-... without 'ant'), not an Anthropic key.",
        "Use an Anthropic API key: it starts with sk-ant-api03-.",
    ),
}
_NOT_A_KEY = KeyProblem(
    Code.KEY_MALFORMED,
    "This does not look like an Anthropic API key (they start with sk-ant-api03-).",
    "Copy the key from the Console again.",
)


def check_form(value: str) -> KeyProblem | None:
    """Offline checks of a normalised key; None when it looks like an API key."""
    if not value:
        return KeyProblem(
            Code.KEY_MISSING,
            "The API key is empty.",
            "Paste the whole key, or create one in the Console.",
        )
    if len(value) > MAX_LENGTH:
        return KeyProblem(
            Code.KEY_MALFORMED,
            f"The API key is {len(value):,} characters long: a key is about a hundred, so this "
            "is not one key (a file, or several pastes?).",
            "Paste the key alone, once.",
        )
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return KeyProblem(
            Code.KEY_MALFORMED,
            "The API key contains spaces, line breaks or control characters.",
            "Copy the key again in one piece, without line breaks.",
        )
    kind = key_kind(value)
    if kind != KeyKind.API_KEY:
        return _KIND_PROBLEMS.get(kind, _NOT_A_KEY)
    if not KEY_BODY.fullmatch(value[len(API_KEY_PREFIX) :]):
        return KeyProblem(
            Code.KEY_MALFORMED,
            "The API key contains characters that API keys never have.",
            "Copy the key from the Console again.",
        )
    if len(value) < MIN_LENGTH:
        return KeyProblem(
            Code.KEY_MALFORMED,
            f"The API key is only {len(value)} characters; real keys have about 108. "
            "It was probably cut off when pasted.",
            "Copy the whole key again.",
        )
    return None


def check_admin_form(value: str) -> KeyProblem | None:
    """Offline checks of a normalised admin key; None when it looks like one. An API key given
    as the admin key is said as such (the two are easy to swap)."""
    kind = key_kind(value)
    if kind == KeyKind.API_KEY:
        return KeyProblem(
            Code.KEY_WRONG_KIND,
            "This is an API key (sk-ant-api03-...), not an admin key: the Admin API refuses it.",
            "Pass an admin key (sk-ant-admin01-..., created by an organisation admin) as "
            "ANTHROPIC_ADMIN_KEY or with --admin-key-stdin; the API key stays ANTHROPIC_API_KEY.",
            ADMIN_KEYS_URL,
        )
    if kind != KeyKind.ADMIN_KEY:
        problem = check_form(value)
        if problem is not None and problem.code != Code.KEY_WRONG_KIND:
            return problem
        return KeyProblem(
            Code.KEY_MALFORMED,
            "This does not look like an admin key (they start with sk-ant-admin01-).",
            "Copy the admin key from the Console again.",
            ADMIN_KEYS_URL,
        )
    problem = check_form(API_KEY_PREFIX + value[len(ADMIN_PREFIX) :])  # the same body rules
    if problem is not None and problem.code != Code.KEY_WRONG_KIND:
        return KeyProblem(
            problem.code,
            problem.message.replace("API key", "admin key"),
            problem.next_step,
            ADMIN_KEYS_URL,
        )
    return None


@dataclass(frozen=True)
class KeyCandidate:
    source: KeySource
    fingerprint: str


@dataclass
class KeyDiscovery:
    """The key that wins, every key found (by fingerprint), and whether they disagree."""

    key: ApiKey | None
    found: list[KeyCandidate]

    @property
    def conflict(self) -> bool:
        return len({c.fingerprint for c in self.found}) > 1

    def describe_conflict(self) -> str | None:
        if not self.conflict or self.key is None:
            return None
        others = ", ".join(
            f"{c.fingerprint} from {c.source.label}"
            for c in self.found
            if c.source != self.key.source
        )
        return (
            f"Using the key {self.key.fingerprint} from {self.key.source.label}; "
            f"another key is also set: {others}."
        )


def discover(
    *,
    stdin: str | None = None,
    environ: Mapping[str, str] | None = None,
    keyring: str | None = None,
    env_file: Mapping[str, str | None] | None = None,
    config_api_key: str | None = None,
) -> KeyDiscovery:
    """Pick the key by precedence: stdin, environment, the OS keyring entry the project names,
    .env file, legacy config. Values handed in."""
    from wizard import redaction  # keys and redaction import each other only when used

    raw_values = [
        (KeySource.STDIN, stdin),
        (KeySource.ENV, (environ or {}).get(KEY_VAR)),
        (KeySource.KEYRING, keyring),
        (KeySource.ENV_FILE, (env_file or {}).get(KEY_VAR)),
        (KeySource.CONFIG, config_api_key),
    ]
    winner: ApiKey | None = None
    found: list[KeyCandidate] = []
    for source, raw in raw_values:
        if raw is None:
            continue
        value = normalise(raw)
        if not value and source != KeySource.STDIN:
            continue  # an empty variable is "not set", as shells treat it
        found.append(KeyCandidate(source, fingerprint(value)))
        # every key read is held, the ones that lose too: a server, a diff or a message
        # that shows one is scrubbed of it like the key in use
        redaction.hold(value)
        if winner is None:
            winner = ApiKey(value, source)
    return KeyDiscovery(winner, found)
