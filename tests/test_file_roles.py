"""One refusal rule for the three file roles (--env-file, --config, --checklist): two naming one
file stop every command that takes them, with the fix, before any request is sent (exit 2)."""

from __future__ import annotations

import pytest

from tests.helpers import KEY, flux, json_of
from wizard.vocab import ExitCode

CONFIG = 'config_version = 2\n\n[model]\nid = "claude-opus-5-5"\n'
COMMANDS = [
    ["check"],
    ["run", "--dry-run"],
    ["run", "--yes"],
    ["status"],
    ["migrate", "--check"],
    ["migrate", "--yes"],
    ["doctor"],
    ["models"],
    ["undo", "--yes"],
]
ROLES = [
    ["--env-file", "flux.toml"],  # the .env role on the default config
    ["--config", "x.toml", "--checklist", "x.toml"],
    ["--env-file", "x.env", "--config", "x.env"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
@pytest.mark.parametrize("roles", ROLES, ids=lambda r: " ".join(r))
def test_two_roles_on_one_file_are_refused_before_any_request(tmp_path, sim, command, roles):
    if "--checklist" in roles and command[0] not in ("check", "run"):
        pytest.skip("only check and run take --checklist")
    (tmp_path / "flux.toml").write_text(CONFIG)
    before = sorted(p.name for p in tmp_path.iterdir())
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    result = flux(*command, *roles, "--project", str(tmp_path), env=env, cwd=tmp_path)
    assert result.returncode == ExitCode.USAGE, result.stderr
    assert "name the same file" in result.stderr
    assert "fix: Give each its own file" in result.stderr
    assert sim.counters.snapshot()["total_requests"] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_the_refusal_is_one_json_document_too(tmp_path, sim):
    (tmp_path / "flux.toml").write_text(CONFIG)
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    result = flux(
        "check",
        "--json",
        "--env-file",
        "flux.toml",
        "--project",
        str(tmp_path),
        env=env,
        cwd=tmp_path,
    )
    payload = json_of(result)
    assert payload["exit_code"] == ExitCode.USAGE
