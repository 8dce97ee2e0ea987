"""The one secret scrubber at scale, side by side in one run:

1. a page of 1,000 models scrubbed string by string (as `api._scrub_data` did before) and as
   a whole (`redaction.scrub_data` now), with nothing to remove and with one entry that
   carries a piece of the key;
2. the same page with one key held and with six;
3. `check --all` over three projects against a 100,000-model listing, with the one key in the
   environment, and with six keys held (the environment's, and five more in the projects'
   .env files and legacy configs, each read and losing to it), each with the old per-string
   scrub and the new one; set against the documented budget (3 x --timeout, 30 s by default).

Goals: the page at least 3x faster; six keys within 1.2x of one; the whole command within
its budget with six keys (goal: well under half of it)."""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from wizard import cli, redaction, render
from wizard.constants import without_api_vars
from wizard.keys import ApiKey
from wizard.simulator import load, serve
from wizard.simulator.scenarios import Scenario
from wizard.vocab import KeySource

TIMEOUT = 10.0  # the default --timeout: the budget is 3 x it


def a_key(word: str) -> str:
    return "sk-ant-api03-" + (word * 20)[:86] + "AA"


KEY = a_key("benchmark-key-not-a-secret-")
OTHERS = [a_key(w) for w in ("ProjAenv3", "ProjAcfg7", "ProjBenv5", "ProjBcfg1", "ProjCenv2")]


def per_string(value: object) -> object:
    """The scrub as it was: every string on its own, the whole structure walked."""
    if isinstance(value, str):
        return redaction.scrub(value)
    if isinstance(value, list):
        return [per_string(v) for v in value]
    if isinstance(value, dict):
        return {redaction.scrub(str(k)): per_string(v) for k, v in value.items()}
    return value


def models(count: int) -> list[dict[str, object]]:
    template = {**load("today").models[0], "created_at": "2025-01-01T00:00:00Z"}
    return [
        {
            **template,
            "id": f"claude-filler-{i}",
            "display_name": f"Filler {i}",
            "line": f"filler{i % 50}",
        }
        for i in range(count)
    ]


def median(fn: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def hold(keys: list[str]) -> None:
    redaction.forget_all()
    for key in keys:
        ApiKey(key, KeySource.ENV)


def page_rows() -> None:
    page = models(1000)
    hostile = models(1000)
    hostile[500]["display_name"] = "Opus " + " ".join(KEY[13 + i : 20 + i] for i in (0, 7, 14))
    print("a page of 1,000 models (median of 5)")
    for keys, label in (([KEY], "1 key "), ([KEY, *OTHERS], "6 keys")):
        hold(keys)
        for name, data in (("clean", page), ("one entry carries a key", hostile)):
            old = median(lambda d=data: per_string(d))  # type: ignore[misc]
            new = median(lambda d=data: redaction.scrub_data(d))  # type: ignore[misc]
            print(
                f"  {label} {name:24} per string {old * 1000:6.1f} ms   as a whole "
                f"{new * 1000:6.1f} ms   {old / new:4.1f}x"
            )
    hold([KEY])
    one = median(lambda: redaction.scrub_data(page), 9)
    hold([KEY, *OTHERS])
    six = median(lambda: redaction.scrub_data(page), 9)
    print(f"  six keys vs one, as a whole: {six / one:.2f}x (goal <= 1.2x)")


@contextlib.contextmanager
def scrubbing(fn: Callable[[object], object]) -> Iterator[None]:
    """The scrub every caller uses (the API's pages, `--json`) swapped for the benchmark."""
    saved = redaction.scrub_data
    redaction.scrub_data = fn  # type: ignore[assignment]
    render.scrub_data = fn  # type: ignore[assignment]
    try:
        yield
    finally:
        redaction.scrub_data = saved  # type: ignore[assignment]
        render.scrub_data = saved  # type: ignore[assignment]


def tree(with_keys: bool) -> Path:
    root = Path(tempfile.mkdtemp(prefix="flux-bench-scrub-"))
    keys = iter(OTHERS)
    for name in "abc":
        folder = root / name
        folder.mkdir()
        env = "FLUX_MODEL=claude-haiku-5-5\n"
        if with_keys:
            env += f"ANTHROPIC_API_KEY={next(keys)}\n"
        (folder / ".env").write_text(env)
        if with_keys and name != "c":
            (folder / "flux.toml").write_text(
                f'model = "claude-haiku-5-5"\napi_key = "{next(keys)}"\n'
            )
    return root


def command(base_url: str, root: Path) -> tuple[float, int]:
    env = {**without_api_vars(os.environ), "ANTHROPIC_API_KEY": KEY}
    env["FLUX_SETUP_HOME"] = tempfile.mkdtemp(prefix="flux-bench-state-")
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = cli.main(["check", "--all", str(root), "--json", "--base-url", base_url])
        elapsed = time.perf_counter() - started
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return elapsed, code


def command_rows() -> None:
    import anthropic  # noqa: F401  (imported once, outside the measured time)

    base = load("today")
    scenario = Scenario("huge", "100,000 models", base.models + models(100_000), base.access)
    print(f"\ncheck --all --json, 3 projects, 100,000 models (budget {3 * TIMEOUT:.0f} s)")
    rows: dict[tuple[str, str], tuple[float, int]] = {}
    with serve(scenario) as running:
        if command(running.base_url, tree(False))[1] not in (0, 10):  # warm up
            sys.exit("check --all did not pass against the simulator")
        for label, with_keys in (("1 key ", False), ("6 keys", True)):
            root = tree(with_keys)
            for how, fn in (("per string", per_string), ("as a whole", redaction.scrub_data)):
                with scrubbing(fn):
                    rows[label, how] = command(running.base_url, root)
            (old, was), (new, now) = rows[label, "per string"], rows[label, "as a whole"]
            print(
                f"  {label}  per string {old:5.2f} s (exit {was})   as a whole {new:5.2f} s "
                f"(exit {now})   {old / new:4.1f}x"
            )
    six, one = rows["6 keys", "as a whole"][0], rows["1 key ", "as a whole"][0]
    print(
        f"  six keys vs one: {six / one:.2f}x; six keys used {six / (3 * TIMEOUT):.0%} of "
        f"the budget (goal: well under half)"
    )


if __name__ == "__main__":
    page_rows()
    command_rows()
