"""Backups, checks and retention."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from kiosk import audit
from kiosk.store.db import Database
from kiosk.store.errors import classify

# Once this kiosk has shipped to a central database, an intake is purged only after it was sent;
# once it delivers to the EHR itself, a submitted intake only after the EHR has it.
_DELIVERED = ("(NOT EXISTS (SELECT 1 FROM ship_state WHERE key = 'first_ship')"
              " OR id IN (SELECT intake_id FROM outbox WHERE sent_at IS NOT NULL))"
              " AND (NOT EXISTS (SELECT 1 FROM deliveries) OR status != 'submitted'"
              " OR id IN (SELECT intake_id FROM deliveries WHERE state = 'sent'))")


class MaintenancePart(Database):
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
            raise classify(exc, dest) from None
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise classify(exc, dest) from None
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

    def require_intact(self) -> None:
        """``PRAGMA quick_check`` (a fraction of a second for 100,000 intakes); a damaged file
        raises the same ``corrupt`` StoreError a failing read would."""
        lines = self._read(lambda c: [r[0] for r in c.execute("PRAGMA quick_check").fetchall()])
        if lines != ["ok"]:
            raise classify(sqlite3.DatabaseError("database disk image is malformed"), self.path)

    def integrity(self) -> list[str]:
        """``PRAGMA integrity_check`` lines ("ok" when healthy)."""
        return [r[0] for r in self._read(lambda c: c.execute("PRAGMA integrity_check").fetchall())]
