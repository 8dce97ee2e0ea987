"""What a detection is asked to settle (`Request`), and what an earlier check of the key lets
its first round guess before the listing answers (`Hint`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from wizard.catalog import DEFAULT_PREFER, Catalog, Model
from wizard.constants import DEFAULT_MAX_VERIFY


@dataclass(frozen=True)
class Hint:
    """The models an earlier check saw (`memory.Record.models`), and whether that check was of
    this key (`own`): then what it proved is this key's too, a prediction of the refusals ahead.
    Another key's catalogue names the models that exist, nothing about access. A hint only
    chooses what round one asks; it proves nothing (the listing and the calls do)."""

    models: tuple[Model, ...]
    own: bool
    # the aliases that check resolved (`claude-haiku-4-5` -> its dated ID): a named alias
    # is not guessed a second time under its model's ID
    aliases: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """`configured`: the configured model; `fallback`: the configured fallback, proven in
    round one (a transient top or a refused listing stops the walk); `extra`: models the user
    asked for (`--model`), verified like the configured one. `max_billed`: the cap on calls
    that may be billed (`--max-verify`). `also_prefer`: other line orders walked afterwards
    with what the cap leaves (`check --all`, where projects sharing a key may rank lines
    differently); the result stays `prefer`'s. `choose`: instead of the walk, verify the
    models it picks from the listing (`models --verify`). `prove_fallback`: also prove the
    fallback the rule would choose (`run` and `--fix` write it; `check` has no use for calls
    below). `hint`: what round one may guess from an earlier check (`guess.first_round`)."""

    configured: str | None = None
    prefer: Sequence[str] = DEFAULT_PREFER
    verify: bool = True
    max_billed: int = DEFAULT_MAX_VERIFY
    extra: Sequence[str] = ()
    also_prefer: Sequence[Sequence[str]] = ()
    choose: Callable[[Catalog], Sequence[str]] | None = None
    fallback: str | None = None
    prove_fallback: bool = True
    hint: Hint | None = None
