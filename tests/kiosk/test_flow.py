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


def test_every_item_is_in_exactly_one_block_and_blocks_follow_sections(flow, questionnaire) -> None:
    placed = [i for b in flow.blocks for i in b.items]
    assert sorted(placed) == sorted(i.link_id for i in questionnaire.answerable())
    assert len(placed) == len(set(placed))
    sections = [b.section for b in flow.blocks]
    assert sections == sorted(sections, key=list(flow.sections).index)


def test_pages_keep_follow_ups_with_their_question_and_the_body_map_alone(flow) -> None:
    answers = load_example("s4_pacemaker_rfa_workup")
    pages = flow.all_pages(answers)
    page_of = {i: n for n, p in enumerate(pages) for i in p.items}
    assert [p.items for p in pages if "pain.map" in p.items] == [("pain.map",)]
    assert page_of["care.pt.weeks"] == page_of["care.pt"]
    assert page_of["inj.mbb.last_relief"] == page_of["inj.mbb.count"]
    assert all(len({flow.q.items[i].section for i in p.items}) == 1 for p in pages)  # never two sections


def test_a_no_packs_the_next_questions_onto_the_same_screen(flow) -> None:
    """Issue 10, item 3: answering "no" to a treatment leaves its follow-ups hidden, so the next
    treatments share the screen instead of each taking a page."""
    all_no = {f"care.{m}": "no" for m in ("nsaid", "acetaminophen", "other_med", "pt", "exercise", "chiro", "acupuncture")}
    care = [p for p in flow.all_pages(all_no) if p.section == "care"]
    assert len(care) <= 2
    assert [i for p in care for i in flow.visible(p, all_no)] == list(all_no)
    tried = all_no | {"care.nsaid": "yes"}
    shown = [flow.visible(p, tried) for p in flow.all_pages(tried) if p.section == "care"]
    assert ["care.nsaid", "care.nsaid.weeks", "care.nsaid.relief"] == shown[0][:3]


def test_a_follow_up_enabled_on_a_page_appears_on_that_page_and_next_goes_on_after_it(flow) -> None:
    page = flow.page_at("care.nsaid", {})
    assert page is not None and page.items[0] == "care.nsaid"
    assert "care.nsaid.weeks" in page.items and "care.nsaid.weeks" not in flow.visible(page, {})
    answers = {"care.nsaid": "yes"}
    assert flow.visible(page, answers)[:2] == ["care.nsaid", "care.nsaid.weeks"]
    after = flow.next_page(page, answers)
    assert after is not None and after.first == page.last + 1  # nothing of this page shown twice
    assert not set(after.items) & set(page.items)


def test_instrument_items_are_skipped_without_a_pack(flow, questionnaire) -> None:
    answers = {"pain.region": "lowback"}
    start = flow.page_at("peg.enjoyment", answers)
    assert start is not None and flow.visible(start, answers) == ["peg.enjoyment", "peg.activity"]
    after = flow.next_page(start, answers)
    assert after is not None and after.items[0] == "care.nsaid"
    with_pack = Flow(questionnaire, instruments=("odi",))
    start = with_pack.page_at("peg.enjoyment", answers)
    assert start is not None and "odi.1" in with_pack.visible(start, answers) + with_pack.visible(
        with_pack.next_page(start, answers), answers)  # type: ignore[arg-type]


def test_navigation_skips_blocks_with_nothing_enabled(flow) -> None:
    no_injections = {"inj.any": "no"}
    page = flow.page_at("inj.any", no_injections)
    after = flow.next_page(page, no_injections)
    assert after is not None and after.items[0] == "rf.bladder_bowel"
    first = flow.next_page(None, {})
    assert first is not None and first.items[0] == "consent" and flow.starts_section(first, {})
    assert flow.next_page(flow.page_at("safety.implant", {}), {}) is None  # then the review
    assert flow.pages_left(first, {}) == len(flow.all_pages({}))


def test_page_problems(flow) -> None:
    first = flow.first_page({})
    assert first is not None
    assert flow.page_problems(first, {}) == {"consent": "required", "patient.given": "required",
                                            "patient.family": "required"}
    assert flow.page_problems(first, {"consent": False, "patient.given": "A", "patient.family": "B"}) == {
        "consent": "must_be_true"}
    assert flow.page_problems(first, {"consent": True, "patient.given": "A", "patient.family": "B"}) == {}
    worst = flow.page_at("pain.nrs.worst", {})  # optional item
    assert worst is not None and "pain.nrs.worst" not in flow.page_problems(worst, {})


def test_complete_examples_have_no_missing_page(flow) -> None:
    answers = load_example("s5_daily_aspirin")
    assert flow.first_incomplete(answers) is None
    answers.pop("safety.prone")
    gap = flow.first_incomplete(answers)
    assert gap is not None and gap.items[0] == "safety.prone"


def test_public_example_s5_needs_at_most_18_screens(flow) -> None:
    """Issue 10, item 3 (the screens; the taps are counted at the glass in tests/ui)."""
    assert len(flow.all_pages(load_example("s5_daily_aspirin"))) <= 18


def test_session_keeps_the_trail_for_back_and_the_progress(db_path, questionnaire, rulepack) -> None:
    with Store(db_path) as store:
        session = IntakeSession(store, questionnaire, rulepack, today=lambda: TODAY)
        first = session.forward()
        assert first is not None and session.progress()[0] == 1
        session.answer("consent", True)
        second = session.forward()
        assert second is not None and second != first and session.progress()[0] == 2
        n, total = session.progress()
        assert total >= n
        assert session.backward() == first and session.page == first
        assert session.backward() is None  # before the first page: the welcome screen


def test_session_remembers_a_refused_value_so_next_names_the_real_problem(db_path, questionnaire, rulepack) -> None:
    """Issue 10, item 3: a half-typed date says what is wrong with it, never "please answer"."""
    with Store(db_path) as store:
        session = IntakeSession(store, questionnaire, rulepack, today=lambda: TODAY)
        page = session.page_for("patient.birthdate")
        assert page is not None
        problem = session.answer("patient.birthdate", "1962-01-DD")
        assert problem is not None and problem.code == "date_format"
        assert session.page_problems(page)["patient.birthdate"].code == "date_format"
        session.answer("patient.birthdate", None)
        assert session.page_problems(page)["patient.birthdate"].code == "required"


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
    gap = flow.first_incomplete(answers)
    assert gap is not None and gap.items[0] == "consent"
    review = {s.link_id: dict((i.link_id, v) for i, v in rows) for s, rows in flow.review(answers)}
    assert review["pain"]["pain.nrs.avg"] is None and review["safety"]["safety.prone"] is None
    assert "pain.nrs.worst" in review["pain"]  # answered optional item stays
    del answers["pain.nrs.worst"]
    assert "pain.nrs.worst" not in dict((i.link_id, v) for s, rows in flow.review(answers) for i, v in rows)


def test_the_patient_number_is_asked_only_when_the_clinic_turns_it_on(flow, questionnaire) -> None:  # type: ignore[no-untyped-def]
    answers = load_example("s1_fibromyalgia")
    asked = [i for p in flow.all_pages(answers) for i in flow.visible(p, answers)]
    assert "patient.number" not in asked and asked.index("patient.sex") < asked.index("pain.region")
    on = Flow(questionnaire, options=("patient-number",))
    asked = [i for p in on.all_pages(answers) for i in on.visible(p, answers)]
    assert asked[asked.index("patient.sex") + 1] == "patient.number"  # the end of About you
    assert on.first_incomplete(answers) is None  # optional: no slip, no number, nothing missing


def test_pages_kept_for_one_set_of_answers_are_packed_again_when_they_change(flow, questionnaire) -> None:
    """The packed pages are kept for the last answers only: an answer that enables or hides
    follow-ups changes the count at once, and a fresh Flow agrees every time."""
    first = flow.first_page({})
    for answers in ({}, {"inj.any": "no"}, {"inj.any": "yes"}, {"inj.any": "no"}, {"pain.region": "neck"}, {}):
        fresh = Flow(questionnaire)
        assert flow.pages_left(first, answers) == fresh.pages_left(first, answers) == len(fresh.all_pages(answers))
        assert flow.all_pages(answers) == fresh.all_pages(answers)
    assert flow.pages_left(first, {"inj.any": "yes"}) > flow.pages_left(first, {"inj.any": "no"})
