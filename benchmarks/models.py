"""`flux-setup models --verify` against probing each model in turn, side by side in one run.

A 20-model catalogue (the `line-refused` scenario's active and deprecated models, topped up
from other scenarios') at 200 ms of latency per request. The baseline lists the models, then calls
each one after another with the real SDK; flux-setup runs `models --verify --max-verify 50
--json` in this process. Both must find the same models callable.

    python benchmarks/models.py [--latency-ms 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import time
from pathlib import Path

from detection import KEY  # this folder is on sys.path when a script here runs
from detection import naive as in_turn  # list, then call each model one after another

from wizard import cli
from wizard.environment import Environment
from wizard.simulator import Faults, load, serve
from wizard.simulator.scenarios import Scenario


def catalogue() -> Scenario:
    base = load("line-refused")
    models = [m for m in base.models if m["lifecycle"] != "retired"]
    for name in ("veteran", "seed-2025"):  # topped up to 20 with models of other scenarios
        seen = {m["id"] for m in models}
        models += [
            m for m in load(name).models if m["lifecycle"] != "retired" and m["id"] not in seen
        ]
    return Scenario("twenty", "20 models", models[:20], base.access)


def flux_setup(base_url: str, home: Path) -> dict[str, bool]:
    out = io.StringIO()
    env = Environment(
        stdin=io.StringIO(),
        stdout=out,
        stderr=io.StringIO(),
        environ={
            "ANTHROPIC_API_KEY": KEY,
            "ANTHROPIC_BASE_URL": base_url,
            "FLUX_SETUP_HOME": str(home),
        },
        cwd=home,
    )
    cli.main(["models", "--verify", "--max-verify", "50", "--json"], env)
    return {m["id"]: m["callable"] for m in json.loads(out.getvalue())["models"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scenario = catalogue()
    home = Path(tempfile.mkdtemp(prefix="flux-bench-"))
    times: dict[str, list[float]] = {"flux-setup": [], "in turn": []}
    found: dict[str, dict[str, bool]] = {}
    with serve(scenario, Faults(latency_ms=args.latency_ms)) as running:
        for _ in range(args.repeat):
            for name, run in (
                ("flux-setup", lambda: flux_setup(running.base_url, home)),
                ("in turn", lambda: in_turn(running.base_url)),
            ):
                started = time.perf_counter()
                found[name] = run()
                times[name].append(time.perf_counter() - started)
    ours, theirs = (statistics.median(times[n]) for n in ("flux-setup", "in turn"))
    print(f"{len(scenario.models)} models, {args.latency_ms:g} ms latency, median of {args.repeat}")
    print(f"  flux-setup models --verify  {ours:6.2f} s")
    print(f"  each model in turn          {theirs:6.2f} s")
    same = found["flux-setup"] == found["in turn"]
    print(f"  speed-up: {theirs / ours:.1f}x (goal: >= 4x); same answers: {same}")
    if not same:
        raise SystemExit(f"answers differ: {found}")


if __name__ == "__main__":
    main()
