"""What each offline command imports, in a fresh interpreter, held to one list per command, here.

The fast paths stay fast (issue #40: `status`, `check --offline`, `doctor --offline`, `undo
--list` and `migrate --check` within 5x a bare `python -c pass`, `--help` within 3x; measured by
`benchmarks/startup.py`, never timed here). A module that is not on its command's list fails the
test: import it where it is used (inside the function that needs it), or add it to the list on
purpose, saying why. The standard library is held by what it must never load (its own module
lists differ from one Python to the next)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import KEY, clean_environ, run_main
from wizard.simulator import serve

# The command line's grammar and the funnel: what --help loads, and so every command.
# (redaction and keys: the environment's keys are held before a flag is parsed.)
GRAMMAR = {
    "wizard", "wizard.cli", "wizard.argv", "wizard.argtypes", "wizard.parser",
    "wizard.option_groups", "wizard.constants", "wizard.environment", "wizard.errors",
    "wizard.interrupts", "wizard.vocab", "wizard.redaction", "wizard.keys", "wizard.plaintext",
}  # fmt: skip

# A command that runs: its report, the UI (plain lines; rich only for a table or colours), the
# project's files read (.env through python-dotenv's parser, the config through tomllib:
# tomlkit only for an edit), the state home.
COMMAND = GRAMMAR | {
    "wizard.commands", "wizard.report", "wizard.said", "wizard.render", "wizard.streams",
    "wizard.written", "wizard.prompts", "wizard.untrusted", "wizard.jsontypes",
    "wizard.prices",  # the Price type; genai-prices itself is imported on the first price
    "wizard.flow", "wizard.flow.session", "wizard.flow.options", "wizard.flow.roles",
    "wizard.markers", "wizard.state",
    "wizard.fileio", "wizard.project", "wizard.envfile", "wizard.textfile", "wizard.fluxconfig",
    "wizard.tomlslice", "wizard.schemas", "wizard.migrations",  # (migrations: no tomlkit)
    # a Diagnosis carries its rules' words; the rules read ApiFailure (no SDK)
    "wizard.diagnosis", "wizard.diagnosis.core", "wizard.diagnosis.rules",
    "wizard.diagnosis.connection", "wizard.failures", "wizard.error_codes", "wizard.responses",
    "wizard.catalog", "wizard.words",  # (words: the sentences' small rules, no imports)
}  # fmt: skip

# The verdict from a saved catalogue: the key found (the keyring module, never the library,
# unless the project names an entry), the record and the rules `check` judges by. Never the
# detection engine (`wizard.detection.steps`), the API client (`wizard.api`) or the SDK.
SAVED_VERDICT = COMMAND | {
    "wizard.flow.key", "wizard.flow.key_store", "wizard.flow.fixline", "wizard.keystore",
    "wizard.flow.prepare", "wizard.flow.saved", "wizard.memory", "wizard.verdict",
    "wizard.detection", "wizard.detection.result", "wizard.detection.configured_fallback",
    "wizard.limits", "wizard.limits.findings", "wizard.export", "wizard.export.snapshot",
    "wizard.export.renovate", "wizard.flow.saved_verdict",
    "wizard.flow.consent",  # may_ask: whether the key question is put (no further imports)
}  # fmt: skip

ALLOWED = {
    "--help": GRAMMAR,
    "status": SAVED_VERDICT | {"wizard.commands.status"},
    # check's module holds the online check too: its steps are imported inside `_check`
    "check --offline": SAVED_VERDICT | {"wizard.commands.check", "wizard.commands.offline"},
    # doctor's lines (and the checklist's first open item), the versions (read from the
    # wheels' folders, not importlib.metadata), git asked whether it tracks a key in .env
    "doctor --offline": SAVED_VERDICT
    | {
        "wizard.commands.doctor",
        "wizard.commands.doctor_lines",
        "wizard.words",
        "wizard.checklist",
        "wizard.checklist.options",
        "wizard.checklist.page",
        "wizard.checklist.proofs",
        "wizard.checklist.tables",
        "wizard.versions",
        "wizard.gitguard",
        "wizard.gitrun",
    },  # fmt: skip
    # the change sets on record, and the batches of `check --all --fix`
    "undo --list": COMMAND
    | {
        "wizard.commands.undo",
        "wizard.history",
        "wizard.changes",
        "wizard.manifest",
        "wizard.flow.consent",
        "wizard.flow.key_store",
        "wizard.keystore",
        "wizard.fleet",
        "wizard.fleet.batch",
        "wizard.words",
    },  # fmt: skip
    # the plan (an edit in memory: tomlkit when a migration is due) and the last check's
    # successor for a retired model ID
    "migrate --check": COMMAND
    | {
        "wizard.commands.migrate",
        "wizard.changes",
        "wizard.manifest",
        "wizard.flow.consent",
        "wizard.flow.prepare",
        "wizard.memory",
        "wizard.detection",
        "wizard.detection.result",
        "wizard.limits",
        "wizard.limits.findings",
    },  # fmt: skip
}

# Packages from outside the standard library: python-dotenv's parser (every project command
# reads the .env). Never anthropic, httpx or pydantic (the SDK: ~2 s), rich (~40 ms: tables and
# colours only), tomlkit (~25 ms: edits only), keyring (may talk to a session bus), genai_prices
# (prices are for --json and tables), questionary or prompt_toolkit (no question is asked).
THIRD_PARTY = {name: ({"dotenv"} if name != "--help" else set()) for name in ALLOWED}

# The standard library's heavy parts, never loaded here: importlib.metadata (~25 ms with email,
# zipfile and csv; the versions are read from the wheels' folders), the network's modules, and
# subprocess outside doctor (git is run only where it is asked something).
NEVER_STDLIB = {
    "importlib.metadata", "importlib.resources", "email", "zipfile", "csv", "socket", "ssl",
    "http", "asyncio", "concurrent", "urllib.request", "xml", "sqlite3", "multiprocessing",
}  # fmt: skip
SUBPROCESS_ALLOWED = {"doctor --offline"}

HARNESS = """
import sys
from wizard.cli import main
main(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    out.write(repr(sorted(sys.modules)))
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """Each command run once in a fresh interpreter (all at once), in a project with a .env,
    a flux.toml and a catalogue saved by one online check: the modules each one loaded."""
    root = tmp_path_factory.mktemp("imports")
    project, home = root / "project", root / "home"
    project.mkdir()
    (project / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    (project / "flux.toml").write_text('config_version = 2\n\n[model]\nid = "claude-opus-5-5"\n')
    env = clean_environ(ANTHROPIC_API_KEY=KEY, FLUX_SETUP_HOME=str(home))
    with serve("today") as running:
        checked = run_main(["check", "--base-url", running.base_url], env=env, cwd=project)
    assert checked.returncode == 0, checked.stderr
    children = {}
    for name in ALLOWED:
        out = root / f"{name.replace(' ', '_')}.txt"
        command = [sys.executable, "-c", HARNESS, str(out), *name.split()]
        children[name] = (
            out,
            subprocess.Popen(
                command, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            ),
        )
    # the interpreter's own start-up (Debian's python3.11 imports its `sitecustomize`): what
    # a bare interpreter loads in the same environment is not the command's
    bare = root / "bare.txt"
    code = "import sys; open(sys.argv[1], 'w').write(repr(sorted(sys.modules)))"
    subprocess.run([sys.executable, "-c", code, str(bare)], cwd=project, env=env, timeout=60)
    baseline = set(ast.literal_eval(bare.read_text()))
    found = {}
    for name, (out, child) in children.items():
        child.wait(timeout=60)
        found[name] = set(ast.literal_eval(Path(out).read_text())) - baseline
    return found


def _outside(modules: set[str]) -> set[str]:
    """Top-level packages outside the standard library (C accelerators, `_`-named, and
    setuptools' editable finder are the interpreter's)."""
    tops = {m.split(".")[0] for m in modules}
    return {t for t in tops if t not in sys.stdlib_module_names and t != "wizard"} - {
        t for t in tops if t.startswith("_")
    }


@pytest.mark.parametrize("command", list(ALLOWED))
def test_each_offline_command_imports_only_the_modules_on_its_list(loaded, command):
    modules = loaded[command]
    ours = {m for m in modules if m == "wizard" or m.startswith("wizard.")}
    assert ours - ALLOWED[command] == set(), f"`{command}` imports wizard modules not on its list"
    assert _outside(modules) - THIRD_PARTY[command] == set(), f"`{command}` imports packages"
    heavy = {m for m in modules if m in NEVER_STDLIB or m.split(".")[0] in NEVER_STDLIB}
    if command not in SUBPROCESS_ALLOWED:
        heavy |= modules & {"subprocess"}
    assert heavy == set(), f"`{command}` imports heavy parts of the standard library"


def test_the_lists_name_only_modules_that_exist():
    """A misspelt entry would allow nothing and hide nothing: every name is a wizard module."""
    root = Path(__file__).resolve().parent.parent
    for name in set().union(*ALLOWED.values()):
        path = root / Path(*name.split("."))
        assert path.with_suffix(".py").is_file() or (path / "__init__.py").is_file(), name
