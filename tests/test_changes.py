"""Change sets: masked diffs; locked, backed-up, atomic, all-or-nothing apply; undo."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap

import pytest

from tests.helpers import KEY, store
from wizard import history
from wizard.changes import FileChange, Plan, apply
from wizard.environment import utc_now
from wizard.errors import FilesError
from wizard.history import undo
from wizard.keys import mask_secrets


def make_plan(tmp_path):
    env = tmp_path / ".env"
    cfg = tmp_path / "flux.toml"
    env.write_bytes(b"# mine\nFLUX_MODEL=old\n")
    cfg.write_bytes(b'config_version = 2\n[model]\nid = "old"\n')
    plan = Plan(tmp_path)
    plan.add(FileChange(env, env.read_bytes(), b"# mine\nFLUX_MODEL=new\n", new_mode=0o600))
    plan.add(FileChange(cfg, cfg.read_bytes(), b'config_version = 2\n[model]\nid = "new"\n'))
    plan.add(FileChange(tmp_path / "new.txt", None, b"created\n"))
    return plan


def snapshot(tmp_path):
    return {p.name: p.read_bytes() for p in sorted(tmp_path.iterdir()) if p.is_file()}


def test_diff_masks_keys_and_shows_every_file(tmp_path):
    plan = Plan(tmp_path)
    plan.add(FileChange(tmp_path / ".env", b"A=1\n", f"A=1\nANTHROPIC_API_KEY={KEY}\n".encode()))
    plan.add(
        FileChange(tmp_path / "flux.toml", f'api_key = "{KEY}"\n'.encode(), b"config_version = 2\n")
    )
    diff = plan.diff()
    assert KEY not in diff
    assert "+ANTHROPIC_API_KEY=" + KEY[:12] + "..." + KEY[-4:] in diff
    assert '-api_key = "' + KEY[:12] + "..." in diff
    assert "--- a/.env" in diff and "+++ b/flux.toml" in diff


def test_mask_secrets_catches_keys_anywhere_and_keeps_everything_else():
    shown = KEY[:12] + "..." + KEY[-4:]
    text = f"token: {KEY}\nsomething {KEY} else\nexport MY_SECRET='{KEY}'\nPLAIN=1"
    assert mask_secrets(text) == (
        f"token: {shown}\nsomething {shown} else\nexport MY_SECRET='{shown}'\nPLAIN=1"
    )


def test_apply_writes_everything_and_backs_up_privately(tmp_path):
    plan = make_plan(tmp_path)
    applied = apply(plan, store(), at=utc_now())
    assert snapshot(tmp_path) == {
        ".env": b"# mine\nFLUX_MODEL=new\n",
        "flux.toml": b'config_version = 2\n[model]\nid = "new"\n',
        "new.txt": b"created\n",
    }
    assert stat.S_IMODE(applied.backup_dir.stat().st_mode) == 0o700
    for backup in applied.backup_dir.iterdir():
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert not str(applied.backup_dir).startswith(str(tmp_path))


def test_apply_keeps_mode_and_a_new_env_is_0600(tmp_path):
    (tmp_path / "flux.toml").write_bytes(b"a = 1\n")
    os.chmod(tmp_path / "flux.toml", 0o640)
    plan = Plan(tmp_path)
    plan.add(FileChange(tmp_path / "flux.toml", b"a = 1\n", b"a = 2\n"))
    plan.add(FileChange(tmp_path / ".env", None, b"X=1\n", new_mode=0o600))
    apply(plan, store(), at=utc_now())
    assert stat.S_IMODE((tmp_path / "flux.toml").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600


def test_a_symlinked_file_is_edited_through_the_link(tmp_path):
    real = tmp_path / "shared.env"
    real.write_bytes(b"A=1\n")
    (tmp_path / ".env").symlink_to(real)
    plan = Plan(tmp_path)
    plan.add(FileChange(tmp_path / ".env", b"A=1\n", b"A=2\n"))
    apply(plan, store(), at=utc_now())
    assert (tmp_path / ".env").is_symlink()
    assert real.read_bytes() == b"A=2\n"
    undo(store(), tmp_path)
    assert (tmp_path / ".env").is_symlink() and real.read_bytes() == b"A=1\n"


@pytest.mark.parametrize(
    "step",
    [
        "backup:0",
        "backup:2",
        "before-write:0",
        "after-write:0",
        "before-write:1",
        "after-write:1",
        "before-write:2",
        "after-write:2",
    ],
)
def test_a_failure_at_any_step_leaves_every_file_as_it_was(tmp_path, step):
    plan = make_plan(tmp_path)
    original = snapshot(tmp_path)

    def fault(at: str) -> None:
        if at == step:
            raise OSError(f"injected at {at}")

    with pytest.raises(OSError):
        apply(plan, store(), at=utc_now(), fault=fault)
    assert snapshot(tmp_path) == original
    assert history.find_changeset(store(), tmp_path) is None  # nothing to undo: nothing happened


def test_undo_restores_byte_for_byte_and_removes_created_files(tmp_path):
    plan = make_plan(tmp_path)
    original = snapshot(tmp_path)
    apply(plan, store(), at=utc_now())
    undone = undo(store(), tmp_path)
    assert snapshot(tmp_path) == original
    assert len(undone.restored) == 3
    with pytest.raises(FilesError, match="no applied change"):
        undo(store(), tmp_path)


def test_undo_refuses_when_a_file_changed_since_unless_forced(tmp_path):
    plan = make_plan(tmp_path)
    original = snapshot(tmp_path)
    apply(plan, store(), at=utc_now())
    (tmp_path / "flux.toml").write_bytes(b"# edited by hand\n")
    with pytest.raises(FilesError, match="changed after"):
        undo(store(), tmp_path)
    undo(store(), tmp_path, force=True)
    assert snapshot(tmp_path) == original


def test_apply_refuses_when_a_file_changed_since_the_preview(tmp_path):
    plan = make_plan(tmp_path)
    (tmp_path / ".env").write_bytes(b"FLUX_MODEL=someone-else\n")
    with pytest.raises(FilesError, match="changed since the preview"):
        apply(plan, store(), at=utc_now())
    assert (tmp_path / ".env").read_bytes() == b"FLUX_MODEL=someone-else\n"
    assert not (tmp_path / "new.txt").exists()


def test_two_concurrent_applies_one_wins_the_other_gets_a_clear_error(tmp_path):
    """A second process holds the project lock while we apply: no lost update, a clear error."""
    plan = make_plan(tmp_path)
    lock_path = store().project_dir(tmp_path) / "apply.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            from filelock import FileLock
            with FileLock({str(lock_path)!r}):
                print("locked", flush=True)
                sys.stdin.readline()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        before = snapshot(tmp_path)
        with pytest.raises(FilesError, match="another flux-setup"):
            apply(plan, store(), at=utc_now())
        assert snapshot(tmp_path) == before
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=10)
    apply(plan, store(), at=utc_now())  # the lock is free again
    # the stale plan of a second writer now fails on the content check, not silently
    with pytest.raises(FilesError, match="changed since the preview"):
        apply(make_plan_like(tmp_path), store(), at=utc_now())


def make_plan_like(tmp_path):
    plan = Plan(tmp_path)
    plan.add(
        FileChange(tmp_path / ".env", b"# mine\nFLUX_MODEL=old\n", b"# mine\nFLUX_MODEL=other\n")
    )
    return plan


def test_an_unwritable_folder_gives_a_clear_error_and_changes_nothing(tmp_path):
    # /proc refuses new files even to root: a real unwritable place.
    plan = Plan(tmp_path)
    target = "/proc/flux-setup-test.env"
    plan.add(FileChange(tmp_path / "a.txt", None, b"x\n"))
    plan.add(FileChange(__import__("pathlib").Path(target), None, b"X=1\n"))
    with pytest.raises(FilesError) as info:
        apply(plan, store(), at=utc_now())
    assert "cannot write" in info.value.message
    assert not (tmp_path / "a.txt").exists()  # the first write was put back


def test_a_diff_of_an_absolute_path_never_doubles_the_slash(tmp_path):
    from wizard.changes import FileChange

    path = tmp_path / "flux.toml"
    text = FileChange(path, b"a = 1\n", b"a = 2\n").diff()
    assert f"--- a{path}\n" in text and f"+++ b{path}\n" in text
    assert "a//" not in text and "b//" not in text


def test_names_made_in_one_second_by_one_process_sort_in_the_order_they_were_made():
    """undo takes the newest change set by name: a suffix from the clock sorted them at random."""
    from wizard.environment import utc_now
    from wizard.state import stamped_id

    at = utc_now()
    names = [stamped_id(at) for _ in range(5000)]  # several milliseconds: the old suffix wrapped
    assert sorted(names) == names and len(set(names)) == 5000


def test_the_line_after_a_write_says_a_backup_only_for_files_that_had_one(tmp_path):
    plan = make_plan(tmp_path)  # two files changed, one created
    applied = apply(plan, store(), at=utc_now())
    assert plan.written() == "Wrote .env, flux.toml (backups kept) and created new.txt"
    assert len(list(applied.backup_dir.glob("*.orig"))) == 2  # as said: none for new.txt
    only_new = Plan(tmp_path, [FileChange(tmp_path / "other.toml", None, b"x = 1\n")])
    assert only_new.written() == "Created other.toml"
