"""The one pagination loop: the Models API (`api.ApiClient.list_models`) and the Admin API's
lists (`limits.client`) follow a cursor page by page, and stop a server that pages in a circle
or for ever the same way."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from wizard.failures import ApiCallFailed, ApiFailure
from wizard.vocab import FailureKind

P = TypeVar("P")


def pages(
    fetch: Callable[[str | None], P],
    cursor_of: Callable[[P], str | None],
    *,
    max_pages: int,
    what: str,
) -> Iterator[P]:
    """Each page of a list, the first fetched with no cursor and each next one with the cursor
    the page before named (`cursor_of`: None when it was the last). A cursor seen before (the
    same page again) or a list past `max_pages` is `ApiCallFailed` (the answer is not the API's:
    MALFORMED), saying how many pages were read; a failure of `fetch` passes through."""
    cursor: str | None = None
    seen: set[str] = set()
    read = 0
    while read < max_pages:
        page = fetch(cursor)
        read += 1
        yield page
        following = cursor_of(page)
        if following is None:
            return
        if following in seen:
            break  # the same page again: a server that paginates in a circle
        seen.add(following)
        cursor = following
    raise ApiCallFailed(
        ApiFailure(FailureKind.MALFORMED, message=f"the {what} did not end after {read} pages")
    )
