"""Delivery of submitted intakes to the clinic's EHR (``kiosk/deliver.py``): what is still to send,
what was sent where, and what the server refused (for an admin, with the server's words)."""

from __future__ import annotations

import json
from typing import Any

from kiosk.store.db import Database, now_iso
from kiosk.store.records import Delivery

PENDING = ("SELECT i.id FROM intakes i LEFT JOIN deliveries d ON d.intake_id = i.id WHERE i.status = 'submitted'"
           " AND (d.state IS NULL OR d.state = 'waiting') AND i.id > ? ORDER BY i.id LIMIT ?")


class DeliveriesPart(Database):
    def delivery_pending(self, limit: int = 100, after: int = 0) -> list[int]:
        """Submitted intakes not yet delivered nor refused, oldest first."""
        return [int(r[0]) for r in self._read(lambda c: c.execute(PENDING, (after, limit)).fetchall())]

    def record_delivery(self, intake_id: int, state: str, *, location: str | None = None, error: str | None = None,
                        outcome: dict[str, Any] | None = None, actor: str = "deliver") -> None:
        """``waiting`` (a try failed: counted, tried again), ``sent`` (at ``location``) or ``refused``
        (``outcome``: the server's OperationOutcome). Sent and refused are audited."""
        with self._tx() as c:
            c.execute("INSERT INTO deliveries (intake_id, state, at, attempts, location, last_error, outcome_json)"
                      " VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT (intake_id) DO UPDATE SET state = excluded.state,"
                      " at = excluded.at, attempts = deliveries.attempts + 1, location = excluded.location,"
                      " last_error = excluded.last_error, outcome_json = excluded.outcome_json",
                      (intake_id, state, now_iso(), location, error, json.dumps(outcome) if outcome else None))
            if state != "waiting":
                self._audit(c, actor, f"intake.deliver.{state}", f"intake:{intake_id}",
                            {"location": location} if location else None)

    def deliveries(self, state: str | None = None) -> list[Delivery]:
        sql = ("SELECT d.intake_id, i.uuid, d.state, d.at, d.attempts, d.location, d.last_error, d.outcome_json"
               " FROM deliveries d JOIN intakes i ON i.id = d.intake_id")
        args: list[Any] = []
        if state:
            sql += " WHERE d.state = ?"
            args.append(state)
        rows = self._read(lambda c: c.execute(sql + " ORDER BY d.intake_id", args).fetchall())
        return [Delivery(*r) for r in rows]

    def delivery_counts(self) -> dict[str, int]:
        """How many intakes are sent, waiting and refused (the admin's summary, without the rows)."""
        rows = self._read(lambda c: c.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall())
        return {str(r[0]): int(r[1]) for r in rows}

    def retry_delivery(self, intake_id: int, actor: str) -> None:
        """An admin sends a refused intake again (after fixing what the server said)."""
        with self._tx() as c:
            c.execute("UPDATE deliveries SET state = 'waiting' WHERE intake_id = ? AND state = 'refused'", (intake_id,))
            self._audit(c, actor, "intake.deliver.retry", f"intake:{intake_id}", None)
