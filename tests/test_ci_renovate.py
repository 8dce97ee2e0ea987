"""docs/ci.md's scheduled export and Renovate configuration, run and read as written: the
workflow's steps against the simulator in a clone whose push lands in a bare origin, and the
`extends` entry resolved the way Renovate parses it onto this repository's preset."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import yaml

from tests.ci_helpers import bash, example, shell_env
from tests.helpers import KEY

ROOT = Path(__file__).resolve().parent.parent


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


def steps() -> list[dict]:
    workflow = yaml.safe_load(example("renovate-export"))
    return workflow["jobs"]["export"]["steps"]


def test_the_scheduled_export_publishes_both_files_and_nothing_secret(sim, tmp_path):
    origin = tmp_path / "origin.git"
    git("init", "-q", "--bare", str(origin), cwd=tmp_path)
    work = tmp_path / "flux-models"
    git("clone", "-q", str(origin), str(work), cwd=tmp_path)
    env = shell_env(sim, tmp_path, ANTHROPIC_API_KEY=KEY)
    export, publish = [s["run"] for s in steps() if "run" in s][1:]  # pip install: done here
    requests = []
    for line in export.splitlines():
        done = bash(line, work, env)
        assert done.returncode == 0, (line, done.stdout, done.stderr)
        requests.append(sim.counters.snapshot()["total_requests"])
    # the snapshot came from what the first export's check saved: one detection per schedule
    assert requests[0] > 0 and requests[1] == requests[0]
    assert bash(publish, work, env).returncode == 0
    published = git("--git-dir", str(origin), "ls-tree", "-r", "--name-only", "HEAD", cwd=tmp_path)
    assert published.split() == ["published/catalog.json", "published/flux-models.json"]
    for name in published.split():
        text = git("--git-dir", str(origin), "show", f"HEAD:{name}", cwd=tmp_path)
        assert not [KEY[i : i + 8] for i in range(len(KEY) - 7) if KEY[i : i + 8] in text]
    models = json.loads((work / "published" / "flux-models.json").read_text())
    assert "claude-opus-5-5" in [r["version"] for r in models["releases"]]
    # the next run, an hour later (a run within the same second would change nothing): the
    # exports replace their own files; only the date of the check moved
    from datetime import UTC, datetime, timedelta

    later = {**env, "FLUX_SETUP_CLOCK": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}
    for block in (export, publish):
        assert bash(block, work, later).returncode == 0
    diff = git("--git-dir", str(origin), "diff", "-U0", "HEAD~1", "HEAD", cwd=tmp_path)
    changed = [x for x in diff.splitlines() if x[:1] in "+-" and x[:3] not in ("+++", "---")]
    assert changed and all('"checked_at"' in x for x in changed), changed


def test_the_documented_renovate_configuration_extends_this_repositorys_preset():
    config = json.loads(example("renovate-config"))
    entry = config["extends"][0]
    # Renovate strips the arguments first, then reads github>REPO//PATH/NAME#TAG
    preset, argument = re.fullmatch(r"(.+?)\((.*)\)", entry).groups()  # type: ignore[union-attr]
    parsed = re.fullmatch(
        r"github>(?P<repo>[\w.-]+/[\w.-]+)//(?P<path>[\w./-]+)#(?P<tag>\w+)", preset
    )
    assert parsed and (ROOT / f"{parsed['path']}.json").is_file()
    publish = next(s for s in steps() if s.get("name") == "Check the key and export what it proved")
    out = re.search(r"export renovate --out (\S+)", publish["run"])
    assert out and argument.endswith("/" + out.group(1))
    assert "{{arg0}}" in (ROOT / "renovate" / "flux.json").read_text()
