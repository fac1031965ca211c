"""Bad input of every kind: fuzzed answer maps, damaged questionnaires and rule packs, and
the strings people type. Clear problems or exact storage; never a crash."""

from __future__ import annotations

import copy
import json
import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.answers import parse_answers_document
from kiosk.questionnaire import QuestionnaireError, default_questionnaire, parse_questionnaire
from kiosk.resources import DEFAULT_QUESTIONNAIRE, DEFAULT_RULEPACK, read_json, resource
from kiosk.rules import RulePackError, assess, load_rulepack, parse_rulepack
from kiosk.session import IntakeSession
from kiosk.store import Store

Q = default_questionnaire()
PACK = load_rulepack(questionnaire=Q)
Q_RAW, _ = read_json(resource(*DEFAULT_QUESTIONNAIRE))
PACK_RAW, _ = read_json(resource(*DEFAULT_RULEPACK))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)
keys = st.sampled_from(sorted(Q.items)) | st.text(max_size=20)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=st.dictionaries(keys, json_values, max_size=25))
def test_fuzzed_answer_maps_give_problems_or_an_assessment(doc: dict[str, Any]) -> None:
    answers, mode, problems = parse_answers_document(Q, doc)
    assert all(str(p) for p in problems)
    if not problems:
        assert assess(PACK, Q, answers, mode or "lcd").outcome


@settings(max_examples=100, deadline=None)
@given(doc=json_values)
def test_any_json_document_is_refused_cleanly(doc: Any) -> None:
    _, _, problems = parse_answers_document(Q, doc)
    if not isinstance(doc, dict) or set(doc) - set(Q.items) - {"_mode"}:
        assert problems  # not an answers map, or an unknown linkId: refused, with a reason
    assert all(str(p) for p in problems)


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:  # type: ignore[type-arg]
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += paths(v, (*prefix, i))
    return out


def mutate(raw: Any, data: st.DataObject) -> Any:
    doc = copy.deepcopy(raw)
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(paths(doc)[1:]))
        parent = doc
        for step in where[:-1]:
            parent = parent[step]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            parent.pop(where[-1], None)
        else:
            parent[where[-1]] = data.draw(json_values)
    return doc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_questionnaires_fail_with_named_problems(data: st.DataObject) -> None:
    doc = mutate(Q_RAW, data)
    try:
        parse_questionnaire(doc, "fuzzed.json")
    except QuestionnaireError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_rule_packs_fail_with_named_problems_or_still_assess(data: st.DataObject) -> None:
    doc = mutate(PACK_RAW, data)
    try:
        pack = parse_rulepack(doc, "fuzzed.json", "0" * 64, Q)
    except RulePackError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
        return
    answers, _, _ = parse_answers_document(Q, json.loads(json.dumps({"pain.region": "neck"})))
    try:
        assess(pack, Q, answers, pack.default_mode)
    except RulePackError:
        pass  # a fault only reachable while assessing is still reported as a rule pack problem


@pytest.mark.parametrize("text, accepted", [
    ("José María", True), ("O'Brien-Smith", True), ("Nguyễn", True), ("محمد", True), ("Łukasz", True),
    ("Ann 😀", False), ("\u202eevil", False), ("Ana\x00", False), ("Ana\nBob", False), ("A" * 10_000, False),
    ("Robert'); DROP TABLE intakes;--", False), ("' OR 1=1 --", False), ("", True),
    # letters with combining marks: decomposed accents (stored composed), Hindi, Tamil, Bengali
    ("Jose\u0301", True), ("अंजलि शर्मा", True), ("தமிழ்செல்வி", True), ("রবীন্দ্রনাথ", True),
    ("\u0301Ana", False), ("Ana \u0301", False),  # a mark on nothing is no letter
    ("Ana\u200d", False), ("👩\u200d⚕️", False),  # joiners and emoji sequences stay refused
])
def test_typed_names_are_stored_exactly_or_refused_with_a_message(db_path, text: str, accepted: bool) -> None:
    with Store(db_path) as store:
        session = IntakeSession(store, Q, PACK)
        problem = session.answer("patient.family", text)
        stored = store.answers(session.start())
        if not text:
            assert problem is None and "patient.family" not in stored  # an empty entry clears the answer
        elif accepted:
            assert problem is None and stored["patient.family"] == unicodedata.normalize("NFC", text.strip())
        else:
            assert problem is not None and problem.code and "patient.family" not in stored
        assert store.check() == []  # and the database is fine whatever was typed
