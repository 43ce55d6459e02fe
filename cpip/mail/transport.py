"""The mail server: an SMTP connection secured as ``[email] tls`` says, and the password.

**TLS.** ``[email] tls`` is ``starttls``, ``ssl`` (SMTPS) or ``none``. With TLS the
certificate is verified with ``ssl.create_default_context()`` (host name included)
against the system's CAs, or only those in ``[email] ca_file``. The password is never sent
over an unencrypted connection except to the machine itself (127.0.0.1, a local relay).

**The password** comes from ``CPIP_EMAIL_PASSWORD`` or a Prefect Secret block named in
``[email] password_block``; it is never a flow parameter and never logged, and no error here
quotes it (or anything the server said that might).
"""

from __future__ import annotations

import ipaddress
import logging
import smtplib
import ssl
from pathlib import Path

from cpip.core.settings import EmailSettings

log = logging.getLogger("cpip.mail.transport")


class DeliveryError(Exception):
    """Email could not be sent; the message says why (never with a secret in it)."""


def smtp_password(email: EmailSettings) -> str | None:
    if email.password is not None:
        return email.password.get_secret_value()
    if email.password_block:
        from prefect.blocks.system import Secret

        try:
            return Secret.load(email.password_block).get()
        except Exception as exc:  # do not echo anything that might hold the secret
            raise DeliveryError(f"The Prefect Secret block '{email.password_block}' could not be read "
                                f"({type(exc).__name__}).") from None
    return None



def tls_context(email: EmailSettings) -> ssl.SSLContext:
    """Certificate and host-name checks on, trusting the system's CAs or only those in ``ca_file``."""
    if email.ca_file and not Path(email.ca_file).is_file():
        raise DeliveryError(f"[email] ca_file {email.ca_file} does not exist; give the path of a PEM file of the "
                            "certificate authorities to trust (relative paths are in the home).")
    try:
        return ssl.create_default_context(cafile=email.ca_file or None)
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"[email] ca_file {email.ca_file} is not a PEM file of certificates "
                            f"({type(exc).__name__}); nothing was sent.") from None


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def connect(email: EmailSettings) -> smtplib.SMTP:
    """An SMTP connection secured as ``[email] tls`` says, logged in when a user name is set."""
    where = f"{email.host}:{email.port}"
    wants_login = bool(email.username) and (email.password is not None or bool(email.password_block))
    if email.tls == "none" and not _loopback(email.host):
        if wants_login:
            raise DeliveryError(f"Will not send the SMTP password to {where} over an unencrypted connection; set "
                                '[email] tls = "starttls" (or "ssl") and check the port. Nothing was sent.')
        log.warning("email goes to %s without TLS; set [email] tls = \"starttls\" or \"ssl\"", where)
    context = tls_context(email) if email.tls != "none" else None
    smtp = None
    try:
        if email.tls == "ssl":
            smtp = smtplib.SMTP_SSL(email.host, email.port, timeout=email.timeout_seconds, context=context)
        else:
            smtp = smtplib.SMTP(email.host, email.port, timeout=email.timeout_seconds)
            if email.tls == "starttls":
                try:
                    smtp.starttls(context=context)
                except smtplib.SMTPNotSupportedError:
                    raise DeliveryError(f"The mail server at {where} does not offer STARTTLS; nothing was sent. Check "
                                        '[email] port, or set [email] tls = "ssl" if the port expects TLS from the '
                                        "start.") from None
        password = smtp_password(email)
        if email.username and password:
            try:
                smtp.login(email.username, password)
            except smtplib.SMTPNotSupportedError:
                raise DeliveryError(f"The mail server at {where} does not offer to log in (no AUTH), but [email] "
                                    "username and a password are set; nothing was sent. Remove the user name, or "
                                    "check the host and port.") from None
        return smtp
    except DeliveryError:
        quit_quietly(smtp)
        raise
    except smtplib.SMTPAuthenticationError as exc:
        quit_quietly(smtp)
        raise DeliveryError(f"The mail server at {where} refused the user name {email.username!r} and its password "
                            f"(reply {exc.smtp_code}); nothing was sent. Check CPIP_EMAIL_PASSWORD or the "
                            "Secret block.") from None
    except (OSError, smtplib.SMTPException) as exc:
        quit_quietly(smtp)
        raise DeliveryError(f"Could not send email through {where} ({connection_fault(exc)}); nothing was sent.") from None


def connection_fault(exc: BaseException) -> str:
    """Why a connection failed, in words that never quote a secret."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"its certificate could not be verified: {str(exc.verify_message).rstrip('.')}. If the server uses a private "
                "certificate authority, set [email] ca_file to a PEM file of it")
    if isinstance(exc, ssl.SSLError):
        return f"TLS could not be set up: {exc.reason or type(exc).__name__}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: reply {exc.smtp_code}"
    return f"{type(exc).__name__}: {getattr(exc, 'strerror', None) or exc.__class__.__doc__ or ''}".strip()


def refusal(exc: Exception) -> str:
    """The server's reply to one message: its code and (at most 120 printable characters of) its text."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (0, b""))
    elif isinstance(exc, smtplib.SMTPResponseException):
        code, text = exc.smtp_code, exc.smtp_error
    else:
        return type(exc).__name__
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = "".join(c for c in str(text) if c.isprintable())[:120]
    return f"refused with {code} {text}".strip()


def quit_quietly(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
