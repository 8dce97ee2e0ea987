"""A change set owns everything a run writes: the checklist only inside a confirmed change set,
nothing at all from a run with nothing to change, so `undo` after any sequence of runs restores
the last real change without --force."""

from __future__ import annotations

from tests.helpers import KEY, ScriptedPrompter, flux, make_context
from wizard.commands.run import run
from wizard.simulator import serve
from wizard.vocab import ExitCode

ENV = {"ANTHROPIC_API_KEY": KEY}
ORIGINAL = "FLUX_MODEL=claude-3-haiku-20240307\n"
CHECKLIST = "flux-upgrade-checklist.md"


def _run_yes(folder, base_url):
    return flux("run", "--yes", "--project", str(folder), "--base-url", base_url, env=ENV)


def _undo(folder):
    return flux("undo", "--yes", "--project", str(folder), env=ENV)


def test_run_run_undo_restores_the_first_change(tmp_path, sim):
    (tmp_path / ".env").write_text(ORIGINAL)
    assert _run_yes(tmp_path, sim.base_url).returncode == 0
    after_first = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    second = _run_yes(tmp_path, sim.base_url)
    assert second.returncode == 0
    assert "Nothing was written" in second.stdout
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == after_first
    undone = _undo(tmp_path)
    assert undone.returncode == 0, undone.stderr
    assert (tmp_path / ".env").read_text() == ORIGINAL
    assert not (tmp_path / CHECKLIST).exists()


def test_an_interactive_run_with_nothing_to_change_leaves_undo_intact(tmp_path, sim):
    (tmp_path / ".env").write_text(ORIGINAL)
    assert _run_yes(tmp_path, sim.base_url).returncode == 0
    # keep the key, take the model and the fallback offered: nothing to change, nothing asked
    prompter = ScriptedPrompter(["", "default", "default"])
    ctx, out = make_context(tmp_path, prompter=prompter, environ=ENV, base_url=sim.base_url)
    assert run(ctx).exit_code == ExitCode.OK
    assert not [kind for kind, *_ in prompter.asked if kind == "confirm"]
    assert "Nothing was written" in out.getvalue()
    undone = _undo(tmp_path)
    assert undone.returncode == 0, undone.stderr
    assert (tmp_path / ".env").read_text() == ORIGINAL


def test_an_account_stop_writes_its_checklist_as_a_change_set_undo_removes(tmp_path):
    (tmp_path / ".env").write_text(ORIGINAL)
    with serve("zero-balance") as running:
        stopped = _run_yes(tmp_path, running.base_url)
    assert stopped.returncode == ExitCode.ACCOUNT
    assert f"would go to {tmp_path / CHECKLIST}" in stopped.stdout
    assert (tmp_path / CHECKLIST).exists()
    undone = _undo(tmp_path)
    assert undone.returncode == 0, undone.stderr
    assert not (tmp_path / CHECKLIST).exists()
    assert (tmp_path / ".env").read_text() == ORIGINAL


def test_an_account_stop_asks_before_it_writes_the_checklist(tmp_path):
    (tmp_path / ".env").write_text(ORIGINAL)
    prompter = ScriptedPrompter(["", False])  # keep the key; "no" to the checklist
    with serve("zero-balance") as running:
        ctx, out = make_context(tmp_path, prompter=prompter, environ=ENV, base_url=running.base_url)
        assert run(ctx).exit_code == ExitCode.ACCOUNT
    assert ("confirm", "Write the checklist?", True) in prompter.asked
    assert "The checklist was not written." in out.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env"]


def test_an_account_stop_after_a_change_is_undone_step_by_step(tmp_path, sim):
    (tmp_path / ".env").write_text(ORIGINAL)
    assert _run_yes(tmp_path, sim.base_url).returncode == 0
    with serve("zero-balance") as running:
        assert _run_yes(tmp_path, running.base_url).returncode == ExitCode.ACCOUNT
    assert _undo(tmp_path).returncode == 0  # the account stop's checklist
    assert _undo(tmp_path).returncode == 0  # the first run's change
    assert (tmp_path / ".env").read_text() == ORIGINAL
