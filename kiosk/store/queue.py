"""The staff queue: its columns, computed by one pure function (``queue_columns``, tested
without SQL) from an intake's answers, assessment and latest review; the filters; keyset pages.

Queue order: urgent or red-flagged open intakes first, then the other open ones, oldest first;
reviewed ones last, newest review first (``queue_position``).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import unicodedata
from collections.abc import Mapping
from typing import Any, NamedTuple

from kiosk.codes import Outcome
from kiosk.store.db import Database

URGENT = Outcome.URGENT_REVIEW.value
GIVEN, FAMILY, BIRTH_DATE = "patient.given", "patient.family", "patient.birthdate"
QUEUE_COLUMNS = ("id, uuid, status, language, closed_at, given_name, family_name, birth_date, outcome, region,"
                 " red_flags, review_decision, reviewed_by, reviewed_at, queue_rank, queue_key, why, red_flag_items")


class QueueRow(NamedTuple):
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


class QueueFilter(NamedTuple):
    """What the staff queue shows. ``review`` is ``unreviewed``, ``reviewed`` or a decision;
    ``outcome`` is an outcome code or ``ABANDONED``; ``since``/``until`` are UTC ISO bounds on
    the time the intake was closed; ``search`` matches a name (any part, accents ignored) or a
    date of birth (YYYY-MM-DD)."""

    outcome: str | None = None
    review: str | None = None
    since: str | None = None
    until: str | None = None
    search: str | None = None

    def sql(self, mark: str = "?") -> tuple[str, list[Any]]:
        """The WHERE clause and its arguments; ``mark`` is the driver's placeholder (``%s`` for psycopg)."""
        parts, args = ["queue_rank IS NOT NULL"], []  # the partial index's condition
        if self.outcome == "ABANDONED":
            parts.append("status = 'abandoned'")
        elif self.outcome:
            parts.append(f"outcome = {mark}")
            args.append(self.outcome)
        if self.review == "unreviewed":
            parts.append("queue_rank < 2")
        elif self.review == "reviewed":
            parts.append("queue_rank = 2")
        elif self.review:
            parts.append(f"review_decision = {mark}")
            args.append(self.review)
        if self.since:
            parts.append(f"closed_at >= {mark}")
            args.append(self.since)
        if self.until:
            parts.append(f"closed_at < {mark}")
            args.append(self.until)
        term = (self.search or "").strip()
        if term:
            date = search_date(term)
            if date:
                parts.append(f"birth_date = {mark}")
                args.append(date)
            else:
                parts.append(f"search_name LIKE {mark} ESCAPE '\\'")
                folded = fold(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                args.append(f"%{folded}%")
        return " AND ".join(parts), args


def queue_position(outcome: str | None, red_flags: int, closed_at: str | None,
                   reviewed_at: str | None) -> tuple[int, int]:
    """(rank, key) of an intake in the staff queue: urgent or red-flagged first (0), then the
    other open ones (1), oldest first; reviewed ones last (2), newest review first."""
    if reviewed_at is not None:
        return 2, -epoch_ms(reviewed_at)
    return (0 if outcome == URGENT or red_flags else 1), epoch_ms(closed_at)


def queue_columns(answers: Mapping[str, Any], assessment: Mapping[str, Any] | None,
                  review: Mapping[str, Any] | None, closed_at: str | None) -> dict[str, Any]:
    """Every queue column of one closed intake.

    ``answers``: its answers (only the names, the birth date, the region and the red-flag items
    are read); ``assessment``: the latest one's ``outcome``, ``region`` and ``result`` (the
    assessment JSON), or None for an intake left before submit, whose red-flag "yes" answers
    still make it urgent; ``review``: the latest review's ``decision``, ``at`` and ``name``."""
    given, family, birth = (text_or_none(answers.get(k)) for k in (GIVEN, FAMILY, BIRTH_DATE))
    flagged = sorted(k for k, v in answers.items() if k.startswith("rf.") and v == "yes")
    if assessment is not None:
        outcome, region = assessment["outcome"], assessment["region"]
        result = assessment["result"]
        red_flags = sum(1 for f in result.get("findings", [])
                        if f.get("group") == "red_flag" and f.get("status") == "met")
        why = text_or_none((result.get("summary") or {}).get("why"))
    else:
        outcome, region = None, text_or_none(answers.get("pain.region"))
        red_flags, why = len(flagged), None
    rank, key = queue_position(outcome, red_flags, closed_at, review["at"] if review else None)
    return {
        "given_name": given, "family_name": family, "birth_date": birth,
        "search_name": fold(f"{given or ''} {family or ''}").strip(), "outcome": outcome, "region": region,
        "red_flags": red_flags, "closed_at": closed_at,
        "review_decision": review["decision"] if review else None, "reviewed_by": review["name"] if review else None,
        "reviewed_at": review["at"] if review else None, "queue_rank": rank, "queue_key": key, "why": why,
        "red_flag_items": json.dumps(flagged) if flagged else None,
    }


def fold(text: str) -> str:
    """Lower case without accents, for searching names ("Díaz" matches "diaz")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_date(term: str) -> str | None:
    """A date of birth typed as YYYY-MM-DD or MM/DD/YYYY, as stored (YYYY-MM-DD)."""
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(term, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def epoch_ms(iso: str | None) -> int:
    if not iso:
        return 0
    return int(dt.datetime.fromisoformat(iso).timestamp() * 1000)


class QueuePart(Database):
    def _refresh_queue(self, c: sqlite3.Connection, intake_id: int) -> None:
        """Recompute the queue columns of one intake (``queue_columns``). The one place these
        columns are written: on submit, abandon, review and migration."""
        row = c.execute("SELECT status, submitted_at, abandoned_at FROM intakes WHERE id = ?",
                        (intake_id,)).fetchone()
        if row is None:
            return
        if row["status"] == "draft":
            c.execute("UPDATE intakes SET queue_rank = NULL, queue_key = NULL WHERE id = ?", (intake_id,))
            return
        answers = {r[0]: json.loads(r[1]) for r in c.execute(
            "SELECT link_id, value_json FROM answers WHERE intake_id = ?", (intake_id,))}
        latest = c.execute("SELECT outcome, region, result_json FROM assessments WHERE intake_id = ?"
                           " ORDER BY id DESC LIMIT 1", (intake_id,)).fetchone()
        assessment = None if latest is None else {
            "outcome": latest["outcome"], "region": latest["region"], "result": json.loads(latest["result_json"])}
        review = c.execute("SELECT r.decision, r.at, s.name FROM reviews r JOIN staff s ON s.id = r.staff_id"
                           " WHERE r.intake_id = ? ORDER BY r.id DESC LIMIT 1", (intake_id,)).fetchone()
        cols = queue_columns(answers, assessment, dict(review) if review else None,
                             row["submitted_at"] or row["abandoned_at"])
        c.execute(f"UPDATE intakes SET {', '.join(f'{k} = ?' for k in cols)} WHERE id = ?", [*cols.values(), intake_id])

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
