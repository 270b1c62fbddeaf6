"""Throw-away TLS material for tests, made with the ``openssl`` command line (no Python crypto package needed).

``make_tls(directory)`` writes a CA, a broker certificate for ``localhost`` / ``127.0.0.1`` (in a PKCS12 keystore
for Kafka), and a client certificate whose key is encrypted with a password (for mutual TLS). Keys are EC P-256;
certificates carry the extensions Python's strict X.509 verification wants (key identifiers, key usage).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TlsMaterial", "broker_ssl_properties", "make_tls"]

_DAYS = "2"


@dataclass(frozen=True)
class TlsMaterial:
    """Paths (and passwords) of the files ``make_tls`` wrote."""

    ca_cert: Path
    broker_keystore: Path
    broker_keystore_password: str
    client_cert: Path
    client_key: Path
    client_key_password: str


def _openssl(*args: str, cwd: Path, env: dict[str, str] | None = None) -> None:
    """Run ``openssl args...`` in ``cwd``; raise with its output when it fails."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("the openssl command is needed to make test certificates")
    result = subprocess.run([openssl, *args], cwd=cwd, capture_output=True, text=True, check=False,
                            env={**os.environ, **(env or {})})
    if result.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed:\n{result.stdout}{result.stderr}")


def _leaf(directory: Path, name: str, extensions: list[str]) -> None:
    """``<name>.key`` (unencrypted) and ``<name>.pem`` signed by the CA in ``directory``."""
    (directory / f"{name}.ext").write_text("\n".join([
        "basicConstraints = critical, CA:FALSE",
        "keyUsage = critical, digitalSignature, keyEncipherment",
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid, issuer",
        *extensions,
    ]) + "\n")
    _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=directory)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-set_serial", str(secrets.randbits(63)), "-days", _DAYS, "-sha256", "-extfile", f"{name}.ext",
             "-out", f"{name}.pem", cwd=directory)


def make_tls(directory: Path) -> TlsMaterial:
    """Write a CA, a broker keystore and a client certificate into ``directory`` (created if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", "ca.key", "-out", "ca.pem", "-days", _DAYS, "-sha256", "-subj", "/CN=Siaga test CA",
             "-addext", "basicConstraints = critical, CA:TRUE",
             "-addext", "keyUsage = critical, keyCertSign, cRLSign", cwd=directory)
    _leaf(directory, "broker", ["extendedKeyUsage = serverAuth",
                                "subjectAltName = DNS:localhost, IP:127.0.0.1"])
    _leaf(directory, "client", ["extendedKeyUsage = clientAuth"])

    store_password = secrets.token_urlsafe(16)
    _openssl("pkcs12", "-export", "-in", "broker.pem", "-inkey", "broker.key", "-certfile", "ca.pem",
             "-name", "broker", "-out", "broker.p12", "-passout", "env:SIAGA_TEST_STORE_PASSWORD",
             cwd=directory, env={"SIAGA_TEST_STORE_PASSWORD": store_password})
    key_password = secrets.token_urlsafe(16)
    _openssl("pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", "client.key", "-out", "client.enc.key",
             "-passout", "env:SIAGA_TEST_KEY_PASSWORD", cwd=directory, env={"SIAGA_TEST_KEY_PASSWORD": key_password})
    (directory / "client.key").unlink()
    return TlsMaterial(ca_cert=directory / "ca.pem", broker_keystore=directory / "broker.p12",
                       broker_keystore_password=store_password, client_cert=directory / "client.pem",
                       client_key=directory / "client.enc.key", client_key_password=key_password)


def broker_ssl_properties(tls: TlsMaterial) -> dict[str, str]:
    """Broker-wide TLS properties: the PKCS12 keystore and the CA (PEM) as truststore."""
    return {
        "ssl.keystore.type": "PKCS12",
        "ssl.keystore.location": str(tls.broker_keystore),
        "ssl.keystore.password": tls.broker_keystore_password,
        "ssl.key.password": tls.broker_keystore_password,
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(tls.ca_cert),
    }
