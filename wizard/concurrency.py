"""Bounded concurrency for network calls, without an executor (see `concurrently`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def concurrently(calls: Iterable[Callable[[], T]], limit: int) -> list[T]:
    """Run the calls at most `limit` at a time; their results in order, or the first error
    raised in the caller's thread. Daemon threads, not an executor: Ctrl-C must end the
    program at once, not after the slowest request times out."""
    tasks = list(calls)
    if len(tasks) <= 1:
        return [task() for task in tasks]
    results: dict[int, T] = {}
    errors: list[BaseException | None] = [None] * len(tasks)
    slots = threading.Semaphore(max(1, limit))

    def work(index: int, task: Callable[[], T]) -> None:
        with slots:
            try:
                results[index] = task()
            except BaseException as exc:  # handed to the caller's thread below
                errors[index] = exc

    threads = [
        threading.Thread(target=work, args=(i, task), daemon=True, name=f"api-{i}")
        for i, task in enumerate(tasks)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for error in errors:
        if error is not None:
            raise error
    return [results[i] for i in range(len(tasks))]
