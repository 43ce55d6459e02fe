"""The one-time approval code that lets a named person decide on a draft.

The code is 16 characters from a 31-letter alphabet read off an email and typed (about 80
random bits), written ``XXXX-XXXX-XXXX-XXXX``; the warehouse keeps only a salted PBKDF2 hash.
Only the email to the reviewers carries the code itself. After :data:`MAX_WRONG_CODES` wrong
codes for one draft no code is accepted until a new cycle run (checked in
:mod:`cpip.review.decisions`). Any decision spends the code: approving a draft or returning it
for changes clears its hash, and a returned draft is never given a new code (a new cycle makes
a new draft with a new one).

**Nothing else is derived from the code.** Each code is hashed with its own random salt (16
bytes), and the one name a code has outside the warehouse's hash (the reviewers' email's message
key, kept in ``email_sent`` and the audit log) is :attr:`Issued.code_id`, the first 16 hex digits
of that salt: random, so it says nothing of the code. No unsalted hash of a code is kept anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cpip.core.errors import NotAsAsked
from cpip.core.lock import home_lock
from cpip.core.settings import Settings
from cpip.warehouse import db as wh

MAX_WRONG_CODES = 5
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off an email and typed
_PBKDF2_ROUNDS = 200_000

# A new one-time approval code for a draft (its hash only); wrong attempts start again from 0. Never for a
# draft returned for changes: its code was spent by the decision.
SET_CODE = """
UPDATE briefing_versions SET code_hash = $code_hash, wrong_codes = 0
WHERE period = $period AND version = $version AND state = 'draft'
  AND NOT EXISTS (SELECT 1 FROM review_decisions d
                  WHERE d.period = $period AND d.version = $version AND d.decision = 'returned')
"""

# The stored hash of a draft's code (NULL once spent).
CODE_HASH = "SELECT code_hash FROM briefing_versions WHERE period = $period AND version = $version"


@dataclass(frozen=True)
class Issued:
    """A draft's approval code as issued: the code (only ever put in the reviewers' email), its
    random name :attr:`code_id` (for the message key), and whether it replaces an earlier code."""

    code: str
    code_id: str
    replaces: bool


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


def code_id(stored: str) -> str:
    """A code's name outside the warehouse: the start of its random salt, never anything of the code."""
    return stored.partition("$")[0][:16]


_ISSUED: dict[tuple[str, int], Issued] = {}  # codes issued in this process: a retried send re-sends the same code


def issue_code(settings: Settings, period: str, version: int) -> Issued:
    """The draft's approval code, made once per process and draft. Refused (:class:`NotAsAsked`)
    for a version that is no longer a draft or was returned for changes: its code was spent."""
    key = (f"{settings.home}/{period}", version)
    if key in _ISSUED:
        return Issued(_ISSUED[key].code, _ISSUED[key].code_id, False)
    code = new_code()
    stored = hash_code(code)
    with home_lock(settings.lock_path, settings.intake.lock_timeout_seconds), wh.session(settings.warehouse) as con:
        which = {"period": period, "version": version}
        had = next(iter(con.execute(CODE_HASH, which).fetchall()), (None,))[0]
        con.execute(SET_CODE, {**which, "code_hash": stored})
        now = con.execute(CODE_HASH, which).fetchall()
    if not now or now[0][0] != stored:
        raise NotAsAsked(f"Version {version} of the {period} briefing takes no new approval code: it was decided on "
                         f"(approved, or returned for changes). Run `cpip cycle --period {period}` for a new draft.")
    _ISSUED[key] = Issued(code, code_id(stored), had is not None)
    return _ISSUED[key]
