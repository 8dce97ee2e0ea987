"""`flux-setup completion bash|zsh|fish`: a completion script, generated from the parser itself
so that it never lists an option the program does not have."""

from __future__ import annotations

import argparse

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


def _values() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The values an option takes (its choices, the scenarios, line orders), and each
    command's positional choices (`completion bash|zsh|fish`)."""
    from wizard.catalog import DEFAULT_PREFER
    from wizard.parser import build_parser
    from wizard.simulator.scenarios import builtin_names

    options: dict[str, list[str]] = {
        "--scenario": list(builtin_names()),
        # the default order, and each of its lines alone: a hint, never a rule
        "--prefer": [",".join(DEFAULT_PREFER), *DEFAULT_PREFER],
        # models --verify all|LINE|ID,...: the words it knows (an ID is the user's)
        "--verify": ["all", *DEFAULT_PREFER],
    }
    positionals: dict[str, list[str]] = {}
    for action in build_parser()._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for name, sub in action.choices.items():
            for a in sub._actions:
                if not a.choices or isinstance(a, argparse._SubParsersAction):
                    continue
                values = [str(c) for c in a.choices]
                if a.option_strings:
                    for flag in a.option_strings:
                        options.setdefault(flag, values)
                else:
                    positionals[name] = values
    return options, positionals


def bash() -> str:
    commands = _commands()
    values, positionals = _values()
    cases = "\n".join(
        f'        {name}) opts="{" ".join(options)}" ;;' for name, options in commands.items()
    )
    value_cases = "\n".join(
        f'        {flag}) COMPREPLY=( $(compgen -W "{" ".join(v)}" -- "$cur") ); return ;;'
        for flag, v in sorted(values.items())
    )
    positional_cases = "\n".join(
        f'        {name}) [[ "$cur" != -* ]] && COMPREPLY=( $(compgen -W "{" ".join(v)}" -- '
        f'"$cur") ) && return ;;'
        for name, v in sorted(positionals.items())
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
    case "${{COMP_WORDS[COMP_CWORD-1]}}" in
{value_cases}
    esac
    case "$command" in
{positional_cases}
    esac
    case "$command" in
{cases}
        *) opts="--help --version" ;;
    esac
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}}
complete -o default -F _flux_setup flux-setup
"""


def zsh() -> str:
    """Native zsh (`words` and `CURRENT`, 1-based, and compadd): the bash script under
    bashcompinit read its arrays one off, and offered no option values."""
    commands = _commands()
    values, positionals = _values()

    def cases(table: dict[str, list[str]], guard: str = "") -> str:
        return "\n".join(
            f"    {key}) {guard}compadd -- {' '.join(v)}; return ;;"
            for key, v in sorted(table.items())
        )

    return f"""#compdef flux-setup
# flux-setup completion for zsh: eval "$(flux-setup completion zsh)"
_flux_setup() {{
  local cur=${{words[CURRENT]}} prev=${{words[CURRENT-1]}} cmd="" word
  for word in ${{words[2,CURRENT-1]}}; do
    case $word in -*) ;; *) cmd=$word; break ;; esac
  done
  if [[ -z $cmd && $cur != -* ]]; then
    compadd -- {" ".join(commands)}
    return
  fi
  case $prev in
{cases(values)}
    --project) _files -/; return ;;
    --env-file|--config|--checklist|--record|--report|--replay|--scenario-from) _files; return ;;
  esac
  if [[ $cur != -* ]]; then
    case $cmd in
{cases(positionals)}
    esac
  fi
  case $cmd in
{cases(commands)}
    *) compadd -- --help --version ;;
  esac
}}
(( $+functions[compdef] )) || {{ autoload -Uz compinit && compinit }}
compdef _flux_setup flux-setup
"""


def fish() -> str:
    commands = _commands()
    values, positionals = _values()
    lines = ["# flux-setup completion for fish: flux-setup completion fish | source"]
    lines.append(f"complete -c flux-setup -f -n __fish_use_subcommand -a '{' '.join(commands)}'")
    for name, options in commands.items():
        seen = f"'__fish_seen_subcommand_from {name}'"
        if name in positionals:
            lines.append(f"complete -c flux-setup -f -n {seen} -a '{' '.join(positionals[name])}'")
        for option in options:
            takes = values.get(option)
            given = f" -x -a '{' '.join(takes)}'" if takes else ""
            lines.append(f"complete -c flux-setup -n {seen} -l {option[2:]}{given}")
    return "\n".join(lines) + "\n"


SHELLS = {"bash": bash, "zsh": zsh, "fish": fish}


def completion(ctx: Context) -> Report:
    ctx.ui.raw(
        SHELLS[ctx.options.completion.shell]()
    )  # a script, byte for byte: no wrapping, no style
    return Report(ctx.options.command)
