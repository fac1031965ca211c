"""Intakes and their answers: drafts answered one upsert at a time, then submitted or abandoned."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from kiosk.store.db import Database, new_uuid, now_iso
from kiosk.store.errors import Closed, Incomplete, NotFound
from kiosk.store.records import Intake, intake_from_row

if TYPE_CHECKING:
    from kiosk.questionnaire import Questionnaire


class IntakesPart(Database):
    def start_intake(self, questionnaire_url: str, questionnaire_version: str, language: str = "en") -> int:
        at = now_iso()
        with self._tx() as c:
            intake_id = self._next_intake_id(c)
            c.execute(
                "INSERT INTO intakes (id, uuid, status, language, questionnaire_url, questionnaire_version,"
                " started_at, updated_at) VALUES (?, ?, 'draft', ?, ?, ?, ?, ?)",
                (intake_id, new_uuid(), language, questionnaire_url, questionnaire_version, at, at))
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
        return intake_from_row(row) if row else None

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
        return [intake_from_row(r) for r in self._read(lambda c: c.execute(sql, args).fetchall())]

    def submit(self, intake_id: int, assessment: dict[str, Any], answers: dict[str, Any] | None = None, *,
               questionnaire: Questionnaire) -> None:
        """Close a draft and store its assessment in one transaction.

        ``answers`` (optional) is the final, enabled answer set: answers to questions that
        became disabled are removed so what is stored is what was assessed. ``questionnaire`` is
        the one the intake was started on: an intake with a required enabled answer missing is
        refused (``Incomplete``, nothing changes), whichever layer asks.
        """
        from kiosk.answers import missing_required

        at = now_iso()
        rp = assessment["rulepack"]
        with self._tx() as c:
            self._require_draft(c, intake_id)
            row = c.execute("SELECT questionnaire_url FROM intakes WHERE id = ?", (intake_id,)).fetchone()
            if row[0] != questionnaire.url:
                raise Incomplete(f"Intake {intake_id} was started on {row[0]}, not {questionnaire.url}.", [])
            if answers is not None:
                keep = set(answers)
                stored = [r[0] for r in c.execute("SELECT link_id FROM answers WHERE intake_id = ?", (intake_id,))]
                for link_id in stored:
                    if link_id not in keep:
                        c.execute("DELETE FROM answers WHERE intake_id = ? AND link_id = ?", (intake_id, link_id))
            final = {r[0]: json.loads(r[1]) for r in c.execute(
                "SELECT link_id, value_json FROM answers WHERE intake_id = ?", (intake_id,))}
            missing = missing_required(questionnaire, final)
            if missing:  # the transaction rolls back: the draft and its answers stay as they were
                raise Incomplete(f"Intake {intake_id} cannot be submitted: required answers missing: "
                                 f"{', '.join(missing)}.", missing)
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
