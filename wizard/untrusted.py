"""Text and identifiers that came from the network: validated or escaped before anything shows
or stores them. A server may send escape sequences, bidi controls, newlines, pipes and
backticks, or 10 KB where a word belongs."""

from __future__ import annotations

import re

from wizard.plaintext import ORGANIZATION_ID as ORGANIZATION_ID
from wizard.plaintext import TOKEN_SHAPES, fingerprint
from wizard.plaintext import organization_id as organization_id
from wizard.plaintext import text as text

# What model IDs look like: letters, digits, `.`, `-`, `_`, `:`, `@`; bounded length.
MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}")
# A request ID, an error type or code: one token.
TOKEN = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


def is_model_id(value: object) -> bool:
    """A model ID's form, and not a secret's: a key pasted into the model field has the same
    letters, digits and dashes, and must never be used, shown or stored as a model; nor may an
    ID that carries a piece of a key this process holds (`redaction.carries`)."""
    return model_id_shape(value) and not carries_key(value)


def model_id_shape(value: object) -> bool:
    """`is_model_id` but for the held keys (checked for a whole page at once by the caller)."""
    return isinstance(value, str) and MODEL_ID.fullmatch(value) is not None and not is_secret(value)


def carries_key(value: object) -> bool:
    """Whether `value` holds any 8 characters of a key this process holds, in any form."""
    from wizard import redaction

    return isinstance(value, str) and redaction.carries(value)


CARRIES_KEY = "holds a piece of an API key this command holds"


def is_secret(value: str) -> bool:
    """A key or token wherever it is found (`keys.TOKEN_SHAPES`): a key is a key."""
    return TOKEN_SHAPES.search(value) is not None


def not_a_model_id(where: str, value: object) -> str:
    """The one sentence for a value that should be a model ID and is not, shown escaped; a
    key is said to be one, and shown only as its fingerprint."""
    if carries_key(value):
        return (
            f"{where} {CARRIES_KEY}, not a model ID: a key sits in the model field. Move it "
            "to ANTHROPIC_API_KEY (in .env or the environment) and put a model ID here."
        )
    if isinstance(value, str) and is_secret(value):
        return (
            f"{where} holds an API key or token ({fingerprint(value.strip())}), not a model ID: "
            "a key sits in the model field. Move it to ANTHROPIC_API_KEY (in .env or the "
            "environment) and put a model ID here."
        )
    return f"{where} = {shown(value, 60)} is not a model ID (letters, digits, . - _ : @)."


_COMMAND_AT_LINE_START = re.compile(r"(?m)^([ \t]*):(?=:)")
ZWSP = "\u200b"


def no_workflow_commands(text: str) -> str:
    """`text` that no CI runner reads as a command: GitHub Actions takes a line starting with
    `::` (`::add-mask::`, `::stop-commands::`) or holding `##[` as one. An invisible space
    breaks each; the words read the same."""
    text = _COMMAND_AT_LINE_START.sub(lambda m: f"{m.group(1)}:{ZWSP}", text)
    return text.replace("##[", f"##{ZWSP}[")


# What makes Markdown (or the HTML it allows) of words: links and images, tags, mentions.
_MARKDOWN = re.compile(r"([\\\[\]<>@])")


def markdown(line: str) -> str:
    """A line of the checklist as inert Markdown: outside code spans, `[`, `]`, `<`, `>`, `@`
    and `\\` are escaped (no link, image, tag or mention a server's words could make); inside
    them nothing is interpreted anyway. An unpaired backtick is escaped too."""
    parts = line.split("`")
    escaped = [_MARKDOWN.sub(r"\\\1", p) if i % 2 == 0 else p for i, p in enumerate(parts)]
    if len(parts) % 2 == 0:  # the last backtick pairs with nothing: shown as one
        return "`".join(escaped[:-1]) + "\\`" + _MARKDOWN.sub(r"\\\1", parts[-1])
    return "`".join(escaped)


def token(value: object) -> str | None:
    """A one-token value (request ID, error type): kept when it is one, escaped otherwise."""
    if value is None:
        return None
    if isinstance(value, str) and TOKEN.fullmatch(value):
        return value
    return text(value, limit=80)


def shown(value: object, limit: int = 80) -> str:
    """Anything from the network quoted in a message: escaped, as a Python literal would be."""
    raw = value if isinstance(value, str) else str(value)
    escaped = raw.encode("unicode_escape").decode("ascii")
    return escaped if len(escaped) <= limit else escaped[: limit - 1] + "…"
