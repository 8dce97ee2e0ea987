"""A huge catalogue: `check` and `run --yes` on 10,000 and on 100,000 listed models, side by
side in one run. Goal: linear (the ratio near 10x for 10x the models) and about a second or
two for 100,000 on top of the time the server takes to send them.

Then the same 100,000 models behind 300 ms of latency per request, as a user runs `check` (a
subprocess): with the default time budget the list cannot all arrive, and the last line must
say so ("still arriving", never "could not be reached"); with `--timeout 60` it passes, in a
time and a peak memory printed.

    python benchmarks/catalog.py [--skip-latency]
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wizard import cli
from wizard.constants import without_api_vars
from wizard.simulator import Faults, load, serve
from wizard.simulator.scenarios import Scenario

KEY = "sk-ant-api03-" + "benchmark-key-not-a-secret-" * 3 + "0" * 20


def scenario(extra: int) -> Scenario:
    base = load("today")
    # each filler a whole model record (the SDK requires every field), only its ID and line new
    template = {**base.models[0], "created_at": "2025-01-01T00:00:00Z"}
    filler = [
        {
            **template,
            "id": f"claude-filler-{i}",
            "display_name": f"Filler {i}",
            "line": f"filler{i % 50}",
        }
        for i in range(extra)
    ]
    return Scenario("huge", "a catalogue of many lines", base.models + filler, base.access)


def once(base_url: str, args: list[str]) -> float:
    folder = Path(tempfile.mkdtemp(prefix="flux-bench-"))
    (folder / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    env = {**without_api_vars(os.environ), "ANTHROPIC_API_KEY": KEY}
    env["FLUX_SETUP_HOME"] = tempfile.mkdtemp(prefix="flux-bench-state-")
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = cli.main([*args, "--project", str(folder), "--base-url", base_url])
        elapsed = time.perf_counter() - started
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if code not in (0, 10):
        sys.exit(f"{args} exited {code}")
    return elapsed


def as_a_user(base_url: str, extra: list[str]) -> tuple[float, float, int, str]:
    """`check` in a subprocess: seconds, peak RSS in MB, exit code, the last line it said."""
    folder = Path(tempfile.mkdtemp(prefix="flux-bench-"))
    (folder / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    env = {**without_api_vars(os.environ), "ANTHROPIC_API_KEY": KEY}
    env["FLUX_SETUP_HOME"] = tempfile.mkdtemp(prefix="flux-bench-state-")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "wizard", "check", "--base-url", base_url, *extra],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    return took, peak, done.returncode, lines[-1] if lines else ""


def behind_latency() -> None:
    """100,000 models, 300 ms per request: the default budget's message, then --timeout 60."""
    huge = scenario(100_000 - len(load("today").models))
    with serve(huge, Faults(latency_ms=300)) as running:
        took, _, code, last = as_a_user(running.base_url, [])
        true = "still arriving" in last and "could not be reached" not in last
        print(f"100000 models at 300 ms: default budget: exit {code} in {took:.1f} s; last line:")
        print(f"  {last}")
        print(f"  the message is true (the list was still arriving): {true}")
        took, peak, code, _ = as_a_user(running.base_url, ["--timeout", "60"])
        print(f"  --timeout 60: exit {code} in {took:.1f} s, peak RSS {peak:.0f} MB")


def main() -> None:
    import anthropic  # noqa: F401  (imported once, outside the measured time)

    if "--skip-latency" not in sys.argv:
        behind_latency()

    rows = {}
    for extra in (10_000, 100_000):
        with serve(scenario(extra)) as running:
            once(running.base_url, ["check", "--timeout", "60"])  # warm up
            rows[extra] = [
                once(running.base_url, [*command, "--timeout", "60"])
                for command in (["check"], ["run", "--yes", "--json"])
            ]
        check, run = rows[extra]
        print(f"{extra:7} models: check {check:6.2f} s, run --yes --json {run:6.2f} s")
    ratio = sum(rows[100_000]) / sum(rows[10_000])
    print(f"growth for 10x the models: {ratio:.1f}x (goal: <= ~10x, linear)")


if __name__ == "__main__":
    main()
