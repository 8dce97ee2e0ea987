"""`check --all`: projects found in generated trees, one detection per key, the exit code of the
lot, `--fix` as one batch and `undo --batch`; and the finder on hostile trees."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import KEY, assert_no_key, flux, json_of
from wizard.fleet import fix as fixing
from wizard.fleet.find import find_projects
from wizard.simulator import serve
from wizard.simulator.scenarios import load
from wizard.vocab import ExitCode

OTHER_KEY = "sk-ant-api03-" + "OtherKeyM4" * 9 + "QwEr"
REVOKED_KEY = "sk-ant-api03-" + "RevokedKey" * 9 + "ZzZz"


def config(model: str) -> str:
    return f'config_version = 2\n\n[model]\nid = "{model}"\n'


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def git_init(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)


# -- finding projects -------------------------------------------------------------------------


def test_the_finder_finds_every_kind_of_project_and_skips_what_is_not_source(tmp_path):
    git_init(tmp_path)
    write(
        tmp_path,
        {
            ".gitignore": "build/\n",
            "app/flux.toml": config("claude-opus-5-5"),
            "app/services/worker/flux.toml": config("claude-haiku-5-5"),  # nested
            "lib/pyproject.toml": '[project]\nname = "lib"\n\n[tool.flux]\nconfig_version = 2\n',
            "svc/.env": "export FLUX_MODEL=claude-sonnet-5-5\n",
            "other/.env": "DATABASE_URL=x\n",  # a .env, but not Flux's
            "plain/pyproject.toml": '[project]\nname = "plain"\n',
            "build/out/flux.toml": config("claude-opus-5-5"),  # git ignores build/
            "node_modules/pkg/flux.toml": config("claude-opus-5-5"),
            "env/pyvenv.cfg": "home = /usr\n",
            "env/lib/flux.toml": config("claude-opus-5-5"),  # inside a virtual environment
        },
    )
    found = find_projects([tmp_path], environ=os.environ)
    names = [str(p.relative_to(tmp_path)) for p in found.projects]
    assert names == ["app", "app/services/worker", "lib", "svc"]
    assert found.ignored == 1


def test_a_broken_pyproject_that_names_tool_flux_is_still_a_project(tmp_path):
    # found, so that the scan can say what is wrong with it (not skip it silently)
    write(tmp_path, {"p/pyproject.toml": "[tool.flux\nconfig_version = 2\n"})
    assert find_projects([tmp_path], environ=os.environ).projects == [tmp_path / "p"]


def test_link_loops_fifos_and_unreadable_markers_do_not_trap_the_finder(tmp_path):
    write(tmp_path, {"a/flux.toml": config("claude-opus-5-5")})
    (tmp_path / "a" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "b").mkdir()
    os.mkfifo(tmp_path / "b" / ".env")  # opening it would block the walk
    found = find_projects(
        [tmp_path, tmp_path / "a"], environ=os.environ
    )  # a root inside another: found once
    assert found.projects == [tmp_path / "a"]


def test_without_git_the_finder_still_skips_the_usual_folders(tmp_path):
    write(
        tmp_path,
        {
            "a/flux.toml": config("claude-opus-5-5"),
            ".git/flux.toml": config("claude-opus-5-5"),
            "node_modules/x/flux.toml": config("claude-opus-5-5"),
        },
    )
    assert find_projects([tmp_path], environ=os.environ, use_git=False).projects == [tmp_path / "a"]


# -- the scan ---------------------------------------------------------------------------------


@pytest.fixture
def fleet(tmp_path):
    """Four projects: two share a key, one has its own, one has a broken config."""
    root = tmp_path / "src"
    write(
        root,
        {
            "fine/flux.toml": config("claude-opus-5-5"),
            "fine/.env": f"ANTHROPIC_API_KEY={KEY}\n",
            "upgrade/flux.toml": config("claude-sonnet-5-5"),
            "upgrade/.env": f"ANTHROPIC_API_KEY={KEY}\n",
            "own-key/flux.toml": config("claude-haiku-5-5"),
            "own-key/.env": f"ANTHROPIC_API_KEY={OTHER_KEY}\n",
            "broken/flux.toml": '[model\nid = "claude-opus-5-5"\n',
        },
    )
    return root


def test_a_scan_detects_once_per_key_and_judges_every_project(fleet, sim):
    before = snapshot(fleet)
    result = flux(
        "check",
        "--all",
        str(fleet),
        "--json",
        env={"ANTHROPIC_BASE_URL": sim.base_url},
    )
    payload = json_of(result)
    by_name = {Path(p["path"]).name: p for p in payload["projects"]}
    assert by_name["fine"]["exit_code"] == 0
    assert by_name["upgrade"]["exit_code"] == 10
    assert by_name["upgrade"]["recommended"] == "claude-opus-5-5"
    assert by_name["own-key"]["exit_code"] == 10
    assert by_name["own-key"]["key"]["source"] == "env_file"
    # a broken config stops neither the scan nor the others, and says where it is broken
    assert by_name["broken"]["exit_code"] == 6
    assert "line 1" in by_name["broken"]["error"]["message"]
    # two keys: two detections, whatever the number of projects sharing them
    assert sorted(k["projects"] for k in payload["keys"]) == [1, 2]
    assert sum(k["requests"] for k in payload["keys"]) == sim.counters.snapshot()["total_requests"]
    assert payload["exit_code"] == result.returncode == 10
    assert snapshot(fleet) == before, "a scan without --fix writes nothing"
    assert_no_key(result.stdout + result.stderr, OTHER_KEY)


def test_projects_sharing_a_key_cost_the_requests_of_one_check(tmp_path, sim):
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    write(tmp_path / "one", {"p/flux.toml": config("claude-sonnet-5-5")})
    one = flux("check", "--all", str(tmp_path / "one"), env=env)
    single = sim.counters.snapshot()["total_requests"]
    assert single > 0 and one.returncode == ExitCode.UPGRADE_AVAILABLE, one.stderr
    many = {f"p{n}/flux.toml": config("claude-sonnet-5-5") for n in range(12)}
    write(tmp_path / "many", many)
    twelve = flux("check", "--all", str(tmp_path / "many"), env=env)
    assert twelve.returncode == ExitCode.UPGRADE_AVAILABLE, twelve.stderr
    assert "12 projects: 12 can switch to a better model" in twelve.stdout, twelve.stdout
    assert sim.counters.snapshot()["total_requests"] - single == single


def test_the_exit_code_is_the_highest_of_the_projects(tmp_path):
    scenario = load("today")
    scenario.revoked_keys.append(REVOKED_KEY)
    write(
        tmp_path,
        {
            "fine/flux.toml": config("claude-opus-5-5"),
            "fine/.env": f"ANTHROPIC_API_KEY={KEY}\n",
            "retired/flux.toml": config("claude-3-haiku-20240307"),
            "retired/.env": f"ANTHROPIC_API_KEY={KEY}\n",
            "revoked/flux.toml": config("claude-opus-5-5"),
            "revoked/.env": f"ANTHROPIC_API_KEY={REVOKED_KEY}\n",
        },
    )
    with serve(scenario) as running:
        env = {"ANTHROPIC_BASE_URL": running.base_url}
        result = flux("check", "--all", str(tmp_path), "--json", env=env)
        payload = json_of(result)
        codes = {Path(p["path"]).name: p["exit_code"] for p in payload["projects"]}
        assert codes == {"fine": 0, "retired": 12, "revoked": 3}
        assert result.returncode == 12
        (tmp_path / "retired" / "flux.toml").write_text(config("claude-opus-5-5"))
        assert flux("check", "--all", str(tmp_path), env=env).returncode == 3


def test_the_table_names_each_project_its_model_status_and_key(fleet, sim):
    result = flux(
        "check",
        "--all",
        str(fleet),
        env={"ANTHROPIC_BASE_URL": sim.base_url},
    )
    lines = result.stdout.splitlines()
    upgrade = next(line for line in lines if line.startswith("upgrade "))
    assert "claude-sonnet-5-5" in upgrade and "claude-opus-5-5" in upgrade
    assert KEY[:12] in upgrade  # the fingerprint, never the key
    assert "broken: " in result.stdout and "invalid TOML at line 1" in result.stdout
    assert "`flux-setup check --all --fix`" in result.stdout


def test_with_json_the_projects_are_in_the_json_and_no_table_is_drawn(fleet, sim):
    result = flux("check", "--all", str(fleet), "--json", env={"ANTHROPIC_BASE_URL": sim.base_url})
    shown = {p["path"].rsplit("/", 1)[-1]: p for p in json_of(result)["projects"]}
    assert "claude-sonnet-5-5" in str(shown["upgrade"])
    # the table's rows are not drawn (5,000 of them took 9 s); the verdict line still is
    assert not any(line.startswith("upgrade ") for line in result.stderr.splitlines())
    assert "can switch to a better model" in result.stderr


def test_one_project_options_are_refused_with_all(tmp_path):
    result = flux("check", "--all", str(tmp_path), "--env-file", str(tmp_path / ".env"))
    assert result.returncode == 2 and "--env-file cannot be used with --all" in result.stderr


def test_no_project_found_is_said_with_the_markers(tmp_path):
    result = flux("check", "--all", str(tmp_path))
    assert result.returncode == 6 and "no Flux project under" in result.stderr


# -- --fix and undo --batch ------------------------------------------------------------------


def test_fix_switches_every_project_in_one_batch_and_undo_restores_it(fleet, sim):
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    before = snapshot(fleet)
    result = flux("check", "--all", str(fleet), "--fix", "--yes", "--json", env=env)
    payload = json_of(result)
    fixed = {Path(p["path"]).name: p["fix"] for p in payload["projects"] if p["fix"]}
    assert set(fixed) == {"upgrade", "own-key"}
    assert 'id = "claude-opus-5-5"' in (fleet / "upgrade" / "flux.toml").read_text()
    assert (fleet / "fine" / "flux.toml").read_bytes() == before["fine/flux.toml"]
    assert result.returncode == 6  # the broken project is still broken; the rest are fine
    # one diff for all, then one undo for all
    assert result.stderr.count("+++ b/") >= 2
    undo = flux("undo", "--batch", "--yes", "--project", str(fleet), env=env)
    assert undo.returncode == 0, undo.stderr
    assert snapshot(fleet) == before


def test_fix_without_a_terminal_needs_yes_and_dry_run_writes_nothing(fleet, sim):
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    before = snapshot(fleet)
    refused = flux("check", "--all", str(fleet), "--fix", env=env)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    dry = flux("check", "--all", str(fleet), "--fix", "--dry-run", env=env)
    assert "+++ b/upgrade/flux.toml" in dry.stdout.replace(str(fleet) + "/", "")
    assert "Dry run: nothing was written." in dry.stdout
    assert snapshot(fleet) == before


def test_a_project_edited_during_the_run_is_skipped_and_the_others_applied(fleet, sim, monkeypatch):
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    edited = fleet / "upgrade" / "flux.toml"
    real_apply = fixing.apply

    def edit_then_apply(fixes, store, at):
        edited.write_text(config("claude-sonnet-5-5") + "# edited by hand meanwhile\n")
        return real_apply(fixes, store, at)

    monkeypatch.setattr(fixing, "apply", edit_then_apply)
    result = flux("check", "--all", str(fleet), "--fix", "--yes", env=env)
    assert "upgrade: skipped" in result.stdout and "changed since the preview" in result.stdout
    assert edited.read_text().endswith("# edited by hand meanwhile\n")
    assert 'id = "claude-opus-5-5"' in (fleet / "own-key" / "flux.toml").read_text()


def test_undo_of_a_batch_refuses_when_a_project_changed_since(fleet, sim):
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    flux("check", "--all", str(fleet), "--fix", "--yes", env=env)
    (fleet / "upgrade" / "flux.toml").write_text("# mine now\n")
    after = snapshot(fleet)
    undo = flux("undo", "--batch", "--yes", "--project", str(fleet), env=env)
    assert undo.returncode == 6 and "changed after flux-setup wrote it" in undo.stderr
    assert snapshot(fleet) == after, "one changed project stops the whole batch before any write"


def test_projects_sharing_a_key_with_other_line_orders_are_each_settled(tmp_path, sim):
    """One detection, but each project's own ranking: the Haiku-first project is recommended
    the newest Haiku, proven by a call, exactly as a check in that project alone says."""
    haiku_first = 'config_version = 2\n\n[model]\nid = "claude-haiku-4-5-20251001"\nprefer = ["haiku", "sonnet"]\n'
    write(
        tmp_path,
        {
            "a/flux.toml": config("claude-opus-5-5"),
            "b/flux.toml": config("claude-sonnet-5-5"),
            "c/flux.toml": haiku_first,
        },
    )
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    payload = json_of(flux("check", "--all", str(tmp_path), "--json", env=env))
    by_name = {Path(p["path"]).name: p for p in payload["projects"]}
    assert by_name["c"]["recommended"] == "claude-haiku-5-5"
    assert by_name["c"]["exit_code"] == 10
    assert by_name["a"]["recommended"] == "claude-opus-5-5"
    assert len(payload["keys"]) == 1
    alone = json_of(flux("check", "--project", str(tmp_path / "c"), "--json", env=env))
    assert (alone["recommended"], alone["exit_code"]) == ("claude-haiku-5-5", 10)


def test_a_projects_diagnoses_are_its_own_not_its_neighbours(tmp_path, sim):
    write(
        tmp_path,
        {
            "old/flux.toml": config("claude-3-haiku-20240307"),
            "new/flux.toml": config("claude-opus-5-5"),
        },
    )
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    payload = json_of(flux("check", "--all", str(tmp_path), "--json", env=env))
    by_name = {Path(p["path"]).name: p for p in payload["projects"]}
    assert [d["code"] for d in by_name["old"]["diagnosis"]] == ["model_retired"]
    assert "claude-opus-5-5" in by_name["old"]["diagnosis"][0]["next_step"]
    assert by_name["new"]["diagnosis"] == []


def test_an_offline_scan_judges_each_project_by_its_keys_saved_catalogue(fleet, sim):
    env = {"ANTHROPIC_BASE_URL": sim.base_url}
    flux("check", "--all", str(fleet), env=env)  # online: saves each project's memory
    (fleet / "fresh").mkdir()
    (fleet / "fresh" / "flux.toml").write_text(config("claude-3-haiku-20240307"))
    (fleet / "fresh" / ".env").write_text(f"ANTHROPIC_API_KEY={REVOKED_KEY}\n")  # never checked
    asked = sim.counters.snapshot()["total_requests"]
    result = flux("check", "--all", str(fleet), "--offline", "--json", env=env)
    payload = json_of(result)
    assert sim.counters.snapshot()["total_requests"] == asked, "offline: no request"
    by_name = {Path(p["path"]).name: p for p in payload["projects"]}
    assert by_name["fine"]["exit_code"] == 0 and by_name["upgrade"]["exit_code"] == 10
    assert by_name["fine"]["catalog"]["stale"] is False
    assert by_name["fresh"]["exit_code"] == 5
    assert by_name["fresh"]["diagnosis"][0]["code"] == "catalog_missing"
    assert payload["offline"] is True and payload["keys"] == []
    assert result.returncode == 10  # the highest: 10 > 6 (broken) > 5 (fresh)


def test_fix_needs_the_network(fleet):
    result = flux("check", "--all", str(fleet), "--offline", "--fix", "--yes")
    assert result.returncode == 2 and "--fix" in result.stderr


def test_ctrl_c_in_the_middle_of_a_batch_leaves_whole_projects_and_an_undoable_batch(
    fleet, sim, monkeypatch
):
    from wizard import changes

    env = {"ANTHROPIC_BASE_URL": sim.base_url}
    before = snapshot(fleet)
    real_apply = changes.apply

    def signal_during_the_first_write(plan, store, **kwargs):
        real_apply(plan, store, **kwargs)
        raise KeyboardInterrupt  # as deferred_signals raises it once the renames are done

    monkeypatch.setattr(changes, "apply", signal_during_the_first_write)
    result = flux("check", "--all", str(fleet), "--fix", "--yes", env=env)
    assert result.returncode == 130
    assert "Interrupted after 1 of 2 projects were changed in full" in result.stderr
    assert "undo --batch" in result.stderr
    changed = [name for name, data in snapshot(fleet).items() if before.get(name) != data]
    assert changed and all(name.startswith("own-key/") for name in changed)  # one whole project
    monkeypatch.setattr(changes, "apply", real_apply)
    undo = flux("undo", "--batch", "--yes", "--project", str(fleet), env=env)
    assert undo.returncode == 0, undo.stderr
    assert snapshot(fleet) == before


def test_a_typo_in_most_projects_line_order_does_not_leave_the_others_unsettled(tmp_path, sim):
    typo = 'config_version = 2\n\n[model]\nid = "claude-opus-5-5"\nprefer = ["opsu", "sonnet"]\n'
    write(
        tmp_path,
        {
            "t1/flux.toml": typo,
            "t2/flux.toml": typo,
            "ok/flux.toml": config("claude-sonnet-5-5"),
        },
    )
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    payload = json_of(flux("check", "--all", str(tmp_path), "--json", env=env))
    by_name = {Path(p["path"]).name: p for p in payload["projects"]}
    assert by_name["t1"]["exit_code"] == 2 and "opsu" in by_name["t1"]["error"]["message"]
    assert (by_name["ok"]["exit_code"], by_name["ok"]["recommended"]) == (10, "claude-opus-5-5")


@pytest.mark.parametrize("args", [["check", "somewhere"], ["check", "--fix", "--yes"]])
def test_scan_options_without_all_are_refused_not_ignored(tmp_path, args):
    result = flux(*args, "--project", str(tmp_path))
    assert result.returncode == 2 and "with --all only" in result.stderr


def test_a_key_piped_in_serves_every_project_of_the_scan(fleet, sim):
    env = {"ANTHROPIC_BASE_URL": sim.base_url}
    result = flux(
        "check", "--all", str(fleet), "--api-key-stdin", "--json", env=env, stdin=OTHER_KEY + "\n"
    )
    payload = json_of(result)
    keys = {p["key"]["source"] for p in payload["projects"] if p["key"]}
    assert keys == {"stdin"} and len(payload["keys"]) == 1
    assert_no_key(result.stdout + result.stderr, OTHER_KEY)
    empty = flux("check", "--all", str(fleet), "--api-key-stdin", env=env, stdin="")
    assert empty.returncode == 3 and "standard input was empty" in empty.stderr


def test_escape_sequences_in_folder_names_and_model_ids_are_shown_escaped(tmp_path, sim):
    evil = tmp_path / "evil\x1b]0;pwned\x07"
    write(evil, {"flux.toml": config("claude-opus-5-5")})
    write(tmp_path, {"bad-env/.env": 'FLUX_MODEL="claude\x1b[31m-x"\n'})
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    result = flux("check", "--all", str(tmp_path), env=env)
    assert "\x1b" not in result.stdout + result.stderr
    assert "evil\\x1b]0;pwned\\x07" in result.stdout
    assert "FLUX_MODEL = claude\\x1b[31m-x is not a model ID" in result.stdout
    assert result.returncode == 6  # the .env project cannot be read; the other is fine


def test_undo_of_a_batch_skips_a_project_already_undone_on_its_own(fleet, sim):
    env = {"ANTHROPIC_BASE_URL": sim.base_url}
    before = snapshot(fleet)
    flux("check", "--all", str(fleet), "--fix", "--yes", env=env)
    alone = flux("undo", "--yes", "--project", str(fleet / "upgrade"), env=env)
    assert alone.returncode == 0, alone.stderr
    undo = flux("undo", "--batch", "--yes", "--project", str(fleet), env=env)
    assert undo.returncode == 0, undo.stderr
    assert "is undone; left as it is" in undo.stdout
    assert snapshot(fleet) == before


def test_fail_on_never_hides_a_broken_project_behind_a_verdict_left_out(fleet, sim):
    env = {"ANTHROPIC_BASE_URL": sim.base_url}
    result = flux("check", "--all", str(fleet), "--fail-on", "11,12", "--json", env=env)
    payload = json_of(result)
    assert result.returncode == 6  # 10 is left out; the broken project's 6 is not
    assert payload["verdict_code"] == 10
    (fleet / "broken" / "flux.toml").write_text(config("claude-opus-5-5"))
    (fleet / "broken" / ".env").write_text(f"ANTHROPIC_API_KEY={KEY}\n")
    assert flux("check", "--all", str(fleet), "--fail-on", "11,12", env=env).returncode == 0


def test_with_no_key_at_all_the_scan_says_it_once_naming_the_projects(tmp_path):
    from tests.helpers import flux

    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    result = flux("check", "--all", ".", cwd=tmp_path)
    assert result.returncode == 3
    assert result.stdout.count("No API key found") == 1
    assert "a, b, c: No API key found" in result.stdout
    assert "Found 3 Flux projects under this folder." in result.stdout
    assert ".." not in result.stdout.splitlines()[0]


def test_a_fix_preview_says_each_note_once_for_the_projects_it_concerns(tmp_path):
    """--fix over many projects of one kind: one line per note naming its projects (a few,
    and how many more), not the same line once per project."""
    for n in range(7):
        folder = tmp_path / f"p{n}"
        folder.mkdir()
        (folder / "flux.toml").write_text('config_version = 2\n[model]\nid = "claude-opus-5-5"\n')
    with serve("haiku-only") as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        result = flux("check", "--all", str(tmp_path), "--fix", "--dry-run", env=env)
    said = result.stdout + result.stderr
    lines = [line for line in said.splitlines() if "costs more than" in line]
    assert len(lines) == 1 and "and 2 more" in lines[0], said
