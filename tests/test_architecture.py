"""The code stays easy to carry on: small modules and functions, and the process's state (its
environment, streams, folder and clock) read only where the program starts."""

from __future__ import annotations

import ast
import re
from pathlib import Path

WIZARD = Path(__file__).resolve().parent.parent / "wizard"

# Where the program meets its process: the entry points, the Environment they build, and the
# simulator (a server of its own, run as a program).
# interrupts.py: the signal handlers of the process, split from cli.py (they write the last line)
ENTRY = {"cli.py", "ci.py", "__main__.py", "environment.py", "interrupts.py"}
PROCESS_READS = re.compile(
    r"\bos\.environ\b|\bsys\.std(in|out|err)\b|\bPath\.cwd\(\)|\bos\.getcwd\(\)"
    r"|\bdatetime\.(now|utcnow|today)\(|\bdate\.today\(|\btime\.time\(\)|\btime\.strftime\("
)


def sources() -> list[Path]:
    return sorted(WIZARD.rglob("*.py"))


def below_the_entry_points(path: Path) -> bool:
    rel = path.relative_to(WIZARD)
    return rel.parts[0] != "simulator" and str(rel) not in ENTRY


def test_no_module_is_over_400_lines_and_no_function_over_60():
    long_modules = {
        str(p.relative_to(WIZARD)): n
        for p in sources()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long_modules == {}
    long_functions = []
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 60:
                    long_functions.append(f"{path.relative_to(WIZARD)}:{node.name} ({length})")
    assert long_functions == []


def _text_lines(tree: ast.AST) -> set[int]:
    """The lines of string constants (docstrings, messages): words there read nothing."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def test_nothing_below_the_entry_points_reads_the_process():
    found = []
    for path in filter(below_the_entry_points, sources()):
        text = path.read_text(encoding="utf-8")
        words = _text_lines(ast.parse(text))
        for number, line in enumerate(text.splitlines(), 1):
            if number not in words and PROCESS_READS.search(line.split("#", 1)[0]):
                found.append(f"{path.relative_to(WIZARD)}:{number}: {line.strip()}")
    assert found == []


def test_json_and_other_unknown_shapes_are_object_until_checked_not_any():
    """`Any` switches the type checker off: JSON from the network, the state home or a report
    is `object` (wizard/jsontypes.py) until a reader narrows it. Where `Any` is left, the
    language asks for it (a module's lazy `__getattr__`)."""
    uses = [
        f"{p.relative_to(WIZARD)}:{n}"
        for p in sources()
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bAny\b", line) and not line.lstrip().startswith(("from ", "import ", "#"))
    ]
    assert [use.split(":")[0] for use in uses] == ["simulator/__init__.py"], uses


# The project's file names are spelled in `wizard/constants.py` only.
FILE_NAMES = {".env", "flux.toml", "pyproject.toml", "flux-upgrade-checklist.md"}


def test_the_project_file_names_are_spelled_in_one_module():
    spelled = sorted(
        f"{path.relative_to(WIZARD)}:{node.lineno} {node.value}"
        for path in sources()
        if path.name != "constants.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and node.value in FILE_NAMES
    )
    assert spelled == [], "name them by wizard.constants (ENV_NAME, CONFIG_NAME, ...)"
