"""The outbox to the clinic's central database (``kiosk/ship.py`` sends it)."""

from __future__ import annotations

import sqlite3
from typing import Any

from kiosk.store.db import Database, now_iso
from kiosk.store.errors import NotFound
from kiosk.store.queue import queue_position


class OutboxPart(Database):
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

    def note_ship_failure(self, intake_id: int, error: str) -> int:
        """Count a failed attempt (``error`` names the server and the failure, never patient data);
        returns how many there have been."""
        with self._tx() as c:
            c.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE intake_id = ?",
                      (error[:500], intake_id))
            row = c.execute("SELECT attempts FROM outbox WHERE intake_id = ?", (intake_id,)).fetchone()
            return int(row[0]) if row else 0

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
