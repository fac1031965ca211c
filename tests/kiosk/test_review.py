"""The staff queue, reviews, the intake report, re-assessment and the exports (no Qt)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import html
import io
import json
import re
import sqlite3

import jsonschema
import pytest

from kiosk import export
from kiosk.answers import parse_answers_document
from kiosk.demo import seed
from kiosk.labels import OUTCOME_SENTENCES
from kiosk.review import (
    FORBIDDEN_WORDS,
    SHOW_ALL,
    ReviewError,
    build_report,
    outcome_label,
    patient_name,
    queue_filter,
    queue_time,
    queue_why,
    record_review,
    report_html,
)
from kiosk.staff import Accounts
from kiosk.store import MIGRATIONS, NotFound, QueueFilter, Store, StoreError, statements
from tests.conftest import FHIR_SCHEMA


@pytest.fixture
def store(db_path, questionnaire, rulepack):  # type: ignore[no-untyped-def]
    with Store(db_path) as s:
        seed(s, questionnaire, rulepack)
        yield s


@pytest.fixture
def nurse(store) -> int:  # type: ignore[no-untyped-def]
    return Accounts(store).add("Ana", "nurse", "482916", "test").id


def plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def names(rows) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.family_name for r in rows]


def set_closed(db_path, intake_id: int, when: str) -> None:
    """Move an intake in time (the store stamps 'now'); then let the store recompute its row."""
    con = sqlite3.connect(db_path)
    con.execute("UPDATE intakes SET submitted_at = CASE WHEN submitted_at IS NULL THEN NULL ELSE ? END,"
                " abandoned_at = CASE WHEN abandoned_at IS NULL THEN NULL ELSE ? END WHERE id = ?",
                (when, when, intake_id))
    con.commit()
    con.close()


def test_queue_puts_urgent_first_then_oldest_unreviewed_then_reviewed(store, db_path, nurse) -> None:
    for n, intake in enumerate(store.intakes()):
        set_closed(db_path, intake.id, f"2026-11-{20 - n:02d}T10:00:00.000+00:00")  # later ids are older
    with store._tx() as c:
        for intake in store.intakes():
            store._refresh_queue(c, intake.id)
    rows = store.queue_page(QueueFilter())
    # urgent: Carter (URGENT_REVIEW) and Gómez (abandoned with a red flag), oldest first
    assert names(rows[:2]) == ["Gómez", "Carter"]
    assert names(rows[2:]) == ["Okafor", "Díaz", "Novak", "Tanaka", "Lopez"]
    record_review(store, 3, nurse, "not_appropriate")  # Tanaka
    record_review(store, 2, nurse, "urgent_handled")  # Carter
    rows = store.queue_page(QueueFilter())
    assert names(rows) == ["Gómez", "Okafor", "Díaz", "Novak", "Lopez", "Carter", "Tanaka"]  # newest review first
    assert rows[-2].reviewed_by == "Ana" and rows[-2].review_decision == "urgent_handled"


def test_filters_and_search(store, nurse) -> None:
    def fams(**kw) -> set[str]:  # type: ignore[no-untyped-def]
        return set(names(store.queue_page(queue_filter(**kw))))

    assert fams(outcome="URGENT_REVIEW") == {"Carter"}
    assert fams(outcome="ABANDONED") == {"Gómez"}
    assert fams(outcome="LIKELY_CANDIDATE") == {"Lopez", "Okafor"}
    assert fams(search="diaz") == fams(search="DÍAZ") == fams(search="ros") == {"Díaz"}
    assert fams(search="rosa díaz") == {"Díaz"}
    assert fams(search="1955-06-21") == fams(search="06/21/1955") == {"Díaz"}
    assert fams(search="%") == set() and fams(search="_") == set()  # wildcards are literal
    record_review(store, 1, nurse, "needs_follow_up")
    assert fams(review="needs_follow_up") == fams(review="reviewed") == {"Lopez"}
    assert "Lopez" not in fams(review="unreviewed") and len(fams(review="unreviewed")) == 6
    today = dt.date.today()
    assert len(fams(first=today, last=today)) == 7
    assert fams(first=today + dt.timedelta(days=1)) == set()
    assert fams(last=today - dt.timedelta(days=1)) == set()


def test_reviews_record_who_and_when_and_are_never_changed(store, nurse, db_path) -> None:
    with pytest.raises(ReviewError, match="Choose a decision"):
        record_review(store, 1, nurse, "approve")
    with pytest.raises(ReviewError, match="why you disagree"):
        record_review(store, 1, nurse, "schedule_evaluation", disagree=True, reason="  ")
    record_review(store, 1, nurse, "schedule_evaluation", "Call Monday", disagree=True, reason="Pain is radicular")
    record_review(store, 1, nurse, "needs_follow_up")
    reviews = store.reviews(1)
    assert [(r["decision"], r["staff_name"], r["note"], r["disagree"]) for r in reviews] == [
        ("schedule_evaluation", "Ana", "Call Monday", True), ("needs_follow_up", "Ana", "", False)]
    assert all(dt.datetime.fromisoformat(r["at"]).tzinfo for r in reviews)
    audit = [r for r in store.audit_rows(10) if r["action"] == "intake.review"]
    assert len(audit) == 2 and audit[0]["actor"] == f"staff:{nurse}" and "Call Monday" not in str(audit)
    con = sqlite3.connect(db_path, isolation_level=None)  # autocommit: the failed UPDATE keeps no lock
    try:
        with pytest.raises(sqlite3.DatabaseError, match="never changed"):
            con.execute("UPDATE reviews SET decision = 'not_appropriate'")
    finally:
        con.close()
    draft = store.start_intake("u", "1")
    with pytest.raises(StoreError, match="is not waiting for review") as err:
        store.add_review(draft, nurse, "schedule_evaluation")  # drafts are not reviewable
    assert isinstance(err.value, NotFound)  # refused for being a draft, not for a locked file


@pytest.mark.parametrize("intake_id, outcome, must", [
    (1, "LIKELY_CANDIDATE", ["Meets configured criteria for clinician review.",
                             "Conservative care: 2 modalities tried or not tolerated"]),
    (2, "URGENT_REVIEW", ["RED FLAG: Fever, chills or night sweats. Ask about it in person today.", "Urgent review",
                          "Red flag: fever, chills or night sweats with the pain",
                          "Answers: fever, chills or night sweats: yes"]),
    (3, "NOT_CANDIDATE", ["Does not meet the configured criteria", "Fibromyalgia reported"]),
    (4, "NOT_YET", ["Not yet", "Conservative care not completed: 2 modalities"]),
    (5, "CANDIDATE_WITH_PRECAUTIONS", ["PRECAUTIONS: Blood thinner.", "with precautions",
                                       "Takes a blood thinner or daily aspirin (which: warfarin)"]),
    (7, None, ["was not submitted, so it was not sorted", "RED FLAG: New bladder or bowel trouble."]),
])
def test_report_explains_each_outcome(store, questionnaire, rulepack, intake_id, outcome, must) -> None:
    report = build_report(store, questionnaire, rulepack, intake_id, "lcd")
    assert (report.assessment or {}).get("outcome") == outcome
    text = plain(report_html(report))
    for phrase in must:
        assert phrase in text
    assert report.reassessment is None
    if outcome:
        full = plain(report_html(report, show_all=True))  # unfolded, every finding is listed with its source
        for f in report.assessment["findings"]:
            assert f["text"] in full and f"[{f['rule']}; {f['source']}]" in full
        assert "Narouze S et al." in full  # a source's full citation
        assert "average pain: 7" in full  # the answers behind a finding, in words
        assert "rf.fever" not in full and "= unsure" not in full  # never raw codes
    assert "About you" in text and "Your last name" in text
    for word in FORBIDDEN_WORDS:
        assert word not in text.lower()


@pytest.mark.parametrize("intake_id", [1, 2, 3, 4, 5])
def test_the_first_screen_says_why(store, questionnaire, rulepack, intake_id) -> None:
    """Outcome, then the deciding findings, then the other met ones; the not-met ones folded
    behind "Show all criteria"; answers after; identifiers and hashes last. Same order on paper."""
    report = build_report(store, questionnaire, rulepack, intake_id, "lcd")
    a = report.assessment
    findings = {f["rule"]: f for f in a["findings"]}
    deciding = a["summary"]["deciding"]
    for html_text in (report_html(report), report_html(report, for_print=True)):
        text = plain(html_text)
        outcome_at = text.index(OUTCOME_SENTENCES[a["outcome"]])
        first_deciding = min(text.index(findings[r]["text"]) for r in deciding)
        answers_at = text.index("About you")
        ids_at = text.index(f"sha256 {a['rulepack']['sha256']}")
        assert outcome_at < first_deciding < answers_at < ids_at
        assert text.index("Next step evaluated") < answers_at
        not_met = [f for f in a["findings"] if f["status"] == "not_met"]
        assert all(f["text"] not in text for f in not_met)  # folded on screen, named by id on paper
    folded = report_html(report)
    assert f"<a href='{SHOW_ALL}'>Show all criteria ({len(not_met)} not met)</a>" in folded
    unfolded = plain(report_html(report, show_all=True))
    assert all(f["text"] in unfolded for f in not_met)
    assert unfolded.index(not_met[0]["text"]) > max(unfolded.index(findings[r]["text"]) for r in deciding)


def test_guideline_mode_is_labelled_as_not_coverage_criteria(store, questionnaire, rulepack) -> None:
    report = build_report(store, questionnaire, rulepack, 4, "guideline")  # stored lcd, re-assessed guideline
    text = plain(report_html(report))
    assert "Criteria: Medicare LCD criteria" in text
    assert "Criteria: Consensus guidelines, not Medicare coverage criteria" in text


def test_the_queue_says_why(store) -> None:
    rows = {r.family_name: r for r in store.queue_page(QueueFilter())}
    assert queue_why(rows["Carter"]) == "Fever, chills or night sweats"
    assert queue_why(rows["Novak"]) == "6 of 12 weeks of care"
    assert queue_why(rows["Tanaka"]) == "Fibromyalgia"
    assert queue_why(rows["Díaz"]) == "Meets configured criteria: first diagnostic block; blood thinner"
    assert queue_why(rows["Lopez"]) == "Meets configured criteria: first diagnostic block"
    # left before submit: the red flag named by the rule pack's staff words
    assert queue_why(rows["Gómez"], {"rf.bladder_bowel": "new bladder or bowel trouble"}.get) == \
        "Red flag before leaving: new bladder or bowel trouble"


def test_an_intake_left_without_a_name_says_so_once(store, questionnaire) -> None:
    intake = store.start_intake(questionnaire.url, questionnaire.version)
    store.save_answer(intake, "consent", True)
    store.abandon(intake)
    row = store.queue_row(intake)
    assert row is not None
    cells = [patient_name(row), outcome_label(row), queue_why(row)]
    assert cells == ["(no name given)", "Not finished", ""]


def test_the_queue_time_has_its_day() -> None:
    today = dt.date(2026, 12, 1)
    local = dt.datetime(2026, 12, 1, 9, 14).astimezone()
    assert queue_time(local.isoformat(), today) == "today 09:14"
    assert queue_time((local - dt.timedelta(days=1)).isoformat(), today) == "yesterday 09:14"
    assert queue_time((local - dt.timedelta(days=5)).isoformat(), today) == "Nov 26 09:14"
    assert queue_time((local - dt.timedelta(days=400)).isoformat(), today).startswith("2025-")


def test_report_escapes_what_patients_typed(store, questionnaire, rulepack) -> None:
    intake = store.start_intake(questionnaire.url, questionnaire.version)
    store.save_answer(intake, "patient.family", "D'Arcy<b>")
    store.abandon(intake)
    text = report_html(build_report(store, questionnaire, rulepack, intake, "lcd"))
    assert "D&#x27;Arcy&lt;b&gt;" in text and "<b>D'Arcy" not in text


def test_a_changed_rule_pack_or_mode_shows_a_reassessment_beside_the_stored_one(store, questionnaire,
                                                                             rulepack) -> None:
    stored = store.latest_assessment(4)
    by_mode = build_report(store, questionnaire, rulepack, 4, "guideline")
    assert by_mode.reassessment is not None and by_mode.reassess_reason == (
        "the clinic's criteria are now Consensus guidelines, not Medicare coverage criteria (this intake was sorted "
        "with Medicare LCD criteria)")
    newer = dataclasses.replace(rulepack, version="1.1.0", sha256="f" * 64)
    report = build_report(store, questionnaire, newer, 4, "lcd")
    assert "facet-default 1.1.0 is current" in report.reassess_reason
    assert report.reassessment["rulepack"]["version"] == "1.1.0"
    assert report.assessment == stored == store.latest_assessment(4)  # never overwritten
    assert "Re-assessment with the current rule pack" in report_html(report)


def test_fhir_export_validates_and_round_trips(store, questionnaire, tmp_path) -> None:
    path = export.write_fhir(store, questionnaire, 5, tmp_path / "out")
    qr = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads(FHIR_SCHEMA.read_text())
    validator = jsonschema.Draft6Validator({"$ref": "#/definitions/QuestionnaireResponse",
                                            "definitions": schema["definitions"]})
    assert [e.message for e in validator.iter_errors(qr)] == []
    assert qr["status"] == "completed"
    assert qr["questionnaire"] == f"{questionnaire.url}|{questionnaire.version}"
    assert qr["id"] == store.intake(5).uuid and path.name == f"intake-{qr['id']}.fhir.json"
    answers, _, problems = parse_answers_document(questionnaire, qr)  # valid against our questionnaire
    assert problems == [] and answers == store.answers(5)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(StoreError, match="not submitted"):
        export.write_fhir(store, questionnaire, 7, tmp_path / "out")


def test_csv_export_of_the_queue(store, tmp_path) -> None:
    path = export.write_csv(store, QueueFilter(), tmp_path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [r["family_name"] for r in rows][:2] == ["Carter", "Gómez"] and len(rows) == 7
    assert rows[0]["outcome"] == "URGENT_REVIEW" and rows[0]["red_flags"] == "1"
    assert export.queue_csv(iter(())).startswith("intake,status")
    assert export._cell("=HYPERLINK()") == "'=HYPERLINK()" and export._cell("-1") == "'-1"


def test_migrating_a_version_1_database_fills_the_queue(db_path, questionnaire, rulepack) -> None:
    db_path.parent.mkdir(parents=True)
    con = sqlite3.connect(db_path)
    for statement in statements(MIGRATIONS[0]):
        con.execute(statement)
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    # a version-1 store: write with today's code, then drop the queue columns' values
    with Store(db_path) as s:
        seed(s, questionnaire, rulepack)
        with s._tx() as c:
            c.execute("UPDATE intakes SET queue_rank = NULL, family_name = NULL")
            c.execute("PRAGMA user_version = 1")
        s.conn.execute("DROP INDEX intakes_queue")
        s.conn.execute("ALTER TABLE audit_log DROP COLUMN mac")
        for table in ("staff", "reviews", "settings", "id_high_water", "signin_throttle", "outbox",
                      "ship_state", "deliveries"):  # schema 2 to 5
            s.conn.execute(f"DROP TABLE {table}")
        cols = [r[1] for r in s.conn.execute("PRAGMA table_info(intakes)")]
        for col in cols[cols.index("given_name"):]:
            s.conn.execute(f"ALTER TABLE intakes DROP COLUMN {col}")
    with Store(db_path) as s:
        assert s.schema_version() == len(MIGRATIONS)
        assert names(s.queue_page(QueueFilter()))[:2] == ["Carter", "Gómez"]
        assert s.queue_count(QueueFilter()) == 7
