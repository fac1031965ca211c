"""Reviews: never changed or removed; a later one supersedes."""

from __future__ import annotations

from typing import Any

from kiosk.store.db import Database, now_iso
from kiosk.store.errors import NotFound


class ReviewsPart(Database):
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
