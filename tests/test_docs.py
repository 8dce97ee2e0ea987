"""The docs name every diagnosis code the program can print, and every built-in scenario."""

from __future__ import annotations

import re
from pathlib import Path

from wizard.simulator import builtin_names

ROOT = Path(__file__).resolve().parent.parent
# A code is written right after `Diagnosis(`, `KeyProblem(` or as `diagnosis="..."`.
EMITTED = re.compile(r'(?:Diagnosis|KeyProblem)\(\s*"([a-z_]+)"|diagnosis="([a-z_]+)"')


def emitted_codes() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "wizard").rglob("*.py"):
        for match in EMITTED.finditer(path.read_text(encoding="utf-8")):
            codes.add(match.group(1) or match.group(2))
    return codes


def test_the_scan_finds_the_codes_it_must():
    codes = emitted_codes()
    # a scan that found nothing would pass the test below by construction
    assert {"key_missing", "model_suspended", "verification_incomplete", "env_not_ignored"} <= codes
    assert len(codes) >= 25


def test_troubleshooting_documents_every_diagnosis_code():
    text = (ROOT / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)`", text, flags=re.MULTILINE))
    assert emitted_codes() - documented == set()


def test_the_simulator_doc_lists_every_built_in_scenario():
    text = (ROOT / "docs" / "simulator.md").read_text(encoding="utf-8")
    missing = [name for name in builtin_names() if f"| `{name}` |" not in text]
    assert missing == []
