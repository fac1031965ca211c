"""SQLite storage: intakes and their answers, assessments and the hash-chained audit log.

One short transaction per write, so every answer is durable the moment it is given. The
schema version lives in ``PRAGMA user_version``; migrations run in order on open. Every
sqlite3 error is turned into a ``StoreError`` with a message a person can act on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from kiosk import audit
from kiosk.codes import IntakeStatus, Outcome, values

APP_NAME = "facet-intake-kiosk"
DB_FILENAME = "kiosk.db"
BUSY_TIMEOUT_MS = 10_000
GENESIS = "0" * 64
STATUSES = values(IntakeStatus)
URGENT = Outcome.URGENT_REVIEW.value
GIVEN, FAMILY, BIRTH_DATE = "patient.given", "patient.family", "patient.birthdate"

T = TypeVar("T")

# Migrations are history: their text never changes. A new status or review decision in
# kiosk.codes needs a new migration for its CHECK (tests/kiosk/test_store.py compares them).
MIGRATIONS: list[str] = [
    # 1: intakes, answers, assessments, audit log
    """
    CREATE TABLE intakes (
        id INTEGER PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'abandoned')),
        language TEXT NOT NULL DEFAULT 'en',
        questionnaire_url TEXT NOT NULL,
        questionnaire_version TEXT NOT NULL,
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        submitted_at TEXT,
        abandoned_at TEXT
    );
    CREATE INDEX intakes_status ON intakes (status, started_at);
    CREATE TABLE answers (
        intake_id INTEGER NOT NULL REFERENCES intakes (id) ON DELETE CASCADE,
        link_id TEXT NOT NULL,
        value_json TEXT NOT NULL,
        answered_at TEXT NOT NULL,
        PRIMARY KEY (intake_id, link_id)
    ) WITHOUT ROWID;
    CREATE TABLE assessments (
        id INTEGER PRIMARY KEY,
        intake_id INTEGER NOT NULL REFERENCES intakes (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        outcome TEXT NOT NULL,
        next_step TEXT,
        region TEXT,
        rulepack_id TEXT NOT NULL,
        rulepack_version TEXT NOT NULL,
        rulepack_sha256 TEXT NOT NULL,
        mode TEXT NOT NULL,
        result_json TEXT NOT NULL
    );
    CREATE INDEX assessments_intake ON assessments (intake_id, id);
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT,
        details_json TEXT NOT NULL DEFAULT '{}',
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    """,
    # 2: staff accounts, reviews, settings; queue columns kept on the intake row so the
    # staff queue pages with one indexed keyset query (see Store._refresh_queue)
    """
    CREATE TABLE staff (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        role TEXT NOT NULL CHECK (role IN ('nurse', 'admin')),
        pin_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        disabled_at TEXT,
        failed_pins INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT
    );
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        intake_id INTEGER NOT NULL REFERENCES intakes (id) ON DELETE CASCADE,
        staff_id INTEGER NOT NULL REFERENCES staff (id),
        at TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN
            ('schedule_evaluation', 'not_appropriate', 'urgent_handled', 'needs_follow_up')),
        note TEXT NOT NULL DEFAULT '',
        disagree INTEGER NOT NULL DEFAULT 0,
        disagree_reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX reviews_intake ON reviews (intake_id, id);
    CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews
        BEGIN SELECT RAISE(ABORT, 'reviews are never changed; record a new one'); END;
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value_json TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
    );
    ALTER TABLE intakes ADD COLUMN given_name TEXT;
    ALTER TABLE intakes ADD COLUMN family_name TEXT;
    ALTER TABLE intakes ADD COLUMN birth_date TEXT;
    ALTER TABLE intakes ADD COLUMN search_name TEXT;
    ALTER TABLE intakes ADD COLUMN outcome TEXT;
    ALTER TABLE intakes ADD COLUMN region TEXT;
    ALTER TABLE intakes ADD COLUMN red_flags INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE intakes ADD COLUMN closed_at TEXT;
    ALTER TABLE intakes ADD COLUMN review_decision TEXT;
    ALTER TABLE intakes ADD COLUMN reviewed_by TEXT;
    ALTER TABLE intakes ADD COLUMN reviewed_at TEXT;
    ALTER TABLE intakes ADD COLUMN queue_rank INTEGER;
    ALTER TABLE intakes ADD COLUMN queue_key INTEGER;
    CREATE INDEX intakes_queue ON intakes (queue_rank, queue_key, id) WHERE queue_rank IS NOT NULL;
    """,
    # 3: the queue's "Why" line (copied from the assessment's summary) and, for an intake left
    # before submit, the red-flag questions answered yes (named by the staff station); the
    # highest intake id ever given, so an id is never reused after a purge (audit entries and
    # exports name intakes by id)
    """
    ALTER TABLE intakes ADD COLUMN why TEXT;
    ALTER TABLE intakes ADD COLUMN red_flag_items TEXT;
    CREATE TABLE id_high_water (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO id_high_water SELECT 'intakes', COALESCE(MAX(id), 0) FROM intakes;
    -- wrong PINs counted per typed name (real or not, so a lockout tells nothing) and per station
    CREATE TABLE signin_throttle (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, locked_until TEXT,
                                  updated_at TEXT NOT NULL);
    -- each audit row's MAC under a key kept outside the database (kiosk/audit.py)
    ALTER TABLE audit_log ADD COLUMN mac TEXT;
    """,
    # 4: the outbox for the clinic's central database (kiosk/ship.py): the transaction that
    # closes an intake queues it; drafts never leave. Intakes closed before are queued too.
    # ship_state keeps the shipper's marks (its first run, the last audit entry sent).
    """
    CREATE TABLE outbox (
        intake_id INTEGER PRIMARY KEY REFERENCES intakes (id) ON DELETE CASCADE,
        queued_at TEXT NOT NULL,
        sent_at TEXT,
        central_id INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    );
    CREATE INDEX outbox_pending ON outbox (intake_id) WHERE sent_at IS NULL;
    INSERT INTO outbox (intake_id, queued_at)
        SELECT id, COALESCE(submitted_at, abandoned_at, updated_at) FROM intakes WHERE status != 'draft';
    CREATE TABLE ship_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
]


class StoreError(RuntimeError):
    """A storage failure with a message staff can act on. Each kind of failure is its own
    subclass (callers test ``isinstance``); ``kind`` names it in logs, never patient data."""

    kind = "unavailable"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class NotADatabase(StoreError):
    kind = "not_a_database"


class Corrupt(StoreError):
    kind = "corrupt"


class Busy(StoreError):
    kind = "locked"


class DiskFull(StoreError):
    kind = "full"


class ReadOnly(StoreError):
    kind = "readonly"


class NotFound(StoreError):
    kind = "not_found"


class Closed(StoreError):
    """The intake is no longer a draft."""

    kind = "closed"


class AlreadyExists(StoreError):
    kind = "exists"


class NewerSchema(StoreError):
    kind = "newer_schema"


class Replaced(StoreError):
    """The file or its WAL was swapped under the running program."""

    kind = "replaced"


def _classify(exc: BaseException, path: Path) -> StoreError:
    text = str(exc).lower()
    if "file is not a database" in text:
        return NotADatabase(f"{path} is not a kiosk database. Check the path; nothing was changed.")
    if "malformed" in text or "corrupt" in text:
        return Corrupt(f"The database {path} is damaged. Restore the latest backup; nothing was changed.")
    if "locked" in text or "busy" in text:
        return Busy(f"The database {path} is busy in another program. Try again in a moment.")
    if "full" in text or "disk i/o" in text or (isinstance(exc, OSError) and getattr(exc, "errno", 0) == 28):
        return DiskFull(f"The disk holding {path} is full or failing. Free space; answers already saved are kept.")
    if "readonly" in text or "read-only" in text or "permission" in text or "unable to open" in text:
        return ReadOnly(f"Cannot write to {path} (read-only or missing folder). Check its permissions.")
    return StoreError(f"The database {path} cannot be used: {exc}")


def default_db_path() -> Path:
    """``KIOSK_DB`` if set, else the per-user data folder from platformdirs."""
    env = os.environ.get("KIOSK_DB")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / DB_FILENAME


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _chain_hash(prev: str, at: str, actor: str, action: str, subject: str | None, details: str) -> str:
    payload = json.dumps([prev, at, actor, action, subject, details], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _new_uuid() -> str:
    import uuid  # here, not at the top: it imports platform, 1.5 ms of every kiosk start-up

    return str(uuid.uuid4())


@dataclass(frozen=True)
class Intake:
    id: int
    uuid: str
    status: str
    language: str
    questionnaire_url: str
    questionnaire_version: str
    started_at: str
    updated_at: str
    submitted_at: str | None
    abandoned_at: str | None


@dataclass(frozen=True)
class StaffAccount:
    id: int
    name: str
    role: str
    pin_hash: str
    created_at: str
    disabled_at: str | None
    failed_pins: int
    locked_until: str | None


# Once this kiosk has shipped to a central database, an intake is purged only after it was sent.
_DELIVERED = ("(NOT EXISTS (SELECT 1 FROM ship_state WHERE key = 'first_ship')"
              " OR id IN (SELECT intake_id FROM outbox WHERE sent_at IS NOT NULL))")

QUEUE_COLUMNS = ("id, uuid, status, language, closed_at, given_name, family_name, birth_date, outcome, region,"
                 " red_flags, review_decision, reviewed_by, reviewed_at, queue_rank, queue_key, why, red_flag_items")


@dataclass(frozen=True)
class QueueRow:
    id: int
    uuid: str
    status: str
    language: str
    closed_at: str | None
    given_name: str | None
    family_name: str | None
    birth_date: str | None
    outcome: str | None
    region: str | None
    red_flags: int
    review_decision: str | None
    reviewed_by: str | None
    reviewed_at: str | None
    queue_rank: int
    queue_key: int
    why: str | None = None  # the assessment's one-line summary (None before rule pack 1.1)
    red_flag_items: str | None = None  # JSON list of red-flag linkIds answered yes, for unassessed intakes

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.queue_rank, self.queue_key, self.id)


@dataclass(frozen=True)
class QueueFilter:
    """What the staff queue shows. ``review`` is ``unreviewed``, ``reviewed`` or a decision;
    ``outcome`` is an outcome code or ``ABANDONED``; ``since``/``until`` are UTC ISO bounds on
    the time the intake was closed; ``search`` matches a name (any part, accents ignored) or a
    date of birth (YYYY-MM-DD)."""

    outcome: str | None = None
    review: str | None = None
    since: str | None = None
    until: str | None = None
    search: str | None = None

    def sql(self) -> tuple[str, list[Any]]:
        parts, args = ["queue_rank IS NOT NULL"], []  # the partial index's condition
        if self.outcome == "ABANDONED":
            parts.append("status = 'abandoned'")
        elif self.outcome:
            parts.append("outcome = ?")
            args.append(self.outcome)
        if self.review == "unreviewed":
            parts.append("queue_rank < 2")
        elif self.review == "reviewed":
            parts.append("queue_rank = 2")
        elif self.review:
            parts.append("review_decision = ?")
            args.append(self.review)
        if self.since:
            parts.append("closed_at >= ?")
            args.append(self.since)
        if self.until:
            parts.append("closed_at < ?")
            args.append(self.until)
        term = (self.search or "").strip()
        if term:
            date = _search_date(term)
            if date:
                parts.append("birth_date = ?")
                args.append(date)
            else:
                parts.append("search_name LIKE ? ESCAPE '\\'")
                folded = fold(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                args.append(f"%{folded}%")
        return " AND ".join(parts), args


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    rows: int
    first_bad_id: int | None = None
    reason: str = ""


class Store:
    """One connection to the kiosk database. Not shared between threads."""

    def __init__(self, path: Path | str, *, create: bool = True) -> None:
        self.path = Path(path)
        try:
            self._prepare_file(create)
            self.conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.conn.execute("PRAGMA foreign_keys = ON")
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"could not switch to WAL (got {mode})")
            self.conn.execute("PRAGMA synchronous = FULL")
            self.conn.execute("PRAGMA secure_delete = ON")  # deleted rows are overwritten, not just unlinked
            self._migrate()
            self._check_writable()
            self._identity = self._files()  # the database and WAL this connection writes to
            self._audit_key: bytes | None = None  # read or made at the first audit entry
            self._new_head: tuple[int, str] | None = None
        except sqlite3.Error as exc:
            self._close_quietly()
            raise _classify(exc, self.path) from None
        except OSError as exc:
            self._close_quietly()
            raise _classify(exc, self.path) from None

    def _prepare_file(self, create: bool) -> None:
        if self.path.exists():
            return
        if not create:
            raise NotFound(f"There is no database at {self.path}.")
        folder = self.path.parent
        if not folder.exists():
            folder.mkdir(parents=True, mode=0o700)
        fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)

    def _close_quietly(self) -> None:
        conn = getattr(self, "conn", None)
        if conn is not None:
            try:
                conn.close()
            except sqlite3.Error:
                pass

    def close(self) -> None:
        self._close_quietly()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ----------------------------------------------------------------------

    def _key_existing_audit_rows(self) -> None:
        """Schema 3: give every earlier audit row its MAC (inside the migration's transaction; the
        append-only guard is lifted for this one statement and put back)."""
        rows = self.conn.execute("SELECT id, hash FROM audit_log").fetchall()
        if not rows:
            return
        key = audit.key_for_writing(self.path)
        guard = self.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_log_no_update'").fetchone()
        self.conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        self.conn.executemany("UPDATE audit_log SET mac = ? WHERE id = ?",
                              [(audit.mac(key, r[1]), r[0]) for r in rows])
        if guard is not None:
            self.conn.execute(guard[0])

    def _files(self) -> tuple[tuple[int, int], tuple[int, int] | None]:
        """(device, inode) of the database file and of its WAL (None while there is none)."""
        db = os.stat(self.path)
        try:
            wal = os.stat(f"{self.path}-wal")
            wal_id: tuple[int, int] | None = (wal.st_dev, wal.st_ino)
        except FileNotFoundError:
            wal_id = None
        return (db.st_dev, db.st_ino), wal_id

    def _require_same_files(self) -> None:
        """Before each write: the file this connection opened must still be the one at the path,
        with its WAL. A file replaced (a restore copied over it, a sync tool) or a WAL deleted under
        a running kiosk would take every later answer into an unlinked file, unseen by staff."""
        try:
            now = self._files()
        except FileNotFoundError:
            now = None
        db_id, wal_id = self._identity
        if now is None or now[0] != db_id or (wal_id is not None and now[1] != wal_id):
            raise Replaced(f"The database {self.path} was replaced or its journal (-wal) removed while "
                             "the program was running. Nothing more is written; restart the kiosk and the staff "
                             "station, then check it with check-db.")
        if wal_id is None and now[1] is not None:
            self._identity = (db_id, now[1])  # the WAL this connection just created

    def _error(self, exc: BaseException) -> StoreError:
        """The StoreError for a failure; a 'disk I/O error' is first checked against a replaced
        file or a deleted WAL, which it usually is, so staff are not told the disk is full."""
        if "disk i/o" in str(exc).lower():
            try:
                self._require_same_files()
            except StoreError as replaced:
                return replaced
        return _classify(exc, self.path)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: the write lock is taken up front, so a busy database
        waits for the busy timeout instead of failing half-way."""
        self._require_same_files()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        try:
            yield self.conn
        except sqlite3.Error as exc:
            self._new_head = None
            self._rollback()
            raise self._error(exc) from None
        except BaseException:
            self._new_head = None
            self._rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._new_head = None
                self._rollback()
                raise self._error(exc) from None
            if self._new_head is not None and self._audit_key is not None:
                head, self._new_head = self._new_head, None
                try:
                    audit.write_head(self.path, self._audit_key, *head)
                except OSError as exc:
                    raise self._error(exc) from None

    def _rollback(self) -> None:
        try:
            self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return fn(self.conn)
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def schema_version(self) -> int:
        return int(self._read(lambda c: c.execute("PRAGMA user_version").fetchone()[0]))

    def _check_writable(self) -> None:
        """Refuse a database that cannot be written now, not at a patient's first answer:
        SQLite opens a read-only file quietly and fails only when something is saved. The
        probe writes the schema version it read, inside a transaction rolled back, so the
        file is never changed."""
        version = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.execute(f"PRAGMA user_version = {version}")
        finally:
            self._rollback()

    def _migrate(self) -> None:
        current = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        if current > len(MIGRATIONS):
            raise NewerSchema(f"{self.path} was written by a newer kiosk (schema {current}). "
                             "Update this program; nothing was changed.")
        for version in range(current + 1, len(MIGRATIONS) + 1):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(MIGRATIONS[version - 1]):
                    self.conn.execute(statement)
                if version == 3:  # key the rows written before the chain had a key
                    self._key_existing_audit_rows()
                if version == len(MIGRATIONS):  # fill the queue columns of intakes already closed
                    ids = [r[0] for r in self.conn.execute("SELECT id FROM intakes WHERE status != 'draft'")]
                    for intake_id in ids:
                        self._refresh_queue(self.conn, intake_id)
                self.conn.execute(f"PRAGMA user_version = {version}")
                self.conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    # -- intakes and answers -------------------------------------------------------------

    def start_intake(self, questionnaire_url: str, questionnaire_version: str, language: str = "en") -> int:
        at = now_iso()
        with self._tx() as c:
            intake_id = self._next_intake_id(c)
            c.execute(
                "INSERT INTO intakes (id, uuid, status, language, questionnaire_url, questionnaire_version,"
                " started_at, updated_at) VALUES (?, ?, 'draft', ?, ?, ?, ?, ?)",
                (intake_id, _new_uuid(), language, questionnaire_url, questionnaire_version, at, at))
            return intake_id

    @staticmethod
    def _next_intake_id(c: sqlite3.Connection) -> int:
        """One above every id ever given (SQLite alone would reuse a purged top id)."""
        row = c.execute("SELECT MAX(COALESCE((SELECT value FROM id_high_water WHERE name = 'intakes'), 0),"
                        " COALESCE((SELECT MAX(id) FROM intakes), 0))").fetchone()
        intake_id = int(row[0]) + 1
        c.execute("INSERT INTO id_high_water VALUES ('intakes', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                  (intake_id,))
        return intake_id

    def save_answer(self, intake_id: int, link_id: str, value: Any) -> None:
        """Upsert one answer (or remove it when ``value`` is None) in its own transaction."""
        at = now_iso()
        with self._tx() as c:
            self._require_draft(c, intake_id)
            if value is None:
                c.execute("DELETE FROM answers WHERE intake_id = ? AND link_id = ?", (intake_id, link_id))
            else:
                c.execute(
                    "INSERT INTO answers (intake_id, link_id, value_json, answered_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (intake_id, link_id) DO UPDATE SET value_json = excluded.value_json,"
                    " answered_at = excluded.answered_at",
                    (intake_id, link_id, json.dumps(value, ensure_ascii=False), at))
            c.execute("UPDATE intakes SET updated_at = ? WHERE id = ?", (at, intake_id))

    def set_language(self, intake_id: int, language: str) -> None:
        with self._tx() as c:
            c.execute("UPDATE intakes SET language = ?, updated_at = ? WHERE id = ?", (language, now_iso(), intake_id))

    def _require_draft(self, c: sqlite3.Connection, intake_id: int) -> None:
        row = c.execute("SELECT status FROM intakes WHERE id = ?", (intake_id,)).fetchone()
        if row is None:
            raise NotFound(f"There is no intake {intake_id}.")
        if row["status"] != "draft":
            raise Closed(f"Intake {intake_id} is {row['status']} and can no longer change.")

    def answers(self, intake_id: int) -> dict[str, Any]:
        rows = self._read(lambda c: c.execute(
            "SELECT link_id, value_json FROM answers WHERE intake_id = ?", (intake_id,)).fetchall())
        return {r["link_id"]: json.loads(r["value_json"]) for r in rows}

    def intake(self, intake_id: int) -> Intake | None:
        row = self._read(lambda c: c.execute("SELECT * FROM intakes WHERE id = ?", (intake_id,)).fetchone())
        return _intake(row) if row else None

    def intakes(self, status: str | None = None, limit: int | None = None) -> list[Intake]:
        sql = "SELECT * FROM intakes"
        args: list[Any] = []
        if status:
            sql += " WHERE status = ?"
            args.append(status)
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [_intake(r) for r in self._read(lambda c: c.execute(sql, args).fetchall())]

    def submit(self, intake_id: int, assessment: dict[str, Any], answers: dict[str, Any] | None = None) -> None:
        """Close a draft and store its assessment in one transaction.

        ``answers`` (optional) is the final, enabled answer set: answers to questions that
        became disabled are removed so what is stored is what was assessed.
        """
        at = now_iso()
        rp = assessment["rulepack"]
        with self._tx() as c:
            self._require_draft(c, intake_id)
            if answers is not None:
                keep = set(answers)
                stored = [r[0] for r in c.execute("SELECT link_id FROM answers WHERE intake_id = ?", (intake_id,))]
                for link_id in stored:
                    if link_id not in keep:
                        c.execute("DELETE FROM answers WHERE intake_id = ? AND link_id = ?", (intake_id, link_id))
            c.execute(
                "INSERT INTO assessments (intake_id, created_at, outcome, next_step, region, rulepack_id,"
                " rulepack_version, rulepack_sha256, mode, result_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (intake_id, at, assessment["outcome"], assessment.get("next_step"), assessment.get("region"),
                 rp["id"], rp["version"], rp["sha256"], rp["mode"], json.dumps(assessment, ensure_ascii=False)))
            c.execute("UPDATE intakes SET status = 'submitted', submitted_at = ?, updated_at = ? WHERE id = ?",
                      (at, at, intake_id))
            self._refresh_queue(c, intake_id)
            self._queue_for_central(c, intake_id, at)
            self._audit(c, "kiosk", "intake.submit", f"intake:{intake_id}", {"outcome": assessment["outcome"]})

    def abandon(self, intake_id: int, reason: str = "idle") -> bool:
        """Mark a draft abandoned (kept for staff). False if it was not a draft any more."""
        at = now_iso()
        with self._tx() as c:
            cur = c.execute("UPDATE intakes SET status = 'abandoned', abandoned_at = ?, updated_at = ?"
                            " WHERE id = ? AND status = 'draft'", (at, at, intake_id))
            if cur.rowcount:
                self._refresh_queue(c, intake_id)
                self._queue_for_central(c, intake_id, at)
                self._audit(c, "kiosk", "intake.abandon", f"intake:{intake_id}", {"reason": reason})
            return bool(cur.rowcount)

    def abandon_stale_drafts(self, reason: str = "restart") -> list[int]:
        """Drafts left by a crash or power cut become abandoned, so staff see them."""
        ids = [i.id for i in self.intakes("draft")]
        return [i for i in ids if self.abandon(i, reason)]

    def latest_assessment(self, intake_id: int) -> dict[str, Any] | None:
        row = self._read(lambda c: c.execute(
            "SELECT result_json FROM assessments WHERE intake_id = ? ORDER BY id DESC LIMIT 1",
            (intake_id,)).fetchone())
        return json.loads(row[0]) if row else None

    def data_version(self) -> int:
        """Changes whenever another connection (the kiosk, another station) commits."""
        return int(self._read(lambda c: c.execute("PRAGMA data_version").fetchone()[0]))

    # -- the staff queue -----------------------------------------------------------------------

    def _refresh_queue(self, c: sqlite3.Connection, intake_id: int) -> None:
        """Recompute the queue columns of one intake from its answers, assessment and reviews.

        The one place these columns are written: on submit, abandon, review and migration.
        """
        row = c.execute("SELECT status, submitted_at, abandoned_at FROM intakes WHERE id = ?",
                        (intake_id,)).fetchone()
        if row is None:
            return
        if row["status"] == "draft":
            c.execute("UPDATE intakes SET queue_rank = NULL, queue_key = NULL WHERE id = ?", (intake_id,))
            return
        answers = {r[0]: json.loads(r[1]) for r in c.execute(
            "SELECT link_id, value_json FROM answers WHERE intake_id = ? AND (link_id IN (?, ?, ?, ?)"
            " OR (link_id LIKE 'rf.%' AND value_json = '\"yes\"'))",
            (intake_id, GIVEN, FAMILY, BIRTH_DATE, "pain.region"))}
        given, family, birth = (_text(answers.get(k)) for k in (GIVEN, FAMILY, BIRTH_DATE))
        assessment = c.execute("SELECT outcome, region, result_json FROM assessments WHERE intake_id = ?"
                               " ORDER BY id DESC LIMIT 1", (intake_id,)).fetchone()
        flagged = sorted(k for k in answers if k.startswith("rf."))
        if assessment is not None:
            outcome, region = assessment["outcome"], assessment["region"]
            result = json.loads(assessment["result_json"])
            findings = result.get("findings", [])
            red_flags = sum(1 for f in findings if f.get("group") == "red_flag" and f.get("status") == "met")
            why = _text((result.get("summary") or {}).get("why"))
        else:  # abandoned before submit: no assessment, but a red-flag "yes" still makes it urgent
            outcome, region = None, _text(answers.get("pain.region"))
            red_flags, why = len(flagged), None
        review = c.execute("SELECT r.decision, r.at, s.name FROM reviews r JOIN staff s ON s.id = r.staff_id"
                           " WHERE r.intake_id = ? ORDER BY r.id DESC LIMIT 1", (intake_id,)).fetchone()
        closed = row["submitted_at"] or row["abandoned_at"]
        rank, key = queue_position(outcome, red_flags, closed, review["at"] if review else None)
        c.execute(
            "UPDATE intakes SET given_name = ?, family_name = ?, birth_date = ?, search_name = ?, outcome = ?,"
            " region = ?, red_flags = ?, closed_at = ?, review_decision = ?, reviewed_by = ?, reviewed_at = ?,"
            " queue_rank = ?, queue_key = ?, why = ?, red_flag_items = ? WHERE id = ?",
            (given, family, birth, fold(f"{given or ''} {family or ''}").strip(), outcome, region, red_flags, closed,
             review["decision"] if review else None, review["name"] if review else None,
             review["at"] if review else None, rank, key, why, json.dumps(flagged) if flagged else None, intake_id))

    def queue_page(self, where: QueueFilter, after: tuple[int, int, int] | None = None,
                   limit: int = 100) -> list[QueueRow]:
        """One page of the staff queue, in queue order, strictly after the ``after`` key."""
        sql, args = where.sql()
        if after is not None:
            sql += " AND (queue_rank, queue_key, id) > (?, ?, ?)"
            args.extend(after)
        sql = (f"SELECT {QUEUE_COLUMNS} FROM intakes WHERE {sql}"
               " ORDER BY queue_rank, queue_key, id LIMIT ?")
        args.append(limit)
        return [QueueRow(**dict(r)) for r in self._read(lambda c: c.execute(sql, args).fetchall())]

    def queue_count(self, where: QueueFilter) -> int:
        sql, args = where.sql()
        return int(self._read(lambda c: c.execute(f"SELECT count(*) FROM intakes WHERE {sql}", args).fetchone()[0]))

    def queue_row(self, intake_id: int) -> QueueRow | None:
        row = self._read(lambda c: c.execute(f"SELECT {QUEUE_COLUMNS} FROM intakes WHERE id = ?",
                                             (intake_id,)).fetchone())
        return QueueRow(**dict(row)) if row else None

    def clone_for_load_test(self, n: int, *, with_answers: bool = True, start: dt.datetime | None = None) -> int:
        """Add ``n`` closed intakes copied from the closed intakes already here, one minute
        apart from ``start``, with distinct names (benchmarks and the 100,000-row tests)."""
        at = start or dt.datetime(2025, 1, 1, 8, tzinfo=dt.UTC)
        with self._tx() as c:
            sources = c.execute("SELECT * FROM intakes WHERE queue_rank IS NOT NULL ORDER BY id").fetchall()
            if not sources:
                raise NotFound("There is no closed intake to copy.")
            for i in range(n):
                src = sources[i % len(sources)]
                when = (at + dt.timedelta(minutes=i)).isoformat(timespec="milliseconds")
                family = f"{src['family_name'] or 'Test'}-{_letters(i)}"
                cur = c.execute(
                    "INSERT INTO intakes (uuid, status, language, questionnaire_url, questionnaire_version, started_at,"
                    " updated_at, submitted_at, abandoned_at, given_name, family_name, birth_date, search_name, outcome,"
                    " region, red_flags, closed_at, queue_rank, queue_key, why, red_flag_items) VALUES (?, ?, ?, ?, ?, ?,"
                    " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (_new_uuid(), src["status"], src["language"], src["questionnaire_url"],
                     src["questionnaire_version"], when, when, when if src["submitted_at"] else None,
                     when if src["abandoned_at"] else None, src["given_name"], family, src["birth_date"],
                     fold(f"{src['given_name'] or ''} {family}").strip(), src["outcome"], src["region"],
                     src["red_flags"], when, src["queue_rank"] if src["queue_rank"] < 2 else 1,
                     _epoch_ms(when), src["why"], src["red_flag_items"]))
                if with_answers:
                    new_id = cur.lastrowid
                    c.execute("INSERT INTO answers SELECT ?, link_id, value_json, answered_at FROM answers"
                              " WHERE intake_id = ?", (new_id, src["id"]))
                    c.execute("INSERT INTO assessments (intake_id, created_at, outcome, next_step, region, rulepack_id,"
                              " rulepack_version, rulepack_sha256, mode, result_json) SELECT ?, created_at, outcome,"
                              " next_step, region, rulepack_id, rulepack_version, rulepack_sha256, mode, result_json"
                              " FROM assessments WHERE intake_id = ?", (new_id, src["id"]))
        return n

    # -- the outbox to the central database (kiosk/ship.py) -------------------------------

    @staticmethod
    def _queue_for_central(c: sqlite3.Connection, intake_id: int, at: str) -> None:
        c.execute("INSERT INTO outbox (intake_id, queued_at) VALUES (?, ?) ON CONFLICT (intake_id) DO NOTHING",
                  (intake_id, at))

    def outbox_pending(self, limit: int = 100, after: int = 0) -> list[int]:
        """Closed intakes not yet sent, oldest first (ids above ``after``)."""
        rows = self._read(lambda c: c.execute(
            "SELECT intake_id FROM outbox WHERE sent_at IS NULL AND intake_id > ? ORDER BY intake_id LIMIT ?",
            (after, limit)).fetchall())
        return [int(r[0]) for r in rows]

    def outbox_counts(self) -> tuple[int, int]:
        """(waiting to be sent, sent)."""
        row = self._read(lambda c: c.execute(
            "SELECT count(*) FILTER (WHERE sent_at IS NULL), count(*) FILTER (WHERE sent_at IS NOT NULL)"
            " FROM outbox").fetchone())
        return int(row[0]), int(row[1])

    def shipment(self, intake_id: int) -> dict[str, Any]:
        """What the central database stores of one closed intake: the intake row, its answers and
        assessments exactly as stored here, and its queue columns as an unreviewed intake (reviews
        are made centrally)."""
        def run(c: sqlite3.Connection) -> dict[str, Any]:
            row = c.execute("SELECT * FROM intakes WHERE id = ?", (intake_id,)).fetchone()
            if row is None or row["status"] == "draft":
                raise NotFound(f"Intake {intake_id} is not closed.")
            answers = [dict(r) for r in c.execute("SELECT link_id, value_json, answered_at FROM answers"
                                                  " WHERE intake_id = ? ORDER BY link_id", (intake_id,))]
            assessments = [dict(r) for r in c.execute(
                "SELECT created_at, outcome, next_step, region, rulepack_id, rulepack_version, rulepack_sha256, mode,"
                " result_json FROM assessments WHERE intake_id = ? ORDER BY id", (intake_id,))]
            rank, key = queue_position(row["outcome"], row["red_flags"], row["closed_at"], None)
            queue = {k: row[k] for k in ("given_name", "family_name", "birth_date", "search_name", "outcome", "region",
                                         "red_flags", "closed_at", "why", "red_flag_items")}
            return {"uuid": row["uuid"], "local_id": row["id"], "status": row["status"], "language": row["language"],
                    "questionnaire_url": row["questionnaire_url"], "questionnaire_version": row["questionnaire_version"],
                    "started_at": row["started_at"], "updated_at": row["updated_at"],
                    "submitted_at": row["submitted_at"], "abandoned_at": row["abandoned_at"],
                    "answers": answers, "assessments": assessments,
                    "queue": queue | {"queue_rank": rank, "queue_key": key}}
        return self._read(run)

    def mark_shipped(self, intake_id: int, central_id: int) -> None:
        with self._tx() as c:
            c.execute("UPDATE outbox SET sent_at = ?, central_id = ?, last_error = NULL WHERE intake_id = ?",
                      (now_iso(), central_id, intake_id))

    def note_ship_failure(self, intake_id: int, error: str) -> None:
        """Count a failed attempt (``error`` names the server and the failure, never patient data)."""
        with self._tx() as c:
            c.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE intake_id = ?",
                      (error[:500], intake_id))

    def ship_mark(self, key: str) -> str | None:
        row = self._read(lambda c: c.execute("SELECT value FROM ship_state WHERE key = ?", (key,)).fetchone())
        return str(row[0]) if row else None

    def set_ship_mark(self, key: str, value: str) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO ship_state VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                      (key, value))

    def audit_after(self, after_id: int, limit: int = 500) -> list[dict[str, Any]]:
        """Audit entries with an id above ``after_id``, oldest first (for the shipper)."""
        rows = self._read(lambda c: c.execute(
            "SELECT id, at, actor, action, subject, details_json, prev_hash, hash, mac FROM audit_log"
            " WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)).fetchall())
        return [dict(r) for r in rows]

    # -- staff accounts ------------------------------------------------------------------------

    def add_staff(self, name: str, role: str, pin_hash: str, actor: str) -> int:
        with self._tx() as c:
            if c.execute("SELECT 1 FROM staff WHERE name = ?", (name,)).fetchone():
                raise AlreadyExists(f"There is already a staff account named {name!r}.")
            cur = c.execute("INSERT INTO staff (name, role, pin_hash, created_at) VALUES (?, ?, ?, ?)",
                            (name, role, pin_hash, now_iso()))
            staff_id = int(cur.lastrowid or 0)
            self._audit(c, actor, "staff.add", f"staff:{staff_id}", {"role": role})
            return staff_id

    def staff(self, name: str | None = None, staff_id: int | None = None) -> StaffAccount | None:
        sql, arg = ("name = ?", name) if name is not None else ("id = ?", staff_id)
        row = self._read(lambda c: c.execute(f"SELECT * FROM staff WHERE {sql}", (arg,)).fetchone())
        return StaffAccount(**dict(row)) if row else None

    def staff_list(self) -> list[StaffAccount]:
        rows = self._read(lambda c: c.execute("SELECT * FROM staff ORDER BY name").fetchall())
        return [StaffAccount(**dict(r)) for r in rows]

    def staff_count(self, active_only: bool = True) -> int:
        sql = "SELECT count(*) FROM staff" + (" WHERE disabled_at IS NULL" if active_only else "")
        return int(self._read(lambda c: c.execute(sql).fetchone()[0]))

    def set_staff_disabled(self, staff_id: int, disabled: bool, actor: str) -> None:
        with self._tx() as c:
            c.execute("UPDATE staff SET disabled_at = ? WHERE id = ?", (now_iso() if disabled else None, staff_id))
            self._audit(c, actor, "staff.disable" if disabled else "staff.enable", f"staff:{staff_id}", None)

    def set_staff_pin(self, staff_id: int, pin_hash: str, actor: str) -> None:
        """A new PIN also clears failed attempts and any lock."""
        with self._tx() as c:
            c.execute("UPDATE staff SET pin_hash = ?, failed_pins = 0, locked_until = NULL WHERE id = ?",
                      (pin_hash, staff_id))
            self._audit(c, actor, "staff.reset_pin", f"staff:{staff_id}", None)

    def record_sign_in(self, staff_id: int, where: str) -> None:
        with self._tx() as c:
            self._audit(c, f"staff:{staff_id}", "staff.sign_in", f"staff:{staff_id}", {"where": where})

    def throttle(self, key: str) -> tuple[int, str | None, str | None]:
        """(failures, locked_until, updated_at) of one sign-in throttle key."""
        row = self._read(lambda c: c.execute("SELECT failures, locked_until, updated_at FROM signin_throttle"
                                             " WHERE key = ?", (key,)).fetchone())
        return (int(row[0]), row[1], row[2]) if row else (0, None, None)

    def set_throttle(self, key: str, failures: int, locked_until: str | None, at: str) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO signin_throttle VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
                      " failures = excluded.failures, locked_until = excluded.locked_until,"
                      " updated_at = excluded.updated_at", (key, failures, locked_until, at))

    def clear_throttle(self, *keys: str) -> None:
        with self._tx() as c:
            c.executemany("DELETE FROM signin_throttle WHERE key = ?", [(k,) for k in keys])

    # -- reviews -------------------------------------------------------------------------------

    def add_review(self, intake_id: int, staff_id: int, decision: str, note: str = "",
                   disagree: bool = False, disagree_reason: str = "") -> int:
        """Record one review (reviews are never changed or removed; a later one supersedes)."""
        with self._tx() as c:
            row = c.execute("SELECT status FROM intakes WHERE id = ?", (intake_id,)).fetchone()
            if row is None or row["status"] == "draft":
                raise NotFound(f"Intake {intake_id} is not waiting for review.")
            cur = c.execute("INSERT INTO reviews (intake_id, staff_id, at, decision, note, disagree, disagree_reason)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (intake_id, staff_id, now_iso(), decision, note, int(disagree), disagree_reason))
            self._refresh_queue(c, intake_id)
            self._audit(c, f"staff:{staff_id}", "intake.review", f"intake:{intake_id}",
                        {"decision": decision, "disagree": bool(disagree)})
            return int(cur.lastrowid or 0)

    def reviews(self, intake_id: int) -> list[dict[str, Any]]:
        rows = self._read(lambda c: c.execute(
            "SELECT r.*, s.name AS staff_name FROM reviews r JOIN staff s ON s.id = r.staff_id"
            " WHERE r.intake_id = ? ORDER BY r.id", (intake_id,)).fetchall())
        return [dict(r) | {"disagree": bool(r["disagree"])} for r in rows]

    # -- settings ------------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        rows = self._read(lambda c: c.execute("SELECT key, value_json FROM settings").fetchall())
        return {r[0]: json.loads(r[1]) for r in rows}

    def set_settings(self, changes: dict[str, Any], actor: str) -> None:
        """Store changed settings and audit each change, all in one transaction."""
        at = now_iso()
        with self._tx() as c:
            for key, value in changes.items():
                old = c.execute("SELECT value_json FROM settings WHERE key = ?", (key,)).fetchone()
                body = json.dumps(value, ensure_ascii=False)
                if old is not None and old[0] == body:
                    continue
                c.execute("INSERT INTO settings (key, value_json, updated_at, updated_by) VALUES (?, ?, ?, ?)"
                          " ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json,"
                          " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                          (key, body, at, actor))
                self._audit(c, actor, "settings.change", f"setting:{key}",
                            {"from": json.loads(old[0]) if old else None, "to": value})

    # -- backups, checks, retention ---------------------------------------------------------

    def backup(self, dest: Path | str, *, with_key: bool = True) -> Path:
        """A consistent copy made with SQLite's online backup (the kiosk may keep writing),
        written owner-only under a temporary name and then renamed: never a half file. The
        audit key goes beside it unless the copy stays beside the live file (daily backups)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = dest.with_name(f".{dest.name}.part")
        tmp.unlink(missing_ok=True)
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        try:
            target = sqlite3.connect(tmp)
            try:
                self.conn.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            finally:
                target.close()
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, dest)
            if with_key:
                audit.copy_key(self.path, dest)  # a backup's audit chain can only be verified with its key
        except sqlite3.Error as exc:
            tmp.unlink(missing_ok=True)
            raise _classify(exc, dest) from None
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise _classify(exc, dest) from None
        return dest

    def check(self) -> list[str]:
        """Problems found (empty when healthy): page integrity, foreign keys, the audit chain."""
        found = [line for line in self.integrity() if line != "ok"]
        fk = self._read(lambda c: c.execute("PRAGMA foreign_key_check").fetchall())
        found += [f"row {r[1]} of {r[0]} points to a missing {r[2]} row" for r in fk]
        audit = self.verify_audit()
        if not audit.ok:
            found.append(f"audit log broken at entry {audit.first_bad_id}: {audit.reason}")
        return found

    def purge_closed_before(self, cutoff: str, actor: str, plausible_from: str) -> int:
        """Delete every reviewed intake closed, and last reviewed, before ``cutoff`` (UTC ISO),
        with its answers, assessments and reviews; audited. Never an unreviewed one, nor one
        whose times are before ``plausible_from`` (a clock that was wrong: flagged, not trusted;
        see ``retention_held``). Deleted pages are overwritten (secure_delete), the WAL is emptied
        and the file compacted, so the patients' data is gone from the file's bytes too."""
        with self._tx() as c:
            ids = [r[0] for r in c.execute(
                "SELECT id FROM intakes WHERE queue_rank IS NOT NULL AND review_decision IS NOT NULL"
                " AND closed_at < ? AND closed_at >= ? AND reviewed_at < ? AND reviewed_at >= ?"
                f" AND {_DELIVERED}", (cutoff, plausible_from, cutoff, plausible_from))]
            c.executemany("DELETE FROM intakes WHERE id = ?", [(i,) for i in ids])
            self._audit(c, actor, "retention.purge", None, {"closed_before": cutoff, "intakes": len(ids)})
        if ids:
            self.compact()
        return len(ids)

    def retention_held(self, cutoff: str, plausible_from: str, plausible_to: str) -> tuple[int, int]:
        """What a purge keeps on purpose: (unreviewed intakes past the cutoff, intakes whose
        times are before ``plausible_from`` or after ``plausible_to``, whatever their review)."""
        def run(c: sqlite3.Connection) -> tuple[int, int]:
            unreviewed = c.execute("SELECT count(*) FROM intakes WHERE queue_rank IS NOT NULL AND review_decision IS NULL"
                                   " AND closed_at < ?", (cutoff,)).fetchone()[0]
            odd = c.execute("SELECT count(*) FROM intakes WHERE queue_rank IS NOT NULL AND (closed_at < ? OR closed_at > ?"
                            " OR reviewed_at < ? OR reviewed_at > ?)",
                            (plausible_from, plausible_to, plausible_from, plausible_to)).fetchone()[0]
            return int(unreviewed), int(odd)
        return self._read(run)

    def compact(self) -> None:
        def run(c: sqlite3.Connection) -> None:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            c.execute("VACUUM")
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._read(run)

    # -- audit log -------------------------------------------------------------------------

    def _audit(self, c: sqlite3.Connection, actor: str, action: str, subject: str | None,
               details: dict[str, Any] | None) -> None:
        row = c.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        prev = row[0] if row else GENESIS
        at = now_iso()
        body = json.dumps(details or {}, ensure_ascii=False, sort_keys=True)
        digest = _chain_hash(prev, at, actor, action, subject, body)
        if self._audit_key is None:
            self._audit_key = audit.key_for_writing(self.path)
        cur = c.execute("INSERT INTO audit_log (at, actor, action, subject, details_json, prev_hash, hash, mac)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (at, actor, action, subject, body, prev, digest, audit.mac(self._audit_key, digest)))
        self._new_head = (int(cur.lastrowid or 0), digest)  # signed outside the file once committed

    def audit(self, actor: str, action: str, subject: str | None = None,
              details: dict[str, Any] | None = None) -> None:
        """Append one event. Never put patient names or answers in ``details``."""
        with self._tx() as c:
            self._audit(c, actor, action, subject, details)

    def audit_rows(self, limit: int = 200, before_id: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM audit_log"
        args: list[Any] = []
        if before_id is not None:
            sql += " WHERE id < ?"
            args.append(before_id)
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        return [dict(r) for r in self._read(lambda c: c.execute(sql, args).fetchall())]

    def verify_audit(self) -> AuditCheck:
        """Walk the chain; report the first row whose link, hash or MAC does not match, missing
        append-only triggers, and a log shorter than, or different from, what a backup holds."""
        prev = GENESIS
        count = 0
        last_id = 0
        rows = self._read(lambda c: c.execute("SELECT * FROM audit_log ORDER BY id").fetchall())
        key = audit.read_key(self.path)
        for r in rows:
            count += 1
            if r["id"] != last_id + 1:
                return AuditCheck(False, count, last_id + 1, f"row {last_id + 1} is missing (deleted)")
            last_id = r["id"]
            if r["prev_hash"] != prev:
                return AuditCheck(False, count, r["id"], f"row {r['id']} does not link to the row before it")
            expected = _chain_hash(prev, r["at"], r["actor"], r["action"], r["subject"], r["details_json"])
            if r["hash"] != expected:
                return AuditCheck(False, count, r["id"], f"row {r['id']} was changed after it was written")
            if key is None:
                return AuditCheck(False, count, r["id"], f"the audit key {audit.key_path(self.path).name} is "
                                  "missing: keep it with the database and its backups")
            if r["mac"] is None or not hmac.compare_digest(r["mac"], audit.mac(key, r["hash"])):
                return AuditCheck(False, count, r["id"], f"row {r['id']} does not carry the key's MAC: the chain "
                                  "was recomputed or rows were inserted")
            prev = r["hash"]
        triggers = {r[0] for r in self._read(lambda c: c.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall())}
        for name in audit.TRIGGERS:
            if name not in triggers:
                return AuditCheck(False, count, None, f"the append-only guard {name} was removed")
        chain = {int(r["id"]): r["hash"] for r in rows}
        head = audit.read_head(self.path, key) if key is not None else None
        if isinstance(head, str):
            return AuditCheck(False, count, None, head)
        if head is not None and head[0] > last_id:
            return AuditCheck(False, count, last_id + 1, f"the newest entries were removed: the log reached entry "
                              f"{head[0]}, it now ends at {last_id}")
        if head is not None and chain.get(head[0]) != head[1]:
            return AuditCheck(False, count, head[0], f"entry {head[0]} differs from the signed head: the chain was "
                              "rewritten")
        restores = [dt.datetime.fromisoformat(r["at"]).timestamp() for r in rows if r["action"] == "backup.restore"]
        witnesses = sorted((self.path.parent / "backups").glob("kiosk-*.db"))
        problems = audit.witness_problems(chain, last_id, witnesses, max(restores) if restores else None)
        if problems:
            return AuditCheck(False, count, None, problems[0])
        return AuditCheck(True, count)

    def require_intact(self) -> None:
        """``PRAGMA quick_check`` (a fraction of a second for 100,000 intakes); a damaged file
        raises the same ``corrupt`` StoreError a failing read would."""
        lines = self._read(lambda c: [r[0] for r in c.execute("PRAGMA quick_check").fetchall()])
        if lines != ["ok"]:
            raise _classify(sqlite3.DatabaseError("database disk image is malformed"), self.path)

    def integrity(self) -> list[str]:
        """``PRAGMA integrity_check`` lines ("ok" when healthy)."""
        return [r[0] for r in self._read(lambda c: c.execute("PRAGMA integrity_check").fetchall())]


def queue_position(outcome: str | None, red_flags: int, closed_at: str | None,
                   reviewed_at: str | None) -> tuple[int, int]:
    """(rank, key) of an intake in the staff queue: urgent or red-flagged first (0), then the
    other open ones (1), oldest first; reviewed ones last (2), newest review first."""
    if reviewed_at is not None:
        return 2, -_epoch_ms(reviewed_at)
    return (0 if outcome == URGENT or red_flags else 1), _epoch_ms(closed_at)


def fold(text: str) -> str:
    """Lower case without accents, for searching names ("Díaz" matches "diaz")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _search_date(term: str) -> str | None:
    """A date of birth typed as YYYY-MM-DD or MM/DD/YYYY, as stored (YYYY-MM-DD)."""
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(term, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _letters(n: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "ba": distinct letter-only name parts for load tests."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = chr(97 + r) + out
        if n == 0:
            return out


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _epoch_ms(iso: str | None) -> int:
    if not iso:
        return 0
    return int(dt.datetime.fromisoformat(iso).timestamp() * 1000)


def _intake(row: sqlite3.Row) -> Intake:
    return Intake(**{k: row[k] for k in Intake.__dataclass_fields__})


def _statements(script: str) -> list[str]:
    """Split a migration into statements (triggers hold ';' inside BEGIN ... END)."""
    out, buf = [], ""
    for line in script.strip().splitlines():
        buf += line + "\n"
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
