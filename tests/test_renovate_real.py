"""The real Renovate (npm, installed by scripts/install-renovate.sh; .ci/run does it) reading
the preset in renovate/ and the datasource `export renovate` wrote, both served on loopback. From
Renovate's own output: each fixture repository is offered exactly what `run --yes` switches it to,
never a model the key did not prove callable, never one of another line; and Renovate reaches
nothing beyond loopback (its proxy is a listener that counts every connection)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.helpers import KEY, flux, json_of
from wizard.export import renovate

REPO = Path(__file__).resolve().parent.parent
VERSION = "39.264.1"  # scripts/install-renovate.sh's
FIXTURES = {
    # an old Opus, a fallback Flux never set
    "old-opus": {"flux.toml": 'config_version = 2\n[model]\nid = "claude-opus-4-6"\n'},
    # a current model whose fallback was retired
    "retired-fallback": {
        "flux.toml": "config_version = 2\n\n[model]  # what Flux calls\n"
        'id = "claude-opus-5-5"\nfallback = "claude-sonnet-4-20250514"\n'
    },
    # [tool.flux.model] in pyproject.toml, Sonnet preferred, and a committed .env.example
    "pyproject": {
        "pyproject.toml": '[project]\nname = "app"\n\n[tool.flux]\nconfig_version = 2\n\n'
        '[tool.flux.model]\nid = "claude-sonnet-4-6"\nfallback = "claude-haiku-4-5-20251001"\n'
        'prefer = ["sonnet", "haiku"]\n',
        ".env.example": "# copy to .env\nFLUX_MODEL=claude-sonnet-4-6\n",
    },
    # already current: nothing to propose
    "current": {
        "flux.toml": 'config_version = 2\n[model]\nid = "claude-opus-5-5"\n'
        'fallback = "claude-sonnet-5-5"\n'
    },
}


def renovate_binary() -> Path:
    """Renovate as .ci/run installed it; missing, the reason: a failure in CI, a skip elsewhere."""
    given = os.environ.get("FLUX_SETUP_RENOVATE")
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    default = Path(cache) / "flux-setup-ci" / f"renovate-{VERSION}" / "node_modules" / ".bin"
    binary = Path(given) if given else default / "renovate"
    if binary.exists() and shutil.which("node"):
        return binary
    why = os.environ.get("FLUX_SETUP_RENOVATE_ERROR") or (
        f"Renovate is not installed at {binary} (or node is missing): run "
        "scripts/install-renovate.sh (npm, Node 20)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"the real Renovate is needed here: {why}")
    pytest.skip(why)


class _Published(BaseHTTPRequestHandler):
    """What the scheduled job publishes: the preset (the repository's own file) and the
    datasource, each at its path; anything else is a 404."""

    files: dict[str, bytes] = {}

    def do_GET(self) -> None:
        body = self.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def published(sim, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """`export renovate` against the simulator, and the preset, served on loopback; the
    `extends` entry a repository's renovate.json names them with."""
    out = tmp_path / "published" / "flux-models.json"
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    assert (
        flux(
            "export", "renovate", "--out", str(out), "--project", str(tmp_path), env=env
        ).returncode
        == 0
    )
    files = {
        "/renovate/flux.json": (REPO / "renovate" / "flux.json").read_bytes(),
        "/flux-models.json": out.read_bytes(),
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Published,), {"files": files}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        # as `github>OWNER/REPO//renovate/flux(URL)` names it, from loopback instead of GitHub
        yield f"{base}/renovate/flux.json({base}/flux-models.json)"
    finally:
        server.shutdown()
        server.server_close()


class CountingProxy:
    """Renovate's HTTP(S) proxy: a loopback listener that counts and drops every connection,
    so any request beyond loopback (a registry, a changelog, a preset) shows up and fails."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


def fixture_repository(root: Path, name: str, preset: str) -> Path:
    """A git repository holding one fixture project, and a renovate.json that extends the
    preset with the datasource's URL (its `{{arg0}}`), as a user's repository does."""
    repo = root / name
    repo.mkdir(parents=True)
    for filename, text in FIXTURES[name].items():
        (repo / filename).write_text(text)
    # only the preset's managers: Renovate's own (npm, pip...) would look up public registries
    config = {"extends": [preset], "enabledManagers": ["custom.regex"]}
    (repo / "renovate.json").write_text(json.dumps(config, indent=2))
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    quiet = {"check": True, "capture_output": True}
    subprocess.run([*git, "init", "-q"], **quiet)  # type: ignore[call-overload]
    subprocess.run([*git, "add", "-A"], **quiet)  # type: ignore[call-overload]
    subprocess.run([*git, "commit", "-qm", "fixtures"], **quiet)  # type: ignore[call-overload]
    return repo


def start_renovate(binary: Path, repo: Path, proxy: CountingProxy) -> subprocess.Popen[str]:
    """Renovate's dry run of one repository, its folders its own (the runs go side by side)."""
    own = repo.parent / f"{repo.name}-renovate"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(own / "home"),
        "LOG_LEVEL": "debug",
        "LOG_FORMAT": "json",
        "RENOVATE_BASE_DIR": str(own / "base"),
        "RENOVATE_CACHE_DIR": str(own / "cache"),
        "HTTP_PROXY": proxy.url,
        "HTTPS_PROXY": proxy.url,
        "NO_PROXY": "127.0.0.1,localhost",
        "GIT_CONFIG_GLOBAL": "/dev/null",
    }
    argv = [
        str(binary),
        "--platform=local",
        "--dry-run=lookup",
        "--onboarding=false",
        "--require-config=optional",
    ]
    return subprocess.Popen(
        argv, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def renovate_proposals(run: subprocess.Popen[str]) -> list[dict]:
    """Each dependency Renovate found, with its updates, from its own debug log."""
    try:
        stdout, stderr = run.communicate(timeout=300)
    finally:
        run.kill()
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    errors = [entry["msg"] for entry in lines if entry.get("level", 0) >= 50]
    assert run.returncode == 0 and not errors, (errors, stderr[-2000:])
    found = [e["config"] for e in lines if e.get("msg") == "packageFiles with updates"]
    assert len(found) == 1, stdout[-3000:]
    return [
        {**dep, "packageFile": file["packageFile"]}
        for file in found[0].get("regex", [])
        for dep in file["deps"]
    ]


def after_run_yes(project: Path, base_url: str) -> dict[str, str | None]:
    """The model and fallback `run --yes` leaves in the project's config."""
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": base_url}
    result = flux("run", "--yes", "--no-save-key", "--project", str(project), env=env)
    assert result.returncode == 0, result.stderr
    config = project / "flux.toml"
    if config.exists():
        table = tomllib.loads(config.read_text())["model"]
    else:
        table = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["flux"]["model"]
    return {"id": table["id"], "fallback": table.get("fallback")}


def test_the_real_renovate_proposes_what_run_yes_switches_to_and_nothing_unproven(
    sim, tmp_path, published
):
    binary = renovate_binary()
    repos = {name: fixture_repository(tmp_path, name, published) for name in FIXTURES}
    proxy = CountingProxy()
    try:
        runs = {name: start_renovate(binary, repo, proxy) for name, repo in repos.items()}
        deps = [
            {**d, "project": name} for name, run in runs.items() for d in renovate_proposals(run)
        ]
    finally:
        proxy.close()
    assert proxy.connections == 0  # nothing beyond loopback
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    listing = json_of(
        flux(
            "models",
            "--all",
            "--verify",
            "--json",
            "--max-verify",
            "30",
            "--project",
            str(tmp_path),
            env=env,
        )
    )["models"]
    line_of = {m["id"]: m["line"] for m in listing}
    callable_ = {m["id"] for m in listing if m["callable"] is True}
    proposed: dict[tuple[str, str], str] = {}
    branches: dict[str, set[str]] = {}
    for dep in deps:
        project, file = dep["project"], dep["packageFile"]
        key = "id" if dep["depName"].endswith(("id", "FLUX_MODEL")) else "fallback"
        for update in dep.get("updates", []):
            new = update["newValue"]
            assert new in callable_, f"{new} was never proven callable"
            assert line_of[new] == line_of[dep["currentValue"]], f"{dep['currentValue']} -> {new}"
            assert renovate.line_word(new) == renovate.line_word(dep["currentValue"])
            proposed[(project, f"{file}:{key}")] = new
            branches.setdefault(project, set()).add(update["branchName"])
    for name in FIXTURES:
        before = FIXTURES[name]
        files = [f for f in before if f != ".env.example"]
        want = after_run_yes(repos[name], sim.base_url)
        for key in ("id", "fallback"):
            was = _value(before[files[0]], key)
            if was is None:
                continue  # Renovate changes values, it adds none: `run` writes a new fallback
            expected = want[key] if want[key] != was else None
            got = proposed.get((name, f"{files[0]}:{key}"))
            if key == "fallback" and expected is None and got is not None:
                # `run` keeps a configured fallback that can stay (callable, active, below the
                # model); Renovate only knows each line's proven models and offers the newest.
                # docs/ci.md says so. It must still be that line's newest proven one.
                assert was in callable_ and line_of[got] == line_of[was], (name, was, got)
                continue
            assert got == expected, (name, key)
        if ".env.example" in before:
            assert proposed[(name, ".env.example:id")] == want["id"]
    assert not any(project == "current" for project, _ in proposed)
    # one pull request per repository: the model, the fallback (and .env.example) together
    assert all(names == {"renovate/flux-claude-models"} for names in branches.values()), branches


def _value(text: str, key: str) -> str | None:
    for line in text.splitlines():
        name, _, value = line.partition("=")
        if name.strip() == key:
            return value.split("#")[0].strip().strip('"')
    return None


def test_in_ci_a_missing_renovate_fails_the_test_with_the_reason(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("FLUX_SETUP_RENOVATE", str(tmp_path / "no-renovate"))
    monkeypatch.setenv("FLUX_SETUP_RENOVATE_ERROR", "npm: ETIMEDOUT registry.npmjs.org")
    with pytest.raises(pytest.fail.Exception, match="ETIMEDOUT registry.npmjs.org"):
        renovate_binary()
