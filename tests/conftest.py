from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from wizard.facts import API_VARS
from wizard.simulator import RunningSimulator, serve

# A distinctive, well-formed key: the canary that tests search for in every output.
KEY = "sk-ant-api03-" + "CanaryKeyQ7" * 8 + "ZxWv"


@pytest.fixture
def api_key() -> str:
    return KEY


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


def sdk_client(base_url: str, key: str = KEY, **kwargs: object):  # type: ignore[no-untyped-def]
    import anthropic

    options: dict[str, object] = {"max_retries": 0, "_strict_response_validation": True}
    options.update(kwargs)
    return anthropic.Anthropic(api_key=key, base_url=base_url, **options)  # type: ignore[arg-type]


def assert_no_key(text: str, key: str = KEY) -> None:
    assert key not in text
    assert key[12:-4] not in text


os.environ.setdefault("NO_COLOR", "1")
