"""Startup a person feels: `--help`, `status`, `check --offline` (what a pre-commit hook
runs) and `doctor --offline` against a bare interpreter (and doctor against status), and the time to the first prompt of `run` in a
pseudo-terminal, side by side in one run.

    python benchmarks/startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import pexpect


def timed(cmd: list[str], env: dict[str, str], cwd: str, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(
            cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def first_prompt(env: dict[str, str], cwd: str, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        child = pexpect.spawn(
            sys.executable, ["-m", "wizard", "run"], env=env, cwd=cwd, timeout=30, encoding="utf-8"
        )
        child.expect("Paste your Anthropic API key")
        samples.append(time.perf_counter() - started)
        child.sendcontrol("c")
        child.expect(pexpect.EOF)
        child.close()
    return statistics.median(samples)


def offline_check(env: dict[str, str], repeat: int) -> tuple[float, float, float]:
    """`check --offline`, `doctor --offline` and `status` in a project whose catalogue one
    online check (not timed) saved."""
    from wizard.simulator import serve

    project = tempfile.mkdtemp()
    with open(os.path.join(project, ".env"), "w") as handle:
        handle.write("FLUX_MODEL=claude-opus-5-5\n")
    key = {"ANTHROPIC_API_KEY": "sk-ant-api03-" + "StartupKey" * 9 + "AbCd"}
    with serve("today") as running:
        online = {**env, **key, "ANTHROPIC_BASE_URL": running.base_url}
        subprocess.run(
            [sys.executable, "-m", "wizard", "check"],
            env=online,
            cwd=project,
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    wizard = [sys.executable, "-m", "wizard"]
    return (
        timed([*wizard, "check", "--offline"], {**env, **key}, project, repeat),
        timed([*wizard, "doctor", "--offline"], {**env, **key}, project, repeat),
        timed([*wizard, "status"], {**env, **key}, project, repeat),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "FLUX_MODEL")}
    env.update(
        {"FLUX_SETUP_HOME": tempfile.mkdtemp(), "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"}
    )
    cwd = tempfile.mkdtemp()
    bare = timed([sys.executable, "-c", "pass"], env, cwd, args.repeat)
    help_ = timed([sys.executable, "-m", "wizard", "--help"], env, cwd, args.repeat)
    status = timed([sys.executable, "-m", "wizard", "status"], env, cwd, args.repeat)
    offline, doctor, status_here = offline_check(env, args.repeat)
    sdk = timed([sys.executable, "-c", "import anthropic"], env, cwd, args.repeat)
    prompt = first_prompt(env, cwd, args.repeat)
    print(f"median of {args.repeat} runs")
    print(f"  python -c pass          {bare * 1000:7.0f} ms")
    print(
        f"  flux-setup --help       {help_ * 1000:7.0f} ms  ({help_ / bare:.1f}x bare; goal < 5x)"
    )
    print(f"  flux-setup status       {status * 1000:7.0f} ms  ({status / bare:.1f}x bare)")
    print(f"  check --offline         {offline * 1000:7.0f} ms  ({offline / bare:.1f}x bare)")
    print(
        f"  doctor --offline        {doctor * 1000:7.0f} ms  ({doctor / status_here:.2f}x status "
        f"in the same project, {status_here * 1000:.0f} ms; goal within 1.5x)"
    )
    print(f"  python -c 'import anthropic' {sdk * 1000:5.0f} ms  (what the fast paths avoid)")
    print(f"  run: first prompt       {prompt * 1000:7.0f} ms  (goal < 500 ms)")


if __name__ == "__main__":
    main()
