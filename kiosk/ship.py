"""The shipper: sends this kiosk's closed intakes, and its audit entries, to the central database.

Each pass sends the outbox oldest first. One intake is one call of ``facet.ingest_intake``,
which stores it once by its uuid and commits; only then is it marked sent here. A shipper
killed between the two sends it again next time and the central database keeps the first
copy: every intake arrives exactly once, also after the local file is restored from an older
backup (its marks are older too; the re-sends change nothing). Audit entries go after the
intakes, each kept once centrally by its hash.

Failures never lose anything: the outbox row stays, with its attempts and the last error
(server and SQLSTATE, never patient data). Between failed passes the shipper waits with
jittered backoff, about 1 s doubling to 60 s, back to 1 s after any success. Every network
call has a deadline (``kiosk.central.db``). ``once()`` returns the exit code: 0 all sent, 75
something waits, 3 the login can never work as configured.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.central import db
from kiosk.retry import PassLoop
from kiosk.store import Store, StoreError, now_iso

log = logging.getLogger("kiosk.ship")
EXIT_OK = 0
BATCH = 100
AUDIT_BATCH = 500
SETTINGS_EVERY_S = 60.0  # an idle shipper still reads the clinic's settings this often


@dataclass(frozen=True)
class Pass:
    sent: int
    audit_sent: int
    waiting: int
    error: db.CentralError | None = None

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return self.error.exit_code
        return EXIT_OK if self.waiting == 0 else db.EXIT_LATER

    @property
    def progress(self) -> bool:
        return bool(self.sent or self.audit_sent)

    def summary(self) -> str:
        return f"sent {self.sent} intake(s) and {self.audit_sent} audit entries; {max(self.waiting, 0)} waiting"


class LocalStoreError(db.CentralError):
    """This kiosk's own database cannot be used (exit 3: a person must look)."""

    exit_code = db.EXIT_CONFIG


class Shipper(PassLoop):
    log = log

    def __init__(self, db_path: Path | str, url: str, *, sleep: Callable[[float], None] = time.sleep,
                 rand: Callable[[], float] = random.random) -> None:
        self.db_path, self.url = Path(db_path), url
        self.sleep, self.rand = sleep, rand
        self.stopping = threading.Event()
        self.settings_checked: float | None = None  # the first pass reads them

    # -- one pass ---------------------------------------------------------------------------

    def run_pass(self) -> Pass:
        try:
            store = Store(self.db_path, create=False)
        except StoreError as exc:
            return Pass(0, 0, 0, LocalStoreError(str(exc)))
        try:
            return self._pass(store)
        except StoreError as exc:
            return Pass(0, 0, self._waiting(store), LocalStoreError(str(exc)))
        finally:
            store.close()

    def _pass(self, store: Store) -> Pass:
        pending = store.outbox_pending(BATCH)
        audit_from = self._audit_from(store)
        settings_due = self.settings_checked is None or time.monotonic() - self.settings_checked >= SETTINGS_EVERY_S
        if not pending and not store.audit_after(audit_from, 1) and not settings_due:
            return Pass(0, 0, 0)
        if store.ship_mark("first_ship") is None:  # from now on retention keeps what is not sent
            store.set_ship_mark("first_ship", now_iso())
        try:
            conn = db.connect(self.url, application="facet-kiosk ship")
        except db.CentralError as exc:
            return Pass(0, 0, self._waiting(store), exc)
        sent = audit_sent = 0
        try:
            while pending:
                for intake_id in pending:
                    if self.stopping.is_set():
                        return Pass(sent, audit_sent, self._waiting(store))
                    central_id = self._send_intake(conn, store, intake_id)
                    if central_id is None:
                        continue
                    store.mark_shipped(intake_id, central_id)
                    sent += 1
                pending = store.outbox_pending(BATCH, after=pending[-1])
            audit_sent = self._send_audit(conn, store, audit_from)
            self._cache_settings(conn, store)
            self.settings_checked = time.monotonic()
        except db.CentralError as exc:
            return Pass(sent, audit_sent, self._waiting(store), exc)
        finally:
            conn.close()
        return Pass(sent, audit_sent, self._waiting(store))

    def _send_intake(self, conn: Any, store: Store, intake_id: int) -> int | None:
        """The central id, or None when the server refused this one intake for good (kept, counted)."""
        from psycopg.types.json import Jsonb

        payload = store.shipment(intake_id)
        try:
            with db.call(conn, self.url):
                row = conn.execute("SELECT facet.ingest_intake(%s)", (Jsonb(payload),)).fetchone()
        except db.Rejected as exc:
            attempts = store.note_ship_failure(intake_id, str(exc))
            (log.error if attempts == 1 else log.debug)(  # said once, not at every pass
                "intake %d was refused by the central database (SQLSTATE %s); it stays in the outbox",
                intake_id, exc.sqlstate)
            return None
        except db.CentralError as exc:
            store.note_ship_failure(intake_id, str(exc))
            raise
        return int(row[0])

    def _audit_from(self, store: Store) -> int:
        """The last audit entry sent, if this file still holds it; else 0 (a restored older file:
        everything is offered again and the central database keeps each entry once)."""
        mark = store.ship_mark("audit_sent")
        if not mark:
            return 0
        last_id, _, last_hash = mark.partition(":")
        rows = store.audit_after(int(last_id) - 1, 1)
        return int(last_id) if rows and rows[0]["id"] == int(last_id) and rows[0]["hash"] == last_hash else 0

    def _send_audit(self, conn: Any, store: Store, after: int) -> int:
        from psycopg.types.json import Jsonb

        total = 0
        while True:
            rows = store.audit_after(after, AUDIT_BATCH)
            if not rows:
                return total
            with db.call(conn, self.url):
                conn.execute("SELECT facet.ingest_audit(%s)", (Jsonb(rows),)).fetchone()
            after = int(rows[-1]["id"])
            store.set_ship_mark("audit_sent", f"{after}:{rows[-1]['hash']}")
            total += len(rows)

    def _cache_settings(self, conn: Any, store: Store) -> None:
        """The clinic's settings, kept here read-only (idle times, languages, rule mode)."""
        from kiosk import settings as clinic_settings

        with db.call(conn, self.url):
            rows = conn.execute("SELECT key, value_json FROM facet.settings").fetchall()
        changed = clinic_settings.from_central(store, {k: json.loads(v) for k, v in rows})
        if store.ship_mark(clinic_settings.CENTRAL_MARK) is None:
            store.set_ship_mark(clinic_settings.CENTRAL_MARK, now_iso())
        if changed:
            log.info("settings from the central database: %s", ", ".join(changed))

    @staticmethod
    def _waiting(store: Store) -> int:
        try:
            return store.outbox_counts()[0]
        except StoreError:
            return -1

    def started(self) -> str:
        return f"shipping {self.db_path.name} to {db.describe(self.url)}"
