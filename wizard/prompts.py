"""Questions, asked in one place. The only module that imports questionary (lazily).

`Prompter` is what the flow asks through; `QuestionaryPrompter` asks a person at a terminal;
`NoInput` answers nothing and names the flag that would have supplied the answer.
"""

from __future__ import annotations

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


class QuestionaryPrompter:
    """Real prompts. `unsafe_ask` so Ctrl-C is ours to handle (ask() would read it as "no")."""

    interactive = True

    def __init__(self, input: Input | None = None, output: Output | None = None) -> None:
        self._input, self._output = input, output  # None: the terminal's own

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

        return str(self._ask(questionary.password(message, input=self._input, output=self._output)))

    def select(self, message: str, options: list[Option], default: str, *, flag: str) -> str:
        import shutil
        import textwrap

        import questionary

        # A description longer than the terminal is cut by prompt_toolkit: wrap it between
        # words to the width (the answers themselves are kept short by whoever builds them).
        width = max(40, shutil.get_terminal_size((80, 24)).columns - 2)
        choices = [
            questionary.Choice(
                title=o.title,
                value=o.value,
                description=textwrap.fill(o.note, width) if o.note else None,
            )
            for o in options
        ]
        chosen = next((c for c in choices if c.value == default), None)
        return str(
            self._ask(
                questionary.select(
                    message,
                    choices=choices,
                    default=chosen,
                    instruction="(arrows, Enter)",
                    input=self._input,
                    output=self._output,
                )
            )
        )

    def confirm(self, message: str, default: bool, *, flag: str) -> bool:
        import questionary

        return bool(
            self._ask(
                questionary.confirm(
                    message, default=default, input=self._input, output=self._output
                )
            )
        )
