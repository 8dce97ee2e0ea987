"""The Flux config's schemas: for each version, its reader and the step up to it from the one
before. The newest version, the versions a message names, the step chain `fluxconfig.migrate`
walks and the version `set_model` writes are all read from `SCHEMAS`: schema 3 is one entry
here (its reader and its `Migration`), nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wizard import untrusted
from wizard.errors import FilesError
from wizard.migrations import V1_TO_V2, Migration


@dataclass
class Settings:
    """What Flux reads from its config, whatever the schema."""

    model: str | None = None
    fallback: str | None = None
    prefer: list[str] | None = None
    api_key: str | None = None


# the Flux table as plain data (tomllib), and the file's name as messages show it
Reader = Callable[[dict[str, object], str], Settings]


@dataclass(frozen=True)
class Schema:
    version: int
    read: Reader
    upgrade: Migration | None = None  # from version - 1 to this one (None for the first)
    # the model's and the fallback's keys as this schema spells them, for messages that point
    # at a line of the user's file ("fallback_model" in schema 1, "[model].fallback" after)
    model_key: str = "[model].id"
    fallback_key: str = "[model].fallback"


def type_name(value: object) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "an array",
    }.get(type(value), "a table" if isinstance(value, dict) else type(value).__name__)


def expect_model_id(value: object, key: str, display: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise FilesError(
            f"{display}: `{key}` must be a model ID string, not {type_name(value)}.",
            fix=f'Write it as {key} = "claude-..." or remove it.',
        )
    if not untrusted.is_model_id(value):
        raise FilesError(
            untrusted.not_a_model_id(f"{display}: `{key}`", value),
            fix=f'Write it as {key} = "claude-..." or remove it.',
        )
    return str(value)


def _read_v1(flux: dict[str, object], display: str) -> Settings:
    if isinstance(flux.get("model"), dict):
        raise FilesError(
            f"{display}: `model` is a table (a newer config schema), but there is no "
            f"`config_version`: that schema needs `config_version = {latest()}`.",
            fix=f"Add `config_version = {latest()}` above the Flux settings, then rerun.",
        )
    settings = Settings(
        model=expect_model_id(flux.get("model"), "model", display),
        fallback=expect_model_id(flux.get("fallback_model"), "fallback_model", display),
    )
    if "api_key" in flux:
        if not isinstance(flux["api_key"], str):
            raise FilesError(
                f"{display}: `api_key` must be a string.", fix="Remove it; keys belong in .env."
            )
        settings.api_key = flux["api_key"]
    return settings


def _read_v2(flux: dict[str, object], display: str) -> Settings:
    section = flux.get("model")
    if section is not None and not isinstance(section, dict):
        raise FilesError(
            f'{display}: `model` must be a table ([model] with id = "..."), not {type_name(section)}.',
            fix='Write it as:\n  [model]\n  id = "claude-..."',
        )
    section = section or {}
    settings = Settings(
        model=expect_model_id(section.get("id"), "model.id", display),
        fallback=expect_model_id(section.get("fallback"), "model.fallback", display),
    )
    prefer = section.get("prefer")
    if prefer is not None:
        if not isinstance(prefer, list) or not all(isinstance(p, str) for p in prefer):
            raise FilesError(
                f"{display}: `model.prefer` must be an array of line names.",
                fix='Write it as prefer = ["opus", "sonnet", "haiku"].',
            )
        settings.prefer = list(prefer)
    api_key = flux.get("api_key")
    if isinstance(api_key, str):
        settings.api_key = api_key
    return settings


SCHEMAS: dict[int, Schema] = {
    1: Schema(1, _read_v1, model_key="model", fallback_key="fallback_model"),
    2: Schema(2, _read_v2, V1_TO_V2),
}


def latest() -> int:
    return max(SCHEMAS)


def oldest() -> int:
    return min(SCHEMAS)


def versions_said() -> str:
    """The versions this flux-setup reads, as a message says them: "1 or 2", "1, 2 or 3"."""
    names = [str(v) for v in sorted(SCHEMAS)]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def version_of(flux: dict[str, object], display: str) -> int:
    """The schema a Flux table is written in: its `config_version`, or the oldest schema (which
    had none) when it holds settings; an empty or missing table is the newest."""
    version = flux.get("config_version")
    if version is None:
        return oldest() if flux else latest()
    if isinstance(version, bool) or not isinstance(version, int) or version < oldest():
        raise FilesError(
            f"{display}: `config_version` must be {versions_said()}, not {version!r}.",
            fix=f"Set config_version = {latest()}.",
        )
    if version > latest():
        raise FilesError(
            f"{display}: config_version {version} was written by a newer flux-setup.",
            fix="Upgrade flux-setup the way you installed it (`pipx upgrade flux-setup`, "
            "`pip install -U flux-setup`, or in a clone: `git pull`, then `pip install -e .`).",
        )
    return version


def steps_from(version: int) -> list[Schema]:
    """The schemas a config of `version` passes through to the newest, in order."""
    steps = [SCHEMAS[v] for v in sorted(SCHEMAS) if v > version]
    missing = [s.version for s in steps if s.upgrade is None]
    if missing:  # a registry mistake, never the user's: say it plainly
        raise RuntimeError(f"config schema {missing[0]} has no migration from the one before")
    return steps
