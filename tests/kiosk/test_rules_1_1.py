"""Rule pack 1.1 (rules.md lists the changes): the cervical guideline-mode block threshold, NT5
over the injection history, and finding sentences that state what the patient answered.

``CASES`` are this project's own clinical cases beside the public examples; the sentence
test renders every finding of all of them in both modes and checks the sentence rules of
rules.md, "Outcomes"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.answers import enablement
from tests.conftest import example_names, load_example
from tests.kiosk.test_rules import MODES, base, blocks, changed, rfa, run, status, steroid, with_

CANDIDATE = {"LIKELY_CANDIDATE", "CANDIDATE_WITH_PRECAUTIONS"}


def neck(**changes: Any) -> dict[str, Any]:
    a = with_(pain__region="neck", pain__map=["neck"], pain__claudication=None, rf__legs_at_rest=None,
              rf__hands_gait="no", rf__neck_vascular="no")
    return changed(a, **changes)


def neck_blocks(relief: int) -> dict[str, Any]:
    return neck(inj__any="yes", inj__epidural="no", inj__mbb__count=2, inj__mbb__last_relief=relief,
                inj__mbb__prev_relief=relief, inj__mbb__last_days=30, inj__steroid__count=0, inj__rfa__ever="no")


# --- the cervical block threshold in guideline mode (> 50 %) ------------------------------

@pytest.mark.parametrize(("relief", "outcome", "step"), [
    (50, "NOT_CANDIDATE", "confirmatory_block"),
    (51, "LIKELY_CANDIDATE", "rfa_workup"),
])
def test_cervical_guideline_block_needs_more_than_half(questionnaire, rulepack, relief, outcome, step) -> None:
    r = run(questionnaire, rulepack, neck_blocks(relief), "guideline")
    assert (r.outcome, r.next_step) == (outcome, step)
    ex6 = next(f for f in r.findings if f.rule == "EX6")
    assert ex6.status == ("met" if relief == 50 else "not_met")
    assert "more than 50 %" in ex6.text


@pytest.mark.parametrize("region", ["lowback", "midback"])
def test_lumbar_and_thoracic_guideline_block_at_half_is_positive(questionnaire, rulepack, region) -> None:
    answers = blocks(2, 50, 50, pain__region=region, pain__claudication=None if region == "midback" else "no")
    r = run(questionnaire, rulepack, answers, "guideline")
    assert (r.outcome, r.next_step) == ("LIKELY_CANDIDATE", "rfa_workup")


@pytest.mark.parametrize(("relief", "positive"), [(79, False), (80, True)])
def test_cervical_lcd_block_threshold_is_unchanged(questionnaire, rulepack, relief, positive) -> None:
    r = run(questionnaire, rulepack, neck_blocks(relief), "lcd")
    assert r.next_step == ("rfa_workup" if positive else "confirmatory_block")


# --- NT5 covers the injection history -----------------------------------------------------

# (branch, complete answers, the questions that branch needs); each is removed in turn, and the
# yes/no/unsure ones are also set to "unsure"
BRANCHES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("first_diagnostic_block", with_(inj__any="no"), ["inj.any"]),
    ("first_diagnostic_block", with_(inj__any="yes", inj__epidural="no", inj__mbb__count=0, inj__steroid__count=0,
                                     inj__rfa__ever="no"),
     ["inj.any", "inj.rfa.ever", "inj.mbb.count", "inj.steroid.count"]),
    ("repeat_rfa", rfa(80, 12), ["inj.any", "inj.rfa.ever", "inj.rfa.count", "inj.rfa.months_ago", "inj.rfa.relief",
                                 "inj.rfa.relief_months"]),
    ("rfa_workup", blocks(2, 90, 90), ["inj.rfa.ever", "inj.mbb.count", "inj.mbb.last_relief", "inj.mbb.prev_relief",
                                       "inj.mbb.last_days"]),
    ("confirmatory_block", blocks(1, 90), ["inj.mbb.count", "inj.mbb.last_relief", "inj.mbb.last_days"]),
    ("repeat_steroid_injection", steroid(1, 80, 20), ["inj.steroid.count", "inj.steroid.last_relief",
                                                      "inj.steroid.last_weeks"]),
]
YN = {"inj.any", "inj.rfa.ever"}


def history_gaps() -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    for step, complete, needed in BRANCHES:
        for link_id in needed:
            for how in ("missing", "unsure") if link_id in YN else ("missing",):
                answers = dict(complete)
                if how == "missing":
                    answers.pop(link_id)
                else:
                    answers[link_id] = "unsure"
                yield step, link_id, how, answers


@pytest.mark.parametrize("mode", MODES)
def test_complete_branches_are_candidates(questionnaire, rulepack, mode) -> None:
    for step, complete, _needed in BRANCHES:
        r = run(questionnaire, rulepack, complete, mode)
        if step == "confirmatory_block" and mode == "guideline":
            step = "rfa_workup"  # one positive block is enough before RFA in this mode
        assert (r.next_step, r.outcome) == (step, "LIKELY_CANDIDATE")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("step", "link_id", "how", "answers"), list(history_gaps()),
                         ids=[f"{s}-{link}-{how}" for s, link, how, _a in history_gaps()])
def test_no_candidate_while_the_injection_history_is_unknown(questionnaire, rulepack, rulepack_labels, mode, step,
                                                             link_id, how, answers) -> None:
    r = run(questionnaire, rulepack, answers, mode)
    assert r.outcome not in CANDIDATE
    assert r.outcome == "NOT_YET"
    nt5 = next(f for f in r.findings if f.rule == "NT5")
    assert nt5.status == "met"
    assert rulepack_labels[link_id] in nt5.text  # names the question to complete with the patient
    assert ("answered not sure" if how == "unsure" else "not answered") in nt5.text


def test_unsure_injection_answers_leave_the_next_step_open(questionnaire, rulepack) -> None:
    assert run(questionnaire, rulepack, with_(inj__any="unsure")).next_step is None
    assert run(questionnaire, rulepack, dict(rfa(80, 12), **{"inj.rfa.ever": "unsure"})).next_step is None


@pytest.fixture(scope="module")
def rulepack_labels(rulepack) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return dict(rulepack.wording.labels)


# --- every sentence states the actual answers ---------------------------------------------

def cases() -> Iterator[tuple[str, dict[str, Any]]]:
    for name in example_names():
        yield name, load_example(name)
    yield "base", base()
    yield "neck", neck()
    yield "neck-block-50", neck_blocks(50)
    yield "neck-block-51", neck_blocks(51)
    for step, link_id, how, answers in history_gaps():
        yield f"gap-{step}-{link_id}-{how}", answers
    # the branch that decided EX6: a 49 % RFA beside a 90 % block must name the RFA only
    yield "rfa-49-block-90", dict(rfa(49, 12), **{"inj.mbb.count": 1, "inj.mbb.last_relief": 90, "inj.mbb.last_days": 30})
    yield "block-40", blocks(1, 40)
    yield "steroid-30", steroid(1, 30, 20)
    yield "steroid-short", steroid(1, 80, 4)
    yield "radicular", with_(pain__map=["low_back", "below_knee_l"], pain__numbness="yes")
    yield "limb", with_(pain__mostly="limb")
    yield "equal", with_(pain__mostly="equal")
    yield "one-modality", with_(care__pt="no", care__pt__weeks=None, care__pt__relief=None)
    yield "one-week", with_(care__total_weeks=1, care__nsaid__weeks=1, care__pt__weeks=1)
    yield "nothing-tried", with_(care__nsaid="no", care__nsaid__weeks=None, care__nsaid__relief=None, care__pt="no",
                                 care__pt__weeks=None, care__pt__relief=None, care__total_weeks=None)
    yield "not-tolerated-only", with_(care__nsaid="not_tolerated", care__nsaid__weeks=None, care__nsaid__relief=None,
                                      care__pt="not_tolerated", care__pt__weeks=None, care__pt__relief=None,
                                      care__total_weeks=None)
    yield "one-block-one-day", blocks(1, 90, days=1)
    yield "capped", blocks(4, 90, 90)
    yield "dx-unsure", with_(dx=["unsure"])
    yield "ia-low-back", with_(dx=["inflammatory_arthritis"])
    yield "ia-neck", neck(dx=["inflammatory_arthritis"])
    yield "insulin", with_(safety__diabetes="yes_insulin", safety__sugar_high="no")
    yield "sugar-unsure", with_(safety__diabetes="yes_diet_tablets", safety__sugar_high="unsure")
    yield "male", with_(patient__sex="male", safety__pregnant=None)
    yield "fusion", with_(surgery="fusion")
    yield "surgery-unsure", with_(surgery="unsure")
    yield "allergy-unsure", with_(safety__allergy=["unsure"])
    yield "anticoag-unsure", with_(safety__anticoag="unsure")
    for link_id in YN_ITEMS:
        for value in ("yes", "unsure"):
            yield f"{link_id}={value}", with_item(link_id, value)
        yield f"{link_id}=missing", with_item(link_id, None)


YN_ITEMS = ("rf.bladder_bowel", "rf.saddle_numbness", "rf.legs_at_rest", "rf.weakness_worse", "rf.hands_gait",
            "rf.fever", "rf.cancer", "rf.weight_loss", "rf.night_pain", "rf.trauma", "rf.neck_vascular",
            "safety.bleeding", "safety.pregnant", "safety.immuno", "safety.skin", "safety.prone", "safety.implant",
            "pain.claudication", "pain.numbness")
NECK_ONLY = {"rf.hands_gait", "rf.neck_vascular"}


def with_item(link_id: str, value: str | None) -> dict[str, Any]:
    a = neck() if link_id in NECK_ONLY else base()
    if link_id == "pain.numbness":
        a["pain.map"] = ["low_back", "thigh_l"]
    if value is None:
        a.pop(link_id, None)
    else:
        a[link_id] = value
    return a


FORBIDDEN = re.compile(r"\b(diagnos[ie]s|diagnosis|diagnosed|indicated|approved)\b", re.IGNORECASE)
BAD_PLURAL = re.compile(r"\b1 (modalities|weeks|months|days|blocks|injections|sessions)\b")
RAW_CODE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\b(rf|inj|care|safety|pain|peg)\.[a-z_.]+\b|[{}]")
UNIT_ON_WORDS = re.compile(r"not (asked|answered) (weeks|months|days|%)")
# the question a one-question rule names, for the "not asked" and "not sure" checks
RULE_QUESTION = {"RF2": "rf.weakness_worse", "RF3": "rf.hands_gait", "RF6": "rf.trauma", "RF7": "rf.neck_vascular",
                 "EX2": "pain.claudication", "PR1": "safety.anticoag", "PR2": "safety.bleeding", "PR4": "safety.pregnant",
                 "PR6": "safety.immuno", "PR7": "safety.skin", "PR8": "safety.prone", "PR9": "safety.implant",
                 "PR10": "surgery"}
RF_ITEMS = [i for i in YN_ITEMS if i.startswith("rf.")]


def sentence_problems(q, rulepack, labels, answers: dict[str, Any], mode: str) -> list[str]:  # type: ignore[no-untyped-def]
    r = run(q, rulepack, answers, mode)
    state = enablement(q, answers)
    problems = []
    for line in [r.why] + [f.short for f in r.findings if f.short]:
        if FORBIDDEN.search(line) or BAD_PLURAL.search(line) or RAW_CODE.search(line) or UNIT_ON_WORDS.search(line):
            problems.append(f"queue line {line!r}: forbidden word, plural or raw code")
    if not r.why:
        problems.append("no queue line")
    for f in r.findings:
        where = f"{f.rule} [{f.status}] {f.text!r}"
        if FORBIDDEN.search(f.text):
            problems.append(f"{where}: forbidden word")
        if BAD_PLURAL.search(f.text) or UNIT_ON_WORDS.search(f.text):
            problems.append(f"{where}: wrong plural or unit")
        if RAW_CODE.search(f.text):
            problems.append(f"{where}: raw code or placeholder")
        for link_id, value in f.inputs.items():
            said = value == "unsure" or (isinstance(value, list) and "unsure" in value)
            if said and f.group in ("red_flag", "safety", "exclusion") and "not sure" not in f.text \
                    and f.rule not in ("RF9", "EX5"):
                problems.append(f"{where}: {link_id} was answered not sure")
        question = RULE_QUESTION.get(f.rule)
        if question and f.status != "unknown":
            value, asked = answers.get(question), state.get(question)
            if asked is False and "not asked" not in f.text:
                problems.append(f"{where}: {question} was not asked")
            if asked is False and question != "safety.pregnant" and "for this region" not in f.text:
                problems.append(f"{where}: {question} was not asked for this region")
            if asked and value == "unsure" and "answered not sure" not in f.text:
                problems.append(f"{where}: {question} was answered not sure")
            if asked and value != "unsure" and "not sure" in f.text:
                problems.append(f"{where}: {question} was not answered not sure")
            if asked and value == "no" and f.status == "not_met" and "answered no" not in f.text \
                    and f.rule not in ("PR8", "PR10"):  # their "no" is the finding itself
                problems.append(f"{where}: {question} was answered no")
        if f.rule in ("RF9", "NT5") and f.status == "met":
            for link_id, value in f.inputs.items():
                if (value is None or value == "unsure") and labels[link_id] not in f.text:
                    problems.append(f"{where}: does not name {link_id}")
        if f.rule == "RF9" and f.status == "met":
            for link_id in RF_ITEMS:
                if state.get(link_id) is not False and answers.get(link_id) in (None, "unsure") \
                        and labels[link_id] not in f.text:
                    problems.append(f"{where}: does not name {link_id}")
        if f.rule == "EX6" and f.status == "met":
            branch = {"repeat_rfa": "radiofrequency", "confirmatory_block": "block",
                      "repeat_steroid_injection": "steroid"}[r.next_step or ""]
            others = {"radiofrequency", "block", "steroid"} - {branch}
            if branch not in f.text or any(o in f.text for o in others):
                problems.append(f"{where}: should name only the {branch} that decided")
        if f.rule == "D1" and f.status == "not_met" and answers.get("pain.mostly") == "spine" \
                and "not predominantly" in f.text:
            problems.append(f"{where}: contradicts the answer 'mostly in the spine'")
    return problems


@pytest.mark.parametrize("mode", MODES)
def test_every_sentence_states_the_actual_answers(questionnaire, rulepack, rulepack_labels, mode) -> None:
    problems = []
    for name, answers in cases():
        problems += [f"{name}: {p}" for p in sentence_problems(questionnaire, rulepack, rulepack_labels, answers, mode)]
    assert problems == []


def test_the_sentence_checker_catches_the_old_wording(questionnaire, rulepack, rulepack_labels) -> None:
    """The 1.0 sentences fail the checker: it is not a test that cannot fail."""
    import json

    from kiosk.resources import DEFAULT_RULEPACK, read_json, resource
    from kiosk.rules import parse_rulepack

    raw, _ = read_json(resource(*DEFAULT_RULEPACK))
    old = json.loads(json.dumps(raw))
    texts = {"RF3": {"met": "Red flag", "not_met": "No myelopathy symptoms reported"},
             "C1": {"met": "{fact:care_modalities} modalities for {fact:care_weeks} weeks",
                    "not_met": "{fact:care_modalities} modalities for {fact:care_weeks} weeks"},
             "EX3": {"met": "diagnoses reported: {answer:dx}", "not_met": "No fracture or deformity reported"},
             "PR1": {"met": "Takes a blood thinner", "not_met": "No blood thinner reported"}}
    for rule in old["rules"]:
        rule["text"] = texts.get(rule["id"], rule["text"])
    pack = parse_rulepack(old, "old", "0" * 64, questionnaire)
    found = "\n".join(p for answers in (base(), with_item("rf.hands_gait", "unsure"), with_(dx=["fracture"]),
                                        with_(safety__anticoag="unsure"),
                                        with_(care__pt="no", care__pt__weeks=None, care__pt__relief=None,
                                              care__total_weeks=1, care__nsaid__weeks=1))
                      for p in sentence_problems(questionnaire, pack, rulepack_labels, answers, "lcd"))
    assert "RF3 [not_met]" in found and "not asked for this region" in found
    assert "was answered not sure" in found
    assert "forbidden word" in found
    assert "wrong plural" in found


def test_status_of_a_not_asked_red_flag_is_not_met(questionnaire, rulepack) -> None:
    r = run(questionnaire, rulepack, base())
    assert status(r, "RF3") == "not_met"
    assert "not asked for this region" in next(f.text for f in r.findings if f.rule == "RF3")


@pytest.mark.parametrize(("answers", "why"), [
    (load_example("s7_fever_unsure"), "Ask in person: fever, chills or night sweats (answered not sure)"),
    (with_(rf__fever="yes"), "Fever, chills or night sweats"),
    (with_(rf__bladder_bowel="yes", rf__trauma="yes"), "New bladder or bowel trouble; pain after a fall, accident or injury"),
    (load_example("s2_thoracic_short_care"), "8 of 12 weeks of care"),
    (load_example("s6_cervical_arm_pain"), "Pain mostly in the arm or leg"),
    (load_example("s5_daily_aspirin"), "Meets configured criteria: first diagnostic block; blood thinner"),
    (base(), "Meets configured criteria: first diagnostic block"),
    (dict(rfa(49, 12), **{"inj.mbb.count": 1, "inj.mbb.last_relief": 90, "inj.mbb.last_days": 30}),
     "Last RFA 49 % relief for 12 months"),
    (with_(inj__any="unsure"), "Missing: any injection or nerve procedure before"),
])
def test_the_queue_line_says_why(questionnaire, rulepack, answers, why) -> None:
    r = run(questionnaire, rulepack, answers)
    assert r.why == why
    assert r.to_json()["summary"] == {"deciding": list(r.deciding), "why": why}
