"""Plain text's shapes and escapes, below every module that shows or stores text: a server's
words escaped for a terminal (`text`), an organisation ID's shape, a key's fingerprint and the
Admin API's hint of one, and secrets masked wherever they stand (`mask_secrets`). It imports
nothing of the wizard: `keys`, `untrusted` and `redaction` build on it without a circle."""

from __future__ import annotations

import re

API_KEY_PREFIX = "sk-ant-api03-"
ADMIN_PREFIX = "sk-ant-admin01-"
OAUTH_PREFIX = "sk-ant-oat01-"

# Control characters (C0, DEL, C1), bidi controls and line/paragraph separators.
_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_LINE_BREAKS = re.compile(r"[\r\n\t]+")


# An organisation ID as the API sends it in `anthropic-organization-id`: a UUID.
ORGANIZATION_ID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def organization_id(value: object) -> str | None:
    """The organisation ID a server named, or None for anything not shaped like one (a proxy's
    junk, an echoed key, a line break): never shown or stored unchecked."""
    if isinstance(value, str) and ORGANIZATION_ID.fullmatch(value.strip()):
        return value.strip().lower()
    return None


def text(value: object, limit: int = 500) -> str:
    """A server's words, safe on a terminal and in a Markdown or .env line: control and bidi
    characters escaped (\\x1b, \\u202e), line breaks folded to spaces, at most `limit`."""
    raw = value if isinstance(value, str) else str(value)
    raw = _LINE_BREAKS.sub(" ", raw)
    safe = _UNSAFE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), raw)
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"


def fingerprint(value: str) -> str:
    """At most the first 12 and last 4 characters; less of a short value, so it never leaks.
    A hostile "key" may hold ESC, bidi or NUL characters: they are shown escaped."""
    if len(value) >= 32:
        return f"{text(value[:12])}...{text(value[-4:])}"
    if len(value) >= 8:
        return f"{text(value[: len(value) // 4])}..."
    return "..." if value else "(empty)"


def matches_hint(value: str, head: str, tail: str) -> bool:
    """Whether a key is the one an Admin API `partial_key_hint` (`head...tail`) names: the head
    must reach past the vendor prefix and the tail hold 4 characters (an empty tail, or a bare
    `sk-ant-api03-`, would name every key)."""
    prefix = next((p for p in (API_KEY_PREFIX, ADMIN_PREFIX) if value.startswith(p)), "")
    return (
        len(head) > max(len(prefix), 7)
        and len(tail) >= 4
        and value.startswith(head)
        and value.endswith(tail)
    )


# Secrets in any text we show (diffs, messages, JSON): values of secret-named variables,
# credentials in URLs and well-known token shapes are shown as fingerprints; names stay.
SECRET_ASSIGNMENT = re.compile(
    r"(?m)^(?P<lead>[-+ ]?[ \t]*(?:export[ \t]+)?(?P<name>[A-Za-z_][\w.-]*)[ \t]*[=:][ \t]*)"
    r"(?P<q>[\"']?)(?P<value>[^\r\n\"'#]*)(?P=q)"
)
SECRET_NAME_PARTS = {
    "key",
    "apikey",
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "pass",
    "pat",
    "sk",
    "credential",
    "credentials",
    "auth",
    "private",
    "dsn",
    "cookie",
    "session",
}
TOKEN_SHAPES = re.compile(
    r"sk-ant-[A-Za-z0-9_-]{8,}"  # Anthropic
    r"|(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"  # GitHub
    r"|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}"  # Stripe
    r"|xox[abprs]-[A-Za-z0-9-]{10,}"  # Slack
    r"|glpat-[A-Za-z0-9_-]{16,}"  # GitLab
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}"  # AWS access key IDs
    r"|AIza[0-9A-Za-z_-]{30,}"  # Google API keys
    r"|sk-(?:proj-)?[A-Za-z0-9_-]{20,}"  # other vendors' sk- keys
)
URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^/\s:@]*):(?P<pw>[^/\s@]+)@"
)


def _secret_name(name: str) -> bool:
    parts = {p for p in re.split(r"[_.-]+", name.lower()) if p}
    return bool(parts & SECRET_NAME_PARTS)


# What `fingerprint` makes of a value: masked already (masking twice changes nothing).
MASKED = re.compile(r"[^.\s]{0,12}\.\.\.[^.\s]{0,4}|\.\.\.|\(empty\)")


def _masked(value: str) -> bool:
    """Only the fingerprint's own shape counts as masked: `supersecretvalue...x` is not."""
    return MASKED.fullmatch(value) is not None


def mask_secrets(text: str) -> str:
    """`text` with every secret it holds shown as a fingerprint (masking twice changes
    nothing): values of variables named like secrets (`*_KEY`, `*_TOKEN`, `*_SECRET`,
    `PASSWORD`, `GITHUB_PAT`, `STRIPE_SK`), passwords in URLs, and known token shapes."""

    def assignment(match: re.Match[str]) -> str:
        value = match["value"].strip()
        if not _secret_name(match["name"]) or not value or _masked(value):
            return match.group(0)
        # an unquoted value's trailing blanks are the gap before a comment, not the secret's
        gap = "" if match["q"] else match["value"][len(match["value"].rstrip()) :]
        return f"{match['lead']}{match['q']}{fingerprint(value)}{match['q']}{gap}"

    text = SECRET_ASSIGNMENT.sub(assignment, text)
    text = URL_CREDENTIALS.sub(
        lambda m: f"{m['scheme']}{m['user']}:{'***' if m['pw'] != '***' else m['pw']}@", text
    )
    # A bare prefix ("sk-ant-admin01-" in a sentence naming the kind) holds no secret.
    bare = (API_KEY_PREFIX, ADMIN_PREFIX, OAUTH_PREFIX)
    return TOKEN_SHAPES.sub(
        lambda m: m.group(0) if m.group(0) in bare else fingerprint(m.group(0)), text
    )
