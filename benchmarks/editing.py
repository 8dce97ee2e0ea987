"""Plan and apply on a large project and on one a tenth of its size, side by side in one run.

A 20,000-line .env and a 5,000-line pyproject.toml, then 2,000 and 500 lines; a normal
project (20-line .env, 40-line pyproject); a .env just under the 5 MB read limit, and a 10 MB one
(refused before it is parsed). Prints the times and the growth ratio.

    python benchmarks/editing.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from wizard import changes, project
from wizard.environment import utc_now
from wizard.errors import FilesError
from wizard.fileio import MAX_FILE_BYTES, MAX_FILE_WORDS
from wizard.state import Store

# A state home of its own: a benchmark never touches the real one.
STORE = Store(Path(tempfile.mkdtemp(prefix="flux-bench-state-")))


def make_project(folder: Path, env_lines: int, toml_lines: int) -> None:
    env = [f"# section {i}" if i % 10 == 0 else f"VAR_{i}=value-{i}" for i in range(env_lines)]
    env.insert(env_lines // 2, "FLUX_MODEL=claude-3-haiku-20240307")
    (folder / ".env").write_text("\n".join(env) + "\n")
    toml = ['[project]\nname = "big"\n']
    tables = max(1, toml_lines // 5)
    for t in range(tables):
        toml.append(f"[tool.other{t}]\n# table {t}\na = {t}\nb = 'x{t}'\n")
    toml.append('[tool.flux]\nmodel = "claude-3-5-sonnet-20240620"\n')
    (folder / "pyproject.toml").write_text("\n".join(toml))


def measure(env_lines: int, toml_lines: int, repeat: int = 5) -> tuple[float, float]:
    plans, applies = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            make_project(folder, env_lines, toml_lines)
            started = time.perf_counter()
            proposal = project.plan_setup(project.load(folder), model="claude-opus-5-5")
            proposal.plan.diff()
            planned = time.perf_counter()
            changes.apply(proposal.plan, STORE, at=utc_now())
            done = time.perf_counter()
            plans.append(planned - started)
            applies.append(done - planned)
    return statistics.median(plans), statistics.median(applies)


def lines_under_the_limit() -> int:
    """As many .env lines as fit under the read limit (the largest file flux-setup edits)."""
    per_line = len("VAR_100000=value-100000\n")
    return int(MAX_FILE_BYTES * 0.95) // per_line


def refusal_time(env_lines: int) -> float:
    """A .env over the read limit is refused before it is parsed: how long that takes."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_project(folder, env_lines, 40)
        started = time.perf_counter()
        try:
            project.load(folder)
        except FilesError:
            return time.perf_counter() - started
    raise SystemExit(f"a .env of {env_lines} lines was not refused: is the read limit gone?")


def _fill_to(size: int, line: str) -> list[str]:
    return [line.format(i=i) for i in range(size // len(line.format(i=100000)))]


def one_large_file(kind: str) -> None:
    """In a fresh process: plan and apply on a project whose `kind` file (pyproject or env) is
    4.9 MB; prints seconds and the peak memory the edit added, in MB."""
    import resource

    size = int(MAX_FILE_BYTES * 0.98)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_project(folder, 20, 40)
        if kind.startswith("pyproject"):
            tables = "".join(_fill_to(size, "[tool.other{i}]\na = {i}\nb = 'x{i}'\n"))
            text = tables + '[tool.flux]\nmodel = "claude-3-5-sonnet-20240620"\n'
            newline = "\r\n" if kind.endswith("crlf") else "\n"
            (folder / "pyproject.toml").write_bytes(text.replace("\n", newline).encode())
        else:
            (folder / ".env").write_text(
                "".join(_fill_to(size, "VAR_{i}=value-{i}\n")) + "FLUX_MODEL=claude-3-haiku\n"
            )
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        proposal = project.plan_setup(project.load(folder), model="claude-opus-5-5")
        proposal.plan.diff()
        changes.apply(proposal.plan, STORE, at=utc_now())
        took = time.perf_counter() - started
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        print(f"{took:.3f} {grown:.1f} {size / 1e6:.2f}")


def large_files_side_by_side() -> None:
    import subprocess
    import sys

    got = {}
    for kind in ("env", "pyproject", "pyproject-crlf"):
        out = subprocess.run(
            [sys.executable, __file__, "--one", kind], capture_output=True, text=True, check=True
        ).stdout.split()
        got[kind] = (float(out[0]), float(out[1]), float(out[2]))
        print(f"a {out[2]} MB {kind:14}: edited in {got[kind][0]:6.2f} s, peak +{out[1]} MB")
    for kind in ("pyproject", "pyproject-crlf"):
        ratio = got[kind][0] / got["env"][0]
        memory = got[kind][1] / got[kind][2]
        print(
            f"{kind} vs .env of the same size: {ratio:.1f}x the time (goal: <= 3x), "
            f"memory {memory:.1f}x the file (goal: < 10x)"
        )


def main() -> None:
    import sys

    if sys.argv[1:2] == ["--one"]:
        one_large_file(sys.argv[2])
        return
    large_files_side_by_side()
    measure(20, 40, repeat=2)  # warm up imports
    rows = {}
    for label, env_lines, toml_lines in (
        ("normal", 20, 40),
        ("tenth", 2000, 500),
        ("large", 20000, 5000),
        (f"<{MAX_FILE_WORDS}", lines_under_the_limit(), 40),  # the largest file it edits
    ):
        rows[label] = measure(env_lines, toml_lines, repeat=1 if env_lines > 100_000 else 5)
        plan, applied = rows[label]
        print(
            f"{label:7} .env {env_lines:7} lines, pyproject {toml_lines:5} lines: plan+diff {plan * 1000:8.1f} ms, apply {applied * 1000:7.1f} ms"
        )
    refused = refusal_time(550_000)
    print(f"10 MB   .env  550000 lines: refused before parsing in {refused * 1000:.1f} ms")
    ratio = (rows["large"][0] + rows["large"][1]) / (rows["tenth"][0] + rows["tenth"][1])
    print(
        f"growth for 10x the size: {ratio:.1f}x (goal: <= ~10x, linear); normal project plan: {rows['normal'][0] * 1000:.1f} ms (goal: < 50 ms)"
    )


if __name__ == "__main__":
    main()
