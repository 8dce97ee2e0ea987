"""Preview, then confirm, then apply: the one policy of every command that writes (`run`,
`migrate`, `undo`, `undo --batch`, `check --all --fix`).

- `--dry-run` previews and writes nothing, said in one sentence.
- `--yes` applies without asking.
- A terminal asks; declining is a choice (`Declined`, exit 130), not an error.
- Without a terminal and without `--yes` nothing is written: a usage error (exit 2) that names
  both flags, before any network step where the command can tell that early (`require`).
"""

from __future__ import annotations

from wizard.errors import Declined, UsageError
from wizard.flow.session import Context

DRY_RUN = "Dry run: nothing was written."


def _no_terminal(what: str) -> UsageError:
    return UsageError(
        f"{what}, and there is no terminal to ask on.",
        fix="Pass --yes to apply without asking, or --dry-run to preview.",
    )


def require(ctx: Context, what: str) -> None:
    """Refuse at once when this command will have to ask and cannot: `what` says what it asks
    before writing ("`run` asks which model to use and confirms before writing")."""
    o = ctx.options
    if not ctx.prompter.interactive and not (o.writing.yes or o.writing.dry_run):
        raise _no_terminal(what)


def may_ask(ctx: Context) -> bool:
    """Whether a question may be put to the person: a terminal to ask on (the prompter is
    interactive: no --no-input, --json or --api-key-stdin) and not told to go ahead (--yes).
    Every optional question (which model, which fallback, where to keep a key, keep or replace
    a found key) asks only then; otherwise its default is taken, or the flag's answer."""
    return ctx.prompter.interactive and not ctx.options.writing.yes


def dry_run(ctx: Context) -> bool:
    """True (and said) when this is a preview only: the caller returns without writing."""
    if ctx.options.writing.dry_run:
        ctx.ui.say(DRY_RUN)
        return True
    return False


def confirm(
    ctx: Context, question: str, declined: Declined, *, what: str, default: bool = True
) -> None:
    """Go on only with consent: `--yes`, or "yes" at the terminal. Declining raises `declined`;
    no terminal and no `--yes` is `_no_terminal(what)`, whatever the prompter would do."""
    if ctx.options.writing.yes:
        return
    if not ctx.prompter.interactive:
        raise _no_terminal(what)
    if not ctx.prompter.confirm(question, default, flag="--yes"):
        raise declined
