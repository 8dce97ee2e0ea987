"""A model list longer than the time budget, in every command that lists: each says the list
was still arriving (and how much had), never that the API could not be reached (#40)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers import KEY, flux, long_listing
from wizard.simulator import Faults, serve


@pytest.fixture(scope="module")
def slow_long_list() -> Iterator[str]:
    with serve(long_listing(), Faults(latency_ms=300)) as running:
        yield running.base_url


@pytest.mark.parametrize(
    "command",
    [
        ["run", "--yes"],
        ["models"],
        ["doctor"],
        ["check", "--write-checklist"],
        ["check", "--all", "{project}"],
    ],
    ids=lambda c: " ".join(c),
)
def test_every_command_says_the_list_was_still_arriving(tmp_path, slow_long_list, command):
    (tmp_path / "flux.toml").write_text('config_version = 2\n\n[model]\nid = "claude-opus-5-5"\n')
    args = [part.format(project=tmp_path) for part in command]
    if "--all" not in args:
        args += ["--project", str(tmp_path)]
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": slow_long_list}
    result = flux(*args, "--timeout", "1", env=env)
    said = result.stdout + result.stderr
    assert result.returncode == 5, said
    assert "still arriving" in said and "models had arrived" in said, said
    assert "could not be reached" not in said.lower(), said
    for written in tmp_path.glob("*.md"):  # the checklist says no more than the screen
        assert "could not be reached" not in written.read_text().lower()
