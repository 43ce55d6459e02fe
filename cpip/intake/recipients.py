"""Who gets a file's receipt by email (interfaces.md "Receipts by email").

The partner whose folder the file was dropped into, at its registered ``contact_email``
(``partners.csv``); and the contact email on the return's cover when it has the same domain as
that registered address, so that the officer who sent it is told too, while an address a file
names at any other domain gets nothing. A file dropped outside every partner's folder gets no
email: no partner's folder vouches for it. The addresses are chosen when the file is loaded and
recorded with it (``receipt_emails``), in the same transaction.
"""

from __future__ import annotations

import re

from cpip.reference.tables import Reference


# An address we will put in a To header: one @, nothing that could start another address or header.
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")


def _address(value) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value.lower() if _ADDRESS.fullmatch(value) and "." in value.split("@")[1] else None


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[1]


def recipients(ref: Reference, h) -> list[str]:
    """The addresses a file's receipt goes to (in lower case), or none (see the module's docstring)."""
    partner = ref.partners.get(h.record.folder) if h.record.folder else None
    registered = _address(partner.contact_email) if partner else None
    if registered is None:
        return []
    out = [registered]
    cover = _address(h.rf.cover_value("contact_email")) if h.rf is not None else None
    if cover and cover != registered and _domain(cover) == _domain(registered):
        out.append(cover)
    return out
