"""The queue columns as one pure function: no database here."""

from __future__ import annotations

import json

from kiosk.store import queue_columns, queue_position

CLOSED = "2026-12-01T09:00:00.000+00:00"


def _assessment(outcome: str, red_flags: int = 0, why: str | None = "P1 met") -> dict[str, object]:
    findings = [{"group": "red_flag", "status": "met"}] * red_flags + [{"group": "red_flag", "status": "not_met"}]
    return {"outcome": outcome, "region": "lumbar", "result": {"findings": findings, "summary": {"why": why}}}


def test_an_assessed_intake_takes_outcome_region_red_flags_and_why_from_the_assessment() -> None:
    answers = {"patient.given": "Ana", "patient.family": "Díaz", "patient.birthdate": "1950-03-02", "rf.fever": "no"}
    cols = queue_columns(answers, _assessment("LIKELY_CANDIDATE"), None, CLOSED)
    assert cols["search_name"] == "ana diaz"  # accents folded for search
    assert (cols["outcome"], cols["region"], cols["red_flags"], cols["why"]) == ("LIKELY_CANDIDATE", "lumbar", 0, "P1 met")
    assert cols["queue_rank"] == 1 and cols["queue_key"] > 0 and cols["red_flag_items"] is None


def test_urgent_or_red_flagged_comes_first_and_reviewed_last_newest_first() -> None:
    urgent = queue_columns({}, _assessment("URGENT_REVIEW"), None, CLOSED)
    flagged = queue_columns({}, _assessment("NOT_YET", red_flags=2), None, CLOSED)
    assert urgent["queue_rank"] == 0 and flagged["queue_rank"] == 0 and flagged["red_flags"] == 2
    older = queue_columns({}, _assessment("NOT_YET"), {"decision": "urgent_handled", "at": "2026-12-01T10:00:00+00:00",
                                                        "name": "Nurse Ana"}, CLOSED)
    newer = queue_columns({}, _assessment("NOT_YET"), {"decision": "urgent_handled", "at": "2026-12-01T11:00:00+00:00",
                                                        "name": "Nurse Ana"}, CLOSED)
    assert older["queue_rank"] == newer["queue_rank"] == 2 and newer["queue_key"] < older["queue_key"]
    assert newer["reviewed_by"] == "Nurse Ana" and newer["review_decision"] == "urgent_handled"


def test_an_intake_left_before_submit_is_urgent_when_a_red_flag_was_answered_yes() -> None:
    cols = queue_columns({"rf.fever": "yes", "rf.bladder": "yes", "rf.weight": "no", "pain.region": "cervical"},
                         None, None, CLOSED)
    assert cols["queue_rank"] == 0 and cols["outcome"] is None and cols["region"] == "cervical"
    assert json.loads(cols["red_flag_items"]) == ["rf.bladder", "rf.fever"]


def test_queue_position_orders_open_intakes_oldest_first() -> None:
    assert queue_position("NOT_YET", 0, "2026-01-01T00:00:00+00:00", None) < \
        queue_position("NOT_YET", 0, "2026-01-02T00:00:00+00:00", None)


def test_the_queue_columns_are_in_queue_row_order() -> None:
    """The central store builds QueueRows from the columns by position."""

    from kiosk.store import QUEUE_COLUMNS, QueueRow

    assert [c.strip() for c in QUEUE_COLUMNS.split(",")] == list(QueueRow._fields)
