"""SQLite storage: intakes and their answers, assessments and the hash-chained audit log.

One short transaction per write, so every answer is durable the moment it is given. The
schema version lives in ``PRAGMA user_version``; migrations run in order on open. Every
sqlite3 error is turned into a ``StoreError`` with a message a person can act on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

APP_NAME = "facet-intake-kiosk"
DB_FILENAME = "kiosk.db"
BUSY_TIMEOUT_MS = 10_000
GENESIS = "0" * 64
STATUSES = ("draft", "submitted", "abandoned")

T = TypeVar("T")

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
]


class StoreError(RuntimeError):
    """A storage failure, with ``kind`` (corrupt, not_a_database, locked, full, readonly,
    unavailable, not_found, newer_schema) and a message staff can act on."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


def _classify(exc: BaseException, path: Path) -> StoreError:
    text = str(exc).lower()
    if "file is not a database" in text:
        return StoreError("not_a_database", f"{path} is not a kiosk database. Check the path; nothing was changed.")
    if "malformed" in text or "corrupt" in text:
        return StoreError("corrupt", f"The database {path} is damaged. Restore the latest backup; nothing was changed.")
    if "locked" in text or "busy" in text:
        return StoreError("locked", f"The database {path} is busy in another program. Try again in a moment.")
    if "full" in text or "disk i/o" in text or (isinstance(exc, OSError) and getattr(exc, "errno", 0) == 28):
        return StoreError("full", f"The disk holding {path} is full or failing. Free space; answers already saved are kept.")
    if "readonly" in text or "read-only" in text or "permission" in text or "unable to open" in text:
        return StoreError("readonly", f"Cannot write to {path} (read-only or missing folder). Check its permissions.")
    return StoreError("unavailable", f"The database {path} cannot be used: {exc}")


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
            self._migrate()
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
            raise StoreError("not_found", f"There is no database at {self.path}.")
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

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: the write lock is taken up front, so a busy database
        waits for the busy timeout instead of failing half-way."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _classify(exc, self.path) from None
        try:
            yield self.conn
        except sqlite3.Error as exc:
            self._rollback()
            raise _classify(exc, self.path) from None
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise _classify(exc, self.path) from None

    def _rollback(self) -> None:
        try:
            self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return fn(self.conn)
        except sqlite3.Error as exc:
            raise _classify(exc, self.path) from None

    def schema_version(self) -> int:
        return int(self._read(lambda c: c.execute("PRAGMA user_version").fetchone()[0]))

    def _migrate(self) -> None:
        current = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        if current > len(MIGRATIONS):
            raise StoreError("newer_schema", f"{self.path} was written by a newer kiosk (schema {current}). "
                             "Update this program; nothing was changed.")
        for version in range(current + 1, len(MIGRATIONS) + 1):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(MIGRATIONS[version - 1]):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {version}")
                self.conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    # -- intakes and answers -------------------------------------------------------------

    def start_intake(self, questionnaire_url: str, questionnaire_version: str, language: str = "en") -> int:
        at = now_iso()
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO intakes (uuid, status, language, questionnaire_url, questionnaire_version,"
                " started_at, updated_at) VALUES (?, 'draft', ?, ?, ?, ?, ?)",
                (str(uuid.uuid4()), language, questionnaire_url, questionnaire_version, at, at))
            return int(cur.lastrowid or 0)

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
            raise StoreError("not_found", f"There is no intake {intake_id}.")
        if row["status"] != "draft":
            raise StoreError("closed", f"Intake {intake_id} is {row['status']} and can no longer change.")

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
            self._audit(c, "kiosk", "intake.submit", f"intake:{intake_id}", {"outcome": assessment["outcome"]})

    def abandon(self, intake_id: int, reason: str = "idle") -> bool:
        """Mark a draft abandoned (kept for staff). False if it was not a draft any more."""
        at = now_iso()
        with self._tx() as c:
            cur = c.execute("UPDATE intakes SET status = 'abandoned', abandoned_at = ?, updated_at = ?"
                            " WHERE id = ? AND status = 'draft'", (at, at, intake_id))
            if cur.rowcount:
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

    # -- audit log -------------------------------------------------------------------------

    def _audit(self, c: sqlite3.Connection, actor: str, action: str, subject: str | None,
               details: dict[str, Any] | None) -> None:
        row = c.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        prev = row[0] if row else GENESIS
        at = now_iso()
        body = json.dumps(details or {}, ensure_ascii=False, sort_keys=True)
        c.execute("INSERT INTO audit_log (at, actor, action, subject, details_json, prev_hash, hash)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?)",
                  (at, actor, action, subject, body, prev, _chain_hash(prev, at, actor, action, subject, body)))

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
        """Walk the chain; report the first row whose link or hash does not match."""
        prev = GENESIS
        count = 0
        last_id = 0
        rows = self._read(lambda c: c.execute("SELECT * FROM audit_log ORDER BY id").fetchall())
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
            prev = r["hash"]
        return AuditCheck(True, count)

    def integrity(self) -> list[str]:
        """``PRAGMA integrity_check`` lines ("ok" when healthy)."""
        return [r[0] for r in self._read(lambda c: c.execute("PRAGMA integrity_check").fetchall())]


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
