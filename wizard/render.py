"""Human output: tables, diagnoses, diffs, summaries. Results in, text out; nothing decides here.

With --json the human text goes to stderr so stdout holds one JSON document.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from wizard import prices
from wizard.jsontypes import JsonObject, as_list
from wizard.redaction import scrub, scrub_data
from wizard.streams import Closable
from wizard.vocab import Code, Lifecycle

if TYPE_CHECKING:  # the offline commands print lines, not tables: no catalogue, no rich
    from rich.console import Console

    from wizard.catalog import Model
    from wizard.detection import Detection
    from wizard.diagnosis import Diagnosis

# What rich removes from every text it prints (bell, backspace, VT, FF, CR): the plain lines
# remove the same, so both paths write the same bytes (tests/test_render_plain.py).
_STRIPPED = dict.fromkeys((7, 8, 11, 12, 13))


class UI:
    """Where human text goes: stdout, or stderr when stdout carries --json."""

    def __init__(
        self,
        stream: IO[str],
        *,
        color: bool | None = None,
        interactive: bool = False,
        record: bool = False,
        errors: IO[str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.stream: IO[str] = Closable(stream)  # type: ignore[assignment]
        self._record, self._color = record, color
        # NO_COLOR, FORCE_COLOR, COLUMNS... read from the environment handed in
        self._environ = dict(environ) if environ is not None else {}
        self._console: Console | None = None
        # Uncoloured lines to a pipe or a file are written as they are: rich (~40 ms to
        # import) is loaded only where it styles, wraps, spins or draws a table.
        self._plain = not record and not self.stream.isatty() and not _styled(color, self._environ)
        self.interactive = interactive
        self.errors: IO[str] = errors or self.stream  # where a progress bar draws

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            tty, color = self.stream.isatty(), self._color
            self._console = Console(
                file=self.stream,
                record=self._record,  # for docs/demo.svg (scripts/screenshot.py)
                highlight=False,
                emoji=False,  # `:warning:` in a folder's name is text, as on the plain path
                # A terminal gets prose wrapped at word boundaries to its width (rich breaks a
                # word only when it is longer than a line); a pipe or a file gets lines
                # unbroken, so that a path or a command is never cut where nobody sees the width.
                soft_wrap=not tty,
                # auto (None) lets rich honour NO_COLOR and FORCE_COLOR; a flag beats both
                no_color=None if color is None else not color,
                force_terminal=None if color is None else color,
                width=100 if not tty else None,
                _environ=self._environ,
            )
        return self._console

    def _print(self, text: str, style: str | None = None, hang: int | None = None) -> None:
        if self._plain and "\t" not in text:  # (rich expands tabs by cell widths)
            self.stream.write(text.translate(_STRIPPED) + "\n")
            self.stream.flush()
        else:
            from wizard import hanging  # with rich: a terminal's, or styled

            hanging.print_wrapped(self.console, text, style, hang)

    def raw(self, text: str) -> None:
        """Text as it is (a completion script): past rich, which would wrap and style it."""
        self.stream.write(text)
        self.stream.flush()

    def say(self, text: str = "", style: str | None = None) -> None:
        self._print(scrub(text), style)

    def row(self, label: str, value: str, column: int = 32) -> None:
        """A label and its value in two columns; on a narrow terminal the value wraps under
        its own column, not under the label's."""
        self._print(scrub(f"  {label:{column}} {value}"), hang=column + 3)

    def heading(self, text: str) -> None:
        self._print(text, "bold")

    def ok(self, text: str) -> None:
        self._print(f"✓ {scrub(text)}", "green")

    def warn(self, text: str) -> None:
        self._print(f"! {scrub(text)}", "yellow")

    @contextlib.contextmanager
    def spinner(self, text: str) -> Iterator[Callable[[str], None]]:
        """A spinner while the network works; it is stopped before any prompt (it would repaint
        over it), which the flow guarantees by leaving this block first. It yields a function
        that adds a note (a retry and its cause) to the spinner, or says it once without one."""
        if self.interactive and self.console.is_terminal:
            with self.console.status(text) as status:
                yield lambda note: status.update(f"{text} {note}")
        else:
            self.say(text)
            said: set[str] = set()

            def once(note: str) -> None:
                if note not in said:
                    said.add(note)
                    self.say(f"  {note}")

            yield once

    def diagnoses(self, diagnoses: list[Diagnosis]) -> None:
        """Each cause once: refusals of several models for the same cause are one bullet (the
        JSON and the checklist keep each model's request ID)."""
        groups: dict[tuple[str, ...], list[Diagnosis]] = {}
        for d in diagnoses:
            # the same cause in the same words but the model's ID: "the same for" says no less
            # (two retirement dates, one of them overdue, are two bullets)
            said = d.message.replace(d.model, "") if d.model else f"{id(d)}"
            key = (d.code, d.next_step, said)
            groups.setdefault(key, []).append(d)
        for group in groups.values():
            first = group[0]
            self._print(f"• {scrub(first.message)}", "yellow")
            if len(group) > 1:
                others = ", ".join(str(d.model) for d in group[1:])
                self._print(scrub(f"  The same for {others}."), "yellow")
            tail = f"  → {first.next_step}"
            if first.url:
                tail += f" {first.url}"
            self._print(scrub(tail), "dim")
            if first.request_id:  # a line of its own: glued after a command, it read as part of it
                more = f", and {len(group) - 1} more" if len(group) > 1 else ""
                self._print(scrub(f"    request ID {first.request_id}{more}"), "dim")

    def models(
        self, detection: Detection, *, only: list[Model] | None = None, sizes: bool = False
    ) -> None:
        """The models in a table that reads at 80 columns: IDs never split, words for causes
        (the codes are in --json), the retirement date beside the lifecycle. `only`: exactly
        these rows (`flux-setup models`); `sizes`: the context window and maximum output too,
        while the width allows."""
        from rich.table import Table
        from rich.text import Text

        shown = detection.shown_models() if only is None else only
        rows = _table_rows(detection, shown) if only is None else only
        names = MODEL_COLUMNS + (SIZE_COLUMNS if sizes else ())
        cells: dict[str, list[str]] = {name: [] for name in names}
        styles = []
        for model in rows:
            access, style = _access(detection, model)
            marks = []
            if model.id == detection.recommended:
                marks.append("recommended")
            if model.id == detection.configured_model:
                alias = detection.configured != model.id
                marks.append(f"configured as {detection.configured}" if alias else "configured")
            elif model.id == detection.resolve(detection.configured_fallback):
                marks.append("configured fallback")
            price = prices.price_of(model.id, detection.day)
            cells["model"].append(model.id)
            cells["line"].append(model.line or "-")
            cells["lifecycle"].append(str(model.lifecycle))
            cells["retires"].append(model.retires_on or "-")
            cells["price in/out"].append(price.describe().replace(" / ", "/") if price else "-")
            cells["access"].append(", ".join([access, *marks]))
            if sizes:
                cells["context"].append(_tokens(model.max_input_tokens))
                cells["max out"].append(_tokens(model.max_tokens))
            styles.append(style)
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        joining = MODEL_JOINING + (SIZE_COLUMNS if sizes else ())
        columns = fit_columns(cells, self.console.width, names, joining)
        for name in columns:
            table.add_column(name, no_wrap=name != "access", overflow="fold")
        for i in range(len(rows)):
            table.add_row(
                *(
                    Text(cells[name][i], style=styles[i] if name == "access" else "")
                    for name in columns
                )
            )
        self.console.print(table)
        if "price in/out" in columns:
            self.console.print(
                f"Prices per million tokens: {prices.source()}.", style="dim", markup=False
            )
        if len(rows) < len(shown):
            self.console.print(
                f"... and {len(shown) - len(rows)} more models of other lines "
                "(`flux-setup check --json` lists every one).",
                style="dim",
                markup=False,
            )

    def projects(self, rows: list[ProjectRow]) -> None:
        """`check --all`: one row per project; the exit code says what each needs."""
        from rich.table import Table
        from rich.text import Text

        cells: dict[str, list[str]] = {
            "project": [scrub(r.project) for r in rows],
            "model": [r.model for r in rows],
            "status": [r.status for r in rows],
            "recommended": [r.recommended for r in rows],
            "key": [r.key for r in rows],
        }
        # project and verdict always; the others join while the width allows
        columns = fit_columns(cells, self.console.width, PROJECT_COLUMNS, PROJECT_JOINING)
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for name in columns:
            # a name longer than the whole line folds; otherwise nothing is split
            table.add_column(name, no_wrap=name != "project", overflow="fold")
        for i, row in enumerate(rows):
            style = ROW_STYLES.get(int(row.code), "red")
            table.add_row(  # Text, never markup: a folder named `[link=...]` is just a name
                *(Text(cells[n][i], style=style if n == "status" else "") for n in columns)
            )
        self.console.print(table)

    @contextlib.contextmanager
    def progress(self, total: int, text: str) -> Iterator[Callable[[str], None]]:
        """A progress bar on stderr when it is a terminal (stdout may be a file, or carry the
        JSON); a log or a pipe gets no repaint noise. Yields `advance(note)`."""
        errors = self.errors
        if not (errors.isatty() and total > 1):
            yield lambda note: None
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(file=errors, no_color=self.console.no_color),
            transient=True,
        ) as bar:
            task = bar.add_task(text, total=total)
            yield lambda note: bar.update(task, advance=1, description=f"{text} {note}")

    def diff(self, text: str) -> None:
        for line in scrub(text).splitlines():
            style = None
            if line.startswith("+") and not line.startswith("+++"):
                style = "green"
            elif line.startswith("-") and not line.startswith("---"):
                style = "red"
            elif line.startswith("@@"):
                style = "cyan"
            self._print(line, style)


def _styled(color: bool | None, environ: Mapping[str, str]) -> bool:
    """Whether rich styles a stream that is no terminal: --color, else its own reading of
    the environment (TTY_COMPATIBLE, then FORCE_COLOR)."""
    if color is not None:
        return color
    compatible = environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    return environ.get("FORCE_COLOR") not in (None, "")


@dataclass
class ProjectRow:
    project: str
    model: str
    status: str
    recommended: str
    key: str
    code: int


# Green when nothing is to do, yellow when a change is due, red when it cannot be used.
ROW_STYLES = {0: "green", 10: "yellow", 11: "yellow", 12: "red", 5: "yellow"}


# A person reads a table of a few dozen rows; a catalogue of thousands is for --json.
MAX_TABLE_ROWS = 40


# Each table's columns in the order shown, and the optional ones in the order they join while
# the width allows; the others are what the table is for and always there.
MODEL_COLUMNS = ("model", "line", "lifecycle", "retires", "price in/out", "access")
MODEL_JOINING = ("line", "retires", "lifecycle", "price in/out")
# `flux-setup models` only: joining last, while the width allows.
SIZE_COLUMNS = ("context", "max out")


def _tokens(count: int | None) -> str:
    """200000 -> "200k", 1000000 -> "1M"; "-" when the API did not say."""
    if count is None:
        return "-"
    if count >= 1_000_000 and count % 100_000 == 0:
        return f"{count / 1_000_000:g}M"
    return f"{count / 1000:g}k" if count >= 1000 else str(count)


PROJECT_COLUMNS = ("project", "model", "status", "recommended", "key")
PROJECT_JOINING = ("recommended", "model", "key")
WRAPPING_AT_LEAST = {"access": 18}  # "✗ not available" and a mark fit; more wraps in its cell


def fit_columns(
    cells: dict[str, list[str]], width: int, shown: tuple[str, ...], joining: tuple[str, ...]
) -> list[str]:
    """Which columns of `shown` fit `width` (columns are 2 apart): the required ones always,
    then the `joining` ones in turn while the table stays within the width."""

    def need(name: str) -> int:
        widest = max([len(name), *(len(c) for c in cells[name])])
        return min(widest, WRAPPING_AT_LEAST.get(name, widest))

    chosen = {name for name in shown if name not in joining}
    used = sum(need(n) for n in chosen) + 2 * (len(chosen) - 1)
    for name in joining:
        if used + 2 + need(name) <= width:
            chosen.add(name)
            used += 2 + need(name)
    return [name for name in shown if name in chosen]


def _table_rows(detection: Detection, shown: list[Model]) -> list[Model]:
    """The preferred lines' models (they come first), then others up to the limit; the
    configured and recommended models always."""
    if len(shown) <= MAX_TABLE_ROWS:
        return shown
    keep = {
        detection.configured_model,
        detection.recommended,
        detection.fallback,
        detection.resolve(detection.configured_fallback),
    }
    rows = [m for i, m in enumerate(shown) if i < MAX_TABLE_ROWS or m.id in keep]
    return rows


def _access(detection: Detection, model: Model) -> tuple[str, str]:
    if model.callable:
        return "✓ callable", "green"
    reason = _reason(model.reason)
    if model.callable is False:
        return f"✗ {reason or 'refused'}", "red"
    if reason:
        return f"? {reason}", "yellow"
    if model.lifecycle == Lifecycle.RETIRED:
        return "✗ retired", "red"
    return ("· not verified" if detection.verify else "· listed, not verified"), "dim"


def _reason(code: Code | None) -> str | None:
    return code.short if code else None


def shown_path(path: Path, base: Path) -> str:
    """A project as a person finds it: relative to `base` (the folder the command started in)
    when under it. A folder name in a scanned tree is anyone's text: control characters are
    shown escaped."""
    from wizard import untrusted

    try:
        rel = path.relative_to(base)
    except ValueError:
        return untrusted.text(str(path), limit=1000)
    return "." if rel == Path() else untrusted.text(str(rel), limit=1000)


def json_dump(payload: JsonObject) -> str:
    import json

    # Indented for a person reading it, unless a list in it is huge (a catalogue of 100,000
    # models, a scan of 5,000 projects): json's C encoder does not indent, and the
    # pure-Python one takes seconds for them.
    huge = any(len(as_list(value)) > 2000 for value in payload.values())
    return scrub(json.dumps(scrub_data(payload), indent=None if huge else 2, sort_keys=False))
