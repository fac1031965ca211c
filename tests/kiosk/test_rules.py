"""The rule pack: examples, every threshold at, below and above its value in both modes,
next-step branches, the pack loader's checks, and properties over generated answers."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.answers import validate_answers
from kiosk.resources import DEFAULT_RULEPACK, resource
from kiosk.rules import OUTCOMES, RulePackError, assess, parse_rulepack
from tests.conftest import example_names, load_example

TODAY = dt.date(2026, 11, 24)
MODES = ("lcd", "guideline")


def run(q, pack, answers: dict[str, Any], mode: str = "lcd"):  # type: ignore[no-untyped-def]
    clean, problems = validate_answers(q, answers, TODAY)
    assert problems == []
    return assess(pack, q, clean, mode)


def status(result, rule: str) -> str:  # type: ignore[no-untyped-def]
    return next(f.status for f in result.findings if f.rule == rule)


def base() -> dict[str, Any]:
    """A lumbar intake that meets every criterion with nothing else firing."""
    a = load_example("s5_daily_aspirin")
    a["safety.anticoag"] = "no"
    del a["safety.anticoag.which"]
    return a


def with_(**changes: Any) -> dict[str, Any]:
    return changed(base(), **changes)


def changed(a: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``a`` with ``pain__region="neck"``-style changes; None removes the answer."""
    for key, value in changes.items():
        link_id = key.replace("__", ".")
        if value is None:
            a.pop(link_id, None)
        else:
            a[link_id] = value
    return a


@pytest.mark.parametrize("name", example_names())
@pytest.mark.parametrize("mode", MODES)
def test_examples(questionnaire, rulepack, expected, name: str, mode: str) -> None:
    exp = expected[name]
    result = run(questionnaire, rulepack, load_example(name), mode)
    assert result.outcome == exp.get(mode, exp["lcd"])  # the public examples sort the same in both modes
    if mode == "lcd":
        assert set(exp.get("rules", [])) <= set(result.fired())
        if "next_step" in exp:
            assert result.next_step == exp["next_step"]


def test_base_is_a_likely_candidate(questionnaire, rulepack) -> None:
    for mode in MODES:
        result = run(questionnaire, rulepack, base(), mode)
        assert (result.outcome, result.next_step) == ("LIKELY_CANDIDATE", "first_diagnostic_block")
        assert result.fired() == ["P1", "D1", "F1", "C1"]


def test_assessment_shape_matches_the_contract(questionnaire, rulepack) -> None:
    out = run(questionnaire, rulepack, base()).to_json()
    assert {"outcome", "next_step", "region", "rulepack", "findings", "scores"} <= set(out)
    assert set(out["rulepack"]) == {"id", "version", "sha256", "mode"}
    assert out["rulepack"]["sha256"] == rulepack.sha256 and len(rulepack.sha256) == 64
    ids = [f["rule"] for f in out["findings"]]
    spec_ids = ["P1", "F1", "D1", "C1", *[f"RF{i}" for i in range(1, 10)], *[f"EX{i}" for i in range(1, 7)],
                *[f"NT{i}" for i in range(1, 6)], *[f"PR{i}" for i in range(1, 11)]]
    assert sorted(ids) == sorted(spec_ids)
    for f in out["findings"]:
        assert set(f) >= {"rule", "status", "text", "inputs", "source"} and f["text"] and f["source"]
    p1 = next(f for f in out["findings"] if f["rule"] == "P1")
    assert p1["inputs"] == {"pain.nrs.avg": 7} and "7/10" in p1["text"]
    assert out["scores"]["peg"] == 6.7 and out["region"] == "lumbar"
    words = json.dumps(out).lower()
    assert "diagnosis" not in words and "indicated" not in words and "approved" not in words


# --- thresholds ------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("avg", "met"), [(4, False), (5, True), (6, True)])
def test_p1_pain_threshold(questionnaire, rulepack, mode, avg, met) -> None:
    r = run(questionnaire, rulepack, with_(pain__nrs__avg=avg), mode)
    assert status(r, "P1") == ("met" if met else "not_met")
    assert r.outcome == ("LIKELY_CANDIDATE" if met else "NOT_CANDIDATE")
    assert ("EX5" in r.fired()) is not met


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("enjoy", "activity", "met"), [(4, 5, False), (5, 5, True), (5, 6, True)])
def test_f1_peg_interference(questionnaire, rulepack, mode, enjoy, activity, met) -> None:
    r = run(questionnaire, rulepack, with_(peg__enjoyment=enjoy, peg__activity=activity), mode)
    assert status(r, "F1") == ("met" if met else "not_met")


def odi(values: list[int | None]) -> dict[str, Any]:
    return {f"odi__{n}": v for n, v in enumerate(values, start=1)}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("values", "met"), [
    ([1] * 10, False),                 # 20 % exactly: needs more than 20
    ([1] * 9 + [2], True),             # 22 %
    ([0] * 10, False),
    ([1, 1, 1, 1, 1, 1, 1, None, 1, 2], True),  # 9 answered: 10/45 = 22.2 %
    ([1] * 8 + [None, None], False),   # 8 answered: 20 %
])
def test_f1_odi_decides_over_peg(questionnaire, rulepack, mode, values, met) -> None:
    answers = with_(**odi(values), peg__enjoyment=9, peg__activity=9)
    r = run(questionnaire, rulepack, answers, mode)
    assert status(r, "F1") == ("met" if met else "not_met")


def test_f1_odi_with_seven_items_falls_back_to_peg(questionnaire, rulepack) -> None:
    r = run(questionnaire, rulepack, with_(**odi([0] * 7 + [None] * 3)))
    assert status(r, "F1") == "met" and "PEG" in next(f.text for f in r.findings if f.rule == "F1")


def neck(**changes: Any) -> dict[str, Any]:
    a = with_(pain__region="neck", pain__map=["neck"], pain__claudication=None, rf__legs_at_rest=None,
              rf__hands_gait="no", rf__neck_vascular="no")
    a.update({k.replace("__", "."): v for k, v in changes.items()})
    return {k: v for k, v in a.items() if v is not None}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("values", "met"), [
    ([1, 1, 1, 1, 1, 2, 2, 2, 2, 1], False),   # 14
    ([1, 1, 1, 1, 1, 2, 2, 2, 2, 2], True),    # 15
    ([2, 1, 1, 1, 1, 2, 2, 2, 2, 2], True),    # 16
    ([2, 2, 2, 2, 2, 2, 2, 2, None, None], True),   # 8 answered, mean 2 -> 20
    ([1, 1, 1, 1, 1, 2, 2, 2, 1, None], False),      # 9 answered, 12/9*10 = 13.3
])
def test_f1_ndi_prorated(questionnaire, rulepack, mode, values, met) -> None:
    answers = neck(**{f"ndi__{n}": v for n, v in enumerate(values, start=1)}, peg__enjoyment=0, peg__activity=0)
    r = run(questionnaire, rulepack, answers, mode)
    assert status(r, "F1") == ("met" if met else "not_met")
    assert r.region == "cervical"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("region", "weeks", "met"), [
    ("lowback", 11, False), ("lowback", 12, True), ("lowback", 13, True),
    ("midback", 11, False), ("midback", 12, True),
    ("neck", 5, False), ("neck", 6, True), ("neck", 7, True),
])
def test_c1_weeks_by_region(questionnaire, rulepack, mode, region, weeks, met) -> None:
    answers = neck() if region == "neck" else with_(pain__region=region)
    answers.update({"care.total_weeks": weeks, "care.nsaid.weeks": weeks, "care.pt.weeks": weeks})
    r = run(questionnaire, rulepack, answers, mode)
    assert status(r, "C1") == ("met" if met else "not_met")
    assert r.outcome == ("LIKELY_CANDIDATE" if met else "NOT_YET")
    assert ("NT2" in r.fired()) is not met


def test_c1_total_weeks_missing_uses_the_largest_modality(questionnaire, rulepack) -> None:
    r = run(questionnaire, rulepack, with_(care__total_weeks=None, care__nsaid__weeks=4, care__pt__weeks=12))
    assert status(r, "C1") == "met"
    r = run(questionnaire, rulepack, with_(care__total_weeks=None, care__nsaid__weeks=4, care__pt__weeks=11))
    assert status(r, "C1") == "not_met"


def test_c1_medicines_count_as_one_modality(questionnaire, rulepack) -> None:
    meds_only = with_(care__pt="no", care__pt__weeks=None, care__pt__relief=None, care__acetaminophen="yes",
                      care__acetaminophen__weeks=12, care__other_med="not_tolerated")
    assert status(run(questionnaire, rulepack, meds_only), "C1") == "not_met"
    meds_and_chiro = dict(meds_only, **{"care.chiro": "not_tolerated"})
    assert status(run(questionnaire, rulepack, meds_and_chiro), "C1") == "met"
    unsure = with_(care__pt="unsure", care__pt__weeks=None, care__pt__relief=None)
    assert status(run(questionnaire, rulepack, unsure), "C1") == "not_met"


def blocks(count: int, last: int, prev: int | None = None, days: int = 30, **more: Any) -> dict[str, Any]:
    changes: dict[str, Any] = {"inj__any": "yes", "inj__epidural": "no", "inj__mbb__count": count,
                               "inj__mbb__last_relief": last, "inj__mbb__last_days": days,
                               "inj__steroid__count": 0, "inj__rfa__ever": "no"}
    if prev is not None:
        changes["inj__mbb__prev_relief"] = prev
    changes.update(more)
    return with_(**changes)


@pytest.mark.parametrize(("mode", "relief", "outcome", "step"), [
    ("lcd", 79, "NOT_CANDIDATE", "confirmatory_block"),
    ("lcd", 80, "LIKELY_CANDIDATE", "rfa_workup"),
    ("lcd", 81, "LIKELY_CANDIDATE", "rfa_workup"),
    ("guideline", 49, "NOT_CANDIDATE", "confirmatory_block"),
    ("guideline", 50, "LIKELY_CANDIDATE", "rfa_workup"),
    ("guideline", 51, "LIKELY_CANDIDATE", "rfa_workup"),
])
def test_positive_block_threshold(questionnaire, rulepack, mode, relief, outcome, step) -> None:
    r = run(questionnaire, rulepack, blocks(2, relief, relief), mode)
    assert (r.outcome, r.next_step) == (outcome, step)
    assert ("EX6" in r.fired()) == (outcome == "NOT_CANDIDATE")


def test_blocks_needed_before_rfa(questionnaire, rulepack) -> None:
    one = blocks(1, 90)
    assert run(questionnaire, rulepack, one, "lcd").next_step == "confirmatory_block"
    assert run(questionnaire, rulepack, one, "guideline").next_step == "rfa_workup"
    mixed = blocks(2, 90, 70)  # one positive of two in lcd
    assert run(questionnaire, rulepack, mixed, "lcd").next_step == "confirmatory_block"


@pytest.mark.parametrize(("days", "fired"), [(13, True), (14, False), (15, False)])
def test_nt4_interval_between_blocks(questionnaire, rulepack, days, fired) -> None:
    r = run(questionnaire, rulepack, blocks(1, 90, days=days), "lcd")
    assert r.next_step == "confirmatory_block"
    assert ("NT4" in r.fired()) is fired
    assert r.outcome == ("NOT_YET" if fired else "LIKELY_CANDIDATE")


@pytest.mark.parametrize(("count", "lcd_capped"), [(3, False), (4, True), (5, True)])
def test_nt3_diagnostic_cap(questionnaire, rulepack, count, lcd_capped) -> None:
    answers = blocks(count, 90, 70)
    assert ("NT3" in run(questionnaire, rulepack, answers, "lcd").fired()) is lcd_capped
    assert "NT3" not in run(questionnaire, rulepack, answers, "guideline").fired()


def steroid(count: int, relief: int, weeks: int) -> dict[str, Any]:
    return with_(inj__any="yes", inj__epidural="no", inj__mbb__count=0, inj__rfa__ever="no",
                 inj__steroid__count=count, inj__steroid__last_relief=relief, inj__steroid__last_weeks=weeks)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("relief", "weeks", "ok"), [
    (49, 12, False), (50, 12, True), (51, 13, True), (60, 11, False), (60, 12, True)])
def test_repeat_steroid_thresholds(questionnaire, rulepack, mode, relief, weeks, ok) -> None:
    r = run(questionnaire, rulepack, steroid(1, relief, weeks), mode)
    assert r.next_step == "repeat_steroid_injection"
    assert ("EX6" in r.fired()) is not ok


@pytest.mark.parametrize(("count", "capped"), [(3, False), (4, True)])
def test_nt3_therapeutic_cap(questionnaire, rulepack, count, capped) -> None:
    assert ("NT3" in run(questionnaire, rulepack, steroid(count, 80, 20), "lcd").fired()) is capped
    assert "NT3" not in run(questionnaire, rulepack, steroid(count, 80, 20), "guideline").fired()


def rfa(relief: int, months: int, count: int = 0, ago: int = 12) -> dict[str, Any]:
    return with_(inj__any="yes", inj__epidural="no", inj__mbb__count=0, inj__steroid__count=0,
                 inj__rfa__ever="yes", inj__rfa__count=count, inj__rfa__months_ago=ago,
                 inj__rfa__relief=relief, inj__rfa__relief_months=months)


@pytest.mark.parametrize(("mode", "relief", "months", "ok"), [
    ("lcd", 49, 6, False), ("lcd", 50, 6, True), ("lcd", 51, 7, True),
    ("lcd", 60, 5, False), ("lcd", 60, 6, True),
    ("guideline", 30, 3, False), ("guideline", 31, 3, True), ("guideline", 29, 6, False),
    ("guideline", 60, 2, False), ("guideline", 60, 3, True), ("guideline", 60, 4, True),
])
def test_repeat_rfa_thresholds(questionnaire, rulepack, mode, relief, months, ok) -> None:
    r = run(questionnaire, rulepack, rfa(relief, months), mode)
    assert r.next_step == "repeat_rfa"
    assert ("EX6" in r.fired()) is not ok
    assert r.outcome == ("LIKELY_CANDIDATE" if ok else "NOT_CANDIDATE")


@pytest.mark.parametrize(("count", "capped"), [(1, False), (2, True), (3, True)])
def test_nt3_rfa_cap(questionnaire, rulepack, count, capped) -> None:
    assert ("NT3" in run(questionnaire, rulepack, rfa(80, 12, count), "lcd").fired()) is capped
    assert "NT3" not in run(questionnaire, rulepack, rfa(80, 12, count), "guideline").fired()


@pytest.mark.parametrize(("ago", "noted"), [(23, False), (24, True), (25, True)])
def test_rfa_recheck_note(questionnaire, rulepack, ago, noted) -> None:
    r = run(questionnaire, rulepack, rfa(80, 12, ago=ago))
    assert bool(r.notes) is noted


def test_next_step_is_null_when_undecidable(questionnaire, rulepack) -> None:
    assert run(questionnaire, rulepack, with_(inj__any=None)).next_step is None
    assert run(questionnaire, rulepack, with_(inj__any="yes")).next_step is None
    assert run(questionnaire, rulepack, with_(inj__any="no")).next_step == "first_diagnostic_block"


@pytest.mark.parametrize(("duration", "fired"), [
    ("lt6w", True), ("6w_3m", True), ("3_6m", False), ("6_12m", False), ("gt1y", False)])
def test_nt1_duration(questionnaire, rulepack, duration, fired) -> None:
    r = run(questionnaire, rulepack, with_(pain__duration=duration))
    assert ("NT1" in r.fired()) is fired


# --- red flags, exclusions, safety -----------------------------------------------------

@pytest.mark.parametrize(("changes", "rule"), [
    ({"rf__bladder_bowel": "yes"}, "RF1"), ({"rf__saddle_numbness": "yes"}, "RF1"), ({"rf__legs_at_rest": "yes"}, "RF1"),
    ({"rf__weakness_worse": "yes"}, "RF2"), ({"rf__fever": "yes"}, "RF4"), ({"dx": ["infection"]}, "RF4"),
    ({"rf__cancer": "yes"}, "RF5"), ({"rf__weight_loss": "yes"}, "RF5"), ({"rf__night_pain": "yes"}, "RF5"),
    ({"dx": ["tumor"]}, "RF5"), ({"rf__trauma": "yes"}, "RF6"), ({"rf__cancer": "unsure"}, "RF9"),
    ({"rf__trauma": None}, "RF9"),
])
def test_red_flags(questionnaire, rulepack, changes, rule) -> None:
    r = run(questionnaire, rulepack, with_(**changes))
    assert rule in r.fired() and r.outcome == "URGENT_REVIEW"


@pytest.mark.parametrize(("changes", "rule"), [
    ({"rf__hands_gait": "yes"}, "RF3"), ({"rf__neck_vascular": "yes"}, "RF7"),
    ({"dx": ["inflammatory_arthritis"]}, "RF8"), ({"rf__neck_vascular": None}, "RF9")])
def test_neck_red_flags(questionnaire, rulepack, changes, rule) -> None:
    r = run(questionnaire, rulepack, neck(**changes))
    assert rule in r.fired() and r.outcome == "URGENT_REVIEW"


def test_inflammatory_arthritis_is_no_red_flag_in_the_low_back(questionnaire, rulepack) -> None:
    assert "RF8" not in run(questionnaire, rulepack, with_(dx=["inflammatory_arthritis"])).fired()


@pytest.mark.parametrize(("changes", "rule"), [
    ({"pain__map": ["low_back", "below_knee_l"], "pain__numbness": "yes"}, "EX1"),
    ({"pain__mostly": "limb"}, "EX1"),
    ({"pain__claudication": "yes"}, "EX2"), ({"dx": ["fracture"]}, "EX3"), ({"dx": ["deformity"]}, "EX3"),
    ({"dx": ["fibromyalgia"]}, "EX4"), ({"pain__mostly": "equal"}, "EX5"),
])
def test_exclusions(questionnaire, rulepack, changes, rule) -> None:
    r = run(questionnaire, rulepack, with_(**changes))
    assert rule in r.fired() and r.outcome == "NOT_CANDIDATE"


def test_far_spread_without_numbness_is_not_radicular(questionnaire, rulepack) -> None:
    r = run(questionnaire, rulepack, with_(pain__map=["low_back", "foot_r"], pain__numbness="no"))
    assert "EX1" not in r.fired() and r.outcome == "LIKELY_CANDIDATE"
    r = run(questionnaire, rulepack, neck(pain__map=["neck", "forearm_hand_r"], pain__numbness="yes"))
    assert "EX1" in r.fired()
    r = run(questionnaire, rulepack, neck(pain__map=["neck", "below_knee_r"], pain__numbness="yes"))
    assert "EX1" not in r.fired()  # far spread is region-specific


@pytest.mark.parametrize(("changes", "rule"), [
    ({"safety__anticoag": "unsure"}, "PR1"), ({"safety__bleeding": "yes"}, "PR2"),
    ({"safety__allergy": ["contrast"]}, "PR3"), ({"safety__allergy": ["unsure"]}, "PR3"),
    ({"safety__pregnant": "unsure"}, "PR4"), ({"safety__diabetes": "yes_insulin", "safety__sugar_high": "no"}, "PR5"),
    ({"safety__diabetes": "yes_diet_tablets", "safety__sugar_high": "yes"}, "PR5"),
    ({"safety__immuno": "yes"}, "PR6"), ({"safety__skin": "yes"}, "PR7"), ({"safety__prone": "no"}, "PR8"),
    ({"safety__implant": "unsure"}, "PR9"), ({"surgery": "fusion"}, "PR10"), ({"surgery": "other"}, "PR10"),
])
def test_safety_items(questionnaire, rulepack, changes, rule) -> None:
    r = run(questionnaire, rulepack, with_(**changes))
    assert r.fired() == ["P1", "D1", "F1", "C1", rule]
    assert r.outcome == "CANDIDATE_WITH_PRECAUTIONS"


@pytest.mark.parametrize("changes", [
    {"safety__allergy": ["latex"]}, {"safety__diabetes": "yes_diet_tablets", "safety__sugar_high": "no"},
    {"safety__skin": "unsure"}, {"safety__prone": "unsure"}, {"surgery": "unsure"}])
def test_safety_answers_that_do_not_fire(questionnaire, rulepack, changes) -> None:
    assert run(questionnaire, rulepack, with_(**changes)).outcome == "LIKELY_CANDIDATE"


@pytest.mark.parametrize(("missing", "outcome"), [
    ("pain.nrs.avg", "NOT_YET"), ("pain.mostly", "NOT_YET"), ("care.pt", "NOT_YET"),
    # without the region the neck-only red-flag questions may be unasked: RF9 keeps it urgent
    ("pain.region", "URGENT_REVIEW"),
])
def test_missing_answers_give_nt5_not_a_guess(questionnaire, rulepack, missing, outcome) -> None:
    a = base()
    a.pop(missing)
    r = run(questionnaire, rulepack, a)
    assert "NT5" in r.fired()
    assert r.outcome == outcome


def test_outcome_priority(questionnaire, rulepack) -> None:
    everything = with_(rf__fever="yes", dx=["fibromyalgia"], pain__duration="lt6w", safety__skin="yes")
    assert run(questionnaire, rulepack, everything).outcome == "URGENT_REVIEW"
    assert run(questionnaire, rulepack, with_(dx=["fibromyalgia"], pain__duration="lt6w")).outcome == "NOT_CANDIDATE"
    assert run(questionnaire, rulepack, with_(pain__duration="lt6w", safety__skin="yes")).outcome == "NOT_YET"


# --- the pack is data ------------------------------------------------------------------

def raw_pack() -> dict[str, Any]:
    return json.loads(resource(*DEFAULT_RULEPACK).read_text())  # type: ignore[no-any-return]


def test_a_threshold_changes_without_code(questionnaire) -> None:
    data = raw_pack()
    data["modes"]["lcd"]["pain_avg"] = {"ge": 8}
    pack = parse_rulepack(data, "clinic.json", "x", questionnaire)
    assert run(questionnaire, pack, base()).outcome == "NOT_CANDIDATE"
    assert "8 or more" in next(f.text for f in run(questionnaire, pack, base()).findings if f.rule == "P1")


@pytest.mark.parametrize(("mutate", "fragment"), [
    (lambda d: d["rules"][0].update(when={"answer": "pain.nope"}), "pain.nope"),
    (lambda d: d["rules"][0].update(when={"frobnicate": []}), "unknown operation 'frobnicate'"),
    (lambda d: d["modes"]["guideline"].pop("pain_avg"), "pain_avg"),
    (lambda d: d["outcomes"].append({"outcome": "MAYBE"}), "MAYBE"),
    (lambda d: d["outcomes"][0]["any_met"].append("RF99"), "RF99"),
    (lambda d: d["rules"][1].update(id="P1"), "used once"),
    (lambda d: d["rules"][0].pop("source"), "no source"),
    (lambda d: d["modes"]["lcd"].update(pain_avg={"atleast": 5}), "threshold"),
    (lambda d: d.update(default_mode="strict"), "default_mode"),
])
def test_broken_pack_names_the_problem(questionnaire, mutate, fragment) -> None:
    data = raw_pack()
    mutate(data)
    with pytest.raises(RulePackError) as info:
        parse_rulepack(data, "broken.json", "x", questionnaire)
    assert any(fragment in p for p in info.value.problems), info.value.problems


# --- properties ------------------------------------------------------------------------

def _value(item, draw):  # type: ignore[no-untyped-def]
    if item.type == "choice":
        codes = list(item.option_codes())
        if item.repeats:
            return draw(st.lists(st.sampled_from(codes), min_size=1, max_size=4, unique=True))
        return draw(st.sampled_from(codes))
    if item.type == "integer":
        return draw(st.integers(item.min_value, item.max_value))
    if item.type == "boolean":
        return draw(st.booleans())
    if item.type == "date":
        return draw(st.dates(dt.date(1930, 1, 1), dt.date(2000, 1, 1))).isoformat()
    if item.allowed_characters == "digits":
        return draw(st.from_regex(r"[0-9]{4,20}", fullmatch=True))
    return draw(st.sampled_from(["Ana", "José", "O'Neil"]))


@st.composite
def answer_maps(draw, q):  # type: ignore[no-untyped-def]
    out = {}
    for item in q.answerable():
        if draw(st.integers(0, 9)) < 8:  # most questions answered, some not
            out[item.link_id] = _value(item, draw)
    return out


def _q():  # type: ignore[no-untyped-def]
    from kiosk.questionnaire import default_questionnaire

    return default_questionnaire()


PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPS
@given(answers=answer_maps(_q()), mode=st.sampled_from(MODES))
def test_assess_never_raises_on_valid_answers(questionnaire, rulepack, answers, mode) -> None:
    clean, problems = validate_answers(questionnaire, answers, TODAY)
    assert problems == []
    r = assess(rulepack, questionnaire, clean, mode)
    assert r.outcome in OUTCOMES
    assert len({f.rule for f in r.findings}) == len(rulepack.rules)
    json.dumps(r.to_json())


RF_YES = ["rf.bladder_bowel", "rf.saddle_numbness", "rf.legs_at_rest", "rf.weakness_worse", "rf.hands_gait",
          "rf.fever", "rf.cancer", "rf.weight_loss", "rf.night_pain", "rf.trauma", "rf.neck_vascular"]


@PROPS
@given(answers=answer_maps(_q()), flag=st.sampled_from(RF_YES), mode=st.sampled_from(MODES))
def test_any_red_flag_yes_is_urgent(questionnaire, rulepack, answers, flag, mode) -> None:
    if flag in ("rf.hands_gait", "rf.neck_vascular"):
        answers["pain.region"] = "neck"
    elif flag == "rf.legs_at_rest":
        answers["pain.region"] = random.Random(len(answers)).choice(["lowback", "midback"])
    answers[flag] = "yes"
    clean, _ = validate_answers(questionnaire, answers, TODAY)
    assert assess(rulepack, questionnaire, clean, mode).outcome == "URGENT_REVIEW"


@PROPS
@given(answers=answer_maps(_q()), seed=st.integers(0, 10_000))
def test_result_does_not_depend_on_answer_order(questionnaire, rulepack, answers, seed) -> None:
    clean, _ = validate_answers(questionnaire, answers, TODAY)
    rng = random.Random(seed)
    items = list(copy.deepcopy(clean).items())
    rng.shuffle(items)
    shuffled = {k: (rng.sample(v, len(v)) if isinstance(v, list) else v) for k, v in items}
    a = assess(rulepack, questionnaire, clean).to_json()
    b = assess(rulepack, questionnaire, shuffled).to_json()
    canon = lambda r: json.dumps(r, sort_keys=True, default=sorted)  # noqa: E731
    for f in a["findings"] + b["findings"]:
        f["inputs"] = {k: sorted(v) if isinstance(v, list) else v for k, v in f["inputs"].items()}
        f["text"] = f["short"] = None  # lists in sentences follow the patient's order
    a["summary"]["why"] = b["summary"]["why"] = None
    assert canon(a) == canon(b)
