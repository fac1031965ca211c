"""The connection: file creation owner-only, pragmas, transactions, and the checks that the file
this connection writes to is still the one at its path. Every part of the store builds on it."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self, TypeVar

from kiosk import audit
from kiosk.store.errors import NewerSchema, NotFound, Replaced, StoreError, classify
from kiosk.store.schema import MIGRATIONS, statements

APP_NAME = "facet-intake-kiosk"
DB_FILENAME = "kiosk.db"
BUSY_TIMEOUT_MS = 10_000

T = TypeVar("T")


def default_db_path() -> Path:
    """``KIOSK_DB`` if set, else the per-user data folder from platformdirs."""
    env = os.environ.get("KIOSK_DB")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / DB_FILENAME


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def new_uuid() -> str:
    import uuid  # here, not at the top: it imports platform, 1.5 ms of every kiosk start-up

    return str(uuid.uuid4())


class Database:
    """One connection to the kiosk database. Not shared between threads. The parts of the store
    (``kiosk.store.sqlite.Store``) add their methods to it."""

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
            raise classify(exc, self.path) from None
        except OSError as exc:
            self._close_quietly()
            raise classify(exc, self.path) from None

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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ----------------------------------------------------------------------

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
        return classify(exc, self.path)

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
                for statement in statements(MIGRATIONS[version - 1]):
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

    # -- what one part asks of another (each is defined by the part named) --------------

    def _refresh_queue(self, c: sqlite3.Connection, intake_id: int) -> None:  # QueuePart
        raise NotImplementedError

    def _queue_for_central(self, c: sqlite3.Connection, intake_id: int, at: str) -> None:  # OutboxPart
        raise NotImplementedError

    def _audit(self, c: sqlite3.Connection, actor: str, action: str, subject: str | None,
               details: dict[str, Any] | None) -> None:  # AuditPart
        raise NotImplementedError

    def _key_existing_audit_rows(self) -> None:  # AuditPart
        raise NotImplementedError

    def verify_audit(self) -> Any:  # AuditPart
        raise NotImplementedError
