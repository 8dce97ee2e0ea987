"""The configured fallback (`[model].fallback`) is a checked fact: proven within the cap,
named with its status and source by check, check --offline, check --all, status, doctor and
the checklist, 11 when only it is due, replaced by migrate when retired, and replaced by run
with the reason said. And check bills no call below the recommendation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import KEY, ScriptedPrompter, flux, json_of, make_context
from wizard.commands.run import run
from wizard.constants import CHECKLIST_NAME
from wizard.simulator import serve
from wizard.vocab import ExitCode

CLOSED = "claude-sonnet-4-5-20250929"  # `today`: deprecated, overdue, closed to this organisation
RETIRED = "claude-3-haiku-20240307"


def project(folder: Path, model: str, fallback: str | None) -> Path:
    line = f'fallback = "{fallback}"\n' if fallback else ""
    (folder / "flux.toml").write_text(f'config_version = 2\n[model]\nid = "{model}"\n{line}')
    return folder


def said(result) -> str:
    """Everything a person sees (without --json, the human text goes to stdout)."""
    return result.stdout + result.stderr


def cli(folder: Path, running, *args: str):
    env = {"ANTHROPIC_API_KEY": KEY}
    if running is not None:
        env["ANTHROPIC_BASE_URL"] = running.base_url
    return flux(*args, "--project", str(folder), env=env)


@pytest.mark.parametrize(
    "fallback,status",
    [(CLOSED, "not_callable"), (RETIRED, "retired"), ("claude-opus-9", "unknown_model")],
)
def test_check_exits_11_for_a_fallback_no_one_can_call_and_names_it_as_configured(
    tmp_path, sim, fallback, status
):
    project(tmp_path, "claude-opus-5-5", fallback)
    result = cli(tmp_path, sim, "check", "--json")
    payload = json_of(result)
    assert result.returncode == ExitCode.DEPRECATED
    assert payload["configured"]["status"] == "callable"
    assert payload["configured"]["fallback"] == {
        "model": fallback,
        "status": status,
        "source": "config",
    }
    assert payload["fallback"] != fallback  # the computed one is kept apart
    assert fallback in payload["reason"] and "fallback" in payload["reason"]
    own = [d for d in payload["diagnosis"] if d["model"] == fallback]
    assert own and "configured fallback" in own[0]["message"]
    text = said(cli(tmp_path, sim, "check"))
    assert f"fallback {fallback} (" in text
    assert "✓ Flux uses the best callable model" not in text


def test_a_callable_fallback_is_proven_and_exits_0(tmp_path, sim):
    project(tmp_path, "claude-opus-5-5", "claude-haiku-5-5")
    result = cli(tmp_path, sim, "check", "--json")
    payload = json_of(result)
    assert result.returncode == ExitCode.OK
    assert payload["configured"]["fallback"]["status"] == "callable"
    haiku = next(m for m in payload["models"] if m["id"] == "claude-haiku-5-5")
    assert haiku["verified"] and haiku["callable"]
    assert payload["fallback"] == "claude-haiku-5-5"  # the rule keeps a fallback that can stay


@pytest.mark.parametrize("model,code", [("claude-3-haiku-20240307", 12), ("claude-haiku-5-5", 11)])
def test_the_highest_of_12_11_10_still_wins(tmp_path, sim, model, code):
    # haiku-5-5 is outranked (10) and its fallback is closed (11): 11; a retired model: 12
    project(tmp_path, model, CLOSED)
    assert cli(tmp_path, sim, "check", "--max-verify", "8").returncode == code


def test_status_offline_and_the_scan_name_the_fallback_with_its_status_and_source(tmp_path, sim):
    folder = project(tmp_path, "claude-opus-5-5", CLOSED)
    before = json_of(cli(folder, None, "status", "--json"))
    assert before["configured"]["fallback"] == {
        "model": CLOSED,
        "status": "unverified",
        "source": "config",
    }
    assert CLOSED in said(cli(folder, None, "status"))
    assert cli(folder, sim, "check").returncode == ExitCode.DEPRECATED
    status = cli(folder, None, "status")
    assert status.returncode == ExitCode.DEPRECATED
    assert f"{CLOSED}  (refused to this key)" in said(status)
    assert "[model].fallback" in said(status)
    offline = json_of(cli(folder, None, "check", "--offline", "--json"))
    assert offline["exit_code"] == ExitCode.DEPRECATED
    assert offline["configured"]["fallback"]["status"] == "not_callable"
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    scan = json_of(flux("check", "--all", str(folder), "--json", env=env))
    (one,) = scan["projects"]
    assert one["exit_code"] == ExitCode.DEPRECATED
    assert one["configured"]["fallback"]["status"] == "not_callable"


def test_the_checklist_names_the_configured_fallback_and_how_to_replace_it(tmp_path, sim):
    project(tmp_path, "claude-opus-5-5", CLOSED)
    cli(tmp_path, sim, "check", "--write-checklist")
    sheet = (tmp_path / "flux-upgrade-checklist.md").read_text()
    assert f"- Configured fallback: `{CLOSED}` (refused to this key)" in sheet
    assert f"Replace the fallback {CLOSED}" in sheet


def test_migrate_replaces_a_retired_fallback_like_a_retired_model(tmp_path, sim):
    project(tmp_path, "claude-opus-5-5", RETIRED)
    cli(tmp_path, sim, "check")
    result = cli(tmp_path, None, "migrate", "--check")
    assert result.returncode == ExitCode.UPGRADE_AVAILABLE
    assert f'-fallback = "{RETIRED}"' in said(result)
    assert '+fallback = "claude-haiku-5-5"' in said(result)
    assert "configured fallback" in said(result)


def test_run_says_why_it_replaces_the_configured_fallback(tmp_path, sim):
    project(tmp_path, "claude-opus-5-5", CLOSED)
    result = cli(tmp_path, sim, "run", "--yes", "--dry-run")
    assert f"The configured fallback {CLOSED} is refused to this key: the fallback becomes" in (
        said(result)
    )


def test_run_keeps_a_configured_fallback_that_can_stay(tmp_path, sim):
    folder = project(tmp_path, "claude-opus-5-5", "claude-haiku-5-5")
    before = (folder / "flux.toml").read_text()
    result = cli(folder, sim, "run", "--yes")
    assert result.returncode == ExitCode.OK
    assert (folder / "flux.toml").read_text() == before
    assert "Fallback: claude-haiku-5-5" in said(result)


def test_no_fallback_chosen_by_hand_is_said_as_chosen(tmp_path, sim):
    # key kept, the model, "none" for the fallback, apply
    prompter = ScriptedPrompter(["", "default", "none", True])
    ctx, out = make_context(
        tmp_path, prompter=prompter, environ={"ANTHROPIC_API_KEY": KEY}, base_url=sim.base_url
    )
    assert run(ctx).exit_code == ExitCode.OK
    text = out.getvalue()
    assert "No fallback, as chosen" in text
    assert "no callable model ranks below" not in text


def test_check_bills_no_call_below_the_recommendation_and_shows_no_refusal_below_it(tmp_path):
    project(tmp_path, "claude-opus-4-1-20250805", None)
    with serve("seed-2025") as running:
        payload = json_of(cli(tmp_path, running, "check", "--json"))
        billed = running.sim.counters.billed_calls
    assert payload["exit_code"] == ExitCode.OK
    assert billed == 1  # the configured model, the best of its line: nothing else to prove
    below = {"claude-3-7-sonnet-20250219", "claude-sonnet-4-20250514"}
    assert not [d for d in payload["diagnosis"] if d["model"] in below]
    assert not [m for m in payload["models"] if m["id"] in below and m["verified"]]


def test_check_all_fix_replaces_a_fallback_that_is_due_beside_a_model_that_stays(tmp_path, sim):
    (tmp_path / "p").mkdir()
    folder = project(tmp_path / "p", "claude-opus-5-5", CLOSED)
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    result = flux("check", "--all", str(tmp_path), "--fix", "--yes", env=env)
    assert result.returncode == ExitCode.OK, said(result)  # judged again after the fix
    assert f"The configured fallback {CLOSED} is refused to this key" in said(result)
    text = (folder / "flux.toml").read_text()
    assert 'id = "claude-opus-5-5"' in text and CLOSED not in text
    assert cli(folder, sim, "check").returncode == ExitCode.OK


@pytest.mark.parametrize(
    "text,model_key,fallback_key",
    [
        (f'model = "claude-opus-5-5"\nfallback_model = "{RETIRED}"\n', "model", "fallback_model"),
        (
            f'config_version = 2\n[model]\nid = "claude-opus-5-5"\nfallback = "{RETIRED}"\n',
            "[model].id",
            "[model].fallback",
        ),
    ],
    ids=["schema-1", "schema-2"],
)
def test_every_view_names_the_keys_as_the_users_config_spells_them(
    tmp_path, sim, text, model_key, fallback_key
):
    """A schema-1 flux.toml (not migrated yet) has `model` and `fallback_model`: a line that
    sends the user to `[model].fallback` points at nothing in their file."""
    (tmp_path / "flux.toml").write_text(text)
    views = {
        "status": said(cli(tmp_path, None, "status")),
        "doctor --offline (no check yet)": said(cli(tmp_path, None, "doctor", "--offline")),
        "doctor": said(cli(tmp_path, sim, "doctor")),
    }
    check = cli(tmp_path, sim, "check", "--write-checklist", "--yes")
    views["doctor --offline"] = said(cli(tmp_path, None, "doctor", "--offline"))
    views["the checklist"] = (tmp_path / CHECKLIST_NAME).read_text()
    assert check.returncode == ExitCode.DEPRECATED
    for view, words in views.items():
        other = "[model]" if model_key == "model" else "fallback_model"
        assert other not in words, (view, words)
    assert f"{model_key} in the config" in views["status"]
    assert f"from {model_key} in the config" in views["doctor"]
    for view in ("status", "doctor", "doctor --offline", "the checklist"):
        assert fallback_key in views[view], view
    # the rule's fallback, beside the configured one, says which it is (not two "Fallback"s)
    rules = next(
        line for line in views["the checklist"].splitlines() if line.startswith("- Fallback:")
    )
    assert "`flux-setup run` writes" in rules, rules


def test_a_fallback_to_replace_is_said_below_the_model_run_switches_to(tmp_path, sim):
    """The configured model is retired too: "below claude-opus-4-1" named the model that goes."""
    project(tmp_path, "claude-opus-4-1-20250805", RETIRED)
    payload = json_of(cli(tmp_path, sim, "check", "--json"))
    assert payload["recommended"] == "claude-opus-5-5"
    step = next(d["next_step"] for d in payload["diagnosis"] if d["model"] == RETIRED)
    assert "below claude-opus-5-5 (the model it switches to;" in step, step
    assert "claude-opus-4-1" not in step
    # and offline, by the catalogue that check saved: the same step
    offline = json_of(cli(tmp_path, None, "check", "--offline", "--json"))
    step = next(d["next_step"] for d in offline["diagnosis"] if d["model"] == RETIRED)
    assert "below claude-opus-5-5 (the model it switches to;" in step, step
