"""Discovery + verification against a naive baseline, side by side in one run.

The baseline is what a hand-written `check_models.py` does: list the models, then probe every
listed model one after another. Both use the real SDK against the simulator's `today` scenario
with 200 ms of latency per request. Then, for the refusal scenarios (gated flagships, refused
lines, workspace restrictions), what it costs each to reach the truth: billed calls, requests
and round trips, and the recommendation each ends with.

    python benchmarks/detection.py [--latency-ms 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import anthropic

from wizard.api import ApiClient
from wizard.detection import detect
from wizard.environment import utc_now
from wizard.keys import ApiKey
from wizard.simulator import Faults, serve

KEY = "sk-ant-api03-" + "BenchmarkKey" * 8


def naive(base_url: str) -> dict[str, bool]:
    client = anthropic.Anthropic(api_key=KEY, base_url=base_url, max_retries=0)
    answers = {}
    for model in client.models.list(limit=20):
        try:
            client.messages.create(
                model=model.id, max_tokens=1, messages=[{"role": "user", "content": "Hi"}]
            )
            answers[model.id] = True
        except anthropic.APIStatusError:
            answers[model.id] = False
    return answers


# The seed procedure this project replaced: five hard-coded IDs probed one after another
# (docs: platform-facts, "the story this project exists to fix").
SEED_IDS = (
    "claude-3-5-sonnet-20240620",
    "claude-3-5-sonnet-20241022",
    "claude-3-sonnet-20240229",
    "claude-3-opus-20240229",
    "claude-3-haiku-20240307",
)


def seed_procedure(base_url: str) -> dict[str, bool]:
    client = anthropic.Anthropic(api_key=KEY, base_url=base_url, max_retries=0)
    answers = {}
    for model_id in SEED_IDS:
        try:
            client.messages.create(
                model=model_id, max_tokens=1, messages=[{"role": "user", "content": "Hi"}]
            )
            answers[model_id] = True
        except anthropic.APIStatusError:
            answers[model_id] = False
    return answers


def ours(base_url: str) -> object:
    key = ApiKey(KEY, "env")
    client = ApiClient(key, base_url, now=utc_now)
    return detect(client, key, configured="claude-haiku-4-5-20251001", now=utc_now)


REFUSAL_SCENARIOS = (
    "gated-flagship",
    "line-refused",
    "haiku-only",
    "workspace-restricted",
    "model-suspended",
)
PREFER = ("opus", "sonnet", "haiku")


def naive_best(answers: dict[str, bool]) -> str | None:
    """The baseline's answer: the first model of the preferred lines that answered, in listing
    order (newest first). It only sees the first page of the listing."""
    for line in PREFER:
        for model_id, ok in answers.items():
            if ok and f"-{line}-" in model_id:
                return model_id
    return None


def refusals(latency_ms: float) -> None:
    print(
        f"\nreaching the truth in the refusal scenarios ({latency_ms:g} ms latency, one run each;"
        " goal: <= 4 billed calls, <= 5 round trips with the listing's, within ~1.0x of the seed)"
    )
    print(
        f"  {'scenario':21} {'who':10} {'time':>6}  {'requests':>8}  {'billed':>6}  "
        f"{'rounds':>6}  recommended"
    )
    for name in REFUSAL_SCENARIOS:
        with serve(name, Faults(latency_ms=latency_ms)) as sim:
            times = {}
            for who in ("flux-setup", "seed", "naive"):
                sim.reset_counters()
                started = time.perf_counter()
                if who == "naive":
                    answers = naive(sim.base_url)
                    best, rounds, complete = naive_best(answers), "-", ""
                elif who == "seed":
                    answers = seed_procedure(sim.base_url)
                    best, rounds, complete = naive_best(answers), "5", ""
                else:
                    result = ours(sim.base_url)
                    best = result.recommended  # type: ignore[attr-defined]
                    rounds = str(result.rounds)  # type: ignore[attr-defined]
                    complete = "" if result.complete else " (incomplete)"  # type: ignore[attr-defined]
                elapsed = time.perf_counter() - started
                times[who] = elapsed
                c = sim.counters.snapshot()
                print(
                    f"  {name:21} {who:10} {elapsed:5.2f}s  {c['total_requests']:8}  "
                    f"{c['billed_calls']:6}  {rounds:>6}  {best}{complete}"
                )
            print(
                f"  {'':21} {'ratio':10} flux-setup / seed: {times['flux-setup'] / times['seed']:.2f}x"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = {}
    with serve("today", Faults(latency_ms=args.latency_ms)) as sim:
        ours(sim.base_url)  # warm up: the SDK import and connection set-up are not measured
        for name, fn in (("flux-setup", ours), ("naive baseline", naive)):
            times, counters, result = [], {}, None
            for _ in range(args.repeat):
                sim.reset_counters()
                started = time.perf_counter()
                result = fn(sim.base_url)
                times.append(time.perf_counter() - started)
                counters = sim.counters.snapshot()
            rows[name] = (statistics.median(times), counters, result)
    ours_time, ours_counters, detection = rows["flux-setup"]
    base_time, base_counters, _ = rows["naive baseline"]
    print(f"scenario today, {args.latency_ms:g} ms latency per request, median of {args.repeat}")
    for name, (elapsed, counters, _) in rows.items():
        print(
            f"  {name:15} {elapsed:6.2f} s  requests {counters['total_requests']:3}  "
            f"billed calls {counters['billed_calls']:3}  billed tokens in/out "
            f"{counters['billed_input_tokens']}/{counters['billed_output_tokens']}  "
            f"max concurrency {counters['max_concurrency']}"
        )
    print(f"  round trips on flux-setup's critical path: {detection.rounds}")  # type: ignore[attr-defined]
    print(f"  recommended: {detection.recommended}")  # type: ignore[attr-defined]
    print(
        f"  speed-up: {base_time / ours_time:.1f}x (goal: >= 5x, <= 3 round trips, <= 4 billed calls)"
    )
    refusals(args.latency_ms)


if __name__ == "__main__":
    main()
