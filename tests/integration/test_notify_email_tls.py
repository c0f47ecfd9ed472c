"""Email through a relay that requires STARTTLS and a login (aiosmtpd on 127.0.0.1 with a
certificate from a private CA made here): the relay's certificate is checked against
`ca_file`, the login goes over TLS, a wrong password is recorded and retried, never shown.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from adapters.notify.email import EmailNotifier, SmtpSettings
from domain.events import NotificationFailed
from tests.integration.test_notify_channels import Channel, Mailbox, _logged, _outbox, _store


def _tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for 127.0.0.1 it signed: (ca, cert, key)."""
    now = datetime.now(UTC)

    def certificate(subject: str, issuer: str, public: Any, signer: Any, ca: bool) -> Any:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key, server_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = certificate("desk test CA", "desk test CA", ca_key.public_key(), ca_key, True)
    cert = certificate("127.0.0.1", "desk test CA", server_key.public_key(), ca_key, False)
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.mark.asyncio
@pytest.mark.parametrize("password,delivered", [("right-password", True), ("wrong", False)])
async def test_email_when_the_relay_wants_starttls_and_a_login_then_mail_goes_only_with_both(
    tmp_path: Path,
    password: str,
    delivered: bool,
) -> None:
    ca, cert, key = _tls_files(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    mailbox = Mailbox()

    def login(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"desk",
            b"right-password",
        )
        return AuthResult(success=ok)

    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(
            mailbox, tls_context=tls, require_starttls=True, auth_required=True, authenticator=login
        ),
        "127.0.0.1",
        0,
    )
    port = server.sockets[0].getsockname()[1]
    mailer = EmailNotifier(
        SmtpSettings(
            "127.0.0.1", port, "desk@desk.test", "starttls", "desk", password, 5, ca_file=str(ca)
        )
    )
    store = _store(tmp_path, cards=1)
    channel = Channel(mailer, "asha@desk.test", lambda: [], lambda on: None)
    try:
        await _outbox(store, channel).drain()
    finally:
        server.close()
        await server.wait_closed()

    assert (len(mailbox.mails) == 2) is delivered  # the card and the kill switch
    failures = _logged(store, NotificationFailed)
    assert (failures == []) is delivered
    assert all(not f.given_up and password not in f.reason for f in failures)
