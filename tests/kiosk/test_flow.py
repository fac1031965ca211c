"""The wizard's flow and the intake session, without Qt."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.flow import Flow
from kiosk.session import IntakeSession
from kiosk.store import Store
from tests.conftest import load_example

TODAY = dt.date(2026, 11, 24)


@pytest.fixture
def flow(questionnaire) -> Flow:  # type: ignore[no-untyped-def]
    return Flow(questionnaire)


def test_every_item_is_on_exactly_one_page(flow, questionnaire) -> None:
    placed = [i for p in flow.pages for i in p.items]
    assert sorted(placed) == sorted(i.link_id for i in questionnaire.answerable())
    assert len(placed) == len(set(placed))


def test_pages_follow_sections_and_keep_follow_ups_together(flow) -> None:
    sections = [p.section for p in flow.pages]
    assert sections == sorted(sections, key=list(flow.sections).index)
    assert flow.steps == 8
    body = flow.pages[flow.page_of("pain.map")]
    assert body.items == ("pain.map",)
    assert flow.page_of("care.pt.weeks") == flow.page_of("care.pt")
    assert flow.page_of("inj.mbb.last_relief") == flow.page_of("inj.mbb.count")
    assert flow.page_of("inj.rfa.count") != flow.page_of("inj.mbb.count")


def test_instrument_pages_are_skipped_without_a_pack(flow, questionnaire) -> None:
    answers = {"pain.region": "lowback"}
    start = flow.page_of("peg.enjoyment")
    assert flow.visible(start, answers) == ["peg.enjoyment", "peg.activity"]
    assert flow.next_page(start, answers) == flow.page_of("care.nsaid")
    with_pack = Flow(questionnaire, instruments=("odi",))
    assert "odi.1" in with_pack.visible(start, answers)
    assert with_pack.next_page(start, answers) == with_pack.page_of("odi.2")
    assert with_pack.next_page(with_pack.page_of("odi.8"), answers) == with_pack.page_of("care.nsaid")


def test_navigation_skips_pages_with_nothing_enabled(flow) -> None:
    no_injections = {"inj.any": "no"}
    page = flow.page_of("inj.any")
    assert flow.next_page(page, no_injections) == flow.page_of("rf.bladder_bowel")
    assert flow.previous_page(flow.page_of("rf.bladder_bowel"), no_injections) == page
    assert flow.next_page(None, {}) == 0
    assert flow.previous_page(0, {}) is None
    assert flow.next_page(len(flow.pages) - 1, {}) is None  # then the review


def test_page_problems(flow) -> None:
    first = flow.page_of("consent")
    assert flow.page_problems(first, {}) == {"consent": "required", "patient.given": "required",
                                            "patient.family": "required"}
    assert flow.page_problems(first, {"consent": False, "patient.given": "A", "patient.family": "B"}) == {
        "consent": "must_be_true"}
    assert flow.page_problems(first, {"consent": True, "patient.given": "A", "patient.family": "B"}) == {}
    worst = flow.page_of("pain.nrs.worst")  # optional item
    assert "pain.nrs.worst" not in flow.page_problems(worst, {})


def test_complete_examples_have_no_missing_page(flow) -> None:
    answers = load_example("s5_daily_aspirin")
    assert flow.first_incomplete(answers) is None
    answers.pop("safety.prone")
    assert flow.first_incomplete(answers) == flow.page_of("safety.prone")


def test_review_lists_shown_answers_by_section(flow) -> None:
    answers = load_example("s2_thoracic_short_care") | {"pain.claudication": "yes"}  # disabled for midback
    review = dict((s.link_id, rows) for s, rows in flow.review(answers))
    assert list(review) == list(flow.sections)
    assert "pain.claudication" not in [i.link_id for i, _ in review["pain"]]
    assert ("pain.nrs.avg", 6) in [(i.link_id, v) for i, v in review["pain"]]


def test_session_saves_each_answer_and_submits(db_path, questionnaire, rulepack) -> None:
    answers = load_example("s4_pacemaker_rfa_workup")
    with Store(db_path) as store:
        session = IntakeSession(store, questionnaire, rulepack, today=lambda: TODAY)
        for link_id, value in answers.items():
            assert session.answer(link_id, value) is None, link_id
        with Store(db_path) as other:
            assert other.answers(session.intake_id) == answers  # type: ignore[arg-type]
        result = session.submit()
        assert result.outcome == "CANDIDATE_WITH_PRECAUTIONS"
        assert store.latest_assessment(session.intake_id)["outcome"] == result.outcome  # type: ignore[arg-type,index]
        assert session.abandon() is False


def test_session_refuses_bad_values_without_saving(db_path, questionnaire, rulepack) -> None:
    with Store(db_path) as store:
        session = IntakeSession(store, questionnaire, rulepack, today=lambda: TODAY)
        assert session.answer("pain.nrs.avg", 5) is None
        problem = session.answer("pain.nrs.avg", 12)
        assert problem is not None and problem.code == "range"
        problem = session.answer("patient.birthdate", "2015-01-01")
        assert problem is not None and problem.code == "age_under"
        assert store.answers(session.intake_id) == {"pain.nrs.avg": 5}  # type: ignore[arg-type]
        session.answer("pain.nrs.avg", None)
        assert store.answers(session.intake_id) == {}  # type: ignore[arg-type]
        assert session.is_red_flag("rf.fever", "yes") and not session.is_red_flag("rf.fever", "unsure")
        assert not session.is_red_flag("safety.skin", "yes")
        assert session.abandon() is True
        assert store.intake(session.intake_id).status == "abandoned"  # type: ignore[arg-type,union-attr]


def test_review_and_problems_name_what_is_still_missing(flow) -> None:
    answers = load_example("s5_daily_aspirin")
    del answers["pain.nrs.avg"], answers["safety.prone"]
    answers["consent"] = False
    assert list(flow.problems(answers).items()) == [
        ("consent", "must_be_true"), ("pain.nrs.avg", "required"), ("safety.prone", "required")]
    assert flow.first_incomplete(answers) == flow.page_of("consent")
    review = {s.link_id: dict((i.link_id, v) for i, v in rows) for s, rows in flow.review(answers)}
    assert review["pain"]["pain.nrs.avg"] is None and review["safety"]["safety.prone"] is None
    assert "pain.nrs.worst" in review["pain"]  # answered optional item stays
    del answers["pain.nrs.worst"]
    assert "pain.nrs.worst" not in dict((i.link_id, v) for s, rows in flow.review(answers) for i, v in rows)
