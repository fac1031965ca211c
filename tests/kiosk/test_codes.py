"""One vocabulary: every code list is defined once (``kiosk.codes``), every label table covers
every member in every language it is shown in, and the rule pack loader refuses codes that
are not the product's."""

from __future__ import annotations

import copy
import json
from enum import StrEnum
from typing import Any

import pytest

from kiosk import codes, labels
from kiosk.codes import Language, NextStep, Outcome, Region
from kiosk.i18n import catalog
from kiosk.resources import DEFAULT_RULEPACK, read_json, resource
from kiosk.rules import RulePackError, parse_rulepack
from tests.kiosk.test_rules_1_1 import FORBIDDEN

ENUMS = [v for v in vars(codes).values() if isinstance(v, type) and issubclass(v, StrEnum) and v is not StrEnum]


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_every_code_list_has_a_staff_label_table(enum: type[StrEnum]) -> None:
    assert any(covered is enum for covered, _table in labels.TABLES), f"{enum.__name__} has no label table"


@pytest.mark.parametrize(("enum", "table"), labels.TABLES, ids=lambda x: getattr(x, "__name__", ""))
def test_every_member_has_a_label(enum: type[StrEnum], table: Any) -> None:
    for member in enum:
        assert table.get(member), f"{enum.__name__}.{member.name} has no label"
        assert table.get(member.value) == table[member]  # a code read from JSON or SQL finds it too
    assert set(table) == set(enum), "a label for a code that does not exist"


def test_labels_never_use_the_forbidden_words() -> None:
    for _enum, table in labels.TABLES:
        for text in table.values():
            assert not FORBIDDEN.search(text), text  # "diagnostic block" is a procedure and allowed


@pytest.mark.parametrize("lang", list(Language))
def test_patient_catalogs_name_every_language(lang: Language) -> None:
    """The language buttons show each language's own name; the catalog of every language has it."""
    for other in Language:
        assert catalog(lang).get(f"lang.{other.value}") == labels.LANGUAGE_NAMES[other]


def test_the_next_step_bug_cannot_come_back() -> None:
    """1.0 labelled ``repeat_steroid`` while the rules said ``repeat_steroid_injection``."""
    assert labels.label(labels.NEXT_STEP_LABELS, "repeat_steroid_injection") == "Repeat steroid injection"
    assert set(labels.NEXT_STEP_LABELS) == set(NextStep)


def test_modes_say_which_is_not_coverage_criteria() -> None:
    assert "not Medicare coverage criteria" in labels.MODE_LABELS[codes.RuleMode.GUIDELINE]


# --- the rule pack loader checks codes ------------------------------------------------------

@pytest.fixture
def raw() -> dict[str, Any]:
    data, _ = read_json(resource(*DEFAULT_RULEPACK))
    return copy.deepcopy(data)  # type: ignore[no-any-return]


def problems(raw: dict[str, Any], questionnaire: Any) -> str:
    with pytest.raises(RulePackError) as err:
        parse_rulepack(raw, "test-pack", "0" * 64, questionnaire)
    return "; ".join(err.value.problems)


def test_the_shipped_pack_uses_only_known_codes(raw, questionnaire) -> None:
    pack = parse_rulepack(raw, "ok", "0" * 64, questionnaire)
    assert set(pack.modes) <= set(codes.RuleMode)
    assert {o["outcome"] for o in pack.outcomes} <= set(Outcome)
    assert {r.group for r in pack.rules} <= set(codes.FindingGroup)


def test_a_next_step_typo_is_refused(raw, questionnaire) -> None:
    text = json.dumps(raw["facts"]["next_step"]).replace('"repeat_steroid_injection"', '"repeat_steroid"')
    raw["facts"]["next_step"] = json.loads(text)
    assert "'repeat_steroid' is not a next step" in problems(raw, questionnaire)


def test_a_comparison_with_an_unknown_next_step_is_refused(raw, questionnaire) -> None:
    ex6 = next(r for r in raw["rules"] if r["id"] == "EX6")
    ex6["when"] = json.loads(json.dumps(ex6["when"]).replace('"repeat_rfa"', '"repeat_RFA"'))
    assert "'repeat_RFA', which is not a next step" in problems(raw, questionnaire)


def test_an_unknown_region_is_refused(raw, questionnaire) -> None:
    raw["facts"]["region"]["lookup"][1]["neck"] = "neck"
    assert "'neck' is not a region" in problems(raw, questionnaire)
    raw2 = copy.deepcopy(raw)
    raw2["facts"]["region"]["lookup"][1]["neck"] = Region.CERVICAL.value
    raw2["modes"]["lcd"]["care_min_weeks"]["sacral"] = {"ge": 6}
    raw2["modes"]["guideline"]["care_min_weeks"]["sacral"] = {"ge": 6}
    assert "'sacral' is not a region" in problems(raw2, questionnaire)


def test_unknown_mode_outcome_and_group_are_refused(raw, questionnaire) -> None:
    raw["modes"]["strict"] = copy.deepcopy(raw["modes"]["lcd"])
    raw["outcomes"][0]["outcome"] = "URGENT"
    raw["rules"][0]["group"] = "inclusions"
    found = problems(raw, questionnaire)
    assert "'strict' is not one of lcd, guideline" in found
    assert "'URGENT'" in found
    assert "group 'inclusions'" in found


def test_every_question_a_rule_reads_needs_a_staff_label(raw, questionnaire) -> None:
    del raw["labels"]["rf.fever"]
    assert "no staff label for rf.fever" in problems(raw, questionnaire)


def test_labels_must_name_real_questions(raw, questionnaire) -> None:
    raw["labels"]["rf.fevr"] = "fever"
    assert "'rf.fevr' is not a question" in problems(raw, questionnaire)


@pytest.mark.parametrize(("text", "fault"), [
    ("Pain {answr:pain.nrs.avg}", "cannot be read"),
    ("Pain {answer:pain.nrs.average}", "unknown linkId"),
    ("{unmet:NT5}", "unknown or later rule"),
    ("{answers}", "needs a name"),
])
def test_sentence_placeholders_are_checked(raw, questionnaire, text: str, fault: str) -> None:
    raw["rules"][0]["text"]["met"] = text
    assert fault in problems(raw, questionnaire)


def test_sentence_cases_need_a_default(raw, questionnaire) -> None:
    raw["rules"][0]["text"]["met"] = [{"when": True, "text": "x"}]
    assert "last one has no 'when'" in problems(raw, questionnaire)


def test_a_rule_without_a_not_met_sentence_says_only_not_met(raw, questionnaire) -> None:
    """A clinic pack that leaves out a sentence must not get the 'met' one for a rule not met."""
    from kiosk.rules import assess
    from tests.kiosk.test_rules import base

    rf2 = next(r for r in raw["rules"] if r["id"] == "RF2")
    rf2["text"] = {"met": "Red flag: weakness getting worse"}
    pack = parse_rulepack(raw, "clinic.json", "0" * 64, questionnaire)
    finding = next(f for f in assess(pack, questionnaire, base()).findings if f.rule == "RF2")
    assert finding.status == "not_met" and finding.text == "Progressive neurological deficit: not met"
