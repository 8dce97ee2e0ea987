"""The one rule for the project's three file roles (the .env file, the Flux config, the
checklist): no two may name one file. Every command that takes --env-file, --config or
--checklist checks it from its options alone, before it reads a key or sends a request."""

from __future__ import annotations

from pathlib import Path

from wizard.constants import CHECKLIST_NAME, ENV_NAME
from wizard.fileio import check_roles


def check_file_roles(
    project: Path,
    *,
    env_file: Path | None,
    config: Path | None,
    checklist: Path | None,
    with_checklist: bool,
) -> None:
    """Refuse (exit 2, with the fix) when two roles share a file; the defaults never do, so a
    command given none of the three flags is not even looked at."""
    if env_file is None and config is None and checklist is None:
        return
    from wizard import fluxconfig

    roles = {
        "--env-file" if env_file else "the .env file (default)": env_file or project / ENV_NAME,
        "--config" if config else "the config (default)": fluxconfig.locate(project, config).path,
    }
    if with_checklist:
        named = "--checklist" if checklist else "the checklist (default)"
        roles[named] = checklist or project / CHECKLIST_NAME
    check_roles(roles)
