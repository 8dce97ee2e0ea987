"""Redaction of a recording (and of the report that holds one): every secret a server's or the
program's text may hold is masked before it is kept: key shapes (`keys.mask_secrets`, as every
other output), the keys this command holds wherever they appear, whole or any window of their
secret part, and, with `--redact-org`, the organisation ID."""

from __future__ import annotations

from wizard.keys import ADMIN_PREFIX, API_KEY_PREFIX, ApiKey, mask_secrets

REDACTED_ORG = "00000000-0000-4000-8000-000000000000"
WINDOW = 8  # no run of this many characters of a key's secret part is ever kept


class Redactor:
    """Masks every secret in a server's or the program's text: key shapes (`mask_secrets`), the
    keys this command holds (whole, or any window of their secret part), and the organisation
    with `--redact-org`."""

    def __init__(self, *, redact_org: bool = False) -> None:
        self.redact_org = redact_org
        self._keys: list[ApiKey] = []
        self._windows: set[str] = set()
        self._organizations: set[str] = set()

    def hide(self, key: ApiKey) -> None:
        value = key.reveal()
        if not value or any(k.reveal() == value for k in self._keys):
            return
        self._keys.append(key)
        prefix = next((p for p in (API_KEY_PREFIX, ADMIN_PREFIX) if value.startswith(p)), "")
        secret = value[len(prefix) :]
        self._windows |= {secret[i : i + WINDOW] for i in range(len(secret) - WINDOW + 1)}

    def saw_organization(self, organization: str) -> None:
        if self.redact_org and organization:
            self._organizations.add(organization)

    def text(self, value: str) -> str:
        for key in self._keys:
            value = key.scrub(value)
        value = mask_secrets(value)
        value = self._cut_windows(value)
        for organization in self._organizations:
            value = value.replace(organization, REDACTED_ORG)
        return value

    def _cut_windows(self, value: str) -> str:
        spans: list[tuple[int, int]] = []
        for window in self._windows:
            at = value.find(window)
            while at != -1:
                spans.append((at, at + WINDOW))
                at = value.find(window, at + 1)
        if not spans:
            return value
        spans.sort()
        out, last = [], 0
        for start, end in spans:
            if start < last:  # overlapping windows: one cut
                last = max(last, end)
                continue
            out.append(value[last:start] + "[redacted]")
            last = end
        return "".join(out) + value[last:]

    def data(self, value: object) -> object:
        """A JSON value with every string (keys of objects too) redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.data(v) for v in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        return value

    def matches_hint(self, hint: str) -> bool:
        """Whether an Admin API `partial_key_hint` is an API key's this command holds."""
        if hint.count("...") != 1:
            return False
        head, tail = hint.split("...")
        return len(head) >= 7 and any(
            k.reveal().startswith(head) and k.reveal().endswith(tail) for k in self._keys
        )
