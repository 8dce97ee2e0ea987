"""The sentences' small rules, in one home: a count with its noun, a sentence that ends once
(a part that already ends with a stop gets no second one), and the words of a status. Every
view builds its lines with these, so no view says "1 files", "..", or a raw code word."""

from __future__ import annotations

from wizard.vocab import Status

STOPS = (".", "!", "?", "…")
# Names keep their capital after a colon.
NAMES = frozenset({"Flux", "Claude", "Console", "Opus", "Sonnet", "Haiku", "Anthropic", "Renovate"})


def plural(count: int, noun: str, many: str | None = None) -> str:
    """ "1 file", "2 files" (`many` for an irregular plural)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def ended(text: str) -> str:
    """The text as a sentence that ends once: a stop added only where none is."""
    text = text.rstrip()
    return text if not text or text.endswith(STOPS) else text + "."


def joined(*parts: str | None) -> str:
    """Sentences one after the other, each ended once, empty parts left out."""
    return " ".join(ended(p) for p in parts if p and p.strip())


def clause(text: str) -> str:
    """A sentence said after a colon: its first word lower-cased when it is an ordinary word
    ("The API refused" -> "the API refused"), never a name, an acronym or code ("API", "`run`")."""
    first = text.split(" ", 1)[0]
    ordinary = first.isalpha() and first[0].isupper() and first[1:].islower()
    if first == "A" or (len(first) > 1 and ordinary and first not in NAMES):
        return text[0].lower() + text[1:]
    return text


def after_colon(head: str, text: str) -> str:
    """ "head: text", the text as a clause (`clause`)."""
    return f"{head}: {clause(text)}"


def status_words(status: Status) -> str:
    """A status as a sentence says it ("refused to this key"), never its code word."""
    return status.words


def stated(said: str, words: str, model: str | None, source: str | None = None) -> str:
    """`said: words`, unless the words begin with the model's ID: they say what it is already
    ("X is retired: X was retired on ..." names it twice). `source`: where the facts are from
    ("the saved catalogue of DAY"), said before them then."""
    if model and words.startswith(f"{model} "):
        return f"By {source}: {words}" if source else words
    return after_colon(said, words)
