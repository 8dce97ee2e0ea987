"""Rules that had two homes and now have one (#39): each held where the two copies could have
drifted apart."""

from __future__ import annotations

import pytest

from wizard import paging
from wizard.failures import ApiCallFailed
from wizard.vocab import FailureKind

# A listing as a table: the cursor asked -> (the page's items, the cursor it names next).
ENDS = {None: (["a", "b"], "b"), "b": (["c"], None)}
CIRCLE = {None: (["a"], "x"), "x": (["b"], "y"), "y": (["c"], "x")}
ENDLESS = {None: (["a"], "0"), **{str(n): ([str(n)], str(n + 1)) for n in range(100)}}


def walk(server, max_pages=10):
    asked = []

    def fetch(cursor):
        asked.append(cursor)
        return server[cursor]

    items = []
    try:
        for page in paging.pages(fetch, lambda p: p[1], max_pages=max_pages, what="list"):
            items.extend(page[0])
    except ApiCallFailed as failed:
        assert failed.failure.kind == FailureKind.MALFORMED
        return items, asked, failed.failure.message
    return items, asked, None


@pytest.mark.parametrize(
    ("server", "items", "asked", "said"),
    [
        (ENDS, ["a", "b", "c"], [None, "b"], None),
        # the same page again: stopped at the repeat, every page read counted
        (CIRCLE, ["a", "b", "c"], [None, "x", "y"], "the list did not end after 3 pages"),
        # the cap: exactly max_pages requests, and the message counts them (not one more)
        (ENDLESS, ["a", *map(str, range(9))], [None, *map(str, range(9))], "after 10 pages"),
    ],
)
def test_one_pagination_loop_follows_the_cursor_and_stops_a_circle_or_a_list_without_end(
    server, items, asked, said
):
    got_items, got_asked, got_said = walk(server)
    assert (got_items, got_asked) == (items, asked)
    assert (said is None and got_said is None) or (said and got_said and said in got_said)
