"""HTTPS: the one TLS context a process keeps (`sdk.tls_context`) verifies as the SDK's own
default does. Sharing it must never carry one trust store's answer over to another."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from tests.helpers import KEY, clean_environ, cli
from wizard.errors import ExitCode
from wizard.simulator import serve


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 that no trust store holds."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


def _check(base_url: str, project: Path) -> tuple[int, str, str]:
    return cli(
        ["check", "--json", "--base-url", base_url, "--timeout", "2", "--project", str(project)],
        env=clean_environ(ANTHROPIC_API_KEY=KEY),
    )


def test_each_client_verifies_the_server_against_the_trust_store_in_force(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cert, key = certificate
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-haiku-4-5-20251001\n")
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with serve("today", tls=server_side) as running:

        def refused() -> None:
            code, out, err = _check(running.base_url, tmp_path)
            assert code == ExitCode.NETWORK, err
            assert "certificate this machine does not trust" in err, err
            assert "SSL_CERT_FILE" in err and "after 3 attempts" not in err, err
            assert "rerun when it answers" not in err and "not trusted" in err, err
            # the handshake failed before any request: nothing reached the API, nothing billed
            assert sum(running.counters.requests.values()) == 0

        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        refused()  # the system's trust store does not hold a self-signed certificate

        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # read by the SDK, and so by us
        code, out, err = _check(running.base_url, tmp_path)
        assert code == ExitCode.UPGRADE_AVAILABLE, err  # a better model than Haiku: proven
        assert json.loads(out)["recommended"]
        assert running.counters.billed_calls > 0
        running.reset_counters()

        # the same process, the trust store as it was: the context that trusted is not reused
        monkeypatch.delenv("SSL_CERT_FILE")
        refused()
