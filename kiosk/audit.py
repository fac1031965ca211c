"""The audit chain's key and its outside witnesses.

Each audit row's hash links it to the row before; by itself that chain can be recomputed by
anyone who can write the file. So each row also carries a MAC: HMAC-SHA256 of its hash under a
key kept outside the database (``kiosk.db-audit-key``, owner-only, created on first use), and
the daily backups are witnesses: the newest row each one holds must still be in the live file
with the same hash, or the newest entries were cut off or the chain rewritten."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

# hashlib and hmac are imported where they hash: loading OpenSSL takes milliseconds of every
# start-up, and the welcome screen hashes nothing.
KEY_BYTES = 32
TRIGGERS = ("audit_log_no_update", "audit_log_no_delete", "reviews_no_update")


def key_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + "-audit-key")


def read_key(db_path: Path) -> bytes | None:
    try:
        return key_path(db_path).read_bytes()
    except FileNotFoundError:
        return None


def key_for_writing(db_path: Path) -> bytes:
    """The key, made on first use: created exclusively and owner-only from its first byte."""
    key = read_key(db_path)
    if key is not None:
        return key
    try:
        fd = os.open(key_path(db_path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it a moment ago
        return key_path(db_path).read_bytes()
    import secrets  # here, not at import: it and tempfile cost milliseconds of every start-up

    key = secrets.token_bytes(KEY_BYTES)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    return key


def copy_key(db_path: Path, to_db: Path) -> None:
    """Put the key beside a copy of the database (a backup, a restored file), owner-only."""
    key = read_key(db_path)
    if key is None:
        return
    import tempfile

    target = key_path(to_db)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)  # exclusive, 0600
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(name, target)


def head_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + "-audit-head")


def write_head(db_path: Path, key: bytes, entry: int, row_hash: str) -> None:
    """The newest entry, signed, outside the database: cutting off the newest rows (after the
    last backup too) leaves a head that points past the end of the log."""
    import tempfile

    target = head_path(db_path)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)  # exclusive, 0600
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(f"{entry} {row_hash} {mac(key, f'head {entry} {row_hash}')}\n")
    os.replace(name, target)


def read_head(db_path: Path, key: bytes) -> tuple[int, str] | str | None:
    """(entry, hash) of the signed head; a problem sentence when it was altered; None when there is none."""
    try:
        entry, row_hash, signature = head_path(db_path).read_text(encoding="ascii").split()
        number = int(entry)
    except FileNotFoundError:
        return None
    except ValueError:
        return "the audit head record is damaged"
    import hmac

    if not hmac.compare_digest(signature, mac(key, f"head {number} {row_hash}")):
        return "the audit head record was altered"
    return number, row_hash


def mac(key: bytes, row_hash: str) -> str:
    import hashlib
    import hmac

    return hmac.new(key, row_hash.encode("ascii"), hashlib.sha256).hexdigest()


def witness_problems(live: dict[int, str], newest_live: int, backups: list[Path],
                     restored_at: float | None = None) -> list[str]:
    """Each backup's newest audit row must be in the live chain, unchanged (backups made before
    the last restore belong to the history it replaced, and are not witnesses of this one)."""
    problems = []
    for backup in sorted(backups):
        if restored_at is not None and backup.stat().st_mtime <= restored_at:
            continue
        try:
            con = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
            try:
                row = con.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
            finally:
                con.close()
        except sqlite3.Error:
            continue  # an unreadable backup is check-db's matter for that file, not a witness
        if row is None:
            continue
        entry, digest = int(row[0]), str(row[1])
        if entry > newest_live:
            problems.append(f"the newest entries were removed: backup {backup.name} holds entry {entry}, "
                            f"the live log ends at {newest_live}")
        elif live.get(entry) != digest:
            problems.append(f"entry {entry} differs from backup {backup.name}: the chain was rewritten")
    return problems
