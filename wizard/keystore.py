"""The OS keyring (the `keyring` library: macOS Keychain, Secret Service, KWallet, Windows
Credential Locker): where a key can live outside every file.

The library is imported only when a keyring is touched (it costs ~0.2 s and may talk to a
session bus). A backend that keeps secrets in a plain file (keyrings.alt's) is never written to
without `--allow-plaintext-keyring`; `FLUX_SETUP_KEYRING=0` turns the keyring off. Every failure
is a `KeyringProblem` (exit 3) that says why and what to do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.constants import KEYRING_ENTRY_VAR, KEYRING_SERVICE, KEYRING_VAR
from wizard.errors import ExitCode, WizardError
from wizard.untrusted import text
from wizard.vocab import Code

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

# The entries' names: the variable each stands for, so `secret-tool search service flux-setup`
# (or Keychain Access, Seahorse, KWalletManager) shows what each holds.
API_ENTRY = "ANTHROPIC_API_KEY"
ADMIN_ENTRY = "ANTHROPIC_ADMIN_KEY"
ENTRY_NAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
_OFF = ("0", "false", "no", "off")
# A session bus and the keyring's password on stdin: more than a fix line holds; the docs do.
OVER_SSH = 'docs/config.md, "A keyring over SSH"'


class KeyringProblem(WizardError):
    """The keyring cannot give or keep the key: off, absent, locked, refused, or no entry."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message, fix=fix, code=ExitCode.KEY, diagnosis=Code.KEY_MISSING)


def entry_label(entry: str) -> str:
    """How a user finds the entry with their keyring's own tools."""
    return f"{KEYRING_SERVICE}/{entry}"


def checked_entry(value: str, where: str) -> str:
    """The entry a project's .env names, if it is a plain name (the .env may be anybody's)."""
    if not ENTRY_NAME.fullmatch(value):
        raise KeyringProblem(
            f"{where}: {KEYRING_ENTRY_VAR} is not a keyring entry's name ({text(value[:40])}).",
            f"Write it as {KEYRING_ENTRY_VAR}={API_ENTRY}, or remove the line.",
        )
    return value


@dataclass
class Keystore:
    """The keyring as this command may use it: from its environment (handed in), never the
    process's own, so a test or a CI job decides which backend answers."""

    environ: Mapping[str, str]
    allow_plaintext: bool = False

    @property
    def turned_off(self) -> bool:
        return self.environ.get(KEYRING_VAR, "").strip().lower() in _OFF

    def backend(self) -> KeyringBackend:
        """The backend that answers; a KeyringProblem when there is none to use."""
        if self.turned_off:
            raise KeyringProblem(
                f"The OS keyring is turned off ({KEYRING_VAR}=0).",
                # every command reads the environment (exec takes no --api-key-stdin)
                f"Unset {KEYRING_VAR}, or export ANTHROPIC_API_KEY.",
            )
        import keyring
        import keyring.core
        from keyring.backends import fail

        named = self.environ.get("PYTHON_KEYRING_BACKEND")
        try:
            found = keyring.core.load_keyring(named) if named else keyring.get_keyring()
        except Exception as exc:  # a backend named that cannot load: the user's setting
            raise KeyringProblem(
                f"The keyring backend {text(named or '?')} cannot be loaded ({_said(exc)}).",
                "Fix or unset PYTHON_KEYRING_BACKEND.",
            ) from None
        if isinstance(found, fail.Keyring) or not _parts(found):
            raise KeyringProblem(
                "No OS keyring is available here: no Secret Service (GNOME Keyring, KWallet) "
                "answers on this session, as on a headless machine or over SSH.",
                "Keep the key in .env (`flux-setup run --save-key env`) or in the environment "
                f"(ANTHROPIC_API_KEY), or start a keyring for this session: {OVER_SSH}.",
            )
        return found

    def name(self) -> str:
        """The backend's name (`SecretService Keyring`), for `key status`."""
        return backend_name(self.backend())

    def problem(self, *, storing: bool = False) -> KeyringProblem | None:
        """Why the keyring cannot be used (to keep a key, with `storing`), and what to do
        instead; None when it can."""
        try:
            found = self.backend()
            if storing:
                self._refuse_plaintext(found)
        except KeyringProblem as exc:
            return exc
        return None

    def unavailable(self, *, storing: bool = False) -> str | None:
        found = self.problem(storing=storing)
        return found.message if found else None

    def _refuse_plaintext(self, found: KeyringBackend) -> None:
        if self.allow_plaintext or not plaintext(found):
            return
        raise KeyringProblem(
            f"The keyring backend here is {backend_name(found)}: it keeps secrets in a plain "
            "file, which is no safer than .env.",
            "Remove keyrings.alt (or set PYTHON_KEYRING_BACKEND to a real keyring), or pass "
            "--allow-plaintext-keyring to use it anyway.",
        )

    def read(self, entry: str) -> str | None:
        """The entry's value; None when there is no such entry."""
        found = self.backend()
        try:
            return found.get_password(KEYRING_SERVICE, entry)
        except Exception as exc:  # locked, refused, the bus gone: the keyring's, not ours
            raise _failed(found, "read", entry, exc) from None

    def write(self, entry: str, value: str) -> None:
        found = self.backend()
        self._refuse_plaintext(found)
        try:
            found.set_password(KEYRING_SERVICE, entry, value)
        except Exception as exc:
            raise _failed(found, "write", entry, exc) from None

    def delete(self, entry: str) -> bool:
        """Remove the entry; False when there was none."""
        found = self.backend()
        if self.read(entry) is None:
            return False
        try:
            found.delete_password(KEYRING_SERVICE, entry)
        except Exception as exc:
            raise _failed(found, "remove", entry, exc) from None
        return True


def _parts(found: KeyringBackend) -> list[KeyringBackend]:
    """The backends behind one (keyring chains several when more than one is viable)."""
    inner = getattr(found, "backends", None)
    return list(inner) if isinstance(inner, list) else [found]


def backend_name(found: KeyringBackend) -> str:
    return ", ".join(text(getattr(type(b), "name", type(b).__name__)) for b in _parts(found))


def plaintext(found: KeyringBackend) -> bool:
    """keyrings.alt's file backends (PlaintextKeyring is its default) and anything that calls
    itself plaintext: a file in the clear that calls itself a keyring."""
    for part in _parts(found):
        kind = type(part)
        if kind.__module__.startswith("keyrings.alt") or "plaintext" in kind.__name__.lower():
            return True
    return False


def _said(exc: BaseException) -> str:
    return text(f"{type(exc).__name__}: {exc}"[:200])


def _failed(found: KeyringBackend, verb: str, entry: str, exc: BaseException) -> KeyringProblem:
    locked = "lock" in f"{type(exc).__name__} {exc}".lower()
    why = "it is locked" if locked else _said(exc)
    return KeyringProblem(
        f"The keyring ({backend_name(found)}) could not {verb} {entry_label(entry)}: {why}.",
        f"Unlock your keyring (log in to the desktop session; over SSH: {OVER_SSH}), then "
        "rerun; or give the key as ANTHROPIC_API_KEY."
        if locked
        else "Check that your keyring runs and is unlocked, then rerun; or give the key as "
        "ANTHROPIC_API_KEY.",
    )
