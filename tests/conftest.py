from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from wizard.constants import API_VARS
from wizard.simulator import RunningSimulator, serve


@pytest.fixture
def sim() -> Iterator[RunningSimulator]:
    with serve("today") as running:
        yield running


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own state directory and no ambient key or base URL."""
    home = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("FLUX_SETUP_HOME", str(home))
    for name in (*API_VARS, "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return home


os.environ.setdefault("NO_COLOR", "1")
