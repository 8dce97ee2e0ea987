"""Every view of one project tells one truth. For random simulator scenarios and random projects
sharing a key (different configured models and line orders, both config kinds), `check`,
`check --all`, `check --offline` (right after), `status`, `doctor` (and `--offline`), `models
--verify` and `run --yes` (its JSON, files and checklist) agree on the configured model and its status, the recommendation, the fallback,
the exit code, and each project's diagnoses with their models. A view may say less, never
something else."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.helpers import ADMIN_KEY, KEY, flux, json_of
from wizard.simulator import load, serve

SCENARIOS = (
    "today",
    "seed-2025",
    "veteran",
    "gated-flagship",
    "line-refused",
    "haiku-only",
    "workspace-restricted",
    "model-suspended",
    # the SDK's error codes as faults: a transient one longer than the budget, account-wide ones
    "ramp-limit",
    "contract-spend-limit",
    "cmek-key-disabled",
    "cmek-key-unreachable",
    # the account refused: every view, online and offline, says it with its code
    "zero-balance",
    "org-on-hold",
    # the Admin API's variants (read with an admin key, never a verdict's input)
    "key-expired",
    "no-admin-api",
    "spend-limit-unsupported",
)
# a fallback that is not in the catalogue at all: unknown
UNKNOWN_FALLBACK = "claude-opus-9-9"
LINES = ("opus", "sonnet", "haiku")
CAP = "12"  # enough for every view to settle what it must: a cap is not what is tested here
# `check --offline` words what it judges in its own terms: a model due to go (more precisely
# than an online check can), a catalogue's age, what the saved check could not verify
OFFLINE_ONLY = {"catalog_stale", "model_retiring", "verification_incomplete"}


@st.composite
def fleets(draw: Any) -> dict[str, Any]:
    scenario = draw(st.sampled_from(SCENARIOS))
    ids = [m["id"] for m in load(scenario).models if m.get("line") in LINES]
    projects = []
    for n in range(draw(st.integers(1, 3))):
        order = draw(st.permutations(LINES))
        projects.append(
            {
                "name": f"p{n}",
                "model": draw(st.one_of(st.none(), st.sampled_from(ids))),
                # the fallback faults: deprecated, retired, closed, unknown, or a fine one
                "fallback": draw(st.one_of(st.none(), st.sampled_from([*ids, UNKNOWN_FALLBACK]))),
                "prefer": list(order[: draw(st.integers(1, 3))]),
                "pyproject": draw(st.booleans()),
            }
        )
    return {"scenario": scenario, "projects": projects, "admin": draw(st.booleans())}


def write_project(root: Path, project: dict[str, Any]) -> Path:
    folder = root / project["name"]
    folder.mkdir()
    model = f'id = "{project["model"]}"\n' if project["model"] else ""
    if project.get("fallback"):
        model += f'fallback = "{project["fallback"]}"\n'
    prefer = f"prefer = {json.dumps(project['prefer'])}\n"
    if project["pyproject"]:
        text = (
            '[project]\nname = "app"\n\n[tool.flux]\nconfig_version = 2\n\n'
            f"[tool.flux.model]\n{model}{prefer}"
        )
        (folder / "pyproject.toml").write_text(text)
    else:
        (folder / "flux.toml").write_text(f"config_version = 2\n\n[model]\n{model}{prefer}")
    return folder


def status_of_first(first: Path, env: dict[str, str]) -> int:
    """`check --offline`'s exit for the first project (doctor --offline must agree)."""
    return json_of(flux("check", "--project", str(first), "--offline", "--json", env=env))[
        "exit_code"
    ]


def cause(payload: dict[str, Any]) -> set[tuple[str, str | None]]:
    """Each lasting diagnosis with its model. A transient one (a rate limit, an overload) is
    about the moment each view asked, and a shared detection asks more models than one check."""
    from wizard.vocab import Code

    return {
        (d["code"], d["model"])
        for d in payload.get("diagnosis") or []
        if not Code(d["code"]).transient
    }


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("views")


@settings(
    max_examples=6,
    deadline=None,
    # the same examples on every run (CI is not a lottery), reported as found: shrinking a
    # case of whole program runs takes minutes
    derandomize=True,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(fleet=fleets())
def test_every_view_of_a_project_tells_the_same_truth(home, fleet, monkeypatch):
    root = home / f"case{len(list(home.iterdir()))}"
    root.mkdir()
    monkeypatch.setenv("FLUX_SETUP_HOME", str(root / "state"))  # every example starts afresh
    folders = [write_project(root, p) for p in fleet["projects"]]
    with serve(fleet["scenario"]) as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        if fleet["admin"]:
            env["ANTHROPIC_ADMIN_KEY"] = ADMIN_KEY
        common = ("--max-verify", CAP, "--json")
        single = {
            f.name: json_of(flux("check", "--project", str(f), *common, env=env)) for f in folders
        }
        scan = json_of(flux("check", "--all", *map(str, folders), *common, env=env))
        first = folders[0]
        shutil.copytree(first, root / "run-copy")
        ran = json_of(flux("run", "--project", str(root / "run-copy"), "--yes", *common, env=env))
        doctor = json_of(flux("doctor", "--project", str(first), *common, env=env))
        listed = json_of(
            flux("models", "--verify", "all", "--project", str(first), *common, env=env)
        )
    offline_env = {"ANTHROPIC_API_KEY": KEY}  # no base URL: the network is not used
    for project in scan["projects"]:
        name = Path(project["path"]).name
        one = single[name]
        offline = json_of(
            flux("check", "--project", project["path"], "--offline", "--json", env=offline_env)
        )
        status = json.loads(
            flux("status", "--project", project["path"], "--json", env=offline_env).stdout
        )
        context = (fleet, name)
        if "configured" not in offline:
            # nothing was listed and nothing refused the key: no catalogue was saved
            assert one["exit_code"] == offline["exit_code"] == 5, context
            assert project["exit_code"] == one["exit_code"], context
            continue
        # the configured model, its status, the recommendation, the fallback, the exit code
        for view in (project, offline, status):
            assert view["configured"]["model"] == one["configured"]["model"], context
        assert project["configured"]["status"] == one["configured"]["status"], context
        assert offline["configured"]["status"] == one["configured"]["status"], context
        assert project["recommended"] == offline["recommended"] == one["recommended"], context
        # the configured fallback and its status: the same in every view (status offline reads
        # the saved catalogue, as check --offline does)
        fallback = one["configured"]["fallback"]
        assert project["configured"]["fallback"] == fallback, context
        assert offline["configured"]["fallback"]["model"] == fallback["model"], context
        assert status["configured"]["fallback"] == offline["configured"]["fallback"], context
        if fallback["status"] in ("retired", "unknown_model", "not_callable", "deprecated"):
            assert offline["configured"]["fallback"]["status"] == fallback["status"], context
        # the computed fallback: a view may prove less (null), never another model
        if project["fallback"] and one["fallback"]:
            assert project["fallback"] == one["fallback"], context
        assert project["exit_code"] == one["exit_code"], context
        # the saved record keeps the key's or the account's refusal: offline says it too
        assert offline["exit_code"] == one["exit_code"], context
        assert status["exit_code"] == offline["exit_code"], context
        # the same cause is named; the scan may know less of the successor it suggests
        assert (project["reason"] is None) == (one["reason"] is None), context
        # diagnoses: a view may say less, never something else
        assert cause(project) <= cause(one), context
        offline_causes = {c for c in cause(offline) if c[0] not in OFFLINE_ONLY}
        assert offline_causes <= cause(one), context
    # doctor in the first project: its lines say what check says
    one = single[first.name]
    # models in the first project: the configured model, the key's organisation, and a
    # recommendation that is check's or none (it proves what it verifies, never another)
    if "configured" in listed:
        assert listed["configured"]["model"] == one["configured"]["model"], fleet
    assert listed["key"]["organization_id"] == one["key"]["organization_id"], fleet
    assert listed["recommended"] in (None, one["recommended"]), fleet
    lines = {c["id"]: c for c in doctor["checks"]}
    assert doctor["exit_code"] == one["exit_code"], fleet
    # an error exit is a failing line, never a warning overall
    assert (doctor["status"] == "fail") >= (doctor["exit_code"] in (3, 4, 5, 6)), fleet
    off_doctor = json_of(
        flux("doctor", "--offline", "--project", str(first), "--json", env=offline_env)
    )
    assert off_doctor["exit_code"] == status_of_first(first, offline_env), fleet
    state = lines["fallback"]["status"] if "fallback" in lines else None
    if state is not None:
        want = one["configured"]["fallback"]["status"]
        expected = {"unset": "skip", "callable": "pass", "unverified": "warn"}.get(want, "fail")
        assert state == expected, (fleet, lines["fallback"])
    assert all(c["status"] != "pass" or c["ok"] for c in doctor["checks"])
    if "key" in lines and lines["key"]["status"] == "pass":
        assert one["exit_code"] != 3, fleet
    # run --yes in a copy of the first project: its JSON, its files and its checklist
    assert ran["recommended"] == one["recommended"]
    # run proves the fallback it writes; check proves only the configured one: never another
    assert one["fallback"] in (None, ran["fallback"]), fleet
    if ran["exit_code"] == 0 and one["recommended"]:
        copy = root / "run-copy"
        config = copy / ("pyproject.toml" if (copy / "pyproject.toml").exists() else "flux.toml")
        data = tomllib.loads(config.read_text())
        model = data["tool"]["flux"]["model"] if config.name == "pyproject.toml" else data["model"]
        assert model["id"] == ran["chosen"] == one["recommended"]
        assert model.get("fallback") == ran["fallback"]
        sheet = (copy / "flux-upgrade-checklist.md").read_text()
        assert f"- Fallback: `{ran['fallback'] or 'none'}`" in sheet
