"""The kiosk's SQLite store: one connection, its parts composed (each part is a file of this
package). It implements ``kiosk.store.api.StaffStore``, as the central PostgreSQL store does."""

from __future__ import annotations

from kiosk.store.accounts import AccountsPart
from kiosk.store.audit import AuditPart
from kiosk.store.deliveries import DeliveriesPart
from kiosk.store.intakes import IntakesPart
from kiosk.store.maintenance import MaintenancePart
from kiosk.store.outbox import OutboxPart
from kiosk.store.queue import QueuePart
from kiosk.store.reviews import ReviewsPart
from kiosk.store.settings import SettingsPart


class Store(IntakesPart, QueuePart, OutboxPart, DeliveriesPart, AccountsPart, ReviewsPart, SettingsPart, AuditPart,
            MaintenancePart):
    """SQLite storage: intakes and their answers, assessments, the staff queue, accounts, reviews,
    settings and the hash-chained audit log.

    One short transaction per write, so every answer is durable the moment it is given. The
    schema version lives in ``PRAGMA user_version``; migrations run in order on open. Every
    sqlite3 error is turned into a ``StoreError`` with a message a person can act on."""
