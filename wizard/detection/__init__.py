"""Detection: what this key can really call, proven with few round trips and few billed calls,
and why every refusal happened.

Round 1 lists every model while the configured model (and `--model`, the configured fallback,
and what an earlier check predicts) is verified at the same time. Then verification walks the
ranking of the preferred lines from the top: the recommendation is the first model that
answers, and it counts as proven only when every model ranked above it was refused. The API
bills answers, not refusals, so walking past a gated model costs a round trip, not money: the
cap (`--max-verify`, default 4) bounds the calls that may be billed, and a walk that the cap or
the request bound stops is reported as incomplete, naming the models left unverified. The
fallback (the best callable model of another line) is proven only with what is left.

The package reads as the steps: `request` (what is to be settled, and the hint of an earlier
check), `steps` (round one, aliases, the finish), `guess` (what round one asks before the
listing answers), `walk` (down the ranking), `fold` (outcomes into verdicts), `ledger` (what
was asked and what is left), `result` (the `Detection` every command reads).
"""

from typing import TYPE_CHECKING

from wizard.detection.result import Detection, estimate_cost

if TYPE_CHECKING:
    from wizard.detection.steps import detect

__all__ = ["Detection", "detect", "estimate_cost"]


def __getattr__(name: str) -> object:
    """`detect` (the engine, with the API client under it) is imported when first named: the
    offline commands read a `Detection` saved before, and never detect."""
    if name == "detect":
        from wizard.detection.steps import detect

        return detect
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
