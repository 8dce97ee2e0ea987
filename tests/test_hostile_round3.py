"""Hostile round 3: a key in the model field, a scanned tree whose git config runs a program,
a neighbouring secret that looks masked, workflow commands in what CI prints."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers import KEY, assert_no_key, flux, store
from wizard import ci
from wizard.keys import mask_secrets

ENV = {"ANTHROPIC_API_KEY": KEY}
OTHER = "sk-ant-api03-" + "PastedInto7" * 8 + "QwEr"  # a second key, pasted where a model goes


def everything_in(folder: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


# -- 1. a key is a key wherever it is found ---------------------------------------------------


@pytest.mark.parametrize(
    "where",
    ["env_file", "config", "environment"],
)
def test_a_key_in_the_model_field_is_refused_masked_and_stored_nowhere(tmp_path, sim, where):
    env = {**ENV, "ANTHROPIC_BASE_URL": sim.base_url}
    if where == "env_file":
        (tmp_path / ".env").write_text(f"FLUX_MODEL={OTHER}\n")
    elif where == "config":
        (tmp_path / "flux.toml").write_text(f'config_version = 2\n[model]\nid = "{OTHER}"\n')
    else:
        env["FLUX_MODEL"] = OTHER
    for args in (
        ("check", "--write-checklist"),
        ("check", "--json"),
        ("check", "--offline"),
        ("status",),
        ("run", "--yes"),
    ):
        result = flux(*args, "--project", str(tmp_path), env=env)
        said = result.stdout + result.stderr
        assert result.returncode == 6, (args, said)
        assert "a key sits in the model field" in said, args
        assert_no_key(said, OTHER)
    assert not (tmp_path / "flux-upgrade-checklist.md").exists()
    assert OTHER[12:-4] not in everything_in(store().home)


def test_a_key_given_as_model_on_the_command_line_is_not_echoed(tmp_path):
    result = flux("run", "--project", str(tmp_path), "--model", OTHER, "--yes")
    assert result.returncode == 2
    assert_no_key(result.stdout + result.stderr, OTHER)


# -- 2. no code from a scanned tree runs ------------------------------------------------------


def test_a_scanned_repository_whose_config_runs_a_program_never_runs_it(tmp_path):
    tree = tmp_path / "vendor-archive"
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    planted = tmp_path / "PLANTED"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {planted}\necho\n")
    hook.chmod(0o755)
    subprocess.run(["git", "-C", str(tree), "config", "core.fsmonitor", str(hook)], check=True)
    (tree / "app").mkdir()
    (tree / "app" / "flux.toml").write_text('config_version = 2\n[model]\nid = "claude-opus-5-5"\n')
    # the pre-commit hook's command (offline), and the scan that finds git-ignored folders
    scan = flux("check", "--all", str(tmp_path), "--offline", "--no-input", env=ENV)
    # found (the scan looked inside the tree), and judged by nothing: no catalogue saved yet
    assert scan.returncode == 5, scan.stdout + scan.stderr
    assert "Found 1 Flux project" in scan.stdout + scan.stderr
    # the git guard asks the repository too
    status = flux("status", "--project", str(tree / "app"), env=ENV)
    assert status.returncode == 0, status.stderr
    assert not planted.exists(), "a program named by the scanned repository's config ran"
    # the positive control: git itself, asked the ordinary way, does run the planted program
    subprocess.run(["git", "-C", str(tree), "status"], check=True, capture_output=True)
    assert planted.exists(), "the planted hook would never have fired: this test proves nothing"


# -- 5. a neighbouring secret that merely contains "..." is still masked ----------------------


def test_a_secret_with_dots_in_it_is_not_taken_as_already_masked():
    shown = mask_secrets("DB_PASSWORD=supersecretvalue...x\n")
    assert "supersecretvalue" not in shown
    assert mask_secrets(shown) == shown  # masking twice changes nothing
    assert mask_secrets("ANTHROPIC_API_KEY=sk-ant-api03...ZxWv") == (
        "ANTHROPIC_API_KEY=sk-ant-api03...ZxWv"
    )


# -- 3. nothing flux-setup prints can start a CI workflow command ---------------------------


def test_a_forged_report_cannot_inject_workflow_commands(tmp_path, capsys):
    report = {
        "schema": "flux-setup/1",
        "command": "check",
        "exit_code": "12\n::add-mask::x",
        "projects": [
            {
                "path": str(tmp_path / "::stop-commands::tok"),
                "exit_code": 12,
                "configured": {"model": "claude-opus-5-5", "status": "retired"},
                "recommended": None,
                "diagnosis": [],
                "reason": "##[error]forged\n::error::also forged",
            }
        ],
    }
    path = tmp_path / "report.json"
    path.write_text(__import__("json").dumps(report))
    code = ci.main([str(path), "--summary", str(tmp_path / "summary.md")])
    out = capsys.readouterr()
    for line in (out.out + out.err).splitlines():
        assert not line.lstrip().startswith("::") or line.startswith(
            ("::error file=", "::warning file=")
        ), line
        assert "##[" not in line, line
        assert "exit code 12" not in line or "add-mask" not in line, line  # never raw
    assert code in (1, 2)


@pytest.mark.parametrize(
    "name", ["[link=https:evil.example]innocent", "::stop-commands::tok", "[conceal]x"]
)
def test_folder_names_are_names_never_markup_or_commands(tmp_path, name):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "flux.toml").write_text('config_version = 2\n[model]\nid = "claude-opus-5-5"\n')
    result = flux("check", "--all", str(tmp_path), "--offline", "--no-input", env=ENV)
    said = result.stdout + result.stderr
    assert "\x1b]8;" not in said  # no terminal hyperlink
    for line in said.splitlines():
        assert not line.lstrip().startswith("::"), line
    # the name is shown as it is (rich markup would have eaten the brackets)
    assert any(line.startswith(name.replace("::", ":\u200b:", 1)) for line in said.splitlines())


# -- 8, 10, 11: sizes, special files and dates in the state ---------------------------------


def test_a_key_far_longer_than_a_key_is_a_key_problem_not_a_huge_header(tmp_path):
    huge = "sk-ant-api03-" + "a" * 1_000_000
    result = flux("check", "--project", str(tmp_path), "--api-key-stdin", stdin=huge)
    assert result.returncode == 3
    assert "characters long" in result.stdout + result.stderr


def records_of(project: Path) -> list[Path]:
    """The project's saved records (not last.json, which names the last of them)."""
    from wizard import memory

    folder = store().project_dir(project) / "detections"
    return sorted(p for p in folder.glob("*.json") if p.name != "last.json") or [
        folder / memory._name("x")
    ]


def checked_then_edited(project: Path, sim, **fields: object) -> None:
    """An online check in `project`, then its saved records hand-edited: `checked_at=...`
    sets that field, `fingerprint=...` the key's."""
    import json

    (project / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    flux("check", "--project", str(project), env={**ENV, "ANTHROPIC_BASE_URL": sim.base_url})
    for record in records_of(project):
        data = json.loads(record.read_text())
        for name, value in fields.items():
            if name == "fingerprint":
                data["key"]["fingerprint"] = value
            else:
                data[name] = value
        record.write_text(json.dumps(data))


def test_a_fifo_where_the_saved_record_goes_never_hangs_the_hook(tmp_path, sim):
    import os

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    flux("check", "--project", str(tmp_path), env={**ENV, "ANTHROPIC_BASE_URL": sim.base_url})
    for record in records_of(tmp_path):
        record.unlink()
        os.mkfifo(record)  # in the test's own state folder, never a system device
    result = flux("check", "--project", str(tmp_path), "--offline", "--no-input", env=ENV)
    assert result.returncode == 5  # no readable catalogue: said, not a hang
    assert "no catalogue is saved" in result.stdout + result.stderr


def test_a_saved_check_dated_in_the_future_is_of_unknown_age_and_stale(tmp_path, sim):
    import json

    checked_then_edited(tmp_path, sim, checked_at="2099-01-01T00:00:00+00:00")
    result = flux("check", "--project", str(tmp_path), "--offline", "--json", env=ENV)
    payload = json.loads(result.stdout)
    assert payload["catalog"]["age_days"] is None and payload["catalog"]["stale"] is True
    assert "-" not in str(payload["catalog"]["age_days"])


def test_a_redirect_to_another_origin_is_never_followed(tmp_path):
    from tests.hostile_server import base_url, hostile

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with hostile("ok") as elsewhere, hostile("redirect", key=base_url(elsewhere)) as server:
        env = {**ENV, "ANTHROPIC_BASE_URL": base_url(server)}
        result = flux("check", "--project", str(tmp_path), "--json", env=env)
        assert elsewhere.hostile.requests == 0  # the key never went there
    payload = __import__("json").loads(result.stdout)
    assert payload["exit_code"] == 5
    assert all(m["callable"] is not True for m in payload["models"])
    assert "does not follow" in result.stderr


def test_a_model_lookup_answered_with_a_message_is_not_an_alias(tmp_path):
    from tests.hostile_server import base_url, hostile

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-sonnet-4-5\n")  # not listed: looked up
    with hostile("model-is-message") as server:
        env = {**ENV, "ANTHROPIC_BASE_URL": base_url(server)}
        result = flux("check", "--project", str(tmp_path), "--json", env=env)
    payload = __import__("json").loads(result.stdout)
    assert payload["configured"]["resolved"] == "claude-sonnet-4-5"  # not "msg_1"
    assert "msg_1" not in result.stdout + result.stderr


def test_a_server_listing_only_opus_models_is_ranked_by_the_default_order_not_refused(tmp_path):
    from tests.hostile_server import GOOD_MODELS, base_url, hostile

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    only_opus = [m for m in GOOD_MODELS if m.get("line") == "opus"] or [
        {"id": "claude-opus-5-5", "line": "opus"}
    ]
    with hostile("ok", models=[dict(m) for m in only_opus]) as server:
        env = {**ENV, "ANTHROPIC_BASE_URL": base_url(server)}
        result = flux("check", "--project", str(tmp_path), env=env)
    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    assert "recommended: claude-opus-5-5" in said
    assert "[model].prefer" not in said and "line order" not in said


def test_a_tree_1100_folders_deep_is_searched_without_a_recursion_error(tmp_path):
    import os

    deep = tmp_path
    for _ in range(1100):  # one level at a time: os.makedirs recurses too
        deep = deep / "d"
        os.mkdir(deep)
    (deep / "flux.toml").write_text('config_version = 2\n[model]\nid = "claude-opus-5-5"\n')
    try:
        result = flux("check", "--all", str(tmp_path), "--offline", "--no-input", env=ENV)
    finally:
        # removed here, deepest first: pytest's own cleanup (shutil.rmtree) recurses too
        (deep / "flux.toml").unlink()
        while deep != tmp_path:
            deep.rmdir()
            deep = deep.parent
    said = result.stdout + result.stderr
    assert "RecursionError" not in said and "a bug" not in said
    assert "Found 1 Flux project" in said


# -- 4. a temporary file left by a kill cannot be committed with the key --------------------


def test_a_temp_file_a_kill_leaves_beside_the_key_is_ignored_by_git(tmp_path, sim):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    env = {"ANTHROPIC_BASE_URL": sim.base_url}
    args = ("run", "--project", str(tmp_path), "--yes", "--api-key-stdin", "--save-key")
    result = flux(*args, env=env, stdin=KEY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert KEY in (tmp_path / ".env").read_text()
    # what SIGKILL between the write and the rename leaves (test_hardening kills for real)
    left = tmp_path / "..env.flux-setup-4242.tmp"
    left.write_text(f"ANTHROPIC_API_KEY={KEY}\n")
    status = subprocess.run(
        ["git", "-C", str(tmp_path), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert left.name not in status and ".env" not in status.replace(".gitignore", "")
    exclude = (tmp_path / ".git" / "info" / "exclude").read_text()
    assert "*.flux-setup-*.tmp" in exclude


def test_a_fifo_gitignore_never_hangs_saving_the_key(tmp_path, sim):
    import os

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    os.mkfifo(tmp_path / ".gitignore")  # in the test's own folder
    env = {"ANTHROPIC_BASE_URL": sim.base_url}
    args = ("run", "--project", str(tmp_path), "--yes", "--api-key-stdin", "--save-key")
    result = flux(*args, env=env, stdin=KEY)
    assert result.returncode == 6  # refused with a message, not a hang
    assert ".gitignore" in result.stdout + result.stderr
    assert not (tmp_path / ".env").exists()


# -- 12. Ctrl-C after the work is done --------------------------------------------------------

LATE_CTRL_C = """
import os, signal, sys
from wizard import cli
emit = cli._emit_json
def interrupted_while_printing(report, env):
    os.kill(os.getpid(), signal.SIGINT)  # the result is known; the output is under way
    emit(report, env)
cli._emit_json = interrupted_while_printing
sys.argv = ["flux-setup", *sys.argv[1:]]
sys.exit(cli.main())
"""


@pytest.mark.parametrize("env_file,code", [("", 130), ("FLUX_MODEL=claude-opus-5-5\n", 0)])
def test_ctrl_c_after_the_work_is_done_ends_with_one_line_and_a_code(tmp_path, env_file, code):
    import os
    import sys

    from tests.helpers import clean_environ

    (tmp_path / ".env").write_text(env_file)
    done = subprocess.run(
        [sys.executable, "-c", LATE_CTRL_C, "status", "--project", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean_environ(), **ENV, "FLUX_SETUP_HOME": str(tmp_path / "state")},
        cwd=os.getcwd(),
    )
    assert done.returncode == code, done.stderr  # never a death by signal (-2)
    assert "Traceback" not in done.stderr
    assert done.stderr.count("Interrupted after the work was done") == 1


# -- 10. offline trust -------------------------------------------------------------------------


def test_a_state_home_writable_by_others_is_said_and_a_read_only_one_serves_offline(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    flux("check", "--project", str(tmp_path), env={**ENV, "ANTHROPIC_BASE_URL": sim.base_url})
    home = store().home
    home.chmod(0o777)
    result = flux("check", "--project", str(tmp_path), "--offline", env=ENV)
    assert "writable by others" in result.stdout + result.stderr
    home.chmod(0o700)
    # --offline only reads: it creates nothing in the state home (so a read-only one serves)
    other = tmp_path / "other"
    other.mkdir()
    (other / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    before = sorted(p.name for p in (home / "projects").iterdir())
    result = flux("check", "--project", str(other), "--offline", env=ENV)
    assert sorted(p.name for p in (home / "projects").iterdir()) == before
    assert result.returncode != 6, result.stdout + result.stderr  # it writes nothing


def test_an_unclosed_quote_around_the_key_is_said_not_dropped(tmp_path):
    (tmp_path / ".env").write_text(f'ANTHROPIC_API_KEY="{KEY}\nFLUX_MODEL=claude-opus-5-5\n')
    for args in (("check", "--offline", "--no-input"), ("status",), ("check",)):
        result = flux(*args, "--project", str(tmp_path))
        said = result.stdout + result.stderr
        assert result.returncode == 6, (args, said)  # the hook does not pass on it
        assert "line 1 sets ANTHROPIC_API_KEY" in said and "unclosed quote" in said
        assert_no_key(said)


# -- 9. escaping: fingerprints, the job summary, hand-edited records -------------------------


def test_a_hostile_keys_fingerprint_shows_no_raw_control_character():
    from wizard.keys import fingerprint

    shown = fingerprint("sk-ant-\x1b[2J\u202e" + "a" * 40 + "\x00bc")
    assert "\x1b" not in shown and "\u202e" not in shown and "\x00" not in shown
    assert "\\x1b" in shown


def test_the_job_summary_never_turns_a_name_into_a_link():
    report = {
        "exit_code": 12,
        "projects": [
            {
                "path": "www.evil.example",
                "exit_code": 12,
                "configured": {"model": "user@evil.example", "status": "unknown_model"},
                "recommended": "https://evil.example",
            }
        ],
    }
    text = ci.summary(report)
    assert "www.evil" not in text and "user@evil" not in text and "https://evil" not in text
    assert "evil.example" in text  # still there to read


def test_a_hand_edited_records_date_and_fingerprint_are_never_printed_raw(tmp_path, sim):
    checked_then_edited(
        tmp_path, sim, checked_at="\x1b]8;;https://evil.example\x07click", fingerprint="\x1b[31mred"
    )
    result = flux("status", "--project", str(tmp_path), env=ENV)
    said = result.stdout + result.stderr
    assert "\x1b" not in said


# -- 6. after a kill between two renames ---------------------------------------------------


def test_a_run_after_a_kill_between_two_renames_puts_the_files_back_first_and_says_so(
    tmp_path, sim
):
    import os
    import signal
    import sys

    from tests.helpers import CRASH_SCRIPT
    from wizard import history
    from wizard.commands.demo import make_project

    make_project(tmp_path)
    old = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    env = dict(os.environ, FLUX_SETUP_HOME=str(store().home))
    killed = subprocess.run(
        [sys.executable, "-c", CRASH_SCRIPT, str(tmp_path), "after-write:0"], env=env, timeout=60
    )
    assert killed.returncode == -signal.SIGKILL
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} != old  # half written
    assert history.interrupted(store(), tmp_path)
    preview = flux("undo", "--project", str(tmp_path), "--dry-run")
    assert "was interrupted while it was written" in preview.stdout + preview.stderr
    result = flux(
        "run",
        "--project",
        str(tmp_path),
        "--yes",
        "--no-save-key",
        env={"ANTHROPIC_BASE_URL": sim.base_url, "ANTHROPIC_API_KEY": KEY},
    )
    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    assert "was interrupted while it was written" in said
    assert not history.interrupted(store(), tmp_path)
    # one undo takes this run back to the files as they were before the killed change
    flux("undo", "--project", str(tmp_path), "--yes")
    now = {
        p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name != "flux-upgrade-checklist.md"
    }
    assert now == {k: v for k, v in old.items() if k != "flux-upgrade-checklist.md"}


BATCH_KILL = """
import os, signal, sys
from pathlib import Path
from datetime import datetime, timezone
from wizard import changes, project
from wizard.fleet import fix as fixing
from wizard.fleet.scan import Member
from wizard.state import Store
folder = Path(sys.argv[1])
proposal = project.plan_setup(project.load(folder), model="claude-opus-5-5", fallback="claude-sonnet-5-5")
apply = changes.apply
def killed_after_the_last_rename(plan, store, **options):
    def fault(at):
        if at == f"after-write:{len(plan.changes) - 1}":
            os.kill(os.getpid(), signal.SIGKILL)
    return apply(plan, store, fault=fault, **options)
changes.apply = killed_after_the_last_rename
fixing.apply([fixing.Fix(Member(folder), "claude-opus-5-5", proposal.plan)], Store.from_environ(os.environ), datetime.now(timezone.utc))
"""


def test_a_kill_after_a_projects_last_rename_leaves_it_on_the_batch_record(tmp_path):
    import os
    import signal
    import sys

    from wizard.commands.demo import make_project

    make_project(tmp_path)
    old = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    env = dict(os.environ, FLUX_SETUP_HOME=str(store().home))
    killed = subprocess.run([sys.executable, "-c", BATCH_KILL, str(tmp_path)], env=env, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} != old  # changed in full
    result = flux("undo", "--batch", "--yes", env=ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == old  # undo --batch found it


def test_judging_many_projects_sharing_a_key_is_linear_in_the_projects(tmp_path, sim, monkeypatch):
    from wizard.fleet import scan

    for n in range(40):
        (tmp_path / f"p{n}").mkdir()
        (tmp_path / f"p{n}" / "flux.toml").write_text(
            'config_version = 2\n[model]\nid = "claude-opus-5-5"\n'
        )
    asked: list[int] = []
    models = scan.Group.models

    def counted(self):  # type: ignore[no-untyped-def]
        asked.append(1)
        return models.fget(self)

    monkeypatch.setattr(scan.Group, "models", property(counted))
    env = {**ENV, "ANTHROPIC_BASE_URL": sim.base_url}
    result = flux("check", "--all", str(tmp_path), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    # once per detection, not once per project (5,000 projects made it 50 million calls)
    assert len(asked) <= 4, len(asked)


def test_a_saved_record_that_names_another_key_is_not_this_keys(tmp_path, sim):
    checked_then_edited(tmp_path, sim, fingerprint="sk-ant-api03...Othr")  # another key's
    result = flux("check", "--project", str(tmp_path), "--offline", env=ENV)
    assert result.returncode == 5  # no catalogue of this key: not judged by another's
    assert "no catalogue is saved" in result.stdout + result.stderr
