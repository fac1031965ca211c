"""Load-test helpers (benchmarks and the 100,000-row tests): many closed intakes at once."""

from __future__ import annotations

import datetime as dt

from kiosk.store import Store
from kiosk.store.db import new_uuid
from kiosk.store.errors import NotFound
from kiosk.store.queue import epoch_ms, fold


def _letters(n: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "ba": distinct letter-only name parts for load tests."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = chr(97 + r) + out
        if n == 0:
            return out


def clone_for_load_test(store: Store, n: int, *, with_answers: bool = True, start: dt.datetime | None = None) -> int:
    """Add ``n`` closed intakes copied from the closed intakes already here, one minute
    apart from ``start``, with distinct names (benchmarks and the 100,000-row tests)."""
    at = start or dt.datetime(2025, 1, 1, 8, tzinfo=dt.UTC)
    with store._tx() as c:
        sources = c.execute("SELECT * FROM intakes WHERE queue_rank IS NOT NULL ORDER BY id").fetchall()
        if not sources:
            raise NotFound("There is no closed intake to copy.")
        for i in range(n):
            src = sources[i % len(sources)]
            when = (at + dt.timedelta(minutes=i)).isoformat(timespec="milliseconds")
            family = f"{src['family_name'] or 'Test'}-{_letters(i)}"
            cur = c.execute(
                "INSERT INTO intakes (uuid, status, language, questionnaire_url, questionnaire_version, started_at,"
                " updated_at, submitted_at, abandoned_at, given_name, family_name, birth_date, search_name, outcome,"
                " region, red_flags, closed_at, queue_rank, queue_key, why, red_flag_items) VALUES (?, ?, ?, ?, ?, ?,"
                " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (new_uuid(), src["status"], src["language"], src["questionnaire_url"],
                 src["questionnaire_version"], when, when, when if src["submitted_at"] else None,
                 when if src["abandoned_at"] else None, src["given_name"], family, src["birth_date"],
                 fold(f"{src['given_name'] or ''} {family}").strip(), src["outcome"], src["region"],
                 src["red_flags"], when, src["queue_rank"] if src["queue_rank"] < 2 else 1,
                 epoch_ms(when), src["why"], src["red_flag_items"]))
            c.execute("INSERT INTO outbox (intake_id, queued_at) VALUES (?, ?)", (cur.lastrowid, when))
            if with_answers:
                new_id = cur.lastrowid
                c.execute("INSERT INTO answers SELECT ?, link_id, value_json, answered_at FROM answers"
                          " WHERE intake_id = ?", (new_id, src["id"]))
                c.execute("INSERT INTO assessments (intake_id, created_at, outcome, next_step, region, rulepack_id,"
                          " rulepack_version, rulepack_sha256, mode, result_json) SELECT ?, created_at, outcome,"
                          " next_step, region, rulepack_id, rulepack_version, rulepack_sha256, mode, result_json"
                          " FROM assessments WHERE intake_id = ?", (new_id, src["id"]))
    return n
