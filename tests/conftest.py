from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from wizard.constants import API_VARS
from wizard.simulator import RunningSimulator, serve

# The real Secret Service fixtures (`secret_service`, `keyring_env`).
pytest_plugins = ["tests.keyring_service"]


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
    for name in (*API_VARS, "ANTHROPIC_AUTH_TOKEN", "FLUX_SETUP_KEYRING"):
        monkeypatch.delenv(name, raising=False)
    # No test touches the user's keyring: keyring's own fail backend answers, unless a test
    # starts its own Secret Service (tests/keyring_service.py) and names that backend.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return home


os.environ.setdefault("NO_COLOR", "1")


def pytest_runtest_teardown(item: pytest.Item) -> None:
    """A program a failed terminal test left running is ended with the test."""
    helpers = sys.modules.get("tests.terminal_helpers")
    if helpers is not None:
        helpers.end_spawned()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The terminal tests' pre-imported runner (`tests/prefork.py`) ends with the worker."""
    from tests import prefork

    prefork.stop()
