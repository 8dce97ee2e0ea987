"""`flux-setup export renovate|catalog`: what a key proved, written for Renovate and for a
repository's offline hook; where it may be written, and that nothing secret is in it."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import KEY, flux, json_of
from wizard.export import renovate
from wizard.simulator import serve

REPO = Path(__file__).resolve().parent.parent
PRESET = json.loads((REPO / "renovate" / "flux.json").read_text())
CONFIG = 'config_version = 2\n[model]\nid = "claude-opus-4-6"\n'


def project(tmp_path: Path, config: str = CONFIG) -> Path:
    folder = tmp_path / "app"
    folder.mkdir(exist_ok=True)
    (folder / "flux.toml").write_text(config)
    return folder


def export(folder: Path, base_url: str, *args: str, **env: str):  # type: ignore[no-untyped-def]
    environ = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": base_url, **env}
    return flux("export", *args, "--project", str(folder), "--json", env=environ)


def releases(path: Path) -> list[dict]:
    return json.loads(path.read_text())["releases"]


def windows(secret: str, size: int = 8) -> set[str]:
    return {secret[i : i + size] for i in range(len(secret) - size + 1)}


def test_the_datasource_offers_each_lines_best_and_only_models_a_call_proved(sim, tmp_path):
    folder = project(tmp_path)
    result = export(folder, sim.base_url, "renovate", "--prefer", "opus,sonnet,haiku,mythos")
    payload = json_of(result)
    assert result.returncode == 0
    written = folder / ".flux-setup" / "renovate-datasource.json"
    offered = {r["version"] for r in releases(written)}
    assert payload["export"]["lines"] == {
        "opus": "claude-opus-5-5",
        "sonnet": "claude-sonnet-5-5",
        "haiku": "claude-haiku-5-5",
        "mythos": None,  # listed, refused to this organisation: never offered
    }
    assert {"claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5"} <= offered
    # retired, closed to new adopters (deprecated, never used here) and refused: none of them
    for never in ("claude-opus-4-1-20250805", "claude-opus-4-5-20251101", "claude-mythos-5-2"):
        assert never not in offered
    assert all(not r["isDeprecated"] for r in releases(written))
    document = json.loads(written.read_text())
    assert document["homepage"] == renovate.CHECKLIST_DOCS
    assert document["checked_at"][:4] == "2026"


def test_a_deprecated_model_an_organisation_still_calls_is_marked_deprecated(tmp_path):
    folder = project(tmp_path)
    with serve("veteran") as running:
        result = export(folder, running.base_url, "renovate", "--max-verify", "8")
    assert result.returncode == 0, result.stderr
    marked = {
        r["version"]: r["isDeprecated"]
        for r in releases(folder / ".flux-setup" / "renovate-datasource.json")
    }
    assert marked.get("claude-opus-4-5-20251101") is True
    assert marked["claude-opus-5-5"] is False


def test_offline_export_reads_the_saved_catalogue_and_says_its_age(sim, tmp_path):
    folder = project(tmp_path)
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    assert flux("check", "--project", str(folder), env=env).returncode == 10
    later = datetime.now(UTC) + timedelta(days=3)
    from tests.helpers import clean_environ, run_main

    result = run_main(
        ["export", "renovate", "--offline", "--project", str(folder), "--json"],
        env=clean_environ(ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL="http://127.0.0.1:9"),
        now=lambda: later,
    )
    payload = json_of(result)
    assert result.returncode == 0, result.stderr
    assert payload["export"]["source"] == "saved"
    assert payload["export"]["age_days"] == 3
    assert "3 days old" in result.stderr
    # the check proved its recommendation and the fallback, not Haiku: Haiku is not offered
    assert payload["export"]["lines"]["opus"] == "claude-opus-5-5"
    assert payload["export"]["lines"]["haiku"] is None


def test_offline_export_without_a_saved_catalogue_fails_and_writes_nothing(tmp_path):
    folder = project(tmp_path)
    result = export(folder, "http://127.0.0.1:9", "renovate", "--offline")
    assert json_of(result)["diagnosis"][0]["code"] == "catalog_missing"
    assert result.returncode == 5
    assert not (folder / ".flux-setup").exists()


def test_a_file_export_did_not_write_is_refused_before_the_network_and_kept(tmp_path):
    folder = project(tmp_path)
    theirs = folder / "models.json"
    theirs.write_text('{"mine": true}\n')
    # no simulator at all: the refusal comes before any request
    result = export(folder, "http://127.0.0.1:9", "renovate", "--out", str(theirs))
    assert result.returncode == 6
    assert "--force" in json_of(result)["error"]["fix"]
    assert theirs.read_text() == '{"mine": true}\n'


def test_force_replaces_a_foreign_file_and_export_replaces_its_own_without_it(sim, tmp_path):
    folder = project(tmp_path)
    out = folder / "models.json"
    out.write_text("not ours\n")
    assert export(folder, sim.base_url, "renovate", "--out", str(out), "--force").returncode == 0
    first = out.read_text()
    assert json.loads(first)["generator"].startswith("flux-setup export renovate")
    assert export(folder, sim.base_url, "renovate", "--out", str(out)).returncode == 0
    assert oct(out.stat().st_mode & 0o777) == "0o644"


@pytest.mark.parametrize("where", [".gitignore", ".git/models.json", "link.json"])
def test_an_export_never_goes_onto_gitignore_into_git_or_through_a_link(tmp_path, where):
    folder = project(tmp_path)
    (folder / ".git").mkdir()
    (folder / ".gitignore").write_text(".env\n")
    elsewhere = tmp_path / "elsewhere.json"
    (folder / "link.json").symlink_to(elsewhere)
    result = export(
        folder, "http://127.0.0.1:9", "catalog", "--out", str(folder / where), "--force"
    )
    assert result.returncode == 6, result.stderr
    assert (folder / ".gitignore").read_text() == ".env\n"
    assert not elsewhere.exists()
    assert os.listdir(folder / ".git") == []


def test_an_export_that_fails_on_the_network_leaves_the_previous_file_whole(sim, tmp_path):
    folder = project(tmp_path)
    assert export(folder, sim.base_url, "catalog").returncode == 0
    written = folder / ".flux-setup" / "catalog.json"
    before = written.read_bytes()
    result = export(folder, "http://127.0.0.1:9", "catalog", "--timeout", "1")
    assert result.returncode == 5
    assert written.read_bytes() == before
    assert [p.name for p in written.parent.iterdir()] == ["catalog.json"]  # no temp file left


def test_no_export_holds_any_window_of_the_key_nor_its_fingerprint_or_organisation(sim, tmp_path):
    folder = project(tmp_path)
    renovate_run = export(folder, sim.base_url, "renovate")
    catalog_run = export(folder, sim.base_url, "catalog")
    organisation = json.loads(
        flux(
            "check",
            "--project",
            str(folder),
            "--json",
            env={"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url},
        ).stdout
    )["key"]["organization_id"]
    texts = [p.read_text() for p in (folder / ".flux-setup").iterdir()]
    texts += [renovate_run.stdout, catalog_run.stdout]
    assert len(texts) == 4
    for text in texts[:2]:
        assert organisation not in text
        assert KEY[:12] not in text
    for text in texts:
        assert not [w for w in windows(KEY) if w in text]


def test_the_snapshot_holds_lifecycles_and_dates_not_access(sim, tmp_path):
    folder = project(tmp_path)
    assert export(folder, sim.base_url, "catalog").returncode == 0
    data = json.loads((folder / ".flux-setup" / "catalog.json").read_text())
    retired = next(m for m in data["models"] if m["id"] == "claude-opus-4-1-20250805")
    assert retired["lifecycle"] == "retired"
    assert retired["retires_at"].startswith("2026-08-05")
    assert retired["line"] == "opus"
    assert not any("callable" in m or "verified" in m for m in data["models"])
    assert set(data) == {"generator", "format", "checked_at", "models"}


def test_the_presets_versioning_is_the_one_the_export_orders_by():
    rule = PRESET["packageRules"][0]
    assert rule["versioning"] == "regex:" + renovate.ID_PATTERN
    assert renovate.CHECKLIST_DOCS in rule["prBodyNotes"][0]
    ordered = [
        "claude-opus-4-1-20250805",
        "claude-opus-4-5-20251101",
        "claude-opus-4-6",
        "claude-opus-4-8",
        "claude-opus-5",
        "claude-opus-5-5",
    ]
    assert sorted(ordered, key=renovate.order_key) == ordered  # type: ignore[arg-type]
    assert renovate.line_word("claude-sonnet-4-20250514") == "sonnet"
    assert renovate.order_key("claude-3-5-sonnet-20241022") is None


def test_export_renovate_with_no_verify_is_a_usage_error(tmp_path):
    result = export(project(tmp_path), "http://127.0.0.1:9", "renovate", "--no-verify")
    assert result.returncode == 2


def test_export_help_lists_only_options_it_takes_and_says_the_cap_is_per_line():
    shown = " ".join(flux("export", "--help").stdout.split())
    assert "--no-verify" not in shown
    assert "--max-verify N renovate: at most N billed verification calls per line" in shown


def test_a_flux_setup_folder_that_is_a_link_out_of_the_project_is_refused(tmp_path):
    folder = project(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (folder / ".flux-setup").symlink_to(elsewhere)
    result = export(folder, "http://127.0.0.1:9", "catalog")
    assert result.returncode == 6
    assert "symbolic link" in json_of(result)["error"]["message"]
    assert list(elsewhere.iterdir()) == []


def test_the_snapshot_is_made_from_the_listing_alone_with_no_billed_call(sim, tmp_path):
    result = export(project(tmp_path), sim.base_url, "catalog")
    assert result.returncode == 0, result.stderr
    assert sim.counters.snapshot()["billed_calls"] == 0
    assert "no billed call" in result.stderr


@pytest.mark.parametrize(
    "name",
    [
        "flux.toml",
        ".env",
        "pyproject.toml",
        "flux-upgrade-checklist.md",
        "settings.toml",
        "other/.env",
    ],
)
def test_an_export_never_replaces_the_projects_own_files_even_with_force(tmp_path, name):
    folder = project(tmp_path)
    (folder / "other").mkdir()
    target = folder / name
    before = f"ANTHROPIC_API_KEY={KEY}\n" if name.endswith(".env") else "keep = true\n"
    if name != "flux.toml":
        target.write_text(before)
    else:
        before = CONFIG
    # settings.toml is the config named by --config; no API at all: refused before the network
    result = export(
        folder,
        "http://127.0.0.1:9",
        "renovate",
        "--offline",
        "--out",
        str(target),
        "--force",
        "--config",
        str(folder / "settings.toml"),
    )
    payload = json_of(result)
    assert result.returncode == 6, result.stderr
    assert "even with --force" in payload["error"]["message"]
    assert "Pass another path" in payload["error"]["fix"]
    assert target.read_text() == before


def test_one_kind_of_export_never_replaces_the_other_without_force(sim, tmp_path):
    folder = project(tmp_path)
    assert export(folder, sim.base_url, "catalog").returncode == 0
    snapshot = folder / ".flux-setup" / "catalog.json"
    before = snapshot.read_bytes()
    result = export(folder, sim.base_url, "renovate", "--out", str(snapshot))
    assert result.returncode == 6, result.stderr
    assert "holds `flux-setup export catalog`" in json_of(result)["error"]["message"]
    assert snapshot.read_bytes() == before
    forced = export(folder, sim.base_url, "renovate", "--out", str(snapshot), "--force")
    assert forced.returncode == 0
    assert json.loads(snapshot.read_text())["generator"].startswith("flux-setup export renovate")


def test_offline_export_names_the_saved_check_it_publishes_and_whose_it_is(sim, tmp_path):
    from tests.helpers import clean_environ, run_main

    folder = project(tmp_path)
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    checked = json_of(
        flux("check", "--prefer", "sonnet,haiku", "--project", str(folder), "--json", env=env)
    )
    # no key at all: the project's last check is what is published, and said to be
    result = run_main(
        ["export", "renovate", "--offline", "--project", str(folder), "--json"],
        env=clean_environ(ANTHROPIC_BASE_URL="http://127.0.0.1:9"),
    )
    payload = json_of(result)
    assert result.returncode == 0, result.stderr
    assert payload["export"]["saved_check"] == {
        "checked_at": payload["export"]["checked_at"],
        "prefer": ["sonnet", "haiku"],
        "key_fingerprint": checked["key"]["fingerprint"],
        "whose": "project",
    }
    assert "no key found: this project's last check" in result.stderr
    assert "line order sonnet,haiku" in result.stderr
    assert payload["export"]["checked_at"][:10] in result.stderr


def test_offline_exports_carry_each_models_creation_date(sim, tmp_path):
    folder = project(tmp_path)
    assert export(folder, sim.base_url, "renovate").returncode == 0  # saves what it proved
    online = {
        r["version"]: r.get("releaseTimestamp")
        for r in releases(folder / ".flux-setup" / "renovate-datasource.json")
    }
    far = "http://127.0.0.1:9"
    snap, feed = folder / "published" / "catalog.json", folder / "published" / "feed.json"
    assert export(folder, far, "catalog", "--offline", "--out", str(snap)).returncode == 0
    assert export(folder, far, "renovate", "--offline", "--out", str(feed)).returncode == 0
    models = json.loads(snap.read_text())["models"]
    assert models and all(m["created_at"][:4].isdigit() for m in models)
    offline = {r["version"]: r.get("releaseTimestamp") for r in releases(feed)}
    assert offline == online and all(offline.values())


def test_the_export_says_in_text_exactly_the_diagnoses_its_json_lists(sim, tmp_path):
    from tests.helpers import clean_environ, run_main

    folder = project(tmp_path)
    env = clean_environ(ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL=sim.base_url)
    text = run_main(["export", "renovate", "--project", str(folder)], env=env)
    payload = json_of(export(folder, sim.base_url, "renovate"))
    assert text.returncode == 0, text.stderr
    said = text.stdout + text.stderr
    # no model is any project's here: a model closed to new adopters is not offered, not told
    assert "closed to organisations" not in said
    assert said.count("•") == len(payload["diagnosis"])
    for diagnosis in payload["diagnosis"]:
        assert diagnosis["message"] in said


@pytest.mark.parametrize("lifecycle", ["deprecated", "retired"])
def test_a_refused_models_advice_is_given_once(lifecycle):
    from wizard.catalog import Catalog, Model
    from wizard.diagnosis.rules import model_refusal
    from wizard.vocab import Lifecycle

    old = Model("claude-opus-4-5-20251101", "Opus 4.5", "opus", Lifecycle(lifecycle), "2025-11-01")
    new = Model("claude-opus-5-5", "Opus 5.5", "opus", Lifecycle.ACTIVE, "2026-09-01")
    step = model_refusal(old.id, Catalog([old, new]), None).next_step
    assert "claude-opus-5-5" in step
    assert "current model" not in step  # not "Use a current model. Use claude-opus-5-5 instead."


def test_an_empty_out_is_a_usage_error_with_the_fix_not_the_project_folder(tmp_path):
    folder = project(tmp_path)
    result = flux("export", "catalog", "--offline", "--out", "", "--project", str(folder))
    assert result.returncode == 2
    assert "--out" in result.stderr and "is empty: name the file to write" in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["flux.toml"]


def test_the_documented_host_rule_covers_the_datasource_url_and_holds_no_token():
    from tests.ci_helpers import example

    (rule,) = json.loads(example("renovate-host-rules"))["hostRules"]
    extends = json.loads(example("renovate-config"))["extends"][0]
    url = extends[extends.index("(") + 1 : -1]
    assert url.startswith(rule["matchHost"])
    assert rule["token"].startswith("{{ secrets.") and rule["token"].endswith("}}")
