"""TLS to the mail server, verified: a real aiosmtpd server on 127.0.0.1 with a certificate
from a certificate authority this test makes (STARTTLS and SMTPS)."""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import socket
import ssl
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest


# --- a private certificate authority and a server certificate, made here -------------------

def _key():
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _pem(obj) -> bytes:
    from cryptography.hazmat.primitives import serialization

    if hasattr(obj, "public_bytes") and not hasattr(obj, "private_bytes"):
        return obj.public_bytes(serialization.Encoding.PEM)
    return obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_ca(folder: Path, name: str = "CPIP test CA"):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    key = _key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    path = folder / f"{name.replace(' ', '-').lower()}.pem"
    path.write_bytes(_pem(cert))
    return key, cert, path


def make_server_cert(folder: Path, ca, dns=("localhost",), ips=("127.0.0.1",)):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_key, ca_cert, _ = ca
    key = _key()
    now = dt.datetime.now(dt.timezone.utc)
    names = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, (list(dns) + list(ips))[0])]))
            .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    cert_path.write_bytes(_pem(cert))
    key_path.write_bytes(_pem(key))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_path, key_path)
    return server


# --- a real mail server that records whether each message came over TLS --------------------

def _over_tls(server) -> bool:
    return server.transport.get_extra_info("ssl_object") is not None


class Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default),
                              _over_tls(server)))
        return "250 OK"


class Auth:
    def __init__(self):
        self.seen = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        self.seen.append((auth_data.login, auth_data.password, _over_tls(server)))
        return AuthResult(success=auth_data.login == b"cpip" and auth_data.password == b"s3cret-pw")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mail_server():
    """start(mode, server_context) -> (port, collector, auth); mode is starttls, ssl or plain."""
    from aiosmtpd.controller import Controller

    started = []

    def start(mode: str, context: ssl.SSLContext | None = None):
        port, handler, auth = _free_port(), Collector(), Auth()
        kw = {"starttls": dict(tls_context=context, require_starttls=True, auth_require_tls=True),
              # aiosmtpd does not count TLS from the first byte as TLS for AUTH; the handler checks it
              "ssl": dict(ssl_context=context, auth_require_tls=False),
              "plain": dict(auth_require_tls=False)}[mode]
        c = Controller(handler, hostname="127.0.0.1", port=port, authenticator=auth, **kw)
        c.start()
        started.append(c)
        return port, handler, auth

    yield start
    for c in started:
        c.stop()


def _settings(home, port: int, extra: str = ""):
    from cpip.core.settings import load_settings

    (home.path / "cpip.toml").write_text(
        "[intake]\nsettle_seconds = 0\n[email]\nhost = \"127.0.0.1\"\nreceipts = false\n"
        f"port = {port}\nsender = \"cpip-returns@example.org\"\nusername = \"cpip\"\ntimeout_seconds = 10\n" + extra)
    return load_settings(home.path, {"CPIP_EMAIL_PASSWORD": "s3cret-pw"})


def _message(to: str = "private-office@example.org"):
    from cpip.mail.ledger import Outgoing

    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "cpip-returns@example.org", to, "TLS test"
    m.set_content("Sent over TLS.")
    return Outgoing("test/tls", m)


def _sent_rows(home):
    return home.query("SELECT message_key, recipient FROM email_sent ORDER BY recipient")


@pytest.fixture
def ca(tmp_path):
    folder = tmp_path / "pki"
    folder.mkdir()
    return make_ca(folder)


@pytest.mark.server
def test_starttls_to_a_server_whose_ca_is_not_trusted_is_refused_and_nothing_is_sent(home, mail_server, ca, tmp_path):
    from cpip.mail.ledger import send
    from cpip.mail.transport import DeliveryError

    port, handler, auth = mail_server("starttls", make_server_cert(tmp_path / "pki", ca))
    settings = _settings(home, port, 'tls = "starttls"\n')
    with pytest.raises(DeliveryError) as err:
        send(settings, [_message()])
    text = str(err.value)
    assert "certificate could not be verified" in text and "ca_file" in text and f"127.0.0.1:{port}" in text
    assert "s3cret-pw" not in text
    assert handler.messages == [] and auth.seen == []  # the password was never sent either
    assert _sent_rows(home) == []


@pytest.mark.server
def test_starttls_with_the_private_ca_in_ca_file_delivers_over_tls(home, mail_server, ca, tmp_path):
    from cpip.mail.ledger import send

    port, handler, auth = mail_server("starttls", make_server_cert(tmp_path / "pki", ca))
    (home.path / "private-ca.pem").write_bytes(ca[2].read_bytes())
    settings = _settings(home, port, 'tls = "starttls"\nca_file = "private-ca.pem"\n')  # relative to the home
    assert settings.email.ca_file == str(home.path / "private-ca.pem")
    sent = send(settings, [_message()])
    assert sent.now == [("test/tls", "private-office@example.org")]
    assert [(r, m["Subject"], over_tls) for r, m, over_tls in handler.messages] == [
        (["private-office@example.org"], "TLS test", True)]
    assert auth.seen == [(b"cpip", b"s3cret-pw", True)]  # logged in only after STARTTLS
    assert _sent_rows(home) == [("test/tls", "private-office@example.org")]


@pytest.mark.server
def test_the_older_starttls_key_still_means_starttls(home, mail_server, ca, tmp_path):
    from cpip.mail.ledger import send

    port, handler, _ = mail_server("starttls", make_server_cert(tmp_path / "pki", ca))
    settings = _settings(home, port, f'starttls = true\nca_file = "{ca[2]}"\n')
    assert settings.email.tls == "starttls"
    send(settings, [_message()])
    assert [over_tls for _, _, over_tls in handler.messages] == [True]


@pytest.mark.server
def test_smtps_with_the_private_ca_delivers_and_without_it_is_refused(home, mail_server, ca, tmp_path):
    from cpip.mail.ledger import send
    from cpip.mail.transport import DeliveryError

    port, handler, auth = mail_server("ssl", make_server_cert(tmp_path / "pki", ca))
    with pytest.raises(DeliveryError, match="certificate could not be verified"):
        send(_settings(home, port, 'tls = "ssl"\n'), [_message()])
    assert handler.messages == [] and auth.seen == []
    send(_settings(home, port, f'tls = "ssl"\nca_file = "{ca[2]}"\n'), [_message()])
    assert [(r, over_tls) for r, _, over_tls in handler.messages] == [(["private-office@example.org"], True)]
    assert auth.seen == [(b"cpip", b"s3cret-pw", True)]


@pytest.mark.server
def test_the_host_name_is_checked_even_when_the_ca_is_trusted(home, mail_server, ca, tmp_path):
    from cpip.mail.ledger import send
    from cpip.mail.transport import DeliveryError

    context = make_server_cert(tmp_path / "pki", ca, dns=("mail.example.org",), ips=())
    port, handler, _ = mail_server("starttls", context)
    with pytest.raises(DeliveryError) as err:
        send(_settings(home, port, f'tls = "starttls"\nca_file = "{ca[2]}"\n'), [_message()])
    assert "certificate could not be verified" in str(err.value) and "127.0.0.1" in str(err.value)
    assert "mismatch" in str(err.value).lower()
    assert handler.messages == []


@pytest.mark.server
def test_a_certificate_from_another_ca_is_refused(home, mail_server, ca, tmp_path):
    from cpip.mail.ledger import send
    from cpip.mail.transport import DeliveryError

    other = tmp_path / "other"
    other.mkdir()
    port, handler, _ = mail_server("starttls", make_server_cert(tmp_path / "pki", ca))
    _, _, other_ca = make_ca(other, "Another CA")
    with pytest.raises(DeliveryError, match="certificate could not be verified"):
        send(_settings(home, port, f'tls = "starttls"\nca_file = "{other_ca}"\n'), [_message()])
    assert handler.messages == []


@pytest.mark.server
def test_a_server_without_starttls_is_refused_when_starttls_is_asked_for(home, mail_server):
    from cpip.mail.ledger import send
    from cpip.mail.transport import DeliveryError

    port, handler, auth = mail_server("plain")
    with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
        send(_settings(home, port, 'tls = "starttls"\n'), [_message()])
    assert handler.messages == [] and auth.seen == []


@pytest.mark.server
def test_a_missing_or_unreadable_ca_file_is_a_clear_error(home, mail_server, tmp_path):
    from cpip.mail.ledger import send
    from cpip.mail.transport import DeliveryError

    port, handler, _ = mail_server("plain")
    with pytest.raises(DeliveryError, match="ca_file .*missing.pem does not exist"):
        send(_settings(home, port, 'tls = "starttls"\nca_file = "missing.pem"\n'), [_message()])
    (home.path / "junk.pem").write_text("not a certificate\n")
    with pytest.raises(DeliveryError, match="is not a PEM file of certificates"):
        send(_settings(home, port, 'tls = "starttls"\nca_file = "junk.pem"\n'), [_message()])
    assert handler.messages == []


def test_the_password_is_never_sent_unencrypted_to_another_machine(home):
    from cpip.mail.ledger import send
    from cpip.mail.transport import DeliveryError
    from cpip.core.settings import load_settings

    (home.path / "cpip.toml").write_text('[email]\nhost = "mail.example.invalid"\nport = 25\nusername = "cpip"\n'
                                         "timeout_seconds = 2\n")
    settings = load_settings(home.path, {"CPIP_EMAIL_PASSWORD": "s3cret-pw"})
    with pytest.raises(DeliveryError) as err:
        send(settings, [_message()])
    assert "unencrypted" in str(err.value) and 'tls = "starttls"' in str(err.value)
    assert "s3cret-pw" not in str(err.value)


@pytest.mark.parametrize("toml,message", [
    ('tls = "tls1.3"\n', "tls = 'tls1.3' is not valid; it must be starttls, ssl or none"),
    ('tls = "ssl"\nstarttls = true\n', "starttls = true contradicts tls = 'ssl'"),
])
def test_tls_settings_are_checked(tmp_path, toml, message):
    from cpip.core.settings import SettingsError, load_settings

    (tmp_path / "cpip.toml").write_text('[email]\nhost = "mail.example.org"\n' + toml)
    with pytest.raises(SettingsError) as err:
        load_settings(tmp_path, {})
    assert message in str(err.value)


def test_tls_defaults_and_environment(tmp_path):
    from cpip.core.settings import load_settings

    (tmp_path / "cpip.toml").write_text('[email]\nhost = "mail.example.org"\n')
    assert load_settings(tmp_path, {}).email.tls == "none"
    s = load_settings(tmp_path, {"CPIP_EMAIL_TLS": "SSL", "CPIP_EMAIL_CA_FILE": "/etc/cpip/ca.pem"})
    assert s.email.tls == "ssl" and s.email.ca_file == "/etc/cpip/ca.pem"
