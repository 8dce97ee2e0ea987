"""The layers docs/architecture.md draws, held: which package may import which, and no circle of
imports anywhere in wizard/ (imports inside functions count: a circle there is a circle all the
same, only found later)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

WIZARD = Path(__file__).resolve().parent.parent / "wizard"


def _module_names() -> dict[str, Path]:
    found = {}
    for path in WIZARD.rglob("*.py"):
        parts = path.relative_to(WIZARD.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _module_names()


def _owner(name: str) -> str | None:
    """The module that `name` (a module, or a name inside one) belongs to."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def _imports(module: str) -> set[str]:
    """What `module` imports from wizard/ at run time (annotations-only imports left out)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    typing_only = _type_checking_lines(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from wizard.x import y`: y is a module of its own, or a name inside wizard.x
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            owner = _owner(name) if name.startswith("wizard") else None
            if owner is not None and owner != module:
                found.add(owner)
    return found


@functools.cache
def graph() -> dict[str, set[str]]:
    """Each module's imports, parsed when a test first asks (~0.8 s): not at collection, where
    every pytest worker would pay it for tests only one of them runs."""
    return {module: _imports(module) for module in MODULES}


def _circles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_no_circle_of_imports_in_the_package():
    # (the last one, keys -> redaction -> untrusted -> keys, went with `plaintext`: the shapes
    # of a key and the escapes of text below all three)
    assert _circles() == []


def test_the_circle_finder_finds_a_circle():
    """The positive control: the finder reports a circle where there is one."""
    edges = graph()
    saved = {k: set(v) for k, v in edges.items()}
    try:
        edges["wizard.vocab"].add("wizard.cli")  # cli imports vocab (through errors) already
        assert any("wizard.vocab" in group for group in _circles())
    finally:
        edges.clear()
        edges.update(saved)


# The entry points and the command line's grammar (argv shaping, option groups, value types).
ENTRY_POINTS = {
    "wizard.__main__",
    "wizard.cli",
    "wizard.ci",
    "wizard.parser",
    "wizard.argv",
    "wizard.option_groups",
    "wizard.argtypes",
}


def _layer(module: str) -> str:
    parts = module.split(".")
    if module in ENTRY_POINTS:
        return "entry"
    if len(parts) > 2 and parts[1] in ("commands", "flow", "simulator"):
        return parts[1]
    if len(parts) > 2 and parts[1] == "fleet":
        return "flow"  # check --all's steps: the flow's, for many projects
    return "core"


# Which layer may import which (docs/architecture.md, "Dependencies point one way").
MAY_IMPORT = {
    "entry": {"entry", "commands", "flow", "simulator", "core"},
    # a command may build on another (doctor runs check; check --all and demo run others)
    "commands": {"commands", "flow", "simulator", "core"},
    "flow": {"flow", "core"},
    "simulator": {"simulator", "core"},
    "core": {"core"},
}
# By design: `completion` prints a script made from the parser's grammar.
EDGE = {("wizard.commands.completion", "entry")}


def test_every_import_points_down_the_layers():
    wrong = []
    for module, imported in graph().items():
        for other in imported:
            layer, theirs = _layer(module), _layer(other)
            if theirs not in MAY_IMPORT[layer] and (module, theirs) not in EDGE:
                wrong.append(f"{module} ({layer}) imports {other} ({theirs})")
    assert wrong == []
