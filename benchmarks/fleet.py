"""`check --all` over a fleet against `check` in each project, side by side in one run.

500 generated projects share 5 keys (100 each, each key in the projects' .env files), with a mix
of configured models and two line orders; the simulator answers every request after 200 ms.

- the scan: `flux-setup check --all ROOT --json` as a user runs it (a subprocess, so its time
  includes the SDK import and its peak memory is its own);
- the goal's yardstick: five single checks, one project per key, each a subprocess;
- the per-project alternative: `check` in every project. Running all 500 would take minutes,
  so a sample of them runs (in this process, no SDK import each time) and the totals are
  extrapolated to 500, and marked so.

    python benchmarks/fleet.py [--projects 500] [--keys 5] [--latency-ms 200] [--sample 25]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wizard.constants import without_api_vars
from wizard.simulator import Faults, serve

MODELS = (
    "claude-opus-5-5",
    "claude-sonnet-5-5",
    "claude-haiku-4-5-20251001",
    "claude-sonnet-4-5-20250929",
    "claude-3-haiku-20240307",
)


def key(n: int) -> str:
    return "sk-ant-api03-" + f"FleetKey{n:02d}" * 8 + "AbCd"


def make_fleet(root: Path, projects: int, keys: int) -> list[Path]:
    made = []
    for n in range(projects):
        folder = root / f"team{n % 10}" / f"svc{n:03d}"
        folder.mkdir(parents=True)
        prefer = '\nprefer = ["sonnet", "haiku"]' if n % 7 == 0 else ""
        model = MODELS[n % len(MODELS)]
        (folder / "flux.toml").write_text(
            f'config_version = 2\n\n[model]\nid = "{model}"{prefer}\n'
        )
        (folder / ".env").write_text(f"ANTHROPIC_API_KEY={key(n % keys)}\n")
        made.append(folder)
    return made


def environ(base_url: str, home: Path) -> dict[str, str]:
    return {
        **without_api_vars(os.environ),
        "ANTHROPIC_BASE_URL": base_url,
        "FLUX_SETUP_HOME": str(home),
    }


def timed_subprocess(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall time, peak RSS (KiB) and stdout of one `python -m wizard` run. The peak is the
    largest of any child so far: it is the scan's own only for the first run (the scan)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "wizard", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode not in (0, 10, 11, 12):
        raise SystemExit(f"{args} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    timed_subprocess.stderr_lines = done.stderr.count("\n")  # type: ignore[attr-defined]
    return elapsed, max(peak, before), done.stdout


def per_project_in_process(projects: list[Path], base_url: str, home: Path) -> tuple[float, int]:
    """`check` in each project, one after another, in this process (the SDK imported once)."""
    from tests.helpers import make_context
    from wizard.commands.check import check

    os.environ["FLUX_SETUP_HOME"] = str(home)
    start = time.perf_counter()
    requests = 0
    for project in projects:
        ctx, _ = make_context(project, base_url=base_url)
        report = check(ctx)
        assert report.detection is not None
        requests += report.detection.requests
    return time.perf_counter() - start, requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=500)
    parser.add_argument("--keys", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--sample", type=int, default=25)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve("today", Faults(latency_ms=args.latency_ms)) as sim,
    ):
        root = Path(tmp) / "fleet"
        projects = make_fleet(root, args.projects, args.keys)
        env = environ(sim.base_url, Path(tmp) / "state-scan")

        counted = sim.counters.snapshot()["total_requests"]
        scan_time, scan_peak, out = timed_subprocess(["check", "--all", str(root), "--json"], env)
        scan_requests = sim.counters.snapshot()["total_requests"] - counted
        report = json.loads(out)
        assert len(report["projects"]) == args.projects and len(report["keys"]) == args.keys
        said = timed_subprocess.stderr_lines  # type: ignore[attr-defined]
        # the same scan again, the state home now full: it must cost no more than the first
        repeat_time, _, _ = timed_subprocess(["check", "--all", str(root), "--json"], env)
        state = Path(tmp) / "state-scan"
        kept = [p for p in state.rglob("*") if p.is_file()]

        singles_time = 0.0
        counted = sim.counters.snapshot()["total_requests"]
        for n in range(args.keys):  # one project per key: what a person with five keys runs
            elapsed, _, _ = timed_subprocess(
                ["check", "--project", str(projects[n]), "--json"],
                environ(sim.base_url, Path(tmp) / "state-singles"),
            )
            singles_time += elapsed
        singles_requests = sim.counters.snapshot()["total_requests"] - counted

        sample = projects[: args.sample]
        sample_time, sample_requests = per_project_in_process(
            sample, sim.base_url, Path(tmp) / "state-each"
        )
        scale = args.projects / len(sample)

    print(
        f"{args.projects} projects, {args.keys} keys, {args.latency_ms:.0f} ms latency per request"
    )
    print(
        f"  check --all (one run)          {scan_time:6.2f} s  requests {scan_requests:5d}  peak RSS {scan_peak / 1024:5.0f} MB"
    )
    print(
        f"  check x {args.keys} (one per key)        {singles_time:6.2f} s  requests {singles_requests:5d}"
    )
    print(
        f"  check x {args.projects} (every project)   ~{sample_time * scale:6.1f} s  requests ~{sample_requests * scale:5.0f}"
        f"   (measured on {len(sample)} in one process: {sample_time:.1f} s, {sample_requests} requests; x{scale:.0f})"
    )
    print(
        f"  scan / five single checks: {scan_time / singles_time:.2f}x time (goal <= 2x), "
        f"{scan_requests / singles_requests:.2f}x requests (goal: proportional to keys)"
    )
    print(
        f"  requests per key: {scan_requests / args.keys:.1f} (scan) vs "
        f"{sample_requests / len(sample):.1f} per project (check in each)"
    )
    print(f"  scan peak memory: {scan_peak / 1024:.0f} MB (goal < 200 MB)")
    print(
        f"  repeat scan / first scan: {repeat_time:.2f} s / {scan_time:.2f} s = "
        f"{repeat_time / scan_time:.2f}x (goal <= 1.2x); slower one / 10 s: "
        f"{max(repeat_time, scan_time) / 10:.2f}x (goal < 1x, 5,000 projects)"
    )
    print(
        f"  under --json: {said} lines on stderr for {args.projects} projects; the state home: "
        f"{len(kept)} files, {len(kept) / args.projects:.2f} per project"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.helpers
    main()
