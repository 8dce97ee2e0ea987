"""The organisation's limits through the Admin API (with an admin key): what it says
(`findings`), read from its answers (`parse`) through the SDK (`client`), in two rounds
(`read`)."""

from wizard.limits.findings import KeyRecord, Limits, Organization, RateLimit, SpendLimit

__all__ = ["KeyRecord", "Limits", "Organization", "RateLimit", "SpendLimit"]
