"""Every figure of issue #40 in one run, each as a ratio against its point of comparison:
startup (the offline commands and --help against `python -c pass`, and the teardown skipped),
fleet (a repeat scan against a fresh one), editing (a 4.9 MB pyproject against a .env of the
same size, time and memory), catalog (100,000 models behind 300 ms of latency: the message
true, and the time). Each benchmark runs as its own process, one after another, with the load
average before it (the machine is shared: a figure means little without it).

    python benchmarks/run_all.py [--projects 500] [--skip-catalog]

`--projects 5000` is the issue's fleet (about a minute per scan here).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(script: str, *args: str) -> None:
    load = os.getloadavg()
    print(f"\n== {script} {' '.join(args)}  (load average {load[0]:.2f} {load[1]:.2f})", flush=True)
    started = time.perf_counter()
    # bytecode cached, as on a user's machine (the startup figures compile nothing)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run([sys.executable, str(HERE / script), *args], env=env, check=False)
    print(f"   ({time.perf_counter() - started:.0f} s, exit {done.returncode})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=500, help="fleet size (issue: 5000)")
    parser.add_argument("--skip-catalog", action="store_true", help="the slowest: ~2 minutes")
    args = parser.parse_args()
    run("startup.py")
    run("fleet.py", "--projects", str(args.projects), "--sample", "10")
    run("editing.py")
    if not args.skip_catalog:
        run("catalog.py")
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
