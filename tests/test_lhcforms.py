"""The Questionnaire in LHC-Forms (NLM's FHIR form renderer, npm lforms 40.1.3) in headless
Chromium: it loads without an error, and each public example, put into the form as our
QuestionnaireResponse and read back out of it, gives the same answers and the same assessment."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kiosk.answers import parse_answers_document, to_questionnaire_response
from kiosk.resources import DEFAULT_QUESTIONNAIRE, resource
from kiosk.rules import assess
from tests.conftest import EXAMPLES, ROOT, example_names

SCRIPT = ROOT / "tests" / "fhir" / "lhcforms.mjs"


def lhcforms(*files: Path) -> dict[str, Any]:
    if shutil.which("chromium") is None or not (ROOT / "tests" / "fhir" / "node_modules" / "lforms").exists():
        pytest.fail("LHC-Forms needs Debian's chromium and npm ci in tests/fhir (bash .ci/setup installs both)")
    done = subprocess.run(["node", str(SCRIPT), *map(str, files)], capture_output=True, text=True, timeout=180,
                          check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_questionnaire_loads_in_lhc_forms_without_an_error() -> None:
    result = lhcforms(resource(*DEFAULT_QUESTIONNAIRE))
    assert result["ok"], result.get("error")
    assert result["pageErrors"] == []
    assert result["rendered"] > 20  # the questions shown before any answer (the rest wait on enableWhen)


@pytest.mark.parametrize("name", [n for n in example_names() if n != "s3_incomplete_function"])
def test_each_example_round_trips_through_lhc_forms_to_the_same_assessment(tmp_path: Path, questionnaire, rulepack,
                                                                          name: str) -> None:  # type: ignore[no-untyped-def]
    answers, _, problems = parse_answers_document(questionnaire, json.loads((EXAMPLES / f"{name}.json").read_text()))
    assert problems == []
    ours = tmp_path / "response.json"
    ours.write_text(json.dumps(to_questionnaire_response(questionnaire, answers, status="completed")))
    result = lhcforms(resource(*DEFAULT_QUESTIONNAIRE), ours)
    assert result["ok"] and result["pageErrors"] == [], result
    back, _, problems = parse_answers_document(questionnaire, result["response"])
    assert problems == [] and back == answers
    assert assess(rulepack, questionnaire, back).outcome == assess(rulepack, questionnaire, answers).outcome


def test_hl7s_fhirpath_engine_works_out_the_same_peg_score_as_the_kiosk(tmp_path: Path, questionnaire) -> None:  # type: ignore[no-untyped-def]
    """The calculatedExpression other renderers evaluate (with fhirpath.js, LHC-Forms' engine) gives
    the score the kiosk writes, for every public example with the three PEG answers."""
    from kiosk.questionnaire import CALCULATED_EXPRESSION

    raw = json.loads(resource(*DEFAULT_QUESTIONNAIRE).read_text())
    function = next(i for i in raw["item"] if i["linkId"] == "function")
    score = next(i for i in function["item"] if i["linkId"] == "peg.score")
    expression = next(e for e in score["extension"] if e["url"] == CALCULATED_EXPRESSION)["valueExpression"]["expression"]
    checked = 0
    for name in example_names():
        answers, _, _ = parse_answers_document(questionnaire, json.loads((EXAMPLES / f"{name}.json").read_text()))
        response = to_questionnaire_response(questionnaire, answers, status="in-progress")
        ours = [i["answer"][0]["valueDecimal"] for g in response["item"] for i in g.get("item", [])
                if i["linkId"] == "peg.score"]
        file = tmp_path / f"{name}.json"
        file.write_text(json.dumps(response))
        done = subprocess.run(["node", str(ROOT / "tests" / "fhir" / "fhirpath.mjs"), str(file), expression],
                              capture_output=True, text=True, timeout=60, check=False, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == [ours], name
        checked += bool(ours)
    assert checked >= 6  # most examples have all three answers; s3 lacks some
