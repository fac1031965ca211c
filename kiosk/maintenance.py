"""Keeping a kiosk's data safe over months: daily backups with a kept count, restore, and
the retention purge. Used by the kiosk (daily backup), the admin screen and the CLI."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from kiosk import audit
from kiosk.store import MIGRATIONS, Store, StoreError

BACKUP_KEEP = 14


class BadBackup(StoreError):
    """A file offered for restore that is not a healthy kiosk database (bad input, exit 2)."""

    kind = "bad_backup"
BACKUP_RE = re.compile(r"kiosk-(\d{4}-\d{2}-\d{2})\.db")


def backup_dir(store: Store) -> Path:
    return store.path.parent / "backups"


def daily_backup(store: Store, folder: Path | None = None, keep: int = BACKUP_KEEP,
                 today: dt.date | None = None) -> Path | None:
    """Today's backup if there is none yet (``kiosk-YYYY-MM-DD.db``); older ones beyond
    ``keep`` are removed. Returns the new file, or None when today's already exists."""
    folder = folder or backup_dir(store)
    day = (today or dt.date.today()).isoformat()
    target = folder / f"kiosk-{day}.db"
    made = None
    if not target.exists():
        made = store.backup(target, with_key=False)  # the live file's key is beside them
        store.audit("kiosk", "backup.daily", None, {"file": target.name})
    # a backup dated after today (a clock that was wrong) sorts as the oldest: it is pruned
    # first instead of being kept for ever
    def order(p: Path) -> tuple[bool, str]:
        match = BACKUP_RE.fullmatch(p.name)
        date = match.group(1) if match else ""
        return (date <= day, date)
    backups = sorted((p for p in folder.glob("kiosk-*.db") if BACKUP_RE.fullmatch(p.name)), key=order)
    for old in backups[:-keep] if keep > 0 else []:
        old.unlink()
        audit.key_path(old).unlink(missing_ok=True)
    remove_stale_parts(folder)
    return made


STALE_PART_S = 3600  # a copy still being written is younger than this


def remove_stale_parts(folder: Path, now: float | None = None) -> list[Path]:
    """Half-written copies left by a crash or power cut mid-backup (``.*.part``): whole patient
    data that no retention would otherwise reach."""
    removed = []
    now = time.time() if now is None else now
    for part in folder.glob(".*.part") if folder.is_dir() else []:
        try:
            if now - part.stat().st_mtime > STALE_PART_S:
                part.unlink()
                removed.append(part)
        except FileNotFoundError:
            continue
    return removed


KEPT_RE = re.compile(r".+\.before-restore-(\d{8})T\d{6}\d*Z(?:-\d+)?")


def remove_old_kept_copies(db_path: Path, days: int, now: dt.datetime) -> list[Path]:
    """The databases a restore replaced, once older than the retention period (by the date in
    their name): they hold every intake the live file held then."""
    cutoff = (now - dt.timedelta(days=days)).strftime("%Y%m%d")
    removed = []
    for kept in db_path.parent.glob(f"{db_path.name}.before-restore-*"):
        match = KEPT_RE.fullmatch(kept.name)
        if match and match.group(1) < cutoff:
            kept.unlink()
            audit.key_path(kept).unlink(missing_ok=True)
            removed.append(kept)
    return removed


def check_backup(path: Path) -> list[str]:
    """Problems that make a file unfit to restore (empty when it is a healthy kiosk database)."""
    if not path.is_file():
        return [f"{path} does not exist"]
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            lines = [r[0] for r in con.execute("PRAGMA integrity_check")]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return [f"{path} is not a readable kiosk database ({exc})"]
    problems = [line for line in lines if line != "ok"]
    if "intakes" not in tables:
        problems.append(f"{path} is not a kiosk database")
    if version > len(MIGRATIONS):
        problems.append(f"{path} comes from a newer kiosk (schema {version})")
    return problems


def kept_copy_name(db_path: Path, now: dt.datetime | None = None) -> Path:
    """A new name for the copy a restore keeps, ``kiosk.db.before-restore-<time>[-n]``, reserved
    by creating it (owner-only, exclusively): two restores in the same instant never share one."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    for n in itertools.count(1):
        kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}{f'-{n}' if n > 1 else ''}")
        try:
            os.close(os.open(kept, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            continue
        return kept
    raise AssertionError("unreachable")


def restore(backup: Path, db_path: Path, actor: str, now: dt.datetime | None = None) -> Path:
    """Replace the database with a checked backup. The current file is kept beside it as
    ``kiosk.db.before-restore-<time>`` (never deleted, never overwritten by a later restore).
    Stop the kiosk and the staff station first. Returns the path of the kept file."""
    problems = check_backup(backup)
    if problems:
        raise BadBackup("; ".join(problems) + ". Nothing was changed.")
    kept = kept_copy_name(db_path, now)
    try:
        if db_path.exists():
            with Store(db_path, create=False) as current:
                current.backup(kept)  # onto its own reservation
        else:
            kept.unlink()  # nothing to keep
    except BaseException:
        kept.unlink(missing_ok=True)  # no empty reservation left behind
        raise
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        with Store(db_path) as store:
            source.backup(store.conn)
            store.conn.execute("PRAGMA user_version").fetchone()
        audit.copy_key(backup, db_path)  # the restored chain was keyed with the backup's key
        with Store(db_path) as store:  # re-open: runs migrations if the backup is older
            store.audit(actor, "backup.restore", None, {"from": backup.name, "kept": kept.name})
    finally:
        source.close()
    return kept


# No kiosk stored an intake before this: an earlier time is a clock that was wrong.
PLAUSIBLE_FROM = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class PurgeResult:
    deleted: int
    unreviewed: int  # past the retention period but never reviewed: kept until a nurse has
    odd_times: int  # times before 2020 or in the future: a wrong clock, kept for an admin to check

    def sentence(self, days: int) -> str:
        out = f"Purged {self.deleted} reviewed intake(s) closed more than {days} days ago."
        if self.unreviewed:
            out += f" Kept {self.unreviewed} older intake(s) that nobody has reviewed yet: review them first."
        if self.odd_times:
            out += (f" {self.odd_times} intake(s) have times before 2020 or in the future (a clock that was wrong):"
                    " kept, check them in the queue.")
        return out


def purge(store: Store, days: int, actor: str, now: dt.datetime | None = None) -> PurgeResult:
    """Delete reviewed intakes closed more than ``days`` days ago (Store.purge_closed_before). A
    clock's word alone deletes nothing: unreviewed intakes, and intakes whose times cannot be
    right, are kept and counted."""
    if days < 1:
        raise ValueError("days must be at least 1")
    now = now or dt.datetime.now(dt.UTC)
    cutoff = (now - dt.timedelta(days=days)).isoformat(timespec="milliseconds")
    start = PLAUSIBLE_FROM.isoformat(timespec="milliseconds")
    unreviewed, odd = store.retention_held(cutoff, start, (now + dt.timedelta(days=1)).isoformat(timespec="milliseconds"))
    count = store.purge_closed_before(cutoff, actor, start)
    # retention covers every copy the program makes, not only the live file
    copies = remove_old_kept_copies(store.path, days, now)
    copies += remove_stale_parts(store.path.parent) + remove_stale_parts(backup_dir(store))
    if copies:
        store.audit(actor, "retention.copies", None, {"removed": sorted(p.name for p in copies)})
    if unreviewed or odd:
        store.audit(actor, "retention.kept", None, {"unreviewed": unreviewed, "odd_times": odd})
    return PurgeResult(count, unreviewed, odd)
