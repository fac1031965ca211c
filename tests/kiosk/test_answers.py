"""Validation of every answer type, enableWhen dropping, and QuestionnaireResponse round trips."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest

from kiosk.answers import (
    check_value,
    from_questionnaire_response,
    missing_required,
    parse_answers_document,
    to_questionnaire_response,
    validate_answers,
)
from tests.conftest import FHIR_SCHEMA, example_names, load_example

TODAY = dt.date(2026, 11, 24)


def check(q, link_id, value):  # type: ignore[no-untyped-def]
    return check_value(q.items[link_id], value, TODAY)


def code(q, link_id, value) -> str | None:  # type: ignore[no-untyped-def]
    _, problem = check(q, link_id, value)
    return problem.code if problem else None


def test_integer_ranges_and_types(questionnaire) -> None:
    assert code(questionnaire, "pain.nrs.avg", 0) is None
    assert code(questionnaire, "pain.nrs.avg", 10) is None
    assert code(questionnaire, "pain.nrs.avg", 11) == "range"
    assert code(questionnaire, "pain.nrs.avg", -1) == "range"
    assert code(questionnaire, "pain.nrs.avg", "7") == "type"
    assert code(questionnaire, "pain.nrs.avg", True) == "type"
    assert code(questionnaire, "pain.nrs.avg", 6.5) == "type"
    assert check(questionnaire, "pain.nrs.avg", 6.0) == (6, None)
    assert code(questionnaire, "care.total_weeks", 1040) is None
    assert code(questionnaire, "care.total_weeks", 1041) == "range"
    assert code(questionnaire, "odi.3", 5) is None and code(questionnaire, "odi.3", 6) == "range"


def test_choice_codes_and_repeats(questionnaire) -> None:
    assert code(questionnaire, "pain.region", "neck") is None
    assert code(questionnaire, "pain.region", "knee") == "choice"
    assert code(questionnaire, "pain.region", ["neck"]) == "type"
    assert check(questionnaire, "pain.map", ["neck", "neck", "foot_l"]) == (["neck", "foot_l"], None)
    assert code(questionnaire, "pain.map", ["neck", "tail"]) == "choice"
    assert code(questionnaire, "pain.map", []) == "required"
    assert code(questionnaire, "pain.map", [1]) == "type"


def test_boolean(questionnaire) -> None:
    assert code(questionnaire, "consent", True) is None
    assert code(questionnaire, "consent", "true") == "type"
    assert code(questionnaire, "consent", 1) == "type"


def test_names(questionnaire) -> None:
    assert check(questionnaire, "patient.given", "  José  María ") == ("José María", None)
    assert code(questionnaire, "patient.family", "O'Brien-Núñez") is None
    assert code(questionnaire, "patient.family", "Robert'); DROP TABLE intakes;--") == "characters"
    assert code(questionnaire, "patient.family", "Ana😀") == "characters"
    assert code(questionnaire, "patient.family", "a\x00b") == "characters"
    assert code(questionnaire, "patient.family", "x" * 60) is None
    assert code(questionnaire, "patient.family", "x" * 61) == "length"
    assert code(questionnaire, "patient.family", "   ") == "required"


def test_patient_number(questionnaire) -> None:
    assert check(questionnaire, "patient.number", " 0012345 ") == ("0012345", None)  # leading zeros kept
    assert code(questionnaire, "patient.number", "1" * 20) is None
    for wrong in ("123", "1" * 21, "12a45", "12 345", "١٢٣٤٥"):  # short, long, a letter, a space, Arabic digits
        assert code(questionnaire, "patient.number", wrong) in ("digits", "length"), wrong


def test_birthdate(questionnaire) -> None:
    assert code(questionnaire, "patient.birthdate", "1950-02-28") is None
    assert code(questionnaire, "patient.birthdate", "1950-02-30") == "date_format"
    assert code(questionnaire, "patient.birthdate", "28/02/1950") == "date_format"
    assert code(questionnaire, "patient.birthdate", "2026-11-25") == "date_future"
    assert code(questionnaire, "patient.birthdate", "2008-11-25") == "age_under"  # 17 tomorrow-1
    assert code(questionnaire, "patient.birthdate", "2008-11-24") is None  # 18 today
    assert code(questionnaire, "patient.birthdate", "1915-11-25") is None  # 110
    assert code(questionnaire, "patient.birthdate", "1915-11-24") == "age_over"  # 111 today


def test_unknown_link_ids_are_problems_and_disabled_answers_are_dropped(questionnaire) -> None:
    clean, problems = validate_answers(questionnaire, {
        "pain.region": "neck", "pain.claudication": "yes", "nonsense": 3, "pain.nrs.avg": 7}, TODAY)
    assert [p.link_id for p in problems] == ["nonsense"]
    assert clean == {"pain.region": "neck", "pain.nrs.avg": 7}


def test_missing_required_respects_enablement(questionnaire) -> None:
    answers = {"inj.any": "yes"}
    missing = missing_required(questionnaire, answers, ["inj.any", "inj.epidural", "inj.mbb.count",
                                                       "inj.mbb.last_relief", "inj.rfa.ever"])
    assert missing == ["inj.epidural", "inj.mbb.count", "inj.rfa.ever"]
    assert missing_required(questionnaire, {}, ["pain.nrs.worst"]) == []  # optional


@pytest.mark.parametrize("name", example_names())
def test_round_trip_through_questionnaire_response(questionnaire, name: str) -> None:
    answers, problems = validate_answers(questionnaire, load_example(name), TODAY)
    assert problems == []
    qr = to_questionnaire_response(questionnaire, answers, resource_id="x1", authored="2026-11-24T10:00:00Z")
    schema = json.loads(FHIR_SCHEMA.read_text())
    validator = jsonschema.Draft6Validator(
        {"$ref": "#/definitions/QuestionnaireResponse", "definitions": schema["definitions"]})
    assert [e.message for e in validator.iter_errors(qr)] == []
    assert qr["questionnaire"] == questionnaire.canonical
    back, structural = from_questionnaire_response(questionnaire, qr)
    assert structural == []
    assert back == answers
    again, mode, more = parse_answers_document(questionnaire, qr, TODAY)
    assert (again, mode, more) == (answers, None, [])


def test_questionnaire_response_problems(questionnaire) -> None:
    qr = {"resourceType": "QuestionnaireResponse", "status": "completed", "item": [
        {"linkId": "pain", "item": [
            {"linkId": "pain.nrs.avg", "answer": [{"valueString": "7"}]},
            {"linkId": "pain.region", "answer": [{"valueCoding": {"code": "neck"}}, {"valueCoding": {"code": "lowback"}}]},
            {"linkId": "pain.bogus", "answer": [{"valueInteger": 1}]},
            {"linkId": "pain.nrs.now", "answer": [{"valueInteger": 42}]},
            {"linkId": "pain.nrs.worst", "answer": [{"valueInteger": None}]},  # null is no answer: refused
        ]}]}
    _, _, problems = parse_answers_document(questionnaire, qr, TODAY)
    by_id = {p.link_id: p.code for p in problems}
    assert by_id == {"pain.nrs.avg": "type", "pain.region": "repeats", "pain.bogus": "unknown",
                     "pain.nrs.now": "range", "pain.nrs.worst": "type"}
    assert "valueInteger is null" in next(p.message for p in problems if p.link_id == "pain.nrs.worst")


def test_flat_map_mode_and_structure(questionnaire) -> None:
    assert parse_answers_document(questionnaire, {"_mode": "guideline"}, TODAY)[1] == "guideline"
    assert parse_answers_document(questionnaire, {"_mode": "strict"}, TODAY)[2][0].link_id == "_mode"
    assert parse_answers_document(questionnaire, [1, 2], TODAY)[2][0].code == "structure"
    assert parse_answers_document(questionnaire, {"resourceType": "Patient"}, TODAY)[2][0].link_id == "resourceType"


def test_the_response_carries_the_peg_score_worked_out_and_an_import_works_it_out_again(questionnaire) -> None:  # type: ignore[no-untyped-def]
    answers, _, problems = parse_answers_document(questionnaire, load_example("s1_fibromyalgia"))
    assert problems == []
    qr = to_questionnaire_response(questionnaire, answers)
    function = next(i for i in qr["item"] if i["linkId"] == "function")
    order = [i["linkId"] for i in function["item"]]
    assert order[order.index("peg.activity") + 1] == "peg.score"  # where the questionnaire has it
    score = next(i for i in function["item"] if i["linkId"] == "peg.score")
    mean = (answers["pain.nrs.avg"] + answers["peg.enjoyment"] + answers["peg.activity"]) / 3
    assert score["answer"] == [{"valueDecimal": round(mean, 1)}]
    score["answer"] = [{"valueDecimal": 0.5}]  # a wrong score in a file is not believed, nor a problem
    back, _, problems = parse_answers_document(questionnaire, qr)
    assert problems == [] and back == answers and "peg.score" not in back
    flat, _, problems = parse_answers_document(questionnaire, {**answers, "peg.score": 9.9})
    assert problems == [] and flat == answers
    partial = {k: v for k, v in answers.items() if k != "peg.activity"}
    qr = to_questionnaire_response(questionnaire, partial, status="in-progress")
    assert "peg.score" not in json.dumps(qr)  # not all of its answers: no score
