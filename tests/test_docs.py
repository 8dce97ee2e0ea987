"""The docs name every diagnosis code the program can print, and every built-in scenario."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from wizard.simulator import builtin_names
from wizard.vocab import Code

ROOT = Path(__file__).resolve().parent.parent


def used_codes() -> set[str]:
    """The codes the program can say: `Code.X` anywhere but where the enum is defined, and not
    inside a comparison (`code == Code.X`, `code in (Code.X, ...)` reads a code, it says none)."""
    names: set[str] = set()
    for path in (ROOT / "wizard").rglob("*.py"):
        if path.name == "vocab.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "Code"
            ):
                continue
            above: ast.AST = node
            while above in parents and not isinstance(above, (ast.Compare, ast.stmt)):
                above = parents[above]
            if not isinstance(above, ast.Compare):
                names.add(node.attr)
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
