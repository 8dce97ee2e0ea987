"""Seed tests/recordings/ with recordings made against the simulator's own scenarios.

Each is a real `--record` run of flux-setup against `flux-setup simulator --scenario NAME`, in
a throw-away project, as of a fixed day; its header says where it came from (`source`), so it
is never mistaken for a user's. Real users' recordings (from `--record`, or the `recording` of
a `doctor --report`) go beside them as they arrive.

    python scripts/record_scenarios.py [tests/recordings]
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
from pathlib import Path

from wizard import cli
from wizard.environment import Environment, clock_from
from wizard.simulator import serve

# A key of the simulator's (no real key): the canary the tests look for.
KEY = "sk-ant-api03-" + "CanaryKeyQ7" * 8 + "ZxWv"
ADMIN_KEY = "sk-ant-admin01-" + "AdminCanary9" * 8 + "QqRr"
DAY = "2026-11-25T12:00:00+00:00"
# name: (scenario, configured model, the command's arguments, with the admin key)
SEEDS = {
    "check-gated-flagship": ("gated-flagship", "claude-sonnet-5-5", ["check"], False),
    "check-seed-2025": ("seed-2025", "claude-3-haiku-20240307", ["check"], False),
    "check-veteran": ("veteran", "claude-sonnet-4-5", ["check"], False),
    "check-zero-balance": ("zero-balance", "claude-opus-5-5", ["check"], False),
    "check-model-suspended": ("model-suspended", "claude-opus-5-5", ["check"], False),
    "check-spend-cap": ("spend-cap", "claude-opus-5-5", ["check"], False),
    "models-line-refused": ("line-refused", None, ["models", "--verify", "all"], False),
    "doctor-key-expired": ("key-expired", "claude-sonnet-5-5", ["doctor"], True),
    "run-today": ("today", "claude-3-haiku-20240307", ["run", "--yes", "--dry-run"], False),
}


def record(name: str, target: Path) -> int:
    scenario, configured, args, admin = SEEDS[name]
    project = Path(tempfile.mkdtemp(prefix="flux-record-"))
    if configured:
        (project / ".env").write_text(f"FLUX_MODEL={configured}\n")
    home = Path(tempfile.mkdtemp(prefix="flux-record-home-"))
    with serve(scenario) as running:
        env = {
            "ANTHROPIC_API_KEY": KEY,
            "ANTHROPIC_BASE_URL": running.base_url,
            "FLUX_SETUP_HOME": str(home),
            "NO_COLOR": "1",
        }
        if admin:
            env["ANTHROPIC_ADMIN_KEY"] = ADMIN_KEY
        environment = Environment(
            io.StringIO(), io.StringIO(), io.StringIO(), env, project, now=clock_from(DAY)
        )
        code = cli.main([*args, "--json", "--record", str(target)], environment)
    rows = target.read_text().splitlines()
    head = json.loads(rows[0])
    head["source"] = f"flux-setup's own simulator, scenario {scenario!r} (a seed, not a user's)"
    target.write_text("\n".join([json.dumps(head), *rows[1:]]) + "\n")
    return code


def main() -> None:
    folder = (Path(sys.argv[1]) if len(sys.argv) > 1 else Path("tests/recordings")).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    for name in SEEDS:
        code = record(name, folder / f"sim-{name}.jsonl")
        print(f"{name}: exit {code}")


if __name__ == "__main__":
    main()
