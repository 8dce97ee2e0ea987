"""The Admin API through the SDK's own `client.organization` resources, with the wizard's
retry policy and time budget (`api.ApiClient`): the raw answers go to `limits.parse`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from wizard import paging
from wizard.api import ApiClient
from wizard.jsontypes import JsonObject
from wizard.keys import ApiKey
from wizard.limits import parse
from wizard.limits.findings import KeyRecord, Organization, RateLimit, SpendLimit

if TYPE_CHECKING:
    import anthropic

# A list longer than this many pages is a server paginating for ever.
MAX_PAGES = 50
PAGE_SIZE = 1000


class _Body(Protocol):
    @property
    def content(self) -> bytes: ...


class _Raw(Protocol):
    """What the SDK's `with_raw_response` gives: the HTTP answer, read by `limits.parse`."""

    @property
    def http_response(self) -> _Body: ...


Fetch = Callable[["anthropic.Anthropic", float, "str | None"], _Raw]


class AdminClient(ApiClient):
    """One command's access to the Admin API with an admin key. Every text kept is scrubbed of
    the admin key and of the API key (`also_hide`) a server might echo."""

    also_hide: ApiKey | None = None

    def scrub(self, text: str) -> str:
        text = self.key.scrub(text)
        return self.also_hide.scrub(text) if self.also_hide else text

    def _pages(self, fetch: Fetch, style: str) -> list[JsonObject]:
        def one(at: str | None) -> parse.Listing:
            def call(client: anthropic.Anthropic, timeout: float) -> parse.Listing:
                raw = fetch(client, timeout, at)
                return parse.listing(raw.http_response.content, cursor_style=style)

            return self._call(call)

        listed = paging.pages(one, _next_cursor, max_pages=MAX_PAGES, what="list")
        return [item for page in listed for item in page.items]

    def organization(self) -> Organization:
        def me(client: anthropic.Anthropic, timeout: float) -> Organization:
            raw = client.organization.with_raw_response.retrieve(timeout=timeout)
            return parse.organization(raw.http_response.content, self.scrub)

        return self._call(me)

    def rate_limits(self) -> list[RateLimit]:
        def fetch(client: anthropic.Anthropic, timeout: float, page: str | None) -> _Raw:
            return client.organization.rate_limits.with_raw_response.list(
                timeout=timeout, page=page
            )

        found = (parse.rate_limit(i, self.scrub) for i in self._pages(fetch, "page"))
        return [g for g in found if g is not None]

    def workspace_overrides(self, workspace_id: str) -> dict[str, dict[str, int]]:
        """The workspace's own limiter values, by group ID (inherited values left out)."""

        def fetch(client: anthropic.Anthropic, timeout: float, page: str | None) -> _Raw:
            return client.organization.workspaces.rate_limits.with_raw_response.list(
                workspace_id, timeout=timeout, page=page
            )

        found = (parse.workspace_override(i) for i in self._pages(fetch, "page"))
        return {group: values for group, values in (f for f in found if f) if values}

    def spend_limits(self, user_id: str | None) -> list[SpendLimit]:
        """The effective spend limits of the key's user (every member's without one)."""

        def fetch(client: anthropic.Anthropic, timeout: float, page: str | None) -> _Raw:
            return client.organization.spend_limits.effective.with_raw_response.list(
                timeout=timeout, limit=100, page=page, user_ids=[user_id] if user_id else None
            )

        found = (parse.spend_limit(i) for i in self._pages(fetch, "page"))
        unique: dict[tuple[object, ...], SpendLimit] = {}
        for row in found:
            if row is not None:
                unique.setdefault((row.period, row.amount, row.source), row)
        return list(unique.values())

    def api_keys(self) -> list[KeyRecord]:
        def fetch(client: anthropic.Anthropic, timeout: float, after: str | None) -> _Raw:
            if after is None:
                return client.organization.api_keys.with_raw_response.list(
                    timeout=timeout, limit=PAGE_SIZE
                )
            return client.organization.api_keys.with_raw_response.list(
                timeout=timeout, limit=PAGE_SIZE, after_id=after
            )

        found = (parse.key_record(i, self.scrub) for i in self._pages(fetch, "id"))
        return [r for r in found if r is not None]


def _next_cursor(page: parse.Listing) -> str | None:
    return page.next_cursor
