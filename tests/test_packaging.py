"""The Python claim in pyproject.toml is one that installs: its classifiers, requires-python and
each dependency's floor agree with the dependencies' own metadata and with the constraints file
that .ci/run installs the oldest allowed versions from."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
OLDEST = ROOT / ".ci" / "constraints-oldest.txt"


def _classified_versions() -> list[Version]:
    found = (
        re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", c)
        for c in PROJECT["classifiers"]
    )
    return sorted(Version(m.group(1)) for m in found if m)


def _requirements() -> list[Requirement]:
    return [Requirement(text) for text in PROJECT["dependencies"]]


def _floor(req: Requirement) -> Version | None:
    floors = [Version(s.version) for s in req.specifier if s.operator == ">="]
    return max(floors) if floors else None


def test_the_oldest_classified_python_is_the_one_requires_python_allows_first():
    versions = _classified_versions()
    allowed = SpecifierSet(PROJECT["requires-python"])
    assert versions, "pyproject.toml lists no Python version classifiers"
    assert all(v in allowed for v in versions)
    below = Version(f"3.{versions[0].minor - 1}")
    assert below not in allowed, f"requires-python admits {below}, which no classifier names"


def test_every_dependency_installs_on_every_classified_python():
    """A dependency whose own requires-python excludes a classified version would make
    `pip install flux-setup` find nothing there (genai-prices 0.2 needs 3.11: 3.10 is out)."""
    for req in _requirements():
        if req.marker is not None and not req.marker.evaluate():
            continue
        needs = distribution(req.name).metadata.get("Requires-Python") or ""
        for python in _classified_versions():
            assert python in SpecifierSet(needs), (
                f"{req.name} needs Python {needs}, yet pyproject.toml classifies {python}"
            )


def test_the_oldest_constraints_pin_exactly_the_floors_pyproject_names():
    """The CI step that installs the oldest allowed versions installs these: a floor raised in
    pyproject without the constraints file (or the reverse) would test another claim."""
    pinned: dict[str, Version] = {}
    for line in OLDEST.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pinned[name.strip().lower()] = Version(version.strip())
    floors = {req.name.lower(): _floor(req) for req in _requirements()}
    assert {name for name, floor in floors.items() if floor is not None} == set(pinned)
    for name, version in pinned.items():
        assert floors[name] == version, (
            f"{name}: pyproject's floor {floors[name]}, pinned {version}"
        )
