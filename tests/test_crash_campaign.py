"""A few targeted runs of the crash and interrupt campaign (`scripts/crash_campaign.py`, which
runs 25 of each signal at random and targeted moments): `flux-setup run --yes` against the
simulator, signalled at a step; every project file old or new after it, undo leaves every file
as it was, and SIGINT or SIGTERM never end the process by signal. Each run is one subprocess
(the SDK import included: about 2 s of CPU)."""

from __future__ import annotations

import pytest

from scripts import crash_campaign as campaign

RUNS = [
    ("KILL", "mid-write:.env"),
    ("KILL", "backup:1"),
    ("TERM", "mid-write:flux-upgrade-checklist.md"),
    ("TERM", "verify"),
    ("INT", "after-write:0"),
    ("INT", "exit"),
]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    from tests.helpers import run_main
    from wizard.simulator import serve

    with serve("today") as running:
        scratch = tmp_path_factory.mktemp("crash")
        # the files an uninterrupted run writes: in this process (the campaign's own reference
        # run is a process, for the run's duration its random moments need; none is used here)
        folder, home = scratch / "reference", scratch / "reference-home"
        campaign.project(folder)
        args = campaign.run_args(folder, running.base_url)
        done = run_main(args, env=campaign.environment(home), cwd=folder)
        assert done.returncode == 0, done.stderr
        yield running.base_url, scratch, campaign.contents(folder)


@pytest.mark.parametrize("name,moment", RUNS, ids=[f"{n}-{m}" for n, m in RUNS])
def test_a_signal_at_a_step_of_run_leaves_files_old_or_new_and_undo_restores_them(
    reference, name, moment
):
    base_url, scratch, new = reference
    outcome = campaign.one(name, moment, None, base_url, scratch, RUNS.index((name, moment)), new)
    assert outcome.broken == [], outcome
    if name == "KILL":
        assert outcome.exit_code == -9
    else:
        assert outcome.exit_code in (0, 130)  # never by signal
    if moment in ("after-write:0", "exit"):
        assert outcome.files == "new" and outcome.undo == "undone"
