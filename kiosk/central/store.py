"""The staff station's store on the clinic's central PostgreSQL (``staff --central``): the same
``kiosk.store.api.StaffStore`` protocol as the kiosk's SQLite store, over a nurse station login.

New intakes are pushed: the ingest function NOTIFYs ``facet_intake``, a review NOTIFYs
``facet_change``; this store LISTENs on its own connection, ``wakeup_fd()`` is that connection's
socket (the staff window watches it) and ``data_version()`` counts what arrived. Every failure is
a ``StoreError`` (kind ``central``) with a message a nurse can act on; the next call connects again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from kiosk.central import db, schema
from kiosk.store import (
    QUEUE_COLUMNS,
    AlreadyExists,
    AuditCheck,
    Delivery,
    Intake,
    NotFound,
    QueueFilter,
    QueueRow,
    StaffAccount,
    StoreError,
    default_db_path,
    now_iso,
    queue_position,
)

T = TypeVar("T")
COLUMNS = QUEUE_COLUMNS.replace("uuid,", "uuid::text AS uuid,", 1)
INTAKE_COLUMNS = ("id, uuid::text AS uuid, status, language, questionnaire_url, questionnaire_version, started_at,"
                  " updated_at, submitted_at, abandoned_at")
CHANNELS = ("facet_intake", "facet_change")


def _queue_row_factory() -> Any:
    from psycopg.rows import args_row

    return args_row(QueueRow)  # COLUMNS are in QueueRow's field order


QUEUE_ROW = _queue_row_factory()


class CentralUnavailable(StoreError):
    kind = "central"


class CentralStore:
    """One station's connections to the central database. Not shared between threads."""

    def __init__(self, url: str, *, local_db: Path | None = None) -> None:
        self.url = url
        self.where = db.describe(url)
        # sign-in backoff is counted per station (kiosk.staff): here per login, not clinic-wide
        self.station_name = f"central:{db.login_name(url) or 'station'}"
        self.path = local_db or default_db_path()  # this station's own folder: exports go beside it
        self._conn: Any = None
        self._listen: Any = None
        self._listen_lost = False
        self._version = 0
        self._connect()

    # -- connections -------------------------------------------------------------------------

    def _connect(self) -> Any:
        from psycopg.rows import dict_row

        if self._conn is not None and not self._conn.closed and not self._conn.broken:
            return self._conn
        try:
            self._conn = db.connect(self.url, application="facet-kiosk staff")
            self._conn.row_factory = dict_row
        except db.CentralError as exc:
            raise CentralUnavailable(f"{exc} The queue shows again once it is back.") from None
        return self._conn

    def _listen_again(self) -> None:
        """The LISTEN connection, opened at the first ``data_version`` (a command line or the
        deliverer never needs one)."""
        if self._listen is not None and not self._listen.closed and not self._listen.broken:
            return
        self._listen = db.connect(self.url, application="facet-kiosk staff listen")
        for channel in CHANNELS:
            self._listen.execute(f"LISTEN {channel}")
        self._version += 1  # whatever happened while we were not listening: look again

    def wakeup_fd(self) -> int | None:
        """The socket that becomes readable when a notification arrives (None while disconnected)."""
        try:
            usable = self._listen is not None and not self._listen.closed and not self._listen_lost
            return int(self._listen.fileno()) if usable else None
        except Exception:  # a connection lost between the check and the call
            return None

    def close(self) -> None:
        for conn in (self._conn, self._listen):
            if conn is not None:
                try:
                    conn.close()
                except Exception:  # closing what is already gone
                    pass

    def __enter__(self) -> CentralStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self, fn: Callable[[Any], T]) -> T:
        """A read; one that fails on a connection that had gone stale (a restarted server, a NAT
        that forgot an idle link) is tried once more on a new one, so nobody sees that."""
        for attempt in (1, 2):
            conn = self._connect()
            try:
                with db.call(conn, self.url):
                    return fn(conn)
            except db.CentralError as exc:
                if attempt == 1 and conn.broken and isinstance(exc, db.Unreachable):
                    continue
                raise CentralUnavailable(str(exc)) from None
        raise AssertionError("unreachable")

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        conn = self._connect()
        try:
            with db.call(conn, self.url), conn.transaction():
                yield conn
        except db.CentralError as exc:
            raise CentralUnavailable(str(exc)) from None

    def data_version(self) -> int:
        """Goes up whenever an intake arrives or another station records a review."""
        try:
            if self._listen_lost and self._listen is not None:
                self._listen.close()  # only now: the window stopped watching its socket after the failure
            self._listen_lost = False
            self._listen_again()
            for _ in self._listen.notifies(timeout=0, stop_after=1000):
                self._version += 1
        except Exception as exc:  # psycopg.Error, or a socket error: listen again next time
            self._listen_lost = True
            raise CentralUnavailable(f"The central database at {self.where} cannot be reached now "
                                     f"({type(exc).__name__}).") from None
        return self._version

    # -- the queue and one intake ----------------------------------------------------------------

    def queue_page(self, where: QueueFilter, after: tuple[int, int, int] | None = None,
                   limit: int = 100) -> list[QueueRow]:
        sql, args = where.sql("%s")
        if after is not None:
            sql += " AND (queue_rank, queue_key, id) > (%s, %s, %s)"
            args.extend(after)
        args.append(limit)
        rows: list[QueueRow] = self._read(lambda c: c.cursor(row_factory=QUEUE_ROW).execute(  # QueueRows built as rows arrive
            f"SELECT {COLUMNS} FROM facet.intakes WHERE {sql} ORDER BY queue_rank, queue_key, id LIMIT %s",
            args).fetchall())
        return rows

    def queue_count(self, where: QueueFilter) -> int:
        sql, args = where.sql("%s")
        return int(self._read(lambda c: c.execute(f"SELECT count(*) AS n FROM facet.intakes WHERE {sql}",
                                                  args).fetchone()["n"]))

    def queue_row(self, intake_id: int) -> QueueRow | None:
        row: QueueRow | None = self._read(lambda c: c.cursor(row_factory=QUEUE_ROW).execute(
            f"SELECT {COLUMNS} FROM facet.intakes WHERE id = %s", (intake_id,)).fetchone())
        return row

    def intake(self, intake_id: int) -> Intake | None:
        row = self._read(lambda c: c.execute(f"SELECT {INTAKE_COLUMNS} FROM facet.intakes WHERE id = %s",
                                             (intake_id,)).fetchone())
        return Intake(**row) if row else None

    def intakes(self, status: str | None = None, limit: int | None = None) -> list[Intake]:
        sql, args = f"SELECT {INTAKE_COLUMNS} FROM facet.intakes", list[Any]()
        if status:
            sql += " WHERE status = %s"
            args.append(status)
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT %s"
            args.append(limit)
        return [Intake(**r) for r in self._read(lambda c: c.execute(sql, args).fetchall())]

    def answers(self, intake_id: int) -> dict[str, Any]:
        rows = self._read(lambda c: c.execute("SELECT link_id, value_json FROM facet.answers WHERE intake_id = %s",
                                              (intake_id,)).fetchall())
        return {r["link_id"]: json.loads(r["value_json"]) for r in rows}

    def latest_assessment(self, intake_id: int) -> dict[str, Any] | None:
        row = self._read(lambda c: c.execute("SELECT result_json FROM facet.assessments WHERE intake_id = %s"
                                             " ORDER BY id DESC LIMIT 1", (intake_id,)).fetchone())
        return json.loads(row["result_json"]) if row else None

    # -- reviews ---------------------------------------------------------------------------------

    def add_review(self, intake_id: int, staff_id: int, decision: str, note: str = "",
                   disagree: bool = False, disagree_reason: str = "") -> int:
        at = now_iso()
        with self._tx() as c:
            row = c.execute("SELECT outcome, red_flags, closed_at FROM facet.intakes WHERE id = %s FOR UPDATE",
                            (intake_id,)).fetchone()
            if row is None:
                raise NotFound(f"Intake {intake_id} is not waiting for review.")
            staff = c.execute("SELECT name FROM facet.staff WHERE id = %s", (staff_id,)).fetchone()
            review_id = c.execute(
                "INSERT INTO facet.reviews (intake_id, staff_id, at, decision, note, disagree, disagree_reason)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (intake_id, staff_id, at, decision, note, int(disagree), disagree_reason)).fetchone()["id"]
            rank, key = queue_position(row["outcome"], row["red_flags"], row["closed_at"], at)
            c.execute("UPDATE facet.intakes SET review_decision = %s, reviewed_by = %s, reviewed_at = %s,"
                      " queue_rank = %s, queue_key = %s WHERE id = %s",
                      (decision, staff["name"] if staff else None, at, rank, key, intake_id))
            self._audit(c, f"staff:{staff_id}", "intake.review", f"intake:{intake_id}",
                        {"decision": decision, "disagree": bool(disagree)})
            c.execute("SELECT pg_notify('facet_change', %s)", (str(intake_id),))
        return int(review_id)

    def reviews(self, intake_id: int) -> list[dict[str, Any]]:
        rows = self._read(lambda c: c.execute(
            "SELECT r.id, r.intake_id, r.staff_id, r.at, r.decision, r.note, r.disagree, r.disagree_reason,"
            " s.name AS staff_name FROM facet.reviews r JOIN facet.staff s ON s.id = r.staff_id"
            " WHERE r.intake_id = %s ORDER BY r.id", (intake_id,)).fetchall())
        return [dict(r) | {"disagree": bool(r["disagree"])} for r in rows]

    # -- delivery to the EHR (kiosk/deliver.py) ----------------------------------------------------

    def delivery_pending(self, limit: int = 100, after: int = 0) -> list[int]:
        rows = self._read(lambda c: c.execute(
            "SELECT i.id FROM facet.intakes i LEFT JOIN facet.deliveries d ON d.intake_id = i.id"
            " WHERE i.status = 'submitted' AND (d.state IS NULL OR d.state = 'waiting') AND i.id > %s"
            " ORDER BY i.id LIMIT %s", (after, limit)).fetchall())
        return [int(r["id"]) for r in rows]

    def record_delivery(self, intake_id: int, state: str, *, location: str | None = None, error: str | None = None,
                        outcome: dict[str, Any] | None = None, actor: str = "deliver") -> None:
        with self._tx() as c:
            c.execute("INSERT INTO facet.deliveries (intake_id, state, at, attempts, location, last_error, outcome_json)"
                      " VALUES (%s, %s, %s, 1, %s, %s, %s) ON CONFLICT (intake_id) DO UPDATE SET state = excluded.state,"
                      " at = excluded.at, attempts = facet.deliveries.attempts + 1, location = excluded.location,"
                      " last_error = excluded.last_error, outcome_json = excluded.outcome_json",
                      (intake_id, state, now_iso(), location, error, json.dumps(outcome) if outcome else None))
            if state != "waiting":
                self._audit(c, actor, f"intake.deliver.{state}", f"intake:{intake_id}",
                            {"location": location} if location else None)

    def deliveries(self, state: str | None = None) -> list[Delivery]:
        from psycopg.rows import tuple_row

        sql = ("SELECT d.intake_id, i.uuid::text, d.state, d.at, d.attempts, d.location, d.last_error, d.outcome_json"
               " FROM facet.deliveries d JOIN facet.intakes i ON i.id = d.intake_id")
        args: list[Any] = []
        if state:
            sql += " WHERE d.state = %s"
            args.append(state)
        rows = self._read(lambda c: c.cursor(row_factory=tuple_row).execute(sql + " ORDER BY d.intake_id",
                                                                           args).fetchall())
        return [Delivery(*r) for r in rows]

    def delivery_counts(self) -> dict[str, int]:
        rows = self._read(lambda c: c.execute("SELECT state, count(*) AS n FROM facet.deliveries GROUP BY state")
                          .fetchall())
        return {str(r["state"]): int(r["n"]) for r in rows}

    def retry_delivery(self, intake_id: int, actor: str) -> None:
        with self._tx() as c:
            c.execute("UPDATE facet.deliveries SET state = 'waiting' WHERE intake_id = %s AND state = 'refused'",
                      (intake_id,))
            self._audit(c, actor, "intake.deliver.retry", f"intake:{intake_id}", None)

    # -- staff accounts and the sign-in throttle ---------------------------------------------------

    def add_staff(self, name: str, role: str, pin_hash: str, actor: str) -> int:
        with self._tx() as c:
            if c.execute("SELECT 1 FROM facet.staff WHERE lower(name) = lower(%s)", (name,)).fetchone():
                raise AlreadyExists(f"There is already a staff account named {name!r}.")
            staff_id = int(c.execute("INSERT INTO facet.staff (name, role, pin_hash, created_at)"
                                     " VALUES (%s, %s, %s, %s) RETURNING id",
                                     (name, role, pin_hash, now_iso())).fetchone()["id"])
            self._audit(c, actor, "staff.add", f"staff:{staff_id}", {"role": role})
        return staff_id

    def staff(self, name: str | None = None, staff_id: int | None = None) -> StaffAccount | None:
        sql, arg = ("lower(name) = lower(%s)", name) if name is not None else ("id = %s", staff_id)
        row = self._read(lambda c: c.execute(f"SELECT * FROM facet.staff WHERE {sql}", (arg,)).fetchone())
        return StaffAccount(**row) if row else None

    def staff_list(self) -> list[StaffAccount]:
        return [StaffAccount(**r) for r in self._read(
            lambda c: c.execute("SELECT * FROM facet.staff ORDER BY lower(name)").fetchall())]

    def staff_count(self, active_only: bool = True) -> int:
        sql = "SELECT count(*) AS n FROM facet.staff" + (" WHERE disabled_at IS NULL" if active_only else "")
        return int(self._read(lambda c: c.execute(sql).fetchone()["n"]))

    def set_staff_disabled(self, staff_id: int, disabled: bool, actor: str) -> None:
        with self._tx() as c:
            c.execute("UPDATE facet.staff SET disabled_at = %s WHERE id = %s",
                      (now_iso() if disabled else None, staff_id))
            self._audit(c, actor, "staff.disable" if disabled else "staff.enable", f"staff:{staff_id}", None)

    def set_staff_pin(self, staff_id: int, pin_hash: str, actor: str) -> None:
        with self._tx() as c:
            c.execute("UPDATE facet.staff SET pin_hash = %s, failed_pins = 0, locked_until = NULL WHERE id = %s",
                      (pin_hash, staff_id))
            self._audit(c, actor, "staff.reset_pin", f"staff:{staff_id}", None)

    def record_sign_in(self, staff_id: int, where: str) -> None:
        with self._tx() as c:
            self._audit(c, f"staff:{staff_id}", "staff.sign_in", f"staff:{staff_id}", {"where": where})

    def throttle(self, key: str) -> tuple[int, str | None, str | None]:
        row = self._read(lambda c: c.execute("SELECT failures, locked_until, updated_at FROM facet.signin_throttle"
                                             " WHERE key = %s", (key,)).fetchone())
        return (int(row["failures"]), row["locked_until"], row["updated_at"]) if row else (0, None, None)

    def set_throttle(self, key: str, failures: int, locked_until: str | None, at: str) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO facet.signin_throttle VALUES (%s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET"
                      " failures = excluded.failures, locked_until = excluded.locked_until,"
                      " updated_at = excluded.updated_at", (key, failures, locked_until, at))

    def clear_throttle(self, *keys: str) -> None:
        with self._tx() as c:
            c.execute("DELETE FROM facet.signin_throttle WHERE key = ANY(%s)", (list(keys),))

    # -- settings and the audit log ---------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        rows = self._read(lambda c: c.execute("SELECT key, value_json FROM facet.settings").fetchall())
        return {r["key"]: json.loads(r["value_json"]) for r in rows}

    def set_settings(self, changes: dict[str, Any], actor: str) -> None:
        at = now_iso()
        with self._tx() as c:
            for key, value in changes.items():
                old = c.execute("SELECT value_json FROM facet.settings WHERE key = %s", (key,)).fetchone()
                body = json.dumps(value, ensure_ascii=False)
                if old is not None and old["value_json"] == body:
                    continue
                c.execute("INSERT INTO facet.settings (key, value_json, updated_at, updated_by) VALUES (%s, %s, %s, %s)"
                          " ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json,"
                          " updated_at = excluded.updated_at, updated_by = excluded.updated_by", (key, body, at, actor))
                self._audit(c, actor, "settings.change", f"setting:{key}",
                            {"from": json.loads(old["value_json"]) if old else None, "to": value})

    @staticmethod
    def _audit(c: Any, actor: str, action: str, subject: str | None, details: dict[str, Any] | None) -> None:
        c.execute("SELECT facet.audit_append(%s, %s, %s, %s)",
                  (actor, action, subject, json.dumps(details or {}, ensure_ascii=False, sort_keys=True)))

    def audit(self, actor: str, action: str, subject: str | None = None,
              details: dict[str, Any] | None = None) -> None:
        """Append one event to the central chain. Never put patient names or answers in ``details``."""
        with self._tx() as c:
            self._audit(c, actor, action, subject, details)

    def audit_rows(self, limit: int = 200, before_id: int | None = None) -> list[dict[str, Any]]:
        sql, args = "SELECT * FROM facet.audit_log", list[Any]()
        if before_id is not None:
            sql += " WHERE id < %s"
            args.append(before_id)
        sql += " ORDER BY id DESC LIMIT %s"
        args.append(limit)
        return [dict(r) for r in self._read(lambda c: c.execute(sql, args).fetchall())]

    def verify_audit(self) -> AuditCheck:
        ok, rows, problem = self._read(schema.verify_audit)
        return AuditCheck(ok, rows, None, problem)
