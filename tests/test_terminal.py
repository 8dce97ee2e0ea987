"""The main paths in a real pseudo-terminal (pexpect): what a person at a keyboard sees."""

from __future__ import annotations

import sys

import pytest

from tests.helpers import ADMIN_KEY as ADMIN
from tests.helpers import KEY, wait_for_a_request
from tests.terminal_helpers import finish, spawn
from wizard.commands.demo import DEMO_ENV, DEMO_TOML

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")


def test_demo_accepting_the_defaults(tmp_path):
    project = tmp_path / "demo"
    child = spawn(["demo", "--project", str(project)], tmp_path)
    child.expect("Which model should Flux use")
    child.send("\r")
    child.expect("Fallback when")
    child.send("\r")
    child.expect("Apply these changes")
    child.send("\r")
    child.expect("Look at the result")
    assert finish(child) == 0
    assert "FLUX_MODEL=claude-opus-5-5" in (project / ".env").read_text()
    transcript = (tmp_path / "terminal.log").read_text()
    assert "recommended" in transcript
    assert "sk-ant-api03-flux-demo-key-not-a-real-secret-0000" not in transcript


def test_ctrl_c_at_the_confirmation_writes_nothing(tmp_path):
    project = tmp_path / "demo"
    project.mkdir()
    (project / "flux.toml").write_text(DEMO_TOML)
    (project / ".env").write_text(DEMO_ENV)
    child = spawn(["demo", "--project", str(project)], tmp_path)
    child.expect("Which model should Flux use")
    child.send("\r")
    child.expect("Fallback when")
    child.send("\r")
    child.expect("Apply these changes")
    child.sendcontrol("c")
    child.expect("nothing was written")
    assert finish(child) == 130
    assert (project / "flux.toml").read_text() == DEMO_TOML
    assert (project / ".env").read_text() == DEMO_ENV


def test_a_pasted_key_is_masked_and_can_be_saved(tmp_path, sim):
    child = spawn(["run", "--base-url", sim.base_url], tmp_path)
    child.expect("Paste your Anthropic API key")
    child.sendline("")  # an empty paste is said, then asked again
    child.expect("Nothing was pasted")
    child.expect("Paste your Anthropic API key")
    child.sendline(KEY)
    child.expect("Which model should Flux use")
    child.send("\x1b[B")  # arrow down: the second choice
    child.send("\r")
    child.expect("Fallback when")
    child.send("\r")
    # no keyring here (keyring's fail backend): said, and .env is the first answer
    child.expect("The OS keyring is not offered")
    child.expect("Where should the key be kept")
    child.send("\r")
    child.expect("Apply these changes")
    child.send("\r")
    assert finish(child) == 0
    transcript = (tmp_path / "terminal.log").read_text()
    assert KEY not in transcript
    assert "*" * 20 in transcript
    env = (tmp_path / ".env").read_text()
    assert f"ANTHROPIC_API_KEY={KEY}" in env
    assert "FLUX_MODEL=claude-opus-5-5" not in env  # the second choice was taken


def test_a_new_user_on_a_desktop_keeps_the_key_in_the_keyring_and_exec_starts_flux_with_it(
    tmp_path, sim, keyring_env, isolated_home
):
    import hashlib

    from tests.helpers import assert_key_in_no_file

    project = tmp_path / "project"
    project.mkdir()
    child = spawn(
        ["run", "--project", str(project), "--base-url", sim.base_url], tmp_path, keyring_env
    )
    child.expect("Paste your Anthropic API key")
    child.sendline(KEY)
    child.expect("Which model should Flux use")
    child.send("\r")
    child.expect("Fallback when")
    child.send("\r")
    child.expect("Where should the key be kept")
    child.expect("the OS keyring")
    child.send("\r")  # the default: the keyring
    child.expect("Apply these changes")
    child.send("\r")
    child.expect("flux-setup exec -- flux")
    assert finish(child) == 0
    assert_key_in_no_file(project, isolated_home)
    # "flux" here: a child that says which key it was given
    flux = [
        sys.executable,
        "-c",
        "import hashlib, os; "
        "print(hashlib.sha256(os.environ['ANTHROPIC_API_KEY'].encode()).hexdigest())",
    ]
    child = spawn(["exec", "--project", str(project), "--", *flux], tmp_path, keyring_env)
    child.expect(hashlib.sha256(KEY.encode()).hexdigest())
    assert finish(child) == 0
    assert KEY not in (tmp_path / "terminal.log").read_text()


def test_ctrl_c_while_the_network_hangs_exits_at_once(tmp_path):
    from wizard.simulator import Faults, serve

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with serve("today", Faults(hang_first=100)) as running:
        child = spawn(
            ["check", "--base-url", running.base_url, "--timeout", "30"],
            tmp_path,
            {"ANTHROPIC_API_KEY": KEY},
        )
        child.expect("Discovering models")
        import time

        wait_for_a_request(running)  # the request is hanging
        started = time.monotonic()
        child.sendcontrol("c")
        child.expect("Cancelled.")  # check only reads: nothing said about writing
        assert finish(child) == 130
        assert time.monotonic() - started < 10  # not the 30 s request timeout
    assert (tmp_path / ".env").read_text() == "FLUX_MODEL=claude-opus-5-5\n"


def test_the_wait_for_a_request_ends_when_none_comes(sim):
    # the positive control of the bound above: a simulator nobody asks fails the wait in time
    with pytest.raises(AssertionError, match="no request reached the simulator"):
        wait_for_a_request(sim, within=0.2)


def test_api_key_stdin_on_a_terminal_asks_without_echo(tmp_path, sim):
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    child = spawn(["check", "--api-key-stdin", "--base-url", sim.base_url], tmp_path)
    child.expect("not shown")
    child.sendline(KEY)
    assert finish(child) == 0
    assert KEY not in (tmp_path / "terminal.log").read_text()


def test_a_scan_of_many_keys_draws_a_progress_bar_in_the_terminal(tmp_path):
    from wizard.simulator import Faults, serve

    for n in range(3):  # three keys: three detections to wait for
        folder = tmp_path / f"p{n}"
        folder.mkdir()
        (folder / "flux.toml").write_text('config_version = 2\n\n[model]\nid = "claude-opus-5-5"\n')
        (folder / ".env").write_text(f"ANTHROPIC_API_KEY={KEY[:-4]}Ab{n}d\n")
    with serve("today", Faults(latency_ms=250)) as running:
        child = spawn(
            ["check", "--all", "--max-verify", "1"],
            tmp_path,
            {"ANTHROPIC_BASE_URL": running.base_url},
        )
        child.expect(r"Detecting .*\d/3")
        child.expect("3 projects")
        assert finish(child) == 0


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_the_models_table_and_prose_fit_the_terminal(tmp_path, sim, columns):
    """In a real terminal of 60, 80 and 120 columns: no line is longer than the width, the
    table keeps its model and access columns (the price column joins when there is room), no
    model ID is split, and prose breaks between words."""
    import re

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    env = {
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": sim.base_url,
        "COLUMNS": str(columns),
    }
    child = spawn(["run", "--dry-run", "--yes", "--project", str(tmp_path)], tmp_path, env)
    child.setwinsize(50, columns)
    assert finish(child) == 0
    raw = (tmp_path / "terminal.log").read_text()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw).replace("\r", "")
    lines = [line.rstrip() for line in text.split("\n")]
    too_long = [line for line in lines if len(line) > columns]
    assert not too_long, too_long
    header = next(line for line in lines if line.startswith("model"))
    assert "access" in header
    assert ("price" in header) == (columns >= 100)
    for model_id in ("claude-opus-5-5", "claude-sonnet-4-5-20250929", "claude-haiku-5-5"):
        assert any(re.search(rf"(^|\s){model_id}(\s|$)", line) for line in lines), model_id
    # the program wrapped every line itself (at word boundaries: rich splits only a word
    # longer than a line), so the terminal never cut one: the raw lines all fit, above


@pytest.mark.parametrize("columns", [60, 140])
def test_the_models_command_fits_the_terminal_and_shows_sizes_when_there_is_room(
    tmp_path, sim, columns
):
    import re

    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url, "COLUMNS": str(columns)}
    child = spawn(["models", "--verify", "claude-opus-5-5"], tmp_path, env)
    child.setwinsize(50, columns)
    assert finish(child) == 0
    raw = (tmp_path / "terminal.log").read_text()
    lines = [line.rstrip() for line in re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw).split("\n")]
    lines = [line.replace("\r", "") for line in lines]
    assert not [line for line in lines if len(line) > columns]
    header = next(line for line in lines if line.startswith("model"))
    assert "access" in header
    assert ("context" in header) == (columns >= 140)
    opus = next(line for line in lines if line.startswith("claude-opus-5-5 "))
    assert "callable" in opus  # the one model verified, said on its row


def test_doctor_in_a_terminal_reads_top_to_bottom_with_a_fix_under_each_failure(tmp_path, sim):
    import re

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-5-5\n")
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url, "COLUMNS": "60"}
    child = spawn(["doctor"], tmp_path, env)
    child.setwinsize(50, 60)
    assert finish(child) == 10
    raw = (tmp_path / "terminal.log").read_text()
    lines = [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", line).rstrip("\r") for line in raw.split("\n")]
    assert not [line for line in lines if len(line) > 60]
    # a better model callable: the configured line is one to check (!), with its fix under it
    failing = next(i for i, line in enumerate(lines) if line.startswith("! claude-haiku-5-5"))
    rest = lines[failing + 1 :]
    assert any(line.lstrip().startswith("fix:") for line in rest[:4])
    assert any("passed" in line and "(exit 10)." in line for line in lines), lines[-6:]
    assert KEY not in raw


def test_declining_the_write_is_a_choice_not_an_error(tmp_path):
    project = tmp_path / "demo"
    project.mkdir()
    (project / "flux.toml").write_text(DEMO_TOML)
    (project / ".env").write_text(DEMO_ENV)
    child = spawn(["demo", "--project", str(project), "--keep"], tmp_path)
    child.expect("Which model should Flux use")
    child.send("\r")
    child.expect("Fallback when")
    child.send("\r")
    child.expect("Apply these changes")
    child.send("n\r")
    child.expect("you declined")
    assert finish(child) == 130  # the contract's code for a cancel
    transcript = (tmp_path / "terminal.log").read_text()
    assert "error:" not in transcript
    assert "flux-setup check --write-checklist" in transcript  # what to do next
    assert (project / "flux.toml").read_text() == DEMO_TOML


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_the_projects_table_never_splits_a_name_or_drops_the_verdict(tmp_path, sim, columns):
    import re

    names = ["p1-env-current", "p2-flux-toml-retired", "p3-pyproj-deprecated-long-name"]
    models = ["claude-opus-5-5", "claude-3-haiku-20240307", "claude-sonnet-4-5-20250929"]
    for name, model in zip(names, models, strict=True):
        (tmp_path / name).mkdir()
        (tmp_path / name / ".env").write_text(f"FLUX_MODEL={model}\n")
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url, "COLUMNS": str(columns)}
    child = spawn(["check", "--all", "."], tmp_path, env)
    finish(child)
    raw = (tmp_path / "terminal.log").read_text()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw).replace("\r", "")
    lines = [line.rstrip() for line in text.split("\n")]
    assert not [line for line in lines if len(line) > columns]
    header = next(line for line in lines if line.startswith("project"))
    assert re.match(r"project\s+(model\s+)?status", header)
    for name in names:
        assert any(line.startswith(name + " ") for line in lines), name
    assert "Found 3 Flux projects under this folder." in text


def test_at_60_columns_the_questions_answers_and_their_detail_are_whole(tmp_path):
    import re

    project = tmp_path / "demo"
    child = spawn(["demo", "--project", str(project)], tmp_path, {"COLUMNS": "60"})
    child.expect("Which model should Flux use")
    child.expect("recommended")
    child.send("\r")
    child.expect("Fallback when")
    child.send("\r")
    child.expect("Apply these changes")
    child.send("\r")
    assert finish(child) == 0
    raw = (tmp_path / "terminal.log").read_text()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", " ", raw)
    flat = re.sub(r"\s+", " ", text)
    # the answers, whole, each with its price
    assert "claude-opus-5-5 $4/$20 (recommended)" in flat
    assert "claude-haiku-5-5 from $0.10/$0.50 (successor)" in flat
    # the recommended answer's detail, wrapped between words, not cut at the edge: its end
    # (the price beside the configured model) is on screen; the price source said once above
    assert "about 16 times the price of claude-3-haiku-20240307." in flat
    assert "bundled data, not live" in flat


def test_limits_asks_for_the_admin_key_masked_and_fits_60_columns(tmp_path, sim):
    import re

    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url, "COLUMNS": "60"}
    child = spawn(["limits"], tmp_path, env)
    child.setwinsize(50, 60)
    child.expect("Paste an admin key")
    child.sendline(KEY)  # the API key where the admin key goes: said, then asked again
    child.expect(r"not\s+an\s+admin\s+key")  # (wrapped at 60 columns, under its marker)
    child.expect("Paste an admin key")
    child.sendline(ADMIN)
    assert finish(child) == 0
    raw = (tmp_path / "terminal.log").read_text()
    lines = [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", line).rstrip("\r") for line in raw.split("\n")]
    # the masked paste itself is longer than the terminal, like the key: it wraps
    said = [line for line in lines if "Paste an admin key" not in line and "***" not in line]
    assert not [line for line in said if len(line) > 60]
    assert ADMIN not in raw and ADMIN[12:-4] not in raw and KEY[12:-4] not in raw
    assert "*" * 20 in raw
    assert any("Organisation: Simulated Organisation" in line for line in lines)
