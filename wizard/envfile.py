"""Lossless .env edits: change one binding, keep every other byte.

python-dotenv's parser yields each binding with its original text; untouched bindings are copied
byte for byte and only the one meant is replaced (its `export ` prefix, indentation and trailing
comment kept). Its `set_key` is not used: it rewrites the whole file (see library notes).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from dotenv.parser import parse_stream

from wizard.constants import ENV_NAME
from wizard.errors import FilesError
from wizard.textfile import BOM, decode

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.:/@+-]+")
BINDING = re.compile(
    r"(?P<lead>\s*(?:export[ \t]+)?)(?P<key>[A-Za-z_][A-Za-z0-9_.]*)(?P<eq>[ \t]*=[ \t]*)"
    r"(?P<value>'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"|[^\s#'\"]*)(?P<rest>[^\r\n]*?)"
    r"(?P<nl>\r\n|\n|\r)?\Z",
    re.DOTALL,
)


SETS = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=")


@dataclass
class Chunk:
    text: str
    key: str | None
    value: str | None
    line: int
    error: bool


@dataclass
class EnvText:
    """A parsed .env file: its chunks (concatenated, they are the file), BOM and line ending."""

    chunks: list[Chunk]
    bom: bool
    newline: str
    display: str
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c.text for c in self.chunks)

    def to_bytes(self) -> bytes:
        return ((BOM if self.bom else "") + self.text()).encode("utf-8")

    def values(self) -> dict[str, str | None]:
        """What readers (python-dotenv, Flux) see: the last binding of each key wins."""
        # dotenv_values(interpolate=False) semantics, without its logging of unparsable lines.
        return {c.key: c.value for c in self.chunks if c.key is not None}

    def unparsable_lines(self) -> list[int]:
        return [c.line for c in self.chunks if c.error]

    def unreadable(self, names: tuple[str, ...]) -> list[tuple[int, str]]:
        """Lines that set one of `names` but cannot be parsed (an unclosed quote): readers,
        Flux included, do not see the value. (Line, name); the value is never shown."""
        found = []
        for chunk in self.chunks:
            setting = SETS.match(chunk.text) if chunk.error else None
            if setting is not None and setting.group(1) in names:
                found.append((chunk.line, setting.group(1)))
        return found


def parse(data: bytes | None, display: str = ENV_NAME) -> EnvText:
    if data is None:
        return EnvText([], False, "\n", display)
    decoded = decode(data, display, flag="--env-file")
    text, bom = decoded.text, decoded.bom
    chunks = [
        Chunk(b.original.string, b.key, b.value, b.original.line, b.error)
        for b in parse_stream(io.StringIO(text, newline=""))
    ]
    parsed = EnvText(chunks, bom, decoded.newline, display)
    if parsed.text() != text:  # never write a file we could not take apart exactly
        raise FilesError(
            f"{display} could not be read losslessly.",
            fix="Edit FLUX_MODEL by hand, or report this file's shape as a bug.",
        )
    return parsed


def quote(value: str) -> str:
    """Unquoted when plain; otherwise single-quoted, escaped so python-dotenv reads it back."""
    if PLAIN_VALUE.fullmatch(value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _check(name: str, value: str | None) -> None:
    if not NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a valid variable name")
    if value is not None and any(ch in value for ch in "\r\n\x00"):
        raise ValueError(f"the value for {name} contains a line break or NUL")


# Lines as python-dotenv counts them: CRLF, LF or a lone CR; never form feeds, vertical tabs,
# U+0085 or U+2028/2029, which str.splitlines() would also break on.
LINE_BREAK = re.compile(r"\r\n|\n|\r")


def _swallowed(env: EnvText, name: str) -> int | None:
    """A line that looks like `name=` but is read as part of an earlier value: refuse to guess."""
    # A chunk may start with blank lines before its key: count the line the key is on.
    starts = {
        c.line + len(LINE_BREAK.findall(c.text[: max(0, c.text.find(name))]))
        for c in env.chunks
        if c.key == name
    }
    pattern = re.compile(rf"[ \t]*(?:export[ \t]+)?{re.escape(name)}[ \t]*=")
    for number, line in enumerate(LINE_BREAK.split(env.text()), start=1):
        if pattern.match(line) and number not in starts:
            return number
    return None


def _rewrite(chunk: Chunk, name: str, value: str, newline: str) -> str:
    match = BINDING.match(chunk.text)
    if match is None or match["key"] != name:
        return f"{name}={quote(value)}{newline}"
    old = match["value"]
    new = quote(value)
    if new == value and old[:1] in ("'", '"'):
        new = f"{old[0]}{value}{old[0]}"  # keep the user's quoting when it reads back the same
    rest = match["rest"]
    return f"{match['lead']}{name}{match['eq']}{new}{rest}{match['nl'] or ''}"


def set_value(env: EnvText, name: str, value: str) -> list[str]:
    """Set `name` in place (the binding readers use), or append it. Returns notes for the user."""
    _check(name, value)
    notes: list[str] = []
    line = _swallowed(env, name)
    if line is not None:
        raise FilesError(
            f"{env.display} line {line} sets {name}, but an earlier line (an unterminated quote?) "
            "makes readers take it as part of another value. Nothing was changed.",
            fix=f"Fix the quoting above line {line} in {env.display}, then rerun.",
        )
    before = env.values()
    indexes = [i for i, c in enumerate(env.chunks) if c.key == name]
    if indexes:
        last = indexes[-1]
        chunk = env.chunks[last]
        env.chunks[last] = Chunk(
            _rewrite(chunk, name, value, env.newline), name, value, chunk.line, False
        )
        if len(indexes) > 1:
            others = ", ".join(str(env.chunks[i].line) for i in indexes[:-1])
            notes.append(
                f"{name} is also set on line(s) {others} of {env.display}; readers use the last "
                "one, which was changed. The others were left as they are."
            )
    else:
        if env.chunks and not env.chunks[-1].text.endswith(("\n", "\r")):
            tail = env.chunks[-1]
            env.chunks[-1] = Chunk(
                tail.text + env.newline, tail.key, tail.value, tail.line, tail.error
            )
        line_no = len(LINE_BREAK.findall(env.text())) + 1
        env.chunks.append(Chunk(f"{name}={quote(value)}{env.newline}", name, value, line_no, False))
    after = env.values()
    expected = dict(before)
    expected[name] = value
    if after != expected:
        bad = env.unparsable_lines()
        where = f" (unparsable line {bad[0]})" if bad else ""
        raise FilesError(
            f"{env.display} cannot be edited safely{where}: readers would not see {name} as "
            "written, or other values would change. Nothing was changed.",
            fix=f"Fix {env.display} by hand (look for an unterminated quote), then rerun.",
        )
    for number in env.unparsable_lines():
        notes.append(f"{env.display} line {number} could not be parsed; it was left as it is.")
    return notes


def rename(env: EnvText, name: str, new_name: str, value: str) -> bool:
    """The last binding of `name` becomes `new_name=value` in its place: its indentation,
    `export ` and trailing comment kept, the other bindings of `name` removed. False when
    `name` is not bound (nothing changed)."""
    _check(new_name, value)
    indexes = [i for i, c in enumerate(env.chunks) if c.key == name]
    if not indexes:
        return False
    chunk = env.chunks[indexes[-1]]
    match = BINDING.match(chunk.text)
    line = (
        f"{match['lead']}{new_name}{match['eq']}{quote(value)}{match['rest']}{match['nl'] or ''}"
        if match is not None and match["key"] == name
        else f"{new_name}={quote(value)}{env.newline}"
    )
    env.chunks[indexes[-1]] = Chunk(line, new_name, value, chunk.line, False)
    remove(env, name)
    if parse(env.to_bytes(), env.display).values().get(new_name) != value:
        raise FilesError(  # never a line that reads back otherwise
            f"{env.display} cannot be edited safely: {new_name} would not read as written.",
            fix=f"Fix {env.display} by hand, then rerun.",
        )
    return True


def remove(env: EnvText, name: str) -> bool:
    """Remove every binding of `name`; True when something was removed."""
    _check(name, None)
    line = _swallowed(env, name)
    if line is not None:
        raise FilesError(
            f"{env.display} line {line} sets {name} inside another value; nothing was changed.",
            fix=f"Fix the quoting above line {line} in {env.display}, then rerun.",
        )
    kept = [c for c in env.chunks if c.key != name]
    removed = len(kept) != len(env.chunks)
    env.chunks = kept
    return removed
