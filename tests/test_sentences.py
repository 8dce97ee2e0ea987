"""Sentences from one home: every status and every diagnosis code, through every view (check,
check --offline, status, doctor, the checklist, models), reads as words: never a raw code word
(`not_callable`, `unset`), never doubled punctuation, never "1 files", never a past date in the
future tense, never "rerun later" after a refusal that time does not change."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tests.helpers import KEY, flux
from wizard import checklist
from wizard.catalog import Model
from wizard.commands.doctor_lines import configured_line, fallback_line, recommendation_line
from wizard.detection import Detection
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode
from wizard.flow.network import describe_fallback
from wizard.simulator import builtin_names, serve
from wizard.vocab import Code, KeyKind, KeySource, Lifecycle, Status
from wizard.words import ended, joined, plural

RAW_WORDS = re.compile(r"\b(not_callable|unknown_model|unset)\b")
DOUBLED = re.compile(r"(?<!\.)\.\.(?!\.)|\.\s\.|,,|;;|:\s*\.")
PAST_FUTURE = re.compile(r"\bretires (\d{4}-\d{2}-\d{2})")
TODAY = date(2026, 12, 6)
# a sentence going on after a colon goes on in lower case ("not verified: the API refused")
CAPITAL_AFTER_COLON = re.compile(
    r"\b[a-z][\w-]* [\w-]+ [\w().,-]+: (The|A|An|No|Your|This|It|Run|Use|Add|Create)\b"
)
BARE_EXIT = re.compile(r":\s*exit \d+\s*$", re.MULTILINE)  # a code is no explanation


def faults(text: str, today: date = TODAY) -> list[str]:
    """What a person should never read."""
    found = [f"raw word {m.group(0)!r}" for m in RAW_WORDS.finditer(text)]
    found += [f"doubled {m.group(0)!r}" for m in DOUBLED.finditer(text)]
    found += ["'1 files'"] * len(re.findall(r"\b1 files\b", text))
    found += [f"capital after a colon: {m.group(0)!r}" for m in CAPITAL_AFTER_COLON.finditer(text)]
    found += [f"a bare exit code: {m.group(0)!r}" for m in BARE_EXIT.finditer(text)]
    found += [f"four dots: {m.group(0)!r}" for m in re.finditer(r"\.{4,}", text)]
    found += [
        f"past date in the future tense: {m.group(0)}"
        for m in PAST_FUTURE.finditer(text)
        if m.group(1) < today.isoformat()
    ]
    return found


def test_the_small_rules_of_a_sentence():
    assert plural(1, "file") == "1 file" and plural(2, "file") == "2 files"
    assert ended("Done") == "Done." and ended("See the diagnosis.") == "See the diagnosis."
    assert joined("Read (see the diagnosis).", "The Admin API said no") == (
        "Read (see the diagnosis). The Admin API said no."
    )
    for status in Status:
        assert "_" not in status.words and not RAW_WORDS.search(status.words), status


def _detection(status: Status, fallback_status: Status) -> Detection:
    overdue = Model(
        "claude-sonnet-4-5-20250929",
        "Claude Sonnet 4.5",
        "sonnet",
        Lifecycle.DEPRECATED,
        "2025-09-29",
        retires_at="2026-11-30T00:00:00Z",
        callable=False,
        verified=True,
        reason=Code.MODEL_CLOSED_TO_NEW_ADOPTERS,
    )
    best = Model("claude-opus-5-5", "Claude Opus 5.5", "opus", Lifecycle.ACTIVE, "2026-10-01")
    best.callable, best.verified = True, True
    detection = Detection(
        KeySource.ENV,
        "sk-ant-api03...ZxWv",
        KeyKind.API_KEY,
        "http://127.0.0.1",
        ("opus", "sonnet"),
        True,
        configured=None if status == Status.UNSET else "claude-opus-5-5",
        configured_status=status,
        configured_fallback=None if fallback_status == Status.UNSET else overdue.id,
        configured_fallback_status=fallback_status,
        models=[best, overdue],
        recommended="claude-opus-5-5",
        checked_at="2026-12-06T12:00:00+00:00",
    )
    detection.diagnoses = [
        Diagnosis(code, f"The finding {code.short}.", "Do the next step.", model=overdue.id)
        for code in Code
    ]
    return detection


@pytest.mark.parametrize("status", list(Status))
def test_every_status_and_code_reads_as_words_in_the_checklist_and_the_doctor(status):
    detection = _detection(status, status)
    text = checklist.render(detection, made_at="2026-12-06 12:00 UTC")
    text += describe_fallback(detection)
    for code in ExitCode:
        text += configured_line(detection, code, None).summary
    text += (
        fallback_line(detection, "[model].fallback").summary
        + recommendation_line(detection).summary
    )
    assert faults(text) == [], status


def project(folder: Path) -> Path:
    folder.mkdir()
    (folder / "flux.toml").write_text(
        'config_version = 2\n[model]\nid = "claude-opus-4-5-20251101"\n'
        'fallback = "claude-sonnet-4-5-20250929"\n'
    )
    return folder


# Scenarios whose detection waits out its budget (the detection's speed is another issue's):
# their words are read by their own tests (the refused listing below; test_error_codes).
SLOW = {"listing-forbidden", "cmek-key-disabled"}


@pytest.mark.parametrize("scenario", [s for s in builtin_names() if s not in SLOW])
def test_every_scenario_reads_as_words_in_every_view(tmp_path, scenario):
    folder = project(tmp_path / "p")
    args = ("--project", str(folder), "--timeout", "1")
    seen = []
    with serve(scenario) as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        # one online check per scenario (doctor and models run the same detection: the
        # scenarios of test_doctor and test_models_command read them)
        result = flux("check", "--write-checklist", *args, env=env)
        seen.append(result.stdout + result.stderr)
    offline = {"ANTHROPIC_API_KEY": KEY}
    for command in (("check", "--offline"), ("status",), ("doctor", "--offline")):
        result = flux(*command, "--project", str(folder), env=offline)
        seen.append(result.stdout + result.stderr)
    sheet = folder / "flux-upgrade-checklist.md"
    if sheet.exists():
        seen.append(sheet.read_text())
    text = "\n".join(seen)
    assert faults(text, date.today()) == [], scenario


def test_a_refused_listing_is_never_told_to_wait(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")  # it answers: exit 5
    with serve("listing-forbidden") as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        result = flux("check", "--project", str(folder), env=env)
    assert "rerun later" not in (result.stdout + result.stderr).lower()
