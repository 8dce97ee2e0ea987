"""The docs name every diagnosis code the program can print, and every built-in scenario."""

from __future__ import annotations

import re
from pathlib import Path

from wizard.simulator import builtin_names
from wizard.vocab import Code

ROOT = Path(__file__).resolve().parent.parent


def used_codes() -> set[str]:
    """The codes the program names (`Code.X` anywhere but where the enum is defined)."""
    names: set[str] = set()
    for path in (ROOT / "wizard").rglob("*.py"):
        if path.name != "vocab.py":
            names |= set(re.findall(r"\bCode\.([A-Z_]+)\b", path.read_text(encoding="utf-8")))
    return {Code[name].value for name in names if name in Code.__members__}


def test_every_diagnosis_code_is_emitted_somewhere():
    # a code nothing emits is a word the docs promise and the program never says
    assert {code.value for code in Code} - used_codes() == set()


def test_troubleshooting_documents_every_diagnosis_code_and_no_other():
    text = (ROOT / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)`", text, flags=re.MULTILINE))
    assert documented == {code.value for code in Code}


def test_the_simulator_doc_lists_every_built_in_scenario():
    text = (ROOT / "docs" / "simulator.md").read_text(encoding="utf-8")
    missing = [name for name in builtin_names() if f"| `{name}` |" not in text]
    assert missing == []
