"""What a scan leaves in the state home and on stderr: one catalogue per content however many
projects share it, no label or pointer file per project, and under --json no line per project
(their `reason` in the JSON says it)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import KEY, flux, json_of, store
from wizard import memory

OTHER_KEY = "sk-ant-api03-" + "ScanStateK" * 9 + "WxYz"


def fleet(root: Path, projects: int) -> None:
    """`projects` projects of two keys, each on a retired model (each has a note to say)."""
    for n in range(projects):
        folder = root / f"svc{n:02d}"
        folder.mkdir(parents=True)
        (folder / "flux.toml").write_text(
            'config_version = 2\n\n[model]\nid = "claude-3-haiku-20240307"\n'
        )
        key = KEY if n % 2 else OTHER_KEY
        (folder / ".env").write_text(f"ANTHROPIC_API_KEY={key}\n")


def home_files() -> dict[str, float]:
    home = store().home
    return {str(p.relative_to(home)): p.stat().st_mtime_ns for p in home.rglob("*") if p.is_file()}


def test_under_json_no_line_is_drawn_per_project(tmp_path, sim):
    fleet(tmp_path, 6)
    env = {"ANTHROPIC_BASE_URL": sim.base_url}
    quiet = flux("check", "--all", str(tmp_path), "--json", env=env)
    reasons = [p["reason"] for p in json_of(quiet)["projects"]]
    assert all("was retired" in reason for reason in reasons)  # the JSON says it for each
    assert not any(line.startswith("• svc") for line in quiet.stderr.splitlines()), quiet.stderr
    assert "6 projects: 6 cannot use their model" in quiet.stderr  # the verdict line stays
    # the plaintext warning names a few of them, not every one
    assert "Keys kept in .env (plaintext): svc00, svc01, svc02, svc03, svc04 and 1 more." in (
        quiet.stderr
    )
    # positive control: without --json each project's note is said, naming it
    shown = flux("check", "--all", str(tmp_path), env=env)
    assert any(
        line.startswith("• svc00") and "was retired" in line for line in shown.stdout.splitlines()
    )
    assert shown.returncode == quiet.returncode == 12


def test_a_repeat_scan_writes_no_catalogue_and_no_file_per_project_beside_its_record(tmp_path, sim):
    fleet(tmp_path, 8)
    env = {"ANTHROPIC_BASE_URL": sim.base_url}
    first = flux("check", "--all", str(tmp_path), "--json", env=env)
    assert first.returncode == 12, first.stderr
    after_first = home_files()
    catalogs = sorted(name for name in after_first if name.startswith(memory.CATALOGS))
    # two keys that see the same models with the same proofs: one file, not one per project
    assert len(catalogs) == 1
    per_project = [name for name in after_first if name.startswith("projects/")]
    assert len(per_project) == 8, per_project  # each project's record only
    assert not any(name.endswith(("project.txt", "last.json")) for name in per_project)
    record = store().read_json(store().home / per_project[0])
    assert isinstance(record, dict) and Path(record["project"]).name.startswith("svc")

    again = flux("check", "--all", str(tmp_path), "--json", env=env)
    verdicts = [(p["exit_code"], p["reason"]) for p in json_of(first)["projects"]]
    assert [(p["exit_code"], p["reason"]) for p in json_of(again)["projects"]] == verdicts
    after_repeat = home_files()
    assert sorted(after_repeat) == sorted(after_first)
    assert {name: after_repeat[name] for name in catalogs} == {
        name: after_first[name] for name in catalogs
    }, "a repeat scan rewrote a catalogue"
    # and each project is still judged offline by what the scan saved
    offline = flux("check", "--offline", "--project", str(tmp_path / "svc01"), "--json")
    assert offline.returncode == 12, offline.stderr


def test_a_second_key_in_a_project_adds_the_pointer_to_the_newest_record(tmp_path, sim):
    (tmp_path / "flux.toml").write_text('config_version = 2\n\n[model]\nid = "claude-opus-5-5"\n')
    base = {"ANTHROPIC_BASE_URL": sim.base_url}
    for key in (KEY, OTHER_KEY):
        done = flux("check", "--project", str(tmp_path), env={**base, "ANTHROPIC_API_KEY": key})
        assert done.returncode == 0, done.stderr
        record = memory.load(store(), tmp_path)  # the last record, whichever key it was
        assert record is not None and record.key_fingerprint == done_fingerprint(key)
    folder = store().project_dir(tmp_path) / "detections"
    assert (folder / "last.json").is_file()
    assert len(list(folder.glob("*.json"))) == 3  # two records and the pointer
    # the first key again: the pointer follows it
    flux("check", "--project", str(tmp_path), env={**base, "ANTHROPIC_API_KEY": KEY})
    record = memory.load(store(), tmp_path)
    assert record is not None and record.key_fingerprint == done_fingerprint(KEY)


def done_fingerprint(key: str) -> str:
    from wizard.keys import ApiKey
    from wizard.vocab import KeySource

    return ApiKey(key, KeySource.ENV).fingerprint
