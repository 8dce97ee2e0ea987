"""What the commands share: options, the I/O they are handed, the key, the configured model."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from wizard import project
from wizard.catalog import DEFAULT_PREFER, PreferError, parse_prefer
from wizard.changes import Plan
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode, UsageError, WizardError
from wizard.keys import SOURCE_LABELS, ApiKey, KeyDiscovery, check_form, discover, normalise
from wizard.prompts import Prompter
from wizard.render import UI

SCHEMA = "flux-setup/1"


@dataclass
class Options:
    command: str = "run"
    project: Path = field(default_factory=Path.cwd)
    project_given: bool = False
    project_marker: str | None = None  # what marked the folder found above the current one
    env_file: Path | None = None
    config: Path | None = None
    checklist: Path | None = None
    api_key_stdin: bool = False
    base_url: str | None = None
    model: str | None = None
    prefer: str | None = None
    yes: bool = False
    no_input: bool = False
    dry_run: bool = False
    verify: bool = True
    save_key: bool | None = None
    json: bool = False
    timeout: float = 10.0
    max_verify: int = 4
    force: bool = False
    check: bool = False
    write_checklist: bool = False
    debug: bool = False
    scenario: str = "today"


@dataclass
class Context:
    options: Options
    environ: Mapping[str, str]
    read_stdin: Callable[[], str]
    prompter: Prompter
    ui: UI
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    # Called when the network is next: the CLI starts importing the SDK (delay in seconds).
    warm_up: Callable[[float], None] = lambda delay: None


@dataclass
class Outcome:
    exit_code: ExitCode
    payload: dict[str, Any] = field(default_factory=dict)


def base_payload(ctx: Context, exit_code: ExitCode) -> dict[str, Any]:
    return {"schema": SCHEMA, "command": ctx.options.command, "exit_code": int(exit_code)}


def load_files(ctx: Context) -> project.ProjectFiles:
    o = ctx.options
    return project.load(o.project, o.env_file, o.config)


def configured_sources(ctx: Context, files: project.ProjectFiles) -> dict[str, str | None]:
    return {
        "environment": ctx.environ.get(project.MODEL_VAR) or None,
        "env_file": files.env_model(),
        "config": files.config.model,
    }


def effective_model(sources: Mapping[str, str | None]) -> str | None:
    """Flux's precedence: the process environment, then .env, then the config."""
    for name in ("environment", "env_file", "config"):
        if sources.get(name):
            return sources[name]
    return None


# Where an exported FLUX_MODEL usually comes from, relative to the home folder or the project.
PROFILE_FILES = (
    ".bashrc",
    ".bash_profile",
    ".profile",
    ".zshrc",
    ".zprofile",
    ".config/fish/config.fish",
)


def env_override(
    ctx: Context, sources: Mapping[str, str | None], files_model: str | None = None
) -> Diagnosis | None:
    """FLUX_MODEL in the process environment beats every file: when it names another model
    than the files do, Flux keeps using it whatever the files say. `files_model` is what the
    files will name after a change (default: what they name now)."""
    value = sources.get("environment")
    named = files_model or sources.get("env_file") or sources.get("config")
    if not value or not named or value == named:
        return None
    where = _exported_in(ctx)
    probably = (
        f"It is set in {', '.join(where)}"
        if where
        else "It is probably exported by your shell profile, direnv or the tool that started "
        "this shell"
    )
    return Diagnosis(
        "env_override",
        f"FLUX_MODEL={value} in your environment overrides the files ({named}): Flux will keep "
        f"using {value} until it is unset.",
        f"Run `unset FLUX_MODEL` (and remove it where it is set). {probably}.",
        model=value,
    )


def _exported_in(ctx: Context) -> list[str]:
    """Files that mention FLUX_MODEL among the usual places a variable is exported from."""
    candidates = [ctx.options.project / ".envrc"]
    home = ctx.environ.get("HOME")
    if home:
        candidates += [Path(home) / name for name in PROFILE_FILES]
    found = []
    for path in candidates:
        try:
            small_file = path.is_file() and path.stat().st_size < 1_000_000
            if small_file and "FLUX_MODEL" in path.read_text(encoding="utf-8", errors="replace"):
                found.append(str(path))
        except OSError:
            continue
    return found


def preferred_lines(ctx: Context, files: project.ProjectFiles) -> tuple[str, ...]:
    try:
        if ctx.options.prefer:
            return parse_prefer(ctx.options.prefer)
        if files.config.prefer:
            return parse_prefer(files.config.prefer)
    except PreferError as exc:
        raise UsageError(f"--prefer: {exc}", fix="e.g. --prefer opus,sonnet,haiku") from None
    return DEFAULT_PREFER


def key_discovery(ctx: Context, files: project.ProjectFiles) -> KeyDiscovery:
    stdin_value = None
    if ctx.options.api_key_stdin:
        stdin_value = ctx.read_stdin()
        if not stdin_value.strip():
            raise WizardError(
                "--api-key-stdin was given but standard input was empty.",
                fix="Pipe the key in: `printenv ANTHROPIC_API_KEY | flux-setup --api-key-stdin`.",
                code=ExitCode.KEY,
                diagnosis="key_missing",
            )
    return discover(
        stdin=stdin_value,
        environ=ctx.environ,
        env_file=files.env_values,
        config_api_key=files.config.api_key,
    )


def key_error(problem_code: str, message: str, next_step: str) -> WizardError:
    return WizardError(message, fix=next_step, code=ExitCode.KEY, diagnosis=problem_code)


def obtain_key(ctx: Context, files: project.ProjectFiles, *, allow_prompt: bool) -> ApiKey:
    """The key by precedence, checked offline; a masked prompt when none is found and we may ask."""
    found = key_discovery(ctx, files)
    conflict = found.describe_conflict()
    if conflict:
        ctx.ui.warn(conflict)
    key = found.key
    if key is None:
        if allow_prompt and ctx.prompter.interactive:
            ctx.warm_up(0.3)  # import while the person pastes, after the prompt has drawn
        else:
            raise key_error(
                "key_missing",
                "No API key found (stdin, ANTHROPIC_API_KEY, the .env file, the config).",
                "Set ANTHROPIC_API_KEY, or pipe the key in with --api-key-stdin. Keys: "
                "https://platform.claude.com/settings/keys",
            )
        for attempt in range(3):
            value = normalise(
                ctx.prompter.secret("Paste your Anthropic API key:", flag="--api-key-stdin")
            )
            problem = check_form(value)
            if problem is None:
                return ApiKey(value, "prompt")
            ctx.ui.warn(f"{problem.message} {problem.next_step}")
            if attempt == 2:
                raise key_error(problem.code, problem.message, problem.next_step)
        raise AssertionError("unreachable")
    problem = check_form(key.reveal())
    if problem is not None:
        raise key_error(
            problem.code,
            f"The key from {SOURCE_LABELS[key.source]} ({key.fingerprint}): {problem.message}",
            problem.next_step + (f" {problem.url}" if problem.url else ""),
        )
    ctx.warm_up(0.0)
    ctx.ui.say(f"Using the key {key.fingerprint} from {SOURCE_LABELS[key.source]}.")
    return key


def diagnoses_json(diagnoses: list[Diagnosis]) -> list[dict[str, Any]]:
    return [d.to_json() for d in diagnoses]


def changes_json(plan: Plan) -> list[dict[str, Any]]:
    return [
        {"path": plan.label(c), "action": c.action, "diff": c.diff(plan.label(c))}
        for c in plan.changes
    ]
