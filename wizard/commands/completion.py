"""`flux-setup completion bash|zsh|fish`: a completion script, generated from the parser itself
so that it never lists an option the program does not have."""

from __future__ import annotations

import argparse
import sys

from wizard.flow.session import Context
from wizard.report import Report


def _commands() -> dict[str, list[str]]:
    """Each command and its long options, from the parser."""
    from wizard.parser import build_parser

    parser = build_parser()
    found: dict[str, list[str]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = sorted(
                    {s for a in sub._actions for s in a.option_strings if s.startswith("--")}
                )
    return found


def bash() -> str:
    commands = _commands()
    cases = "\n".join(
        f'        {name}) opts="{" ".join(options)}" ;;' for name, options in commands.items()
    )
    return f"""# flux-setup completion for bash: eval "$(flux-setup completion bash)"
_flux_setup() {{
    local cur command word opts
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    command=""
    for word in "${{COMP_WORDS[@]:1:COMP_CWORD-1}}"; do
        case "$word" in -*) ;; *) command="$word"; break ;; esac
    done
    if [ -z "$command" ] && [[ "$cur" != -* ]]; then
        COMPREPLY=( $(compgen -W "{" ".join(commands)}" -- "$cur") )
        return
    fi
    case "$command" in
{cases}
        *) opts="--help --version" ;;
    esac
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}}
complete -o default -F _flux_setup flux-setup
"""


def zsh() -> str:
    return (
        "#compdef flux-setup\n"
        '# flux-setup completion for zsh: eval "$(flux-setup completion zsh)"\n'
        "autoload -U +X bashcompinit && bashcompinit\n" + bash().split("\n", 1)[1]
    )


def fish() -> str:
    commands = _commands()
    lines = ["# flux-setup completion for fish: flux-setup completion fish | source"]
    lines.append(f"complete -c flux-setup -f -n __fish_use_subcommand -a '{' '.join(commands)}'")
    for name, options in commands.items():
        for option in options:
            lines.append(
                f"complete -c flux-setup -n '__fish_seen_subcommand_from {name}' -l {option[2:]}"
            )
    return "\n".join(lines) + "\n"


SHELLS = {"bash": bash, "zsh": zsh, "fish": fish}


def completion(ctx: Context) -> Report:
    sys.stdout.write(SHELLS[ctx.options.shell]())
    return Report(ctx.options.command)
