"""Planning a project's changes: migrations, the model in config and .env, the key, git."""

from __future__ import annotations

import shutil
import subprocess
import tomllib

import pytest

from tests.helpers import KEY, store
from wizard import project
from wizard.changes import apply
from wizard.environment import utc_now
from wizard.errors import FilesError
from wizard.keys import ApiKey

DEMO_TOML = f'''# Flux settings
model = "claude-3-5-sonnet-20240620"  # the best one, they said
api_key = "{KEY}"
editor = "vim"
'''
DEMO_ENV = (
    "# Flux\n# model chosen by check_models.py\nFLUX_MODEL=claude-3-haiku-20240307\nOTHER=1\n"
)


def demo(tmp_path):
    (tmp_path / "flux.toml").write_text(DEMO_TOML)
    (tmp_path / ".env").write_text(DEMO_ENV)
    return project.load(tmp_path)


def test_migration_moves_the_key_into_env_and_keeps_the_rest(tmp_path):
    files = demo(tmp_path)
    proposal = project.plan_migration(files)
    codes = [d.code for d in proposal.diagnoses]
    assert codes == ["config_migrated", "key_in_config"]
    assert KEY not in proposal.plan.diff()
    apply(proposal.plan, store(), at=utc_now())
    config = tomllib.loads((tmp_path / "flux.toml").read_text())
    assert config == {
        "config_version": 2,
        "editor": "vim",
        "model": {"id": "claude-3-5-sonnet-20240620"},
    }
    assert "# Flux settings" in (tmp_path / "flux.toml").read_text()
    env = (tmp_path / ".env").read_text()
    assert env.startswith(DEMO_ENV)
    assert env.endswith(f"ANTHROPIC_API_KEY={KEY}\n")


def test_setup_writes_the_model_to_both_files(tmp_path):
    files = demo(tmp_path)
    proposal = project.plan_setup(files, model="claude-opus-5-5", fallback="claude-sonnet-5-5")
    apply(proposal.plan, store(), at=utc_now())
    config = tomllib.loads((tmp_path / "flux.toml").read_text())
    assert config["model"] == {"id": "claude-opus-5-5", "fallback": "claude-sonnet-5-5"}
    env = (tmp_path / ".env").read_text()
    assert (
        env
        == DEMO_ENV.replace("claude-3-haiku-20240307", "claude-opus-5-5")
        + f"ANTHROPIC_API_KEY={KEY}\n"
    )


def test_nothing_to_do_is_an_empty_plan(tmp_path):
    (tmp_path / "flux.toml").write_text('config_version = 2\n[model]\nid = "claude-opus-5-5"\n')
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    proposal = project.plan_setup(project.load(tmp_path), model="claude-opus-5-5")
    assert proposal.plan.empty


def test_saving_the_key_creates_a_private_env(tmp_path):
    key = ApiKey(KEY, "prompt")
    proposal = project.plan_setup(project.load(tmp_path), model="m", key=key, save_key=True)
    apply(proposal.plan, store(), at=utc_now())
    assert (tmp_path / ".env").read_text() == f"FLUX_MODEL=m\nANTHROPIC_API_KEY={KEY}\n"
    assert (tmp_path / ".env").stat().st_mode & 0o777 == 0o600


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(tmp_path, *args):
    subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)


@needs_git
def test_in_a_git_repo_an_unignored_env_is_added_to_gitignore(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("__pycache__/")  # no final newline
    proposal = project.plan_setup(
        project.load(tmp_path), model="m", key=ApiKey(KEY, "prompt"), save_key=True
    )
    assert "env_not_ignored" in [d.code for d in proposal.diagnoses]
    assert "+/.env" in proposal.plan.diff()
    apply(proposal.plan, store(), at=utc_now())
    assert (tmp_path / ".gitignore").read_text() == "__pycache__/\n/.env\n"


@needs_git
def test_a_tracked_env_never_receives_the_key(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / ".env").write_text("A=1\n")
    git(tmp_path, "add", ".env")
    with pytest.raises(FilesError) as info:
        project.plan_setup(
            project.load(tmp_path), model="m", key=ApiKey(KEY, "prompt"), save_key=True
        )
    assert info.value.diagnosis == "env_not_ignored"
    assert "git rm --cached .env" in (info.value.fix or "")
    # without the key, the model alone may be written
    proposal = project.plan_setup(project.load(tmp_path), model="m")
    assert proposal.plan.changes


@needs_git
def test_an_ignored_env_needs_no_gitignore_change(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text(".env\n")
    proposal = project.plan_setup(
        project.load(tmp_path), model="m", key=ApiKey(KEY, "prompt"), save_key=True
    )
    assert [c.path.name for c in proposal.plan.changes] == ["flux.toml", ".env"]


def test_a_missing_project_or_a_file_is_a_clear_error(tmp_path):
    with pytest.raises(FilesError, match="does not exist"):
        project.load(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(FilesError, match="is a file"):
        project.load(tmp_path / "file")
