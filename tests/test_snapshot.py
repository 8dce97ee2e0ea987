"""The committed catalogue snapshot (`export catalog`) as `check --offline` and the pre-commit
hook read it where the state home has none: a fresh clone, pre-commit.ci."""

from __future__ import annotations

import json
import shlex
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from tests.helpers import KEY, clean_environ, flux, json_of, run_main

REPO = Path(__file__).resolve().parent.parent
HOOK = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())[0]


def git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(folder), *args],
        check=True,
        capture_output=True,
        env=clean_environ(GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1"),
    )


def committed_repository(tmp_path: Path, base_url: str, model: str) -> Path:
    """A repository whose flux.toml names `model`, with the snapshot an online job exported
    (made in a state home of its own, which the clone never sees)."""
    origin = tmp_path / "origin"
    origin.mkdir()
    (origin / "flux.toml").write_text(f'config_version = 2\n[model]\nid = "{model}"\n')
    env = {
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": base_url,
        "FLUX_SETUP_HOME": str(tmp_path / "job-home"),
    }
    assert flux("export", "catalog", "--project", str(origin), env=env).returncode == 0
    git(origin, "init", "-q")
    git(origin, "add", "flux.toml", ".flux-setup/catalog.json")
    git(origin, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "flux")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    return clone


def hook(clone: Path, tmp_path: Path, *, days_later: int = 0, extra: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    """The hook's own entry, as pre-commit runs it: in the clone, no key, an empty state home."""
    argv = shlex.split(HOOK["entry"])[1:] + list(extra)
    fresh = tmp_path / "never-used-home"
    when = datetime.now(UTC) + timedelta(days=days_later)
    return run_main(
        argv + ["--json"],
        env=clean_environ(FLUX_SETUP_HOME=str(fresh)),
        cwd=clone,
        now=lambda: when,
    )


def test_on_a_fresh_clone_the_hook_fails_a_retired_model_by_the_committed_snapshot(sim, tmp_path):
    clone = committed_repository(tmp_path, sim.base_url, "claude-opus-4-1-20250805")
    result = hook(clone, tmp_path, days_later=2)
    payload = json_of(result)
    assert result.returncode == 12
    assert payload["diagnosis"][0]["code"] == "model_retired"
    assert payload["catalog"]["source"] == "snapshot"
    assert payload["catalog"]["age_days"] == 2
    assert "(2 days ago)" in result.stderr
    assert not list((tmp_path / "never-used-home").rglob("*.json"))  # a read writes no state


def test_on_a_fresh_clone_the_hook_passes_a_current_model_and_says_the_snapshots_age(sim, tmp_path):
    clone = committed_repository(tmp_path, sim.base_url, "claude-opus-5-5")
    result = hook(clone, tmp_path, days_later=1)
    assert result.returncode == 0, result.stderr
    assert "Snapshot: made by the online check of" in result.stderr
    assert "(1 day ago)" in result.stderr
    assert json_of(result)["catalog"]["key_fingerprint"] is None


def test_a_deprecated_model_past_its_retirement_date_fails_the_hook_by_the_snapshot(sim, tmp_path):
    clone = committed_repository(tmp_path, sim.base_url, "claude-sonnet-4-5-20250929")
    result = hook(clone, tmp_path)
    assert result.returncode == 11
    assert json_of(result)["diagnosis"][0]["code"] == "model_retiring"


def test_the_docs_give_a_passed_retirement_date_the_code_the_hook_exits_with():
    # overdue (a passed date, lifecycle still deprecated) is 11, as the test above proves
    text = " ".join((REPO / "docs" / "cli.md").read_text().split())
    offline = text[text.index("## `check --offline`") :]
    twelve = offline[offline.index(": 12 when") : offline.index("; 11 when")]
    eleven = offline[offline.index("; 11 when") : offline.index("; 10 when")]
    assert "retirement date has passed" in eleven and "date" not in twelve
    ci = " ".join((REPO / "docs" / "ci.md").read_text().split())
    assert "retired (or its retirement date has passed)" not in ci


def test_max_age_makes_a_stale_snapshot_a_failure_that_fail_on_does_not_hide(sim, tmp_path):
    clone = committed_repository(tmp_path, sim.base_url, "claude-opus-5-5")
    assert hook(clone, tmp_path, days_later=10, extra=("--max-age", "14")).returncode == 0
    result = hook(clone, tmp_path, days_later=20, extra=("--max-age", "14"))
    payload = json_of(result)
    assert result.returncode == 5
    stale = [d for d in payload["diagnosis"] if d["code"] == "catalog_stale"]
    assert len(stale) == 1 and "20 days old" in stale[0]["message"]


def test_the_state_homes_catalogue_wins_over_the_snapshot(sim, tmp_path):
    clone = committed_repository(tmp_path, sim.base_url, "claude-opus-5-5")
    home = tmp_path / "dev-home"
    env = clean_environ(
        ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL=sim.base_url, FLUX_SETUP_HOME=str(home)
    )
    assert run_main(["check", "--project", str(clone)], env=env).returncode == 0
    result = run_main(["check", "--offline", "--project", str(clone), "--json"], env=env)
    assert json_of(result)["catalog"]["source"] == "state"


def test_a_file_at_the_snapshots_path_that_is_no_snapshot_is_named_with_why(tmp_path):
    folder = tmp_path / "app"
    (folder / ".flux-setup").mkdir(parents=True)
    (folder / "flux.toml").write_text('config_version = 2\n[model]\nid = "claude-opus-5-5"\n')
    (folder / ".flux-setup" / "catalog.json").write_text(json.dumps({"format": 99}))
    result = flux("check", "--offline", "--project", str(folder), "--json")
    assert result.returncode == 5
    (missing,) = json_of(result)["diagnosis"]
    assert missing["code"] == "catalog_missing"
    assert ".flux-setup/catalog.json" in missing["message"] and "format 1" in missing["message"]
    assert "flux-setup export catalog" in missing["next_step"]


def test_the_hook_says_the_snapshot_is_a_renovate_datasource_not_that_there_is_none(tmp_path):
    folder = tmp_path / "app"
    (folder / ".flux-setup").mkdir(parents=True)
    (folder / "flux.toml").write_text('config_version = 2\n[model]\nid = "claude-opus-5-5"\n')
    datasource = {"generator": "flux-setup export renovate 0.4.0", "releases": []}
    (folder / ".flux-setup" / "catalog.json").write_text(json.dumps(datasource))
    result = hook(folder, tmp_path)
    assert result.returncode == 0  # --missing-catalog pass: still never blocks a commit
    assert "No saved catalogue" not in result.stderr
    assert "catalog.json cannot be judged by" in result.stderr
    assert "`flux-setup export renovate`'s datasource" in result.stderr


def test_a_scan_offline_judges_each_project_by_its_own_snapshot(sim, tmp_path):
    clone = committed_repository(tmp_path, sim.base_url, "claude-opus-4-1-20250805")
    # a scan groups projects by key: it needs one (the state home has no catalogue for it)
    env = clean_environ(ANTHROPIC_API_KEY=KEY, FLUX_SETUP_HOME=str(tmp_path / "never-used-home"))
    result = run_main(["check", "--all", str(clone), "--offline", "--json"], env=env)
    payload = json_of(result)
    assert result.returncode == 12, result.stderr
    (project,) = payload["projects"]
    assert project["catalog"]["source"] == "snapshot"
    assert project["catalog"]["key_fingerprint"] is None


def test_max_age_without_offline_is_a_usage_error(tmp_path):
    result = flux("check", "--max-age", "7", "--project", str(tmp_path))
    assert result.returncode == 2
    assert "--offline" in result.stderr


def test_a_fresh_snapshot_beats_an_old_state_catalogue_under_max_age_and_says_so(sim, tmp_path):
    clone = committed_repository(tmp_path, sim.base_url, "claude-opus-5-5")
    home = tmp_path / "dev-home"
    long_ago = datetime.now(UTC) - timedelta(days=96)
    env = clean_environ(
        ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL=sim.base_url, FLUX_SETUP_HOME=str(home)
    )
    old = run_main(["check", "--project", str(clone)], env=env, now=lambda: long_ago)
    assert old.returncode == 0, old.stderr
    argv = shlex.split(HOOK["entry"])[1:] + ["--max-age", "30", "--json"]
    result = run_main(argv, env=clean_environ(FLUX_SETUP_HOME=str(home)), cwd=clone)
    payload = json_of(result)
    assert result.returncode == 0, result.stderr
    assert payload["catalog"]["source"] == "snapshot"
    assert payload["catalog"]["age_days"] == 0
    assert f"state home's catalogue (of {long_ago.date()})" in result.stderr


def write_snapshot(tmp_path: Path, checked_at: str) -> Path:
    folder = tmp_path / "app"
    (folder / ".flux-setup").mkdir(parents=True)
    (folder / "flux.toml").write_text('config_version = 2\n[model]\nid = "claude-opus-5-5"\n')
    model = {
        "id": "claude-opus-5-5",
        "display_name": "Claude Opus 5.5",
        "line": "opus",
        "lifecycle": "active",
        "created_at": "2026-09-01T00:00:00Z",
    }
    document = {
        "generator": "flux-setup export catalog 0.2.0",
        "format": 1,
        "checked_at": checked_at,
        "models": [model],
    }
    (folder / ".flux-setup" / "catalog.json").write_text(json.dumps(document))
    return folder


def test_a_snapshot_dated_in_the_future_is_said_to_be_so_not_of_unknown_date(tmp_path):
    folder = write_snapshot(tmp_path, "2027-10-01T00:00:00+00:00")
    result = run_main(
        ["check", "--offline", "--project", str(folder), "--json"],
        env=clean_environ(FLUX_SETUP_HOME=str(tmp_path / "home")),
        now=lambda: datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert "of 2027-10-01 (dated in the future, so of unknown age)" in result.stderr
    assert "date unknown" not in result.stderr
    (stale,) = [d for d in json_of(result)["diagnosis"] if d["code"] == "catalog_stale"]
    assert "unknown days" not in stale["message"] and "in the future" in stale["message"]


def test_a_stale_snapshots_fix_names_export_catalog_not_a_check(tmp_path):
    folder = write_snapshot(tmp_path, "2026-01-01T00:00:00+00:00")
    result = run_main(
        ["check", "--offline", "--project", str(folder), "--json"],
        env=clean_environ(FLUX_SETUP_HOME=str(tmp_path / "home")),
        now=lambda: datetime(2026, 3, 1, tzinfo=UTC),
    )
    (stale,) = [d for d in json_of(result)["diagnosis"] if d["code"] == "catalog_stale"]
    assert stale["message"].startswith("The snapshot .flux-setup/catalog.json is 59 days old")
    assert "`flux-setup export catalog`" in stale["next_step"]
    assert "flux-setup check" not in stale["next_step"]


def sync_step(url: str, repository: Path, temp: Path) -> subprocess.CompletedProcess[str]:
    """The documented sync job's fetch step, run as its shell would (the URL a local file)."""
    from tests.ci_helpers import example

    steps = yaml.safe_load(example("snapshot-sync"))["jobs"]["sync"]["steps"]
    fetch = next(s for s in steps if s.get("name") == "Fetch the published snapshot")
    env = clean_environ(SNAPSHOT_URL=url, TOKEN="", RUNNER_TEMP=str(temp))
    return subprocess.run(
        ["bash", "-e", "-c", fetch["run"]], cwd=repository, env=env, capture_output=True, text=True
    )


def test_the_documented_sync_copies_the_published_snapshot_and_refuses_anything_else(sim, tmp_path):
    published = committed_repository(tmp_path, sim.base_url, "claude-opus-5-5")
    snapshot = published / ".flux-setup" / "catalog.json"
    target = tmp_path / "target"
    target.mkdir()
    (target / "flux.toml").write_text('config_version = 2\n[model]\nid = "claude-opus-5-5"\n')
    done = sync_step(snapshot.as_uri(), target, tmp_path)
    assert done.returncode == 0, done.stderr
    copied = target / ".flux-setup" / "catalog.json"
    assert copied.read_bytes() == snapshot.read_bytes()
    assert hook(target, tmp_path).returncode == 0
    datasource = tmp_path / "feed.json"
    datasource.write_text(
        json.dumps({"generator": "flux-setup export renovate 0.2", "releases": []})
    )
    assert sync_step(datasource.as_uri(), target, tmp_path).returncode != 0
    assert copied.read_bytes() == snapshot.read_bytes()  # the committed copy kept
