"""The one-time approval code that lets a named person decide on a draft.

The code is 16 characters from a 31-letter alphabet read off an email and typed (about 80
random bits), written ``XXXX-XXXX-XXXX-XXXX``; the warehouse keeps only a salted PBKDF2 hash.
Only the email to the reviewers carries the code itself. After :data:`MAX_WRONG_CODES` wrong
codes for one draft no code is accepted until a new cycle run (checked in
:mod:`cpip.review.decisions`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cpip.core.lock import home_lock
from cpip.core.settings import Settings
from cpip.review.versions import versions
from cpip.warehouse import db as wh

MAX_WRONG_CODES = 5
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off an email and typed
_PBKDF2_ROUNDS = 200_000

# A new one-time approval code for a draft (its hash only); wrong attempts start again from 0.
SET_CODE = """
UPDATE briefing_versions SET code_hash = $code_hash, wrong_codes = 0
WHERE period = $period AND version = $version AND state = 'draft'
"""


def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def _normal(code: str) -> str:
    return "".join(c for c in (code or "").upper() if c.isalnum())


def hash_code(code: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", _normal(code).encode(), salt, _PBKDF2_ROUNDS)
    return f"{salt.hex()}${digest.hex()}"


def code_matches(code: str, stored: str | None) -> bool:
    if not stored or not code:
        return False
    salt, _, digest = stored.partition("$")
    return hmac.compare_digest(hash_code(code, bytes.fromhex(salt)).partition("$")[2], digest)


_ISSUED: dict[tuple[str, int], str] = {}  # codes issued in this process: a retried send re-sends the same code


def issue_code(settings: Settings, period: str, version: int) -> tuple[str, bool]:
    """The draft's approval code, made once per process and draft; (code, replaces an earlier one)."""
    key = (f"{settings.home}/{period}", version)
    if key in _ISSUED:
        return _ISSUED[key], False
    code = new_code()
    with home_lock(settings.lock_path, settings.intake.lock_timeout_seconds), wh.session(settings.warehouse) as con:
        had = next((v.code_hash for v in versions(con, period) if v.version == version), None)
        con.execute(SET_CODE, {"period": period, "version": version, "code_hash": hash_code(code)})
    _ISSUED[key] = code
    return code, had is not None
