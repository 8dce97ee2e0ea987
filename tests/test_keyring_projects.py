"""The keyring shared by every project on a machine: one project's key never replaces
another's, undo says what it cannot put back, and the messages name fixes that work."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers import ADMIN_KEY, cli, stored_entry
from wizard.errors import ExitCode


def test_key_set_admin_leaves_the_api_keys_pointer_in_env_alone(tmp_path: Path, keyring_env):
    env = {**os.environ, **keyring_env}
    (tmp_path / ".env").write_text("FLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY\n")
    code, out, err = cli(["key", "set", "--admin", "--admin-key-stdin", "--no-verify", "--yes",
        "--project", str(tmp_path)], stdin=ADMIN_KEY, env=env)  # fmt: skip
    assert code == ExitCode.OK, err
    assert stored_entry("ANTHROPIC_ADMIN_KEY") == ADMIN_KEY
    assert (tmp_path / ".env").read_text() == "FLUX_SETUP_KEYRING_ENTRY=ANTHROPIC_API_KEY\n"
    assert "FLUX_SETUP_KEYRING_ENTRY" not in out + err  # no diff shown either
