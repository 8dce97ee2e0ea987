"""The bookkeeping of one detection: what was asked, what it cost, what is left."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wizard.api import ApiClient
from wizard.catalog import Catalog
from wizard.detection.result import Detection
from wizard.failures import Verification
from wizard.vocab import FailureKind

# Refusals are not billed, but each costs a round trip: a bound for an account where
# everything is refused (a restricted workspace, a 403 storm).
MAX_VERIFY_REQUESTS = 40


class Ledger:
    """The bookkeeping of one detection: what was verified, what it proved, when to stop."""

    def __init__(self, client: ApiClient, result: Detection, catalog: Catalog) -> None:
        self.client = client
        self.result = result
        self.catalog = catalog
        self.verifications: dict[str, Verification] = {}  # by the ID asked
        self.tried: set[str] = set()  # resolved IDs that were asked
        self.folded: set[str] = set()
        self.stop = False  # an account-wide failure: further calls would repeat it
        self.exhausted = False  # the cap or the request bound stopped the walk
        self.listed = False  # the listing answered: the ranking is known
        self.verify_requests = 0
        # prove the rule's fallback below the recommendation (run, --fix), not only the
        # configured one
        self.prove_fallback = True
        # `check`'s rounds down the ranking after a refusal: one call, twice as many after a
        # round that was refused whole (a line refused end to end costs few round trips, and
        # at most width - 1 calls may be billed below the one that answers)
        self.width = 1
        # models this key's last check saw refused (`guess.expected_refusals`): asked together
        self.expected: set[str] = set()
        self.guessed: set[str] = set()  # what round one asked on a hint's word
        # calls of round one's guesses the listing did not confirm: no proof, still their cost
        self.aside: list[Verification] = []

    def spent(self) -> list[Verification]:
        return [*self.verifications.values(), *self.aside]

    def billed(self) -> int:
        return sum(1 for v in self.spent() if v.ok)

    def room(self) -> int:
        """Calls that may still be made: each might answer, and so be billed. A call that timed
        out or lost its connection may have been billed too: it counts against the cap."""
        unknown = sum(
            1
            for v in self.spent()
            if v.failure is not None
            and v.failure.kind in (FailureKind.CONNECTION, FailureKind.TIMEOUT)
        )
        return self.result.max_verify - self.billed() - unknown

    def verify_round(self, ids: Sequence[str]) -> list[Verification]:
        ids = [i for i in dict.fromkeys(ids) if i not in self.verifications]
        ids = ids[: max(0, min(self.room(), MAX_VERIFY_REQUESTS - self.verify_requests))]
        if not ids or self.stop:
            return []
        self.result.rounds += 1
        self.verify_requests += len(ids)
        tasks: list[Callable[[], Verification]] = [
            (lambda i=i: self.client.verify(i))  # type: ignore[misc]
            for i in ids
        ]
        done = self.client.run_concurrently(tasks)
        self.record(done)
        return done

    def set_aside(self, model_id: str) -> None:
        """A call that proves nothing (a guess the listing did not confirm): out of the
        findings, still counted against the cap and, when it answered, as billed."""
        v = self.verifications.pop(model_id, None)
        if v is None:
            return
        self.tried.discard(model_id)
        self.aside.append(v)
        self.result.billed_calls += 1 if v.ok else 0

    def record(self, done: Sequence[Verification]) -> None:
        for v in done:
            self.verifications[v.model_id] = v
            self.tried.add(self.result.resolve(v.model_id) or v.model_id)
