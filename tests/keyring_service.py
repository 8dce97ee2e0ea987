"""A real Secret Service for the tests: a private D-Bus session bus and an unlocked
gnome-keyring-daemon in a temporary home, reached through keyring's SecretService backend.

Nothing here touches the user's own bus or keyring: the daemons live in their own folder and are
killed when the tests end. In CI (CI=true) a missing daemon fails the test instead of skipping it:
a green CI must have run these.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

BACKEND = "keyring.backends.SecretService.Keyring"
SERVICE = "flux-setup"


@dataclass
class SecretService:
    address: str
    home: Path

    @property
    def environ(self) -> dict[str, str]:
        """What a command (or a child) needs to reach this service and no other."""
        return {"DBUS_SESSION_BUS_ADDRESS": self.address, "PYTHON_KEYRING_BACKEND": BACKEND}


def _missing() -> None:
    tools = [t for t in ("dbus-daemon", "gnome-keyring-daemon") if shutil.which(t) is None]
    if not tools:
        return
    why = f"{', '.join(tools)} not installed (Debian: gnome-keyring, dbus; .ci/run installs them)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(why)
    pytest.skip(why)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _ready(environ: dict[str, str]) -> bool:
    """The daemon answers on the bus (a round trip through keyring itself)."""
    probe = subprocess.run(
        [sys.executable, "-c", "import keyring; keyring.get_password('flux-setup-probe', 'x')"],
        env={**os.environ, **environ},
        capture_output=True,
        timeout=30,
    )
    return probe.returncode == 0


@pytest.fixture(scope="session")
def secret_service() -> Iterator[SecretService]:
    _missing()
    home = Path(tempfile.mkdtemp(prefix="flux-keyring-"))
    runtime = home / "run"
    runtime.mkdir(mode=0o700)
    base = {
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    started: list[subprocess.Popen[bytes]] = []
    try:
        bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            env=base,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        started.append(bus)
        assert bus.stdout is not None
        address = bus.stdout.readline().decode().strip()
        assert address, "dbus-daemon printed no address"
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            env={**base, "DBUS_SESSION_BUS_ADDRESS": address},
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(daemon)
        assert daemon.stdin is not None
        daemon.stdin.write(b"test-keyring-password")  # the login keyring, made unlocked
        daemon.stdin.close()
        service = SecretService(address, home)
        for _ in range(50):  # until it has taken its name on the bus (no timing asserted)
            if _ready(service.environ):
                break
            time.sleep(0.1)
        else:
            pytest.fail("gnome-keyring-daemon did not answer on its bus")
        yield service
    finally:
        for process in reversed(started):
            _stop(process)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def keyring_env(
    secret_service: SecretService, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """This test's commands (and the keyring library in this process) use the private service;
    every flux-setup entry is gone again afterwards."""
    for name, value in secret_service.environ.items():
        monkeypatch.setenv(name, value)
    yield secret_service.environ
    from keyring.core import load_keyring

    from tests.helpers import KEY, OTHER_KEY
    from wizard.flow.key_store import own_entry

    ring = load_keyring(BACKEND)
    owned = (own_entry(KEY), own_entry(OTHER_KEY))  # the entries a second project's key gets
    for entry in ("ANTHROPIC_API_KEY", "ANTHROPIC_ADMIN_KEY", "other", *owned):
        try:
            ring.delete_password(SERVICE, entry)
        except Exception:  # no such entry
            pass
