"""The command line's value types: each checks one kind of value (a timeout, a count of
verification calls, a model ID...) and says what is wrong with it in argparse's terms."""

from __future__ import annotations

import argparse
from pathlib import Path


def timeout_seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0 < number <= 600:
        raise argparse.ArgumentTypeError("must be between 0 and 600 seconds")
    return number


def base_url(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an http(s) URL, e.g. https://api.anthropic.com"
        )
    try:
        parts.port  # noqa: B018  (raises on a port out of range)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} has an invalid port") from None
    return value.strip()


def out_file(value: str) -> Path:
    """--out: a file's path; an empty one would be the current folder, never meant."""
    if not value.strip():
        raise argparse.ArgumentTypeError(
            "is empty: name the file to write, e.g. --out .flux-setup/catalog.json "
            "(or drop --out for the default)"
        )
    return Path(value)


def fallback_id(value: str) -> str:
    """--fallback: a model ID, or `none` for no fallback."""
    return "none" if value.strip().lower() == "none" else model_id(value)


def model_id(value: str) -> str:
    from wizard.untrusted import carries_key, is_model_id, is_secret, not_a_model_id, shown

    if not value.strip():
        raise argparse.ArgumentTypeError("is empty: name a model, e.g. --model claude-opus-5-5")
    if not is_model_id(value):
        if is_secret(value) or carries_key(
            value
        ):  # never echoed: a key is shown by its fingerprint only
            raise argparse.ArgumentTypeError(not_a_model_id("the value", value))
        raise argparse.ArgumentTypeError(
            f"{shown(value, 60)!s} is not a model ID (letters, digits, . - _ : @), "
            "e.g. claude-opus-5-5"
        )
    return value


def verify_count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= number <= 50:
        raise argparse.ArgumentTypeError("must be between 1 and 50")
    return number


def days(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of days") from None
    if not 0 <= number <= 3650:
        raise argparse.ArgumentTypeError("must be between 0 and 3650 days")
    return number


def verdict_codes(value: str) -> frozenset[int]:
    codes = set()
    for part in value.replace(" ", "").split(","):
        if part not in ("10", "11", "12"):
            raise argparse.ArgumentTypeError(
                f"{part!r} is not a verdict: name some of 10, 11, 12, e.g. 11,12"
            )
        codes.add(int(part))
    return frozenset(codes)
