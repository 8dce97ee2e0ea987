"""The crash and interrupt campaign: SIGKILL, SIGTERM and SIGINT sent to `flux-setup run --yes`
against the simulator, at random moments and at targeted ones (during the network steps, the
backup, the write of .env, of the config and of the checklist, and after the last line).

After each run: every project file is byte for byte its old or its new content, `flux-setup
undo --yes` leaves every file as it was before the run (restoring it when a change set was
recorded), and SIGINT or SIGTERM never end the process by signal (130, or 0 when the work was
done). Prints one table row per run and a summary; exits 1 when any run broke a rule.

    python scripts/crash_campaign.py              # 25 runs of each signal
    python scripts/crash_campaign.py --runs 5 --seed 7

A targeted moment is reached by the process itself (a wrapper around `wizard.cli.main`
patches the step and sends the signal to its own process there): the same as a signal that
arrives at that moment from outside. A random moment is a signal from outside after a random
delay within a normal run's duration. `tests/test_crash_campaign.py` runs a few targeted ones.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk-ant-api03-" + "CampaignKey4" * 7 + "TsRq"
FILES = (".env", "flux.toml", "flux-upgrade-checklist.md")
# The old project: a deprecated model, a comment and a blank line that must survive.
OLD = {
    ".env": b"# keep me\nFLUX_MODEL=claude-sonnet-4-5-20250929\n\nOTHER=1\n",
    "flux.toml": b'# Flux\nconfig_version = 2\n\n[model]\nid = "claude-sonnet-4-5-20250929"\n',
}
MOMENTS = (
    "listing",  # the model list is being read
    "verify",  # a verification call is in flight
    "backup:0",  # the first backup is being written
    "backup:1",
    "mid-write:.env",  # half of .env's new bytes are in its temporary file
    "mid-write:flux.toml",
    "mid-write:flux-upgrade-checklist.md",
    "after-write:0",  # between two renames
    "done",  # the change set is applied, the output not yet said
    "exit",  # after the last line, while the process exits
)
SIGNALS = {"KILL": signal.SIGKILL, "TERM": signal.SIGTERM, "INT": signal.SIGINT}

# Runs `flux-setup` with the moment patched in; argv: the command line.
WRAPPER = r"""
import atexit, os, signal, sys
moment, number = os.environ.pop("CAMPAIGN_MOMENT"), int(os.environ.pop("CAMPAIGN_SIGNAL"))
def strike(at):
    if at == moment:
        os.kill(os.getpid(), number)  # a handler runs at the main thread's next instruction
from wizard import api, changes
if moment == "exit":
    atexit.register(lambda: strike("exit"))
apply = changes.apply
def faulted(plan, store, **options):
    return apply(plan, store, **{**options, "fault": strike})
changes.apply = faulted
write_atomic = changes.write_atomic
def half_then_strike(target, data, mode, **options):
    if moment == "mid-write:" + target.name:
        temp = target.with_name(f".{target.name}.flux-setup-{os.getpid()}.tmp")
        temp.write_bytes(data[: len(data) // 2])
        strike(moment)
    write_atomic(target, data, mode, **options)
changes.write_atomic = half_then_strike
for name, at in (("list_models", "listing"), ("verify", "verify")):
    def wrapped(self, *args, _original=getattr(api.ApiClient, name), _at=at):
        strike(_at)
        return _original(self, *args)
    setattr(api.ApiClient, name, wrapped)
sys.argv = ["flux-setup", *sys.argv[1:]]
from wizard.__main__ import console
sys.exit(console())
"""


@dataclass
class Outcome:
    signal: str
    moment: str
    exit_code: int
    files: str  # "old", "new", or which file is torn
    undo: str  # what undo did, and whether every file is old again
    broken: list[str]


def project(folder: Path) -> None:
    folder.mkdir(parents=True)
    for name, data in OLD.items():
        (folder / name).write_bytes(data)


def environment(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ANTHROPIC_", "FLUX_")) and k != "PYTHONPATH"
    }
    env.update(
        ANTHROPIC_API_KEY=KEY,
        FLUX_SETUP_HOME=str(home),
        FLUX_SETUP_KEYRING="0",
        PYTHONPATH=str(ROOT),
    )
    return env


def run_args(folder: Path, base_url: str) -> list[str]:
    return ["run", "--yes", "--project", str(folder), "--base-url", base_url, "--timeout", "5"]


def start(
    folder: Path, home: Path, base_url: str, number: int, moment: str
) -> subprocess.Popen[bytes]:
    """The program itself for a random moment (its start included); the wrapper for a step."""
    env = {**environment(home), "CAMPAIGN_MOMENT": moment, "CAMPAIGN_SIGNAL": str(int(number))}
    program = ["-m", "wizard"] if moment == "none" else ["-c", WRAPPER]
    return subprocess.Popen(
        [sys.executable, *program, *run_args(folder, base_url)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def normalised(data: bytes) -> bytes:
    """A checklist without what differs from run to run: the minute it was made, and the
    simulator's request IDs."""
    data = re.sub(rb"\d{4}-\d\d-\d\d \d\d:\d\d UTC", b"<made>", data)
    return re.sub(rb"req_sim[0-9a-f]+", b"req_sim", data)


def contents(folder: Path) -> dict[str, bytes | None]:
    return {n: (folder / n).read_bytes() if (folder / n).exists() else None for n in FILES}


def undo(folder: Path, home: Path) -> int:
    """`flux-setup undo --yes` in this process, with an environment of its own."""
    from wizard import cli
    from wizard.environment import Environment

    env = Environment(
        stdin=io.StringIO(""),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        environ=environment(home),
        cwd=folder,
    )
    return cli.main(["undo", "--yes", "--project", str(folder)], env)


def pre_start(code: int, err: bytes) -> bool:
    """The signal came before the interpreter ran the program's first line: ended by the
    signal without a word, or Python's own KeyboardInterrupt traceback in the frames that load
    `wizard/__main__.py` (runpy, importlib), none of the program's."""
    if code < 0:
        return not err
    frames = re.findall(rb'File "([^"]+)"', err)
    return (
        code == 1 and b"KeyboardInterrupt" in err and all(f.startswith(b"<frozen") for f in frames)
    )


def judge(
    name: str,
    moment: str,
    code: int,
    folder: Path,
    home: Path,
    new: dict[str, bytes | None],
    err: bytes = b"",
) -> Outcome:
    broken: list[str] = []
    now = contents(folder)
    old: dict[str, bytes | None] = {n: OLD.get(n) for n in FILES}
    states = []
    for n in FILES:
        if now[n] == old[n]:
            states.append("old")
        elif now[n] is not None and normalised(now[n] or b"") == normalised(new[n] or b""):
            states.append("new")
        else:
            states.append("torn")
            broken.append(f"{n} is neither its old nor its new content")
    files = (
        "old" if set(states) == {"old"} else "new" if set(states) == {"new"} else "/".join(states)
    )
    undone = undo(folder, home)
    temps = sorted(p.name for p in folder.iterdir() if p.name not in FILES)
    after = contents(folder)
    if after != old or temps:
        broken.append(f"after undo (exit {undone}) the files are not the old ones {temps or ''}")
    early = name != "KILL" and files == "old" and pre_start(code, err)
    if name != "KILL" and code not in (0, 130) and not early:
        broken.append(f"exit {code}, not 130 or 0" + (" (ended by the signal)" if code < 0 else ""))
    said = {0: "undone", 6: "nothing"}.get(undone, f"exit {undone}")
    if early:
        files = "old, pre-start"
    return Outcome(name, moment, code, files, said, broken)


def reference(base_url: str, scratch: Path) -> tuple[dict[str, bytes | None], float]:
    """A run that nothing interrupts: the new contents, and how long a run takes."""
    folder, home = scratch / "reference", scratch / "reference-home"
    project(folder)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "wizard", *run_args(folder, base_url)],
        env=environment(home),
        capture_output=True,
    )
    took = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"the reference run failed (exit {done.returncode}): {done.stderr.decode()}")
    return contents(folder), took


def one(
    name: str,
    moment: str,
    delay: float | None,
    base_url: str,
    scratch: Path,
    n: int,
    new: dict[str, bytes | None],
) -> Outcome:
    folder, home = scratch / f"{name}-{n}", scratch / f"{name}-{n}-home"
    project(folder)
    number = SIGNALS[name]
    process = start(folder, home, base_url, number, moment if delay is None else "none")
    if delay is not None:
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(number)
    try:
        _, err = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return Outcome(name, moment, -999, "?", "?", ["still running after 120 s"])
    outcome = judge(name, moment, process.returncode, folder, home, new, err)
    if b"Traceback" in err and name != "KILL" and not outcome.files.endswith("pre-start"):
        outcome.broken.append("a traceback on stderr")
    if outcome.broken:  # what it said last, to tell why
        last = err.decode(errors="replace").strip().splitlines()[-3:]
        outcome.broken.append("stderr: " + " | ".join(last))
    return outcome


def plan(runs: int, took: float, rng: random.Random) -> Iterator[tuple[str, str, float | None]]:
    """Per signal: the targeted moments in turn, and about half the runs at random moments."""
    for name in SIGNALS:
        for n in range(runs):
            if n % 2 == 0:
                delay = rng.uniform(0.0, took * 1.1)
                yield name, f"random {delay:.2f} s", delay
            else:
                yield name, MOMENTS[(n // 2) % len(MOMENTS)], None


def campaign(runs: int, seed: int) -> list[Outcome]:
    from wizard.simulator import serve

    rng = random.Random(seed)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="flux-crash-") as tmp, serve("today") as running:
        scratch = Path(tmp)
        new, took = reference(running.base_url, scratch)
        print(f"a run without a signal takes {took:.2f} s; {runs} runs of each signal")
        print(f"{'signal':6}  {'moment':36}  {'exit':>5}  {'files':16}  {'undo':7}  verdict")
        for n, (name, moment, delay) in enumerate(plan(runs, took, rng)):
            outcome = one(name, moment, delay, running.base_url, scratch, n, new)
            verdict = "ok" if not outcome.broken else "BROKEN: " + "; ".join(outcome.broken)
            print(
                f"{name:6}  {moment:36}  {outcome.exit_code:>5}  {outcome.files:16}  "
                f"{outcome.undo:7}  {verdict}",
                flush=True,
            )
            outcomes.append(outcome)
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25, help="runs of each signal (default 25)")
    parser.add_argument("--seed", type=int, default=37, help="the random moments' seed")
    options = parser.parse_args()
    outcomes = campaign(options.runs, options.seed)
    print()
    for name in SIGNALS:
        mine = [o for o in outcomes if o.signal == name]
        codes = sorted({o.exit_code for o in mine})
        good = sum(1 for o in mine if not o.broken)
        early = sum(1 for o in mine if o.files.endswith("pre-start"))
        before = f" ({early} signalled before the program's first line)" if early else ""
        print(f"SIG{name}: {good} of {len(mine)} runs kept every rule{before}; exit codes {codes}")
    return 0 if all(not o.broken for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
