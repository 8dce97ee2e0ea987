"""`check --offline`: the verdict from the catalogue the last online check saved; fresh, stale
and missing catalogues; retirements by date and `--warn-days`; never the network."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import KEY, assert_no_key, clean_environ, make_context
from wizard.commands.check import check
from wizard.errors import WizardError
from wizard.simulator import serve
from wizard.vocab import Code, ExitCode

OTHER_KEY = "sk-ant-api03-" + "OtherKeyM4" * 9 + "QwEr"
ENV = {"ANTHROPIC_API_KEY": KEY}
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def online(project, scenario="today", model="claude-sonnet-4-5-20250929"):
    """An online check in `project` that saves its catalogue (the simulator is then gone)."""
    (project / ".env").write_text(f"FLUX_MODEL={model}\n")
    with serve(scenario) as running:
        ctx, _ = make_context(project, environ=ENV, base_url=running.base_url)
        ctx.now = lambda: NOW
        check(ctx)


def offline(project, *, days_later=0, environ=None, model=None, **options):
    if model:
        (project / ".env").write_text(f"FLUX_MODEL={model}\n")
    ctx, out = make_context(
        project, environ=ENV if environ is None else environ, offline=True, **options
    )
    ctx.now = lambda: NOW + timedelta(days=days_later)
    report = check(ctx)
    return report, out.getvalue()


def codes(report):
    return [d.code for d in report.all_diagnoses()]


def test_a_fresh_catalogue_gives_the_online_verdict(tmp_path):
    online(tmp_path, model="claude-sonnet-5-5")
    report, text = offline(tmp_path)
    assert report.exit_code == ExitCode.UPGRADE_AVAILABLE
    assert "claude-opus-5-5" in text and "(just now)" in text
    report, _ = offline(tmp_path, model="claude-opus-5-5")
    assert report.exit_code == ExitCode.OK
    assert report.to_json()["catalog"]["stale"] is False


def test_a_retirement_within_warn_days_is_flagged_and_beyond_it_is_deprecated(tmp_path):
    online(tmp_path, scenario="veteran")  # the veteran account may still call deprecated models
    # claude-sonnet-4-5-20250929 retires on 2026-11-30: 4 days after NOW
    report, text = offline(tmp_path)
    assert report.exit_code == ExitCode.DEPRECATED
    assert Code.MODEL_RETIRING in codes(report) and "retires in 4 days (2026-11-30)" in text
    report, _ = offline(tmp_path, warn_days=2)
    assert report.exit_code == ExitCode.DEPRECATED
    assert Code.MODEL_RETIRING not in codes(report) and Code.MODEL_DEPRECATED in codes(report)


def test_a_retirement_date_that_has_passed_is_overdue_not_retired(tmp_path):
    # The Models API: a past date on a deprecated model means retirement is overdue, not that
    # it has occurred; `lifecycle` is the signal. The saved catalogue says deprecated.
    online(tmp_path, scenario="veteran")
    report, text = offline(tmp_path, days_later=10)
    assert report.exit_code == ExitCode.DEPRECATED
    assert Code.MODEL_RETIRED not in codes(report) and Code.MODEL_RETIRING in codes(report)
    assert "due 2026-11-30, is overdue" in text and "was retired" not in text
    assert report.to_json()["configured"]["status"] == "deprecated"


def test_a_stale_catalogue_says_its_age(tmp_path):
    online(tmp_path, model="claude-opus-5-5")
    report, text = offline(tmp_path, days_later=40)
    assert Code.CATALOG_STALE in codes(report)
    assert "(40 days ago)" in text and "40 days old" in text
    assert report.exit_code == ExitCode.OK  # age alone changes no verdict
    assert report.to_json()["catalog"]["age_days"] == 40


def test_no_saved_catalogue_is_its_own_message(tmp_path):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with pytest.raises(WizardError) as caught:
        offline(tmp_path)
    assert caught.value.code == ExitCode.NETWORK
    assert caught.value.diagnosis == Code.CATALOG_MISSING
    assert "Run `flux-setup check` once" in (caught.value.fix or "")


def test_an_unknown_key_is_named_by_its_fingerprint(tmp_path):
    online(tmp_path, model="claude-opus-5-5")
    with pytest.raises(WizardError) as caught:
        offline(tmp_path, environ={"ANTHROPIC_API_KEY": OTHER_KEY})
    assert caught.value.diagnosis == Code.CATALOG_MISSING
    assert "OtherKeyM4" not in caught.value.message  # the fingerprint, not the key
    assert OTHER_KEY[:12] in caught.value.message


def test_the_catalogue_of_a_key_is_found_from_another_project(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    # (`check` proves its own model and what ranks above it: a model ranked below it is not
    # billed for, so the other project names one that check proved)
    online(tmp_path / "a", model="claude-sonnet-5-5")
    report, _ = offline(tmp_path / "b", model="claude-sonnet-5-5")
    assert report.exit_code == ExitCode.UPGRADE_AVAILABLE


def test_without_a_key_the_projects_last_check_is_read(tmp_path):
    online(tmp_path, model="claude-opus-5-5")
    report, text = offline(tmp_path, environ={})
    assert report.exit_code == ExitCode.OK
    assert "No API key found" in text and KEY[:12] in text


def test_an_unset_model_is_unavailable_offline_too(tmp_path):
    online(tmp_path, model="claude-opus-5-5")
    (tmp_path / ".env").write_text("")
    report, _ = offline(tmp_path)
    assert report.exit_code == ExitCode.UNAVAILABLE


@pytest.mark.parametrize("scan", [[], ["--all"]])
def test_offline_never_imports_the_sdk_nor_shows_the_key(tmp_path, scan):
    online(tmp_path, model="claude-opus-5-5")
    where = ["--all", str(tmp_path)] if scan else ["--project", str(tmp_path)]
    script = (
        "import sys\n"
        "from wizard import cli\n"
        "code = cli.main(['check', '--offline', '--json', *sys.argv[1:]])\n"
        "print('ANTHROPIC LOADED' if 'anthropic' in sys.modules else 'clean', file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *where],
        capture_output=True,
        text=True,
        env=clean_environ(**ENV),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().endswith("clean")
    assert json.loads(done.stdout)["offline"] is True
    assert_no_key(done.stdout + done.stderr)


def test_warn_days_without_offline_is_refused_like_fix_without_all(tmp_path):
    from tests.helpers import flux
    from wizard.vocab import ExitCode

    result = flux("check", "--warn-days", "30", "--project", str(tmp_path))
    assert result.returncode == ExitCode.USAGE
    assert "--warn-days goes with --offline" in result.stderr
    assert "check --offline --warn-days 30" in result.stderr


def test_a_read_only_check_of_invalid_toml_never_speaks_of_writing(tmp_path):
    from tests.helpers import flux
    from wizard.vocab import ExitCode

    (tmp_path / "flux.toml").write_text('[model]\nid = "unclosed\n')
    result = flux("check", "--offline", "--project", str(tmp_path))
    assert result.returncode == ExitCode.FILES
    assert "line 2" in result.stderr
    assert "written" not in result.stderr and "fix: Fix" not in result.stderr


def test_a_missing_catalogue_passed_by_the_hook_is_said_in_json_too(tmp_path):
    from tests.helpers import KEY, flux, json_of

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    result = flux(
        "check",
        "--offline",
        "--missing-catalog",
        "pass",
        "--json",
        "--project",
        str(tmp_path),
        env={"ANTHROPIC_API_KEY": KEY},
    )
    payload = json_of(result)  # valid against the schema
    assert payload["exit_code"] == 0
    assert [d["code"] for d in payload["diagnosis"]] == ["catalog_missing"]


def test_a_saved_reason_is_read_back_as_a_code_and_an_unknown_word_is_not_trusted():
    from wizard.catalog import Model
    from wizard.simulator import load
    from wizard.vocab import Code

    record = {**load("today").models[0], "callable": False, "verified": True}
    known = Model.from_record({**record, "reason": "permission_denied"})
    assert known.reason is Code.PERMISSION_DENIED
    # a word this version does not know (a newer flux-setup, a hand edit): the generic refusal
    assert Model.from_record({**record, "reason": "rm -rf"}).reason is Code.MODEL_NOT_AVAILABLE
    unknown = {**record, "callable": None, "reason": 42}
    assert Model.from_record(unknown).reason is None


def test_projects_of_one_key_share_one_saved_catalogue_and_its_loss_is_no_catalogue(tmp_path):
    from tests.helpers import store
    from wizard import memory

    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        online(tmp_path / name, model="claude-opus-5-5")
    catalogs = list((store().home / memory.CATALOGS).glob("*.json"))
    assert len(catalogs) == 1  # one copy for both projects, not two per project
    record = memory.load(store(), tmp_path / "a")
    assert record is not None and "claude-opus-5-5" in {m.id for m in record.models}
    catalogs[0].unlink()  # a record without its catalogue judges nothing
    with pytest.raises(WizardError, match="no catalogue is saved"):
        offline(tmp_path / "a")


def test_a_record_saved_by_the_last_version_with_its_catalogue_inline_still_reads(tmp_path):
    from tests.helpers import store
    from wizard import memory

    online(tmp_path, model="claude-opus-5-5")
    folder = store().project_dir(tmp_path) / "detections"
    [name] = [p.name for p in folder.glob("*.json")]  # one key: its record, no pointer
    saved = json.loads((folder / name).read_text())
    catalog = store().home / memory.CATALOGS / f"{saved.pop('catalog')}.json"
    saved["models"] = json.loads(catalog.read_text())["models"]
    (folder / "last.json").write_text(json.dumps(saved))  # 0.2's layout: a whole record
    (folder / name).write_text(json.dumps(saved))
    catalog.unlink()
    report, _ = offline(tmp_path)
    assert report.exit_code == ExitCode.OK


@pytest.mark.parametrize(
    "seconds,ago,old",
    [
        (5, "just now", "less than a minute old"),
        (61, "1 minute ago", "1 minute old"),
        (3 * 3600 + 5, "3 hours ago", "3 hours old"),
        (86399, "23 hours ago", "23 hours old"),
        (86400, "1 day ago", "1 day old"),
        (40 * 86400 + 7, "40 days ago", "40 days old"),
        (-3600, "dated in the future, so of unknown age", "dated in the future, so of unknown age"),
    ],
)
def test_a_catalogues_age_is_said_in_the_largest_whole_unit_never_as_0_days(seconds, ago, old):
    from wizard.flow.saved import age_words

    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    saved = (now - timedelta(seconds=seconds)).isoformat()
    assert age_words(saved, now, "ago") == ago
    assert age_words(saved, now, "old") == old
    assert age_words("not a date", now, "ago") == "of unknown age (no readable date)"


@pytest.mark.parametrize(
    "model,fallback,code",
    [
        ("claude-sonnet-5-5", None, ExitCode.UPGRADE_AVAILABLE),
        ("claude-opus-5-5", "claude-3-haiku-20240307", ExitCode.DEPRECATED),
        ("claude-3-haiku-20240307", None, ExitCode.UNAVAILABLE),
    ],
)
def test_an_offline_verdict_that_is_not_ok_ends_with_what_to_do(tmp_path, model, fallback, code):
    """As online: the last line says the verdict and its command, not the facts alone."""
    if fallback:
        (tmp_path / "flux.toml").write_text(
            f'config_version = 2\n[model]\nfallback = "{fallback}"\n'
        )
    online(tmp_path, model=model)
    report, text = offline(tmp_path)
    assert report.exit_code == code
    last = text.strip().splitlines()[-1]
    assert last.startswith("! ") and "`flux-setup run`" in last, text
    if fallback:
        assert "fallback" in last
