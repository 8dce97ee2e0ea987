"""Questions, asked in one place. The only module that imports questionary (lazily).

`Prompter` is what the flow asks through; `QuestionaryPrompter` asks a person at a terminal;
`NoInput` answers nothing and names the flag that would have supplied the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from wizard.errors import Cancelled, UsageError

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output


@dataclass(frozen=True)
class Option:
    title: str
    value: str
    note: str | None = None


class Prompter(Protocol):
    interactive: bool

    def secret(self, message: str, *, flag: str) -> str: ...

    def select(self, message: str, options: list[Option], default: str, *, flag: str) -> str: ...

    def confirm(self, message: str, default: bool, *, flag: str) -> bool: ...


class NoInput:
    """Never prompts: anything missing is a usage error naming the flag that supplies it."""

    interactive = False

    @staticmethod
    def _refuse(message: str, flag: str) -> UsageError:
        return UsageError(
            f"{message.rstrip(':?')}: no terminal to ask on.", fix=f"Supply it with {flag}."
        )

    def secret(self, message: str, *, flag: str) -> str:
        raise self._refuse(message, flag)

    def select(self, message: str, options: list[Option], default: str, *, flag: str) -> str:
        raise self._refuse(message, flag)

    def confirm(self, message: str, default: bool, *, flag: str) -> bool:
        raise self._refuse(message, flag)


class _Question(Protocol):
    """A questionary question (the library is untyped): asked once, Ctrl-C raised."""

    def unsafe_ask(self) -> object: ...


def terminal_width() -> int:
    """The width questions are wrapped to (COLUMNS, else the terminal's, else 80)."""
    import shutil

    return max(20, shutil.get_terminal_size((80, 24)).columns)


def wrap_message(message: str, width: int, *, suffix: int = 0, answer: int = 0) -> str:
    """A question's text broken between words to fit after "? " (the continuation lines
    indented under it), leaving `suffix` columns on the last line for what the library adds
    ("(Y/n)", the instruction): prompt_toolkit alone would break it between characters. An
    answer echoed after the question (`answer` columns at most) that would not fit beside its
    last line starts a line of its own."""
    import textwrap

    lines = textwrap.wrap(message, max(10, width - 3), break_on_hyphens=False) or [""]
    if len(lines[-1]) + suffix + 1 > width - 3 and " " in lines[-1]:
        head, _, tail = lines[-1].rpartition(" ")
        lines[-1:] = [head, tail]
    if answer and len(lines[-1]) + answer + 1 > width - 3:
        lines.append("")  # the answer, echoed after the question once chosen: a line of its own
    return "\n  ".join(lines)


def wrap_description(note: str, width: int) -> str:
    """An answer's description, whole: on the lines under the "Description:" label, broken
    between words, indented, never reaching the last column (a terminal would wrap or cut)."""
    import textwrap

    lines = textwrap.wrap(note, max(10, width - 5), break_on_hyphens=False)
    return "\n" + "\n".join(f"    {line}" for line in lines)


class QuestionaryPrompter:
    """Real prompts. `unsafe_ask` so Ctrl-C is ours to handle (ask() would read it as "no").

    Every question reads only what is typed once it is on the screen: keys pressed before
    (during a network step, or the Enter after a one-key answer) are discarded, and a yes/no
    takes Enter, so no key pressed early can confirm a write."""

    interactive = True

    def __init__(
        self,
        input: Input | None = None,
        output: Output | None = None,
        *,
        discard_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._input, self._output = input, output  # None: the terminal's own
        self._discard_queued = discard_queued  # the terminal's input queue (the CLI's)

    def _discard_typed_ahead(self) -> None:
        """Forget keys typed before the question: prompt_toolkit's own store of keys a previous
        question did not read, and the terminal's input queue."""
        from prompt_toolkit.application.current import get_app_session
        from prompt_toolkit.input.typeahead import clear_typeahead

        clear_typeahead(self._input or get_app_session().input)
        self._discard_queued()

    def _ask(self, question: _Question) -> object:
        try:
            answer = question.unsafe_ask()
        except (KeyboardInterrupt, EOFError):
            raise Cancelled() from None
        if answer is None:
            raise Cancelled()
        return answer

    def secret(self, message: str, *, flag: str) -> str:
        import questionary

        self._discard_typed_ahead()
        text = wrap_message(message, terminal_width())
        return str(self._ask(questionary.password(text, input=self._input, output=self._output)))

    def select(self, message: str, options: list[Option], default: str, *, flag: str) -> str:
        import questionary

        width = terminal_width()
        choices = [
            questionary.Choice(
                title=o.title,
                value=o.value,
                description=wrap_description(o.note, width) if o.note else None,
            )
            for o in options
        ]
        chosen = next((c for c in choices if c.value == default), None)
        instruction = "(arrows, Enter)"
        self._discard_typed_ahead()
        return str(
            self._ask(
                questionary.select(
                    wrap_message(
                        message,
                        width,
                        suffix=len(instruction),
                        answer=max((len(o.title) for o in options), default=0),  # its echo
                    ),
                    choices=choices,
                    default=chosen,
                    instruction=instruction,
                    input=self._input,
                    output=self._output,
                )
            )
        )

    def confirm(self, message: str, default: bool, *, flag: str) -> bool:
        import questionary

        self._discard_typed_ahead()
        return bool(
            self._ask(
                questionary.confirm(
                    wrap_message(message, terminal_width(), suffix=len("(Y/n) yes")),
                    default=default,
                    auto_enter=False,  # "n" alone must not answer: the Enter after it would
                    input=self._input,
                    output=self._output,
                )
            )
        )
