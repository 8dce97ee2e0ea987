"""A Flux project's files, read once, and the plans that change them.

Planning never writes: it returns a `Plan` (bytes before and after for each file) and the
diagnoses found on the way. `changes.apply` writes it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wizard import envfile, fluxconfig, untrusted
from wizard.constants import ENV_NAME, KEY_VAR, KEYRING_ENTRY_VAR, MODEL_VAR
from wizard.diagnosis import Diagnosis
from wizard.errors import FilesError
from wizard.fileio import read_optional
from wizard.keys import ApiKey, fingerprint, normalise
from wizard.vocab import Code

if TYPE_CHECKING:  # the writer, for the plans: reading a project (status) needs none of it
    from wizard.changes import FileChange, Plan


@dataclass
class ProjectFiles:
    project: Path
    env_path: Path
    env_before: bytes | None
    env: envfile.EnvText
    config: fluxconfig.FluxConfig
    environ: Mapping[str, str] = field(default_factory=dict)  # the command's, for git

    @property
    def env_values(self) -> dict[str, str | None]:
        return self.env.values()

    def env_model(self) -> str | None:
        """FLUX_MODEL in the .env file, checked like [model].id in the config: text that is
        not a model ID (an escape sequence, a stray quote) is never shown raw nor used."""
        value = self.env_values.get(MODEL_VAR) or None
        if value is not None and not untrusted.is_model_id(value):
            raise FilesError(
                untrusted.not_a_model_id(f"{self.env_path.name}: FLUX_MODEL", value),
                fix="Write it as FLUX_MODEL=claude-... or remove the line.",
            )
        return value


def load(
    project: Path,
    env_file: Path | None = None,
    config: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> ProjectFiles:
    """The project's files, read once. `environ`: the command's environment, in which git is
    asked whether the .env file is tracked (none: git runs with only its own settings)."""
    if not project.exists():
        raise FilesError(
            f"the project folder {project} does not exist.",
            fix="Pass an existing folder with --project.",
        )
    if not project.is_dir():
        raise FilesError(
            f"{project} is a file, not a project folder.", fix="Pass the folder with --project."
        )
    env_path = env_file if env_file is not None else project / ENV_NAME
    before = read_optional(env_path, flag="--env-file")
    env = envfile.parse(before, env_path.name)
    cfg = fluxconfig.load(fluxconfig.locate(project, config))
    return ProjectFiles(project, env_path, before, env, cfg, dict(environ or {}))


@dataclass
class Proposal:
    plan: Plan
    notes: list[str] = field(default_factory=list)
    diagnoses: list[Diagnosis] = field(default_factory=list)


def _env_change(files: ProjectFiles, why: str, *, tighten: bool = False) -> FileChange:
    from wizard.changes import FileChange

    return FileChange(
        files.env_path,
        files.env_before,
        files.env.to_bytes(),
        why=why,
        new_mode=0o600,
        keep_mode=not tighten,
    )


def _tighten(files: ProjectFiles, proposal: Proposal) -> bool:
    """A .env about to hold a key that others may read is made private (0600), and said."""
    try:
        mode = stat.S_IMODE(os.stat(files.env_path).st_mode)
    except OSError:
        return False  # a new file is created 0600 anyway
    if not mode & 0o077:
        return False
    proposal.notes.append(
        f"{files.env_path.name} was readable by others (mode {mode:04o}); it holds the API key "
        "now, so it becomes 0600."
    )
    return True


def _config_change(files: ProjectFiles, why: str) -> FileChange:
    from wizard.changes import FileChange

    cfg = files.config
    return FileChange(cfg.location.path, cfg.original, cfg.render(), why=why)


def _guard_key(files: ProjectFiles, proposal: Proposal) -> None:
    """The .env file is about to hold a key: never in git."""
    from wizard import gitguard  # (git is run for a plan that writes a key, not for a read)

    verdict = gitguard.inspect(files.project, files.env_path, files.environ)
    if not verdict.repository:
        return
    name = os.path.relpath(files.env_path, files.project)
    target = verdict.target or files.env_path
    if target != Path(os.path.abspath(files.env_path)):
        name = f"{name} (a link to {target})"
    if verdict.tracked:
        raise FilesError(
            f"{name} is tracked by git: writing the API key into it would commit a secret.",
            fix=f"Untrack it (`git rm --cached {target.name}` in {target.parent}) and ignore it, "
            "then rerun (or use --no-save-key and keep the key in your environment).",
            diagnosis=Code.ENV_NOT_IGNORED,
        )
    if not verdict.ignored and not verdict.inside_project:
        raise FilesError(
            f"{name} is in a git repository outside the project that does not ignore it: the "
            "API key would be one `git add` away from a commit.",
            fix=f"Ignore {target.name} in that repository's .gitignore, then rerun (or use "
            "--no-save-key).",
            diagnosis=Code.ENV_NOT_IGNORED,
        )
    if not verdict.ignored:
        proposal.plan.add(gitguard.ignore_change(files.project, files.env_path))
        proposal.diagnoses.append(
            Diagnosis(
                Code.ENV_NOT_IGNORED,
                f"{name} will hold the API key but git does not ignore it.",
                f"{name} is added to .gitignore in this change.",
            )
        )


def plan_migration(files: ProjectFiles) -> Proposal:
    """Schema migrations only: the config to the newest schema, a config api_key moved into .env."""
    from wizard.changes import Plan

    proposal = Proposal(Plan(files.project))
    cfg = files.config
    if not cfg.needs_migration:
        return proposal
    legacy_key = cfg.api_key
    steps = fluxconfig.migrate(cfg)
    proposal.diagnoses.append(
        Diagnosis(
            Code.CONFIG_MIGRATED,
            f"{cfg.display}: config {'; '.join(steps)}.",
            # said before anything is written (`migrate --check`, a batch's preview): the line
            # after a write names the undo that fits it (`undo`, `undo --batch`)
            "Review the diff: nothing is written before it is shown.",
        )
    )
    if legacy_key:
        value = normalise(legacy_key)
        proposal.diagnoses.append(
            Diagnosis(
                Code.KEY_IN_CONFIG,
                f"{cfg.display} holds an API key ({fingerprint(value)}): a secret does not belong "
                "in a config that gets committed.",
                f"It moves to {files.env_path.name} in this change.",
            )
        )
        current = normalise(files.env_values.get(KEY_VAR) or "")
        if value and not current:
            proposal.notes.extend(envfile.set_value(files.env, KEY_VAR, value))
            _guard_key(files, proposal)
            tighten = _tighten(files, proposal)
            proposal.plan.add(
                _env_change(files, "the API key moved out of the config", tighten=tighten)
            )
        elif current and current != value:
            proposal.notes.append(
                f"{files.env_path.name} already holds a different key ({fingerprint(current)}); "
                f"the config's key ({fingerprint(value)}) was dropped, not copied."
            )
    proposal.plan.add(_config_change(files, "config schema migration"))
    return proposal


def plan_setup(
    files: ProjectFiles,
    *,
    model: str,
    fallback: str | None = None,
    prefer: list[str] | None = None,
    key: ApiKey | None = None,
    save_key: bool = False,
    keyring_entry: str | None = None,
) -> Proposal:
    """Everything `run` writes: migrations, the model in the config and in .env, maybe the key
    (`save_key`), or the name of the keyring entry that holds it (`keyring_entry`)."""
    proposal = plan_migration(files)
    fluxconfig.set_model(
        files.config, model, fallback, keep_fallback=fallback is not None, prefer=prefer
    )
    proposal.plan.add(_config_change(files, f"[model] id = {model}"))
    saving = (
        save_key
        and key is not None
        and normalise(files.env_values.get(KEY_VAR) or "") != key.reveal()
    )
    if not uses_env_file(files) and not saving and keyring_entry is None:
        # The config holds the model: a .env created only to repeat it would be one more file
        # to keep in step (and to keep out of git).
        return proposal
    proposal.notes.extend(envfile.set_value(files.env, MODEL_VAR, model))
    point_at_keyring(files, keyring_entry)
    tighten = False
    if saving and key is not None:
        proposal.notes.extend(envfile.set_value(files.env, KEY_VAR, key.reveal()))
        _guard_key(files, proposal)
        tighten = _tighten(files, proposal)
    change = _env_change(files, f"{MODEL_VAR}={model}", tighten=tighten)
    if keyring_entry is not None and key is not None:
        change.keyring = (keyring_entry, key.reveal())  # its backup keeps no copy of the key
    proposal.plan.add(change)
    return proposal


def uses_env_file(files: ProjectFiles) -> bool:
    """Whether the project keeps a .env (it exists, or this change moves the key into it):
    only then does `FLUX_MODEL` go there too."""
    return files.env_before is not None or files.env.to_bytes() != (files.env_before or b"")


def point_at_keyring(files: ProjectFiles, entry: str | None) -> bool:
    """The .env edited to name the keyring entry that holds the key, the key itself taken out
    of it (`entry` None: nothing to do); True when anything changed. Planning only."""
    if entry is None:
        return False
    before = files.env.to_bytes()
    # the key's line becomes the pointer in place, its comment kept (`# prod key` still says
    # which key); where the .env names an entry already, the key's line goes
    if KEYRING_ENTRY_VAR in files.env_values or not envfile.rename(
        files.env, KEY_VAR, KEYRING_ENTRY_VAR, entry
    ):
        envfile.remove(files.env, KEY_VAR)
    name_keyring_entry(files, entry)
    return files.env.to_bytes() != before


def name_keyring_entry(files: ProjectFiles, entry: str) -> None:
    """The .env edited to name the keyring entry (and nothing else changed). Planning only."""
    envfile.set_value(files.env, KEYRING_ENTRY_VAR, entry)


def env_change(files: ProjectFiles, why: str, keyring: tuple[str, str] | None = None) -> FileChange:
    """The .env as planned, as a change (its mode kept; a new one is 0600); `keyring`: the
    entry and the key moved there, which its backup does not keep."""
    change = _env_change(files, why)
    change.keyring = keyring
    return change


def drop_keyring_reference(files: ProjectFiles) -> bool:
    """The .env edited to name no keyring entry; True when it named one. Planning only."""
    return envfile.remove(files.env, KEYRING_ENTRY_VAR)
