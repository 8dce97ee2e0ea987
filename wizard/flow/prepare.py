"""What every command reads first: the project's files, where the configured model comes from,
the preferred line order; and the rules about them (environment override, files that disagree)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from wizard import project, untrusted
from wizard.catalog import DEFAULT_PREFER, PreferError, parse_prefer
from wizard.constants import KEY_VAR, MODEL_VAR
from wizard.detection.result import Detection
from wizard.diagnosis import Diagnosis
from wizard.errors import FilesError, UsageError
from wizard.flow.session import Context
from wizard.vocab import Code, ModelSource

Sources = Mapping[str, str | None]


@dataclass
class Prepared:
    """The project as the command found it."""

    files: project.ProjectFiles
    # The model each place names, by `ModelSource` value (the JSON's `configured.sources`).
    sources: dict[str, str | None]

    @property
    def configured(self) -> str | None:
        """The model Flux uses: the process environment, then .env, then the config."""
        winner = self.winner
        return self.sources[winner] if winner else None

    @property
    def fallback(self) -> str | None:
        """`[model].fallback` in the config (schema 1: `fallback_model`): the only place that
        names a fallback."""
        return self.files.config.fallback

    @property
    def fallback_key(self) -> str:
        """The fallback's key as the user's config spells it (its schema's)."""
        return self.files.config.schema.fallback_key

    def label(self, source: ModelSource) -> str:
        """Where a model comes from, with the config's key spelled as its schema has it."""
        if source == ModelSource.CONFIG:
            return f"{self.files.config.schema.model_key} in the config"
        return source.label

    @property
    def winner(self) -> ModelSource | None:
        return next((source for source in ModelSource if self.sources.get(source)), None)


def prepare(ctx: Context) -> Prepared:
    o = ctx.options
    files = project.load(o.files.project, o.files.env_file, o.files.config, environ=ctx.environ)
    broken = files.env.unreadable((KEY_VAR, MODEL_VAR))
    if broken:
        line, name = broken[0]
        raise FilesError(
            f"{files.env_path.name} line {line} sets {name}, but the line cannot be read (an "
            "unclosed quote?): Flux would not see it either.",
            fix=f"Fix the quoting on line {line} of {files.env_path.name}, then rerun.",
        )
    exported = ctx.environ.get(MODEL_VAR) or None
    if exported is not None and untrusted.is_secret(exported):
        raise FilesError(  # a key is a key wherever it is found: exit 6, as in the files
            untrusted.not_a_model_id("FLUX_MODEL in the environment", exported),
            fix="`unset FLUX_MODEL`, or export a model ID such as claude-opus-5-5.",
        )
    if exported is not None and not untrusted.is_model_id(exported):
        raise UsageError(
            untrusted.not_a_model_id("FLUX_MODEL in the environment", exported),
            fix="`unset FLUX_MODEL`, or export a model ID such as claude-opus-5-5.",
        )
    sources = {
        str(ModelSource.ENVIRONMENT): exported,
        str(ModelSource.ENV_FILE): files.env_model(),
        str(ModelSource.CONFIG): files.config.model,
    }
    return Prepared(files, sources)


def preferred_lines(ctx: Context, files: project.ProjectFiles) -> tuple[str, ...]:
    try:
        if ctx.options.api.prefer:
            return parse_prefer(ctx.options.api.prefer)
        if files.config.prefer:
            return parse_prefer(files.config.prefer)
    except PreferError as exc:
        raise UsageError(f"--prefer: {exc}", fix="e.g. --prefer opus,sonnet,haiku") from None
    return DEFAULT_PREFER


def config_mismatch(
    prepared: Prepared, next_step: str, config_state: str | None = None
) -> Diagnosis | None:
    """.env and the config name different models: Flux uses the .env one. `config_state`:
    what the catalogue says of the config's model ("retired"), where a check knows it."""
    env_model = prepared.sources[ModelSource.ENV_FILE]
    config_model = prepared.sources[ModelSource.CONFIG]
    if not env_model or not config_model or env_model == config_model:
        return None
    files = prepared.files
    state = f", which is {config_state}" if config_state else ""
    return Diagnosis(
        Code.CONFIG_MISMATCH,
        f"FLUX_MODEL in {files.env_path.name} ({env_model}) and "
        f"{files.config.schema.model_key} in "
        f"{files.config.display} ({config_model}{state}) disagree; Flux uses "
        f"{prepared.configured}.",
        next_step,
    )


def add_mismatch(prepared: Prepared, detection: Detection) -> None:
    """.env and the config disagree: said by every check, with what the config's model is."""
    config_model = prepared.sources.get(ModelSource.CONFIG)
    mismatch = config_mismatch(
        prepared, "`flux-setup run` sets both to one model.", detection.state_of(config_model)
    )
    if mismatch is not None:
        detection.diagnoses.append(mismatch)


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
    ctx: Context, sources: Sources, files_model: str | None = None
) -> Diagnosis | None:
    """FLUX_MODEL in the process environment beats every file: when it names another model
    than the files do, Flux keeps using it whatever the files say. `files_model` is what the
    files will name after a change (default: what they name now)."""
    value = sources.get(ModelSource.ENVIRONMENT)
    named = files_model or sources.get(ModelSource.ENV_FILE) or sources.get(ModelSource.CONFIG)
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
        Code.ENV_OVERRIDE,
        f"FLUX_MODEL={value} in your environment overrides the files ({named}): Flux will keep "
        f"using {value} until it is unset.",
        f"Run `unset FLUX_MODEL` (and remove it where it is set). {probably}.",
        model=value,
    )


def _exported_in(ctx: Context) -> list[str]:
    """Files that mention FLUX_MODEL among the usual places a variable is exported from."""
    candidates = [ctx.options.files.project / ".envrc"]
    home = ctx.environ.get("HOME")
    if home:
        candidates += [Path(home) / name for name in PROFILE_FILES]
    found = []
    for path in candidates:
        try:
            small_file = path.is_file() and path.stat().st_size < 1_000_000
            if small_file and MODEL_VAR in path.read_text(encoding="utf-8", errors="replace"):
                found.append(str(path))
        except OSError:
            continue
    return found
