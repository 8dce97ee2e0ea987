"""The commands, driven with a scripted Prompter against the real simulator and real files."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime

import pytest

from tests.helpers import KEY, ScriptedPrompter, assert_no_key, make_context
from wizard.commands.check import check
from wizard.commands.demo import DEMO_ENV, DEMO_KEY, DEMO_TOML, make_project
from wizard.commands.migrate import migrate
from wizard.commands.run import run
from wizard.commands.status import status
from wizard.commands.undo import undo
from wizard.errors import Cancelled, ExitCode, UsageError, WizardError
from wizard.prompts import NoInput
from wizard.simulator import Faults, serve

ENV = {"ANTHROPIC_API_KEY": KEY}


def files(project):
    return {p.name: p.read_bytes() for p in sorted(project.iterdir()) if p.is_file()}


def test_first_setup_asks_selects_confirms_and_writes(tmp_path, sim):
    prompter = ScriptedPrompter(["", "default", "default", "default"])
    ctx, out = make_context(tmp_path, prompter=prompter, environ=ENV, base_url=sim.base_url)
    outcome = run(ctx)
    assert outcome.exit_code == ExitCode.OK
    kinds = [k for k, _, _ in prompter.asked]
    # keep the key found, the model, its fallback, apply
    assert kinds == ["secret", "select", "select", "confirm"]
    assert "Enter keeps it" in prompter.asked[0][1]
    offered = prompter.asked[1][2]
    assert offered[0] == "claude-opus-5-5"  # the recommendation first and preselected
    assert not any("mythos" in o for o in offered)
    config = tomllib.loads((tmp_path / "flux.toml").read_text())
    assert config == {
        "config_version": 2,
        "model": {"id": "claude-opus-5-5", "fallback": "claude-sonnet-5-5"},
    }
    # the config holds the model: no .env is created only to repeat it (the key stays where
    # it was found, the environment)
    assert not (tmp_path / ".env").exists()
    checklist = (tmp_path / "flux-upgrade-checklist.md").read_text()
    assert "- [x] The API key works" in checklist
    assert_no_key(out.getvalue())
    assert_no_key(checklist)


def test_a_rerun_with_nothing_to_do_changes_nothing(tmp_path, sim):
    ctx, _ = make_context(tmp_path, environ=ENV, base_url=sim.base_url, yes=True)
    run(ctx)
    before = files(tmp_path)
    ctx, out = make_context(
        tmp_path,
        prompter=ScriptedPrompter(["", "default", "default"]),
        environ=ENV,
        base_url=sim.base_url,
    )
    outcome = run(ctx)
    assert outcome.exit_code == ExitCode.OK
    assert "nothing to change" in out.getvalue()
    after = files(tmp_path)
    assert after.pop("flux-upgrade-checklist.md") is not None
    before.pop("flux-upgrade-checklist.md")
    assert after == before


def test_the_demo_project_is_migrated_and_the_key_moves_to_env(tmp_path, sim):
    make_project(tmp_path)
    ctx, out = make_context(tmp_path, environ={}, base_url=sim.base_url, yes=True)
    outcome = run(ctx)
    assert outcome.exit_code == ExitCode.OK
    codes = {d["code"] for d in outcome.to_json()["diagnosis"]}
    assert {"model_retired", "config_migrated", "key_in_config", "config_mismatch"} <= codes
    config = tomllib.loads((tmp_path / "flux.toml").read_text())
    assert "api_key" not in config and config["model"]["id"] == "claude-opus-5-5"
    assert "# Flux settings, written by hand" in (tmp_path / "flux.toml").read_text()
    env = (tmp_path / ".env").read_text()
    assert env.startswith(DEMO_ENV.split("FLUX_MODEL")[0])
    assert f"ANTHROPIC_API_KEY={DEMO_KEY}" in env
    assert DEMO_KEY not in out.getvalue()
    # and undo puts both files back byte for byte
    ctx, _ = make_context(tmp_path, yes=True)
    undo(ctx)
    assert (tmp_path / "flux.toml").read_text() == DEMO_TOML
    assert (tmp_path / ".env").read_text() == DEMO_ENV


def test_keep_the_current_model_is_offered_and_honoured(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-sonnet-4-5-20250929\n")
    with serve("veteran") as running:
        prompter = ScriptedPrompter(["", "claude-sonnet-4-5-20250929", "default", True])
        ctx, _ = make_context(tmp_path, prompter=prompter, environ=ENV, base_url=running.base_url)
        run(ctx)
    assert "claude-sonnet-4-5-20250929" in prompter.asked[1][2]
    assert (
        tomllib.loads((tmp_path / "flux.toml").read_text())["model"]["id"]
        == "claude-sonnet-4-5-20250929"
    )


def test_declining_the_confirmation_cancels_with_nothing_written(tmp_path, sim):
    (tmp_path / ".env").write_text("# mine\n")
    before = files(tmp_path)
    ctx, _ = make_context(
        tmp_path,
        prompter=ScriptedPrompter(["", "default", "default", False]),
        environ=ENV,
        base_url=sim.base_url,
    )
    with pytest.raises(Cancelled):
        run(ctx)
    assert files(tmp_path) == before


def test_dry_run_prints_the_diff_and_writes_nothing(tmp_path, sim):
    make_project(tmp_path)
    before = files(tmp_path)
    ctx, out = make_context(tmp_path, prompter=NoInput(), base_url=sim.base_url, dry_run=True)
    outcome = run(ctx)
    assert outcome.exit_code == ExitCode.OK
    assert files(tmp_path) == before
    assert "+FLUX_MODEL=claude-opus-5-5" in out.getvalue()
    assert {c["path"] for c in outcome.to_json()["changes"]} == {".env", "flux.toml"}
    assert DEMO_KEY not in str(outcome.to_json())


def test_without_a_terminal_run_needs_yes_and_fails_before_any_request(tmp_path, sim):
    ctx, _ = make_context(tmp_path, prompter=NoInput(), environ=ENV, base_url=sim.base_url)
    with pytest.raises(UsageError) as info:
        run(ctx)
    assert "--yes" in (info.value.fix or "")
    assert sim.counters.snapshot()["total_requests"] == 0


def test_a_prompted_key_is_checked_and_saved_when_asked(tmp_path, sim):
    prompter = ScriptedPrompter(
        ["sk-proj-" + "a" * 60, f"  '{KEY}'  ", "default", "default", "env", "default"]
    )
    ctx, out = make_context(tmp_path, prompter=prompter, base_url=sim.base_url)
    assert run(ctx).exit_code == ExitCode.OK
    assert "another vendor" in out.getvalue()
    assert f"ANTHROPIC_API_KEY={KEY}" in (tmp_path / ".env").read_text()
    assert_no_key(out.getvalue())
    assert "https://platform.claude.com/settings/keys" in prompter.asked[0][1]  # where to get one
    assert f"Using the key {KEY[:12]}...{KEY[-4:]} (pasted)." in out.getvalue()


OTHER = "sk-ant-api03-" + "AnotherKey7" * 8 + "QwEr"


def test_a_key_found_can_be_kept_with_enter_or_replaced_by_a_paste(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    # the key, the model, its fallback, where to keep the key, apply (flux.toml is created)
    prompter = ScriptedPrompter([OTHER, "default", "default", "none", True])
    ctx, out = make_context(tmp_path, prompter=prompter, environ=ENV, base_url=sim.base_url)
    report = run(ctx)
    assert report.exit_code == ExitCode.OK
    assert (
        report.to_json()["key"]
        == {
            "source": "prompt",
            "stored": "prompt",  # kept nowhere: it was given at the prompt
            "fingerprint": OTHER[:12] + "..." + OTHER[-4:],
            "kind": "api_key",
            "organization_id": sim.sim.scenario.organization,  # the simulator's answers named it
        }
    )
    assert KEY[:12] + "..." + KEY[-4:] in prompter.asked[0][1]  # the key found, as aws shows it
    assert "(pasted)" in out.getvalue()
    assert OTHER not in out.getvalue()


def test_a_key_saved_into_a_readable_env_file_tightens_it_and_says_so(tmp_path, sim):
    env = tmp_path / ".env"
    env.write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    env.chmod(0o644)
    ctx, out = make_context(
        tmp_path,
        environ={},
        stdin=KEY,
        api_key_stdin=True,
        save_key="env",
        yes=True,
        base_url=sim.base_url,
    )
    assert run(ctx).exit_code == ExitCode.OK
    assert env.stat().st_mode & 0o777 == 0o600
    assert "becomes 0600" in out.getvalue()


def test_a_run_that_leaves_flux_without_a_key_says_so(tmp_path, sim):
    ctx, out = make_context(
        tmp_path, environ={}, stdin=KEY, api_key_stdin=True, yes=True, base_url=sim.base_url
    )
    assert run(ctx).exit_code == ExitCode.OK
    assert "Flux itself has no API key" in out.getvalue()
    ctx, out = make_context(tmp_path, environ=ENV, yes=True, base_url=sim.base_url)
    run(ctx)
    assert "Flux itself has no API key" not in out.getvalue()  # the environment holds one


@pytest.mark.parametrize(
    "key,code,diagnosis",
    [
        ("sk-ant-admin01-" + "a" * 90, ExitCode.KEY, "key_wrong_kind"),
        ("sk-ant-api03-short", ExitCode.KEY, "key_malformed"),
    ],
)
def test_offline_key_problems_cost_no_request(tmp_path, sim, key, code, diagnosis):
    ctx, _ = make_context(
        tmp_path,
        prompter=NoInput(),
        environ={"ANTHROPIC_API_KEY": key},
        base_url=sim.base_url,
        yes=True,
    )
    with pytest.raises(WizardError) as info:
        run(ctx)
    assert info.value.code == code and info.value.diagnosis == diagnosis
    assert sim.counters.snapshot()["total_requests"] == 0


def test_no_key_without_a_terminal_names_the_flags(tmp_path, sim):
    ctx, _ = make_context(tmp_path, prompter=NoInput(), base_url=sim.base_url, yes=True)
    with pytest.raises(WizardError) as info:
        run(ctx)
    assert info.value.code == ExitCode.KEY
    assert "--api-key-stdin" in (info.value.fix or "")


@pytest.mark.parametrize(
    "scenario,code",
    [
        ("zero-balance", ExitCode.ACCOUNT),
        ("spend-cap", ExitCode.ACCOUNT),
        ("org-on-hold", ExitCode.ACCOUNT),
    ],
)
def test_account_problems_exit_4_write_the_checklist_and_leave_the_config(tmp_path, scenario, code):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-4-8\n")
    with serve(scenario) as running:
        ctx, _ = make_context(tmp_path, environ=ENV, base_url=running.base_url, yes=True)
        outcome = run(ctx)
    assert outcome.exit_code == code
    assert (tmp_path / ".env").read_text() == "FLUX_MODEL=claude-opus-4-8\n"
    if scenario != "org-on-hold":
        checklist = (tmp_path / "flux-upgrade-checklist.md").read_text()
        assert "- [ ] Billing works" in checklist


def test_a_network_failure_never_downgrades_the_configured_model(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    sim.faults = Faults(fail_first=10_000, fail_status=529, retry_after=0.1, only="/v1/messages")
    ctx, _ = make_context(tmp_path, environ=ENV, base_url=sim.base_url, yes=True, timeout=0.5)
    outcome = run(ctx)
    assert outcome.exit_code == ExitCode.NETWORK
    assert (tmp_path / ".env").read_text() == "FLUX_MODEL=claude-opus-5-5\n"
    assert not (tmp_path / "flux.toml").exists()


def test_nothing_listening_is_a_network_error(tmp_path):
    ctx, _ = make_context(
        tmp_path, environ=ENV, base_url="http://127.0.0.1:9", yes=True, timeout=0.5
    )
    assert run(ctx).exit_code == ExitCode.NETWORK


def test_invalid_toml_is_a_files_error_with_line_and_column(tmp_path, sim):
    (tmp_path / "flux.toml").write_text('config_version = 2\n[model]\nid = "unterminated\n')
    ctx, _ = make_context(tmp_path, environ=ENV, base_url=sim.base_url, yes=True)
    with pytest.raises(WizardError) as info:
        run(ctx)
    assert info.value.code == ExitCode.FILES
    assert "line 3" in info.value.message


def test_model_flag_is_verified_and_refused_models_are_explained(tmp_path, sim):
    ctx, _ = make_context(
        tmp_path, environ=ENV, base_url=sim.base_url, yes=True, model="claude-haiku-5-5"
    )
    assert run(ctx).exit_code == ExitCode.OK
    assert 'id = "claude-haiku-5-5"' in (tmp_path / "flux.toml").read_text()
    ctx, _ = make_context(
        tmp_path, environ=ENV, base_url=sim.base_url, yes=True, model="claude-mythos-5-2"
    )
    with pytest.raises(UsageError, match="listed and active"):
        run(ctx)


@pytest.mark.parametrize(
    "scenario,configured,code",
    [
        ("today", "claude-opus-5-5", ExitCode.OK),
        ("today", "claude-haiku-5-5", ExitCode.UPGRADE_AVAILABLE),
        ("veteran", "claude-sonnet-4-5-20250929", ExitCode.DEPRECATED),
        ("today", "claude-sonnet-4-5-20250929", ExitCode.UNAVAILABLE),
        ("today", "claude-3-haiku-20240307", ExitCode.UNAVAILABLE),
        ("today", "claude-opus-5.5", ExitCode.UNAVAILABLE),
    ],
)
def test_check_exit_codes(tmp_path, scenario, configured, code):
    (tmp_path / ".env").write_text(f"FLUX_MODEL={configured}\n")
    before = files(tmp_path)
    with serve(scenario) as running:
        ctx, _ = make_context(tmp_path, environ=ENV, base_url=running.base_url)
        assert check(ctx).exit_code == code
    assert files(tmp_path) == before  # check writes state only


def test_the_environment_wins_over_env_file_and_config(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    ctx, _ = make_context(
        tmp_path, environ={**ENV, "FLUX_MODEL": "claude-opus-5-5"}, base_url=sim.base_url
    )
    outcome = check(ctx)
    assert outcome.to_json()["configured"]["model"] == "claude-opus-5-5"
    assert outcome.exit_code == ExitCode.OK


def test_status_reports_sources_mismatch_and_last_check(tmp_path, sim):
    make_project(tmp_path)
    ctx, out = make_context(tmp_path, environ=ENV)
    outcome = status(ctx)
    payload = outcome.to_json()
    assert payload["configured"]["sources"] == {
        "environment": None,
        "env_file": "claude-3-haiku-20240307",
        "config": "claude-3-5-sonnet-20240620",
    }
    assert payload["configured"]["winner"] == "env_file"
    assert {d["code"] for d in payload["diagnosis"]} == {"config_mismatch", "key_in_config"}
    assert [k["source"] for k in payload["keys_found"]] == ["env", "config"]
    assert payload["config"]["schema_version"] == 1
    assert payload["last_check"] is None
    text = out.getvalue()
    assert DEMO_KEY not in text and KEY not in text
    ctx, _ = make_context(tmp_path, environ=ENV, base_url=sim.base_url)
    ctx.now = lambda: datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    check(ctx)
    ctx, out = make_context(tmp_path, environ=ENV)
    ctx.now = lambda: datetime(2026, 11, 25, 15, 10, tzinfo=UTC)
    assert status(ctx).to_json()["last_check"]["recommended"] == "claude-opus-5-5"
    assert "3 hours ago: claude-3-haiku-20240307 was " in out.getvalue()


def test_migrate_check_reports_and_migrate_applies(tmp_path):
    make_project(tmp_path)
    before = files(tmp_path)
    ctx, _ = make_context(tmp_path, check=True)
    assert migrate(ctx).exit_code == ExitCode.UPGRADE_AVAILABLE
    assert files(tmp_path) == before
    ctx, _ = make_context(tmp_path, yes=True)
    assert migrate(ctx).exit_code == ExitCode.OK
    ctx, _ = make_context(tmp_path, check=True)
    assert migrate(ctx).exit_code == ExitCode.OK


@pytest.mark.parametrize(
    "prefer,replacement",
    [(None, "claude-opus-5-5"), ("haiku,sonnet,opus", "claude-haiku-5-5")],
)
def test_one_rule_replaces_a_retired_model_in_check_run_and_migrate(
    tmp_path, sim, prefer, replacement
):
    """The replacement follows the line order everywhere: the diagnosis, `run --yes` and
    `migrate` all name the same model, and a move to another line says so."""
    toml = 'config_version = 2\n[model]\nid = "claude-3-haiku-20240307"\n'
    if prefer:
        toml += f"prefer = {json.dumps(prefer.split(','))}\n"
    (tmp_path / "flux.toml").write_text(toml)
    ctx, _ = make_context(tmp_path, environ=ENV, base_url=sim.base_url)
    outcome = check(ctx)
    (retired,) = [d for d in outcome.to_json()["diagnosis"] if d["code"] == "model_retired"]
    assert f"Switch to {replacement}" in retired["next_step"]
    ctx, out = make_context(tmp_path, dry_run=True)
    outcome = migrate(ctx)
    assert f'+id = "{replacement}"' in out.getvalue()
    assert "model_retired" in {d["code"] for d in outcome.to_json()["diagnosis"]}
    if replacement != "claude-haiku-5-5":
        assert "a move from the haiku line to the opus line" in out.getvalue()
    ctx, _ = make_context(tmp_path, environ=ENV, base_url=sim.base_url, dry_run=True)
    assert run(ctx).to_json()["chosen"] == replacement
    assert (
        "claude-3-haiku-20240307" in (tmp_path / "flux.toml").read_text()
    )  # proposed, not swapped


def test_undo_without_history_is_a_files_error(tmp_path):
    ctx, _ = make_context(tmp_path)
    with pytest.raises(WizardError) as info:
        undo(ctx)
    assert info.value.code == ExitCode.FILES


def test_the_successor_of_a_retired_model_is_offered(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    prompter = ScriptedPrompter(["", "claude-haiku-5-5", "default", True])
    ctx, _ = make_context(tmp_path, prompter=prompter, environ=ENV, base_url=sim.base_url)
    run(ctx)
    offered = prompter.asked[1][2]
    assert offered[:2] == ["claude-opus-5-5", "claude-haiku-5-5"]
    assert "FLUX_MODEL=claude-haiku-5-5" in (tmp_path / ".env").read_text()


def test_an_env_file_outside_the_project_is_not_added_to_gitignore(tmp_path, sim):
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    project = tmp_path / "p"
    project.mkdir()
    subprocess.run(["git", "-C", str(project), "init", "-q"], check=True)
    outside = tmp_path / "secrets.env"
    ctx, _ = make_context(
        project, environ=ENV, base_url=sim.base_url, yes=True, env_file=outside, save_key="env"
    )
    run(ctx)
    assert not (project / ".gitignore").exists()
    assert f"ANTHROPIC_API_KEY={KEY}" in outside.read_text()


def test_a_prefer_flag_is_kept_in_the_config_so_check_agrees_later(tmp_path, sim):
    ctx, _ = make_context(
        tmp_path, environ=ENV, base_url=sim.base_url, yes=True, prefer="sonnet,haiku"
    )
    assert run(ctx).exit_code == ExitCode.OK
    config = tomllib.loads((tmp_path / "flux.toml").read_text())
    assert config["model"] == {
        "id": "claude-sonnet-5-5",
        "fallback": "claude-haiku-5-5",
        "prefer": ["sonnet", "haiku"],
    }
    ctx, _ = make_context(tmp_path, environ=ENV, base_url=sim.base_url)
    assert check(ctx).exit_code == ExitCode.OK  # not 10 for Opus: the user's order stands


def test_an_exported_flux_model_is_named_and_never_loops(tmp_path, sim):
    """FLUX_MODEL exported in the shell beats the files: run writes them but never claims Flux
    uses its choice, and check exits 12 with env_override instead of sending the user back to
    run forever."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".zshrc").write_text("export FLUX_MODEL=claude-3-haiku-20240307\n")
    project = tmp_path / "p"
    project.mkdir()
    (project / ".env").write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    environ = {**ENV, "FLUX_MODEL": "claude-3-haiku-20240307", "HOME": str(home)}
    ctx, out = make_context(project, environ=environ, base_url=sim.base_url, yes=True)
    outcome = run(ctx)
    text = out.getvalue()
    assert (project / ".env").read_text() == "FLUX_MODEL=claude-opus-5-5\n"
    assert "Flux uses claude-opus-5-5" not in text
    assert "unset FLUX_MODEL" in text and str(home / ".zshrc") in text
    assert "env_override" in {d["code"] for d in outcome.to_json()["diagnosis"]}
    for _ in range(2):  # no loop: the same answer, and it names the fix
        ctx, out = make_context(project, environ=environ, base_url=sim.base_url)
        outcome = check(ctx)
        assert outcome.exit_code == ExitCode.UNAVAILABLE
        assert outcome.to_json()["diagnosis"][0]["code"] == "env_override"
        assert "unset FLUX_MODEL" in out.getvalue()
    ctx, out = make_context(project, environ=environ)
    assert "env_override" in {d["code"] for d in status(ctx).to_json()["diagnosis"]}
    # once unset, the files rule and all is well
    ctx, _ = make_context(project, environ=ENV, base_url=sim.base_url)
    assert check(ctx).exit_code == ExitCode.OK


def test_after_a_change_the_checklist_and_memory_describe_the_files_as_they_now_are(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    ctx, _ = make_context(tmp_path, environ=ENV, base_url=sim.base_url, yes=True)
    outcome = run(ctx)
    assert outcome.exit_code == ExitCode.OK
    text = (tmp_path / "flux-upgrade-checklist.md").read_text()
    assert (
        "- Configured model: `claude-opus-5-5` (callable); it was `claude-3-haiku-20240307` "
        "(retired) before this run" in text
    )
    assert "- [x] Flux uses the best callable model of your preferred lines" in text
    ctx, out = make_context(tmp_path, environ=ENV)
    last = status(ctx).to_json()["last_check"]
    assert last["configured"]["model"] == "claude-opus-5-5"
    assert last["configured"]["status"] == "callable"
    assert "claude-opus-5-5 was callable" in out.getvalue()


@pytest.mark.parametrize("flag,config", [("opsu", None), (None, '["opus", "gpt"]')])
def test_an_unknown_line_is_a_usage_error_naming_the_known_lines(tmp_path, sim, flag, config):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    if config:
        (tmp_path / "flux.toml").write_text(
            f'config_version = 2\n[model]\nid = "claude-opus-5-5"\nprefer = {config}\n'
        )
    for command in (check, run):
        ctx, _ = make_context(tmp_path, environ=ENV, base_url=sim.base_url, prefer=flag, yes=True)
        with pytest.raises(UsageError) as caught:
            command(ctx)
        unknown = flag or "gpt"
        assert f"line the API does not list: {unknown}." in caught.value.message
        assert "fable, haiku, mythos, opus, sonnet" in caught.value.message
    assert (tmp_path / ".env").read_text() == "FLUX_MODEL=claude-opus-5-5\n"


def test_undo_says_removed_for_a_file_the_change_created(tmp_path, sim):
    ctx, _ = make_context(tmp_path, environ=ENV, base_url=sim.base_url, yes=True)
    run(ctx)
    created = tmp_path / "flux.toml"
    assert created.exists()
    ctx, out = make_context(tmp_path, environ=ENV, yes=True)
    outcome = undo(ctx)
    text = out.getvalue()
    assert not created.exists()
    assert f"Removed {created} (the change had created it)" in text
    assert "Restored" not in text
    assert str(created) in outcome.to_json()["removed"]


def test_env_is_written_only_where_the_project_keeps_one(tmp_path, sim):
    """A project with only a config gets the model in its config, no new .env; a project with
    a .env gets FLUX_MODEL there too; saving the key creates one."""
    only_config = tmp_path / "config-only"
    only_config.mkdir()
    (only_config / "flux.toml").write_text(
        'config_version = 2\n\n[model]\nid = "claude-haiku-5-5"\n'
    )
    ctx, _ = make_context(only_config, environ=ENV, base_url=sim.base_url, yes=True)
    assert run(ctx).exit_code == ExitCode.OK
    assert 'id = "claude-opus-5-5"' in (only_config / "flux.toml").read_text()
    assert not (only_config / ".env").exists()
    with_env = tmp_path / "with-env"
    with_env.mkdir()
    (with_env / ".env").write_text("FLUX_LOG_LEVEL=info\n")
    ctx, _ = make_context(with_env, environ=ENV, base_url=sim.base_url, yes=True)
    run(ctx)
    assert (with_env / ".env").read_text() == "FLUX_LOG_LEVEL=info\nFLUX_MODEL=claude-opus-5-5\n"
    saving = tmp_path / "saving"
    saving.mkdir()
    ctx, _ = make_context(saving, environ=ENV, base_url=sim.base_url, yes=True, save_key="env")
    run(ctx)
    assert "FLUX_MODEL=claude-opus-5-5" in (saving / ".env").read_text()
    assert (saving / ".env").stat().st_mode & 0o777 == 0o600


def test_a_move_to_another_line_is_said_with_its_price(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    ctx, out = make_context(tmp_path, environ=ENV, base_url=sim.base_url, yes=True)
    run(ctx)
    text = out.getvalue()
    assert (
        "This moves Flux from the haiku line to the opus line: claude-opus-5-5 costs $4 / $20 "
        "per million tokens in/out, about 40 times the price of claude-haiku-5-5 (list prices from "
        "genai-prices " in text
    )
    assert "bundled data, not live" in text
    # in a terminal, the question carries it beside the recommendation
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    prompter = ScriptedPrompter(["", "claude-haiku-5-5", "default", True])
    ctx, _ = make_context(tmp_path, prompter=prompter, environ=ENV, base_url=sim.base_url)
    run(ctx)
    assert prompter.asked[1][2][:2] == ["claude-opus-5-5", "claude-haiku-5-5"]  # keeping is offered
    # same line, no word about it
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-4-8\n")
    ctx, out = make_context(tmp_path, environ=ENV, base_url=sim.base_url, yes=True)
    run(ctx)
    assert "This moves Flux" not in out.getvalue()


def test_every_folder_of_the_state_directory_is_private_and_every_file_too(
    tmp_path, sim, isolated_home
):
    project = tmp_path / "p"
    project.mkdir()
    ctx, _ = make_context(project, environ=ENV, base_url=sim.base_url, yes=True, save_key="env")
    run(ctx)
    paths = [isolated_home, *isolated_home.rglob("*")]
    assert any(p.name == "changesets" for p in paths) and any(p.name == "apply.lock" for p in paths)
    for path in paths:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_undo_lists_previews_asks_and_undoes_a_chosen_change_set(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-3-haiku-20240307\n")
    ctx, _ = make_context(tmp_path, environ=ENV, yes=True, base_url=sim.base_url)
    first = run(ctx).to_json()["changeset"]
    ctx, _ = make_context(tmp_path, list_changesets=True)
    listed = undo(ctx).to_json()["changesets"]
    assert [(c["changeset"], c["status"]) for c in listed] == [(first, "applied")]
    after = (tmp_path / ".env").read_text()

    ctx, out = make_context(tmp_path, dry_run=True)
    preview = undo(ctx).to_json()
    assert "-FLUX_MODEL=claude-opus-5-5" in out.getvalue()  # the diff it would write
    assert "+FLUX_MODEL=claude-3-haiku-20240307" in out.getvalue()
    assert preview["restored"] == [] and (tmp_path / ".env").read_text() == after

    declined = ScriptedPrompter([False])
    ctx, _ = make_context(tmp_path, prompter=declined)
    with pytest.raises(Cancelled):
        undo(ctx)
    assert declined.asked[0][1] == "Restore these files?"
    assert (tmp_path / ".env").read_text() == after

    ctx, _ = make_context(tmp_path, changeset="20000101T000000-1-000000")
    with pytest.raises(WizardError, match="no change set"):
        undo(ctx)
    ctx, _ = make_context(tmp_path, changeset=first, prompter=ScriptedPrompter([True]))
    assert undo(ctx).exit_code == ExitCode.OK
    assert (tmp_path / ".env").read_text() == "FLUX_MODEL=claude-3-haiku-20240307\n"
    ctx, _ = make_context(tmp_path, list_changesets=True)
    assert undo(ctx).to_json()["changesets"][0]["status"] == "undone"


@pytest.mark.parametrize("scenario", ["haiku-only", "veteran", "today"])
def test_the_models_table_reads_at_80_columns_with_words_not_codes(tmp_path, scenario):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-sonnet-4-5-20250929\n")
    with serve(scenario) as running:
        ctx, out = make_context(
            tmp_path, environ=ENV, dry_run=True, yes=True, base_url=running.base_url
        )
        ctx.ui.console.width = 80
        run(ctx)
    text = out.getvalue()
    table = text[text.index("model ") : text.index("•") if "•" in text else None]
    assert max(len(line) for line in table.splitlines()) <= 80
    for model_id in ("claude-opus-5-5", "claude-sonnet-4-5-20250929", "claude-haiku-5-5"):
        assert any(line.startswith(model_id) for line in table.splitlines()), model_id
    assert "model_not_available" not in table and "model_closed_to_new_adopters" not in table


def test_the_spinner_says_when_it_retries_and_why(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with serve("today", Faults(fail_first=2, fail_status=529, retry_after=0.05)) as running:
        ctx, out = make_context(tmp_path, environ=ENV, base_url=running.base_url)
        assert check(ctx).exit_code == ExitCode.OK  # the retries succeeded
    assert "(529 overloaded: retrying in " in out.getvalue()


def test_a_change_of_line_offers_the_newest_of_the_current_line_as_the_other_answer(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-4-5-20251001\n")
    prompter = ScriptedPrompter(["", "default", "default", True])
    ctx, _ = make_context(tmp_path, prompter=prompter, environ=ENV, base_url=sim.base_url)
    run(ctx)
    offered = prompter.asked[1][2]
    assert offered[:2] == ["claude-opus-5-5", "claude-haiku-5-5"]  # move, or stay on haiku


def test_an_unverified_model_is_offered_and_verified_once_chosen(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    prompter = ScriptedPrompter(["", "claude-opus-4-8", "default", True])
    ctx, out = make_context(tmp_path, prompter=prompter, environ=ENV, base_url=sim.base_url)
    sim.reset_counters()
    report = run(ctx)
    assert report.exit_code == ExitCode.OK
    assert "claude-opus-4-8" in prompter.asked[1][2]  # offered though the walk never called it
    assert "claude-opus-4-8 answered" in out.getvalue()
    opus48 = next(m for m in report.to_json()["models"] if m["id"] == "claude-opus-4-8")
    assert opus48["callable"] is True and opus48["verified"] is True
    assert "FLUX_MODEL=claude-opus-4-8" in (tmp_path / ".env").read_text()


def test_an_unverified_choice_that_is_refused_stops_with_its_cause_and_writes_nothing(
    tmp_path, sim
):
    from wizard.simulator import load

    scenario = load("today")
    scenario.access.deny.append("claude-haiku-5-5")  # refused, but below what the walk needs
    sim.use_scenario(scenario)
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    prompter = ScriptedPrompter(["", "claude-haiku-5-5"])
    ctx, _ = make_context(tmp_path, prompter=prompter, environ=ENV, base_url=sim.base_url)
    with pytest.raises(UsageError, match="claude-haiku-5-5 cannot be used"):
        run(ctx)
    assert "claude-haiku-5-5" in prompter.asked[1][2]
    assert (tmp_path / ".env").read_text() == "FLUX_MODEL=claude-opus-5-5\n"
    assert not (tmp_path / "flux.toml").exists()
