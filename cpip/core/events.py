"""The audit log's intake events: the ones :mod:`cpip.intake.load` writes for each file.

Replaying the archive (``cpip rebuild``) writes them again, so a rebuild does not carry them
over from the old warehouse (:data:`cpip.warehouse.carryover.REPLAYED_EVENTS` is this list). Every other
event (briefing written, briefing delivered, warehouse rebuilt, ...) is history the archive
cannot give back, and is kept. A new intake event is added here, and nowhere else.
"""

from __future__ import annotations

RECEIVED = "received"
ARCHIVED = "archived"
RETRIED = "retried"
VALIDATED = "validated"
ACCEPTED = "accepted"
REJECTED = "rejected"
DUPLICATE = "duplicate"
SUPERSEDED = "superseded"
FAULTED = "faulted"

# What a replay of the archive writes again ("retried" is not: a rebuild replays each file once).
INTAKE_EVENTS = (RECEIVED, ARCHIVED, VALIDATED, ACCEPTED, REJECTED, DUPLICATE, SUPERSEDED, FAULTED)
