"""Config schema migrations: each step a lossless tomlkit edit plus the same change on plain
data (`fluxconfig.migrate` checks that the edited document reads as the data, and writes the
new `config_version` itself), and the tomlkit helpers the edits and `set_model` share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:  # tomlkit is imported by the edits themselves: reading a config needs none
    from tomlkit.container import Container
    from tomlkit.items import Table

    # Where Flux's settings sit: a flux.toml document (its top level) or `[tool.flux]`.
    FluxTable: TypeAlias = Container | Table


@dataclass(frozen=True)
class Migration:
    """One schema step: the lossless edit of the document and the same change on plain data.
    After the edits, the document must read as the transformed data, or nothing is written."""

    summary: Callable[[dict[str, object]], str]  # what the step does to this config's data
    edit: Callable[[FluxTable], None]  # the Flux table of the tomlkit document, edited in place
    transform: Callable[[dict[str, object]], None]  # the Flux part of the plain data, in place


def put_first(table: FluxTable, key: str, value: object) -> None:
    """Put a key before the other keys (after leading comments), where a reader looks first."""
    from tomlkit.container import Container
    from tomlkit.items import Comment, Table

    container = table.value if isinstance(table, Table) else table
    body = getattr(container, "body", None)
    # After the leading comments, before the blank lines that separate them from the rest.
    index = next(
        (i for i, (_, item) in enumerate(body or []) if not isinstance(item, Comment)), None
    )
    try:
        if index is None or not isinstance(container, Container):
            raise LookupError
        container._insert_at(index, key, value)  # tomlkit is pinned: this private call is stable
    except Exception:
        table[key] = value


def put_key(table: FluxTable | dict[str, object], key: str, value: object) -> None:
    """Set a key; a new one goes after the table's last key, before the blank line that
    separates the table from the next header (appended, it would land after that line)."""
    from tomlkit.container import Container
    from tomlkit.items import Table, Whitespace

    container = table.value if isinstance(table, Table) else table
    body = getattr(container, "body", None)
    if key in table or not isinstance(container, Container) or not body:
        table[key] = value
        return
    index = len(body)
    while index > 0 and isinstance(body[index - 1][1], Whitespace):
        index -= 1
    try:
        if index in (0, len(body)):
            raise LookupError
        container._insert_at(index, key, value)  # tomlkit is pinned: this private call is stable
    except Exception:
        table[key] = value


def add_table(parent: FluxTable, key: str, table: Table) -> None:
    import tomlkit
    from tomlkit.items import Table

    if isinstance(parent, Table):
        table.add(tomlkit.nl())  # keep a blank line before the next [tool.x] header
    parent[key] = table


def _comment_of(table: FluxTable, key: str) -> tuple[str, str] | None:
    """The inline comment of a key (and the spaces before it), to travel with its value."""
    from tomlkit.items import Item

    try:
        item = table[key]
    except KeyError:
        return None
    if not isinstance(item, Item):  # a table split across the file has no one comment
        return None
    trivia = item.trivia
    return (trivia.comment, trivia.comment_ws) if trivia.comment else None


def _put(section: Table, key: str, value: str, comment: tuple[str, str] | None) -> None:
    from tomlkit.items import Item

    section[key] = value
    item = section[key]
    if comment is not None and isinstance(item, Item):
        item.trivia.comment, item.trivia.comment_ws = comment


def _squeeze_blank_lines(table: FluxTable) -> None:
    """The blank lines that stood between keys now removed would pile up: of each run of
    them only the last is kept (it separates what follows). Blanked in place, as tomlkit
    indexes its items by position."""
    from tomlkit.items import Null, Table, Whitespace

    container = table.value if isinstance(table, Table) else table
    run: list[Whitespace] = []
    for _, item in [*getattr(container, "body", []), (None, None)]:
        if isinstance(item, Null):
            continue
        if isinstance(item, Whitespace) and not item.s.strip():
            run.append(item)
            continue
        for blank in run[:-1]:
            blank._s = ""  # tomlkit is pinned: its Whitespace keeps its text in `_s`
        run = []


def _v1_edit(table: FluxTable) -> None:
    import tomlkit

    model = table.get("model")
    fallback = table.get("fallback_model")
    comments = {key: _comment_of(table, key) for key in ("model", "fallback_model")}
    for key in ("model", "fallback_model", "api_key"):
        if key in table:
            del table[key]
    _squeeze_blank_lines(table)
    section = tomlkit.table()
    if model is not None:
        _put(section, "id", str(model), comments["model"])
    if fallback is not None:
        _put(section, "fallback", str(fallback), comments["fallback_model"])
    if model is not None or fallback is not None:
        add_table(table, "model", section)


def _v1_transform(flux: dict[str, object]) -> None:
    model, fallback = flux.pop("model", None), flux.pop("fallback_model", None)
    flux.pop("api_key", None)  # the caller moves it into .env
    if model is not None or fallback is not None:
        flux["model"] = {k: v for k, v in (("id", model), ("fallback", fallback)) if v is not None}


# Schema 1 -> 2 (`schemas.SCHEMAS` registers it; `fluxconfig.migrate` sets config_version).
def _v1_summary(flux: dict[str, object]) -> str:
    """Only what this config had: "model moved into [model]" when it had no fallback_model."""
    moved = [key for key in ("model", "fallback_model") if key in flux]
    if not moved:
        return "config_version set"
    return f"{' and '.join(moved)} moved into [model]"


V1_TO_V2 = Migration(_v1_summary, _v1_edit, _v1_transform)
