"""The exported QuestionnaireResponse carries the patient and where it came from (issue 15, item 1)."""

from __future__ import annotations

import json

import jsonschema

from kiosk import export
from kiosk import settings as clinic_settings
from kiosk.answers import parse_answers_document
from kiosk.demo import seed
from kiosk.store import QueueFilter, Store
from tests.conftest import FHIR_SCHEMA


def _exported(tmp_path, questionnaire, rulepack, family: str, **settings: object):  # type: ignore[no-untyped-def]
    with Store(tmp_path / "k.db") as store:
        seed(store, questionnaire, rulepack)
        if settings:
            clinic_settings.change(store, dict(settings), "test")
        row = next(r for r in store.queue_page(QueueFilter()) if r.family_name == family)
        path = export.write_fhir(store, questionnaire, row.id, tmp_path / "out")
        return json.loads(path.read_text()), store.answers(row.id), row


def test_the_response_names_its_patient_author_source_profile_and_identifier(tmp_path, questionnaire,
                                                                             rulepack) -> None:  # type: ignore[no-untyped-def]
    qr, answers, row = _exported(tmp_path, questionnaire, rulepack, "Díaz", clinic_url="https://spine.clinic.test/fhir")
    jsonschema.validate(qr, json.loads(FHIR_SCHEMA.read_text()))
    (patient,) = qr["contained"]
    assert patient == {"resourceType": "Patient", "id": "patient",
                       "name": [{"use": "usual", "family": "Díaz", "given": ["Rosa"]}],
                       "birthDate": "1955-06-21", "gender": "female"}
    assert qr["subject"] == qr["author"] == qr["source"] == {"reference": "#patient", "display": "Rosa Díaz"}
    assert qr["meta"]["profile"] == ["http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaireresponse"]
    assert qr["identifier"] == {"system": "https://spine.clinic.test/fhir/intake", "value": row.uuid}
    assert qr["authored"] and qr["status"] == "completed"
    assert qr["questionnaire"] == f"https://spine.clinic.test/fhir/Questionnaire/facet-intake|{questionnaire.version}"
    systems = {a["valueCoding"]["system"] for a in _answers(qr["item"]) if "valueCoding" in a}
    assert systems == {"https://spine.clinic.test/fhir/CodeSystem/facet-intake"}  # the clinic's, not example.org
    back, _, problems = parse_answers_document(questionnaire, qr, clinic_url="https://spine.clinic.test/fhir")
    assert problems == [] and back == answers  # the chart's copy reads back to the same answers
    _, _, elsewhere = parse_answers_document(questionnaire, qr)  # another clinic's address: not ours
    assert elsewhere and elsewhere[0].link_id == "questionnaire"


def _answers(items: list[dict[str, object]]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for item in items:
        for answer in item.get("answer", []):  # type: ignore[attr-defined]
            out.append(answer)
            out += _answers(answer.get("item", []))
        out += _answers(item.get("item", []))  # type: ignore[arg-type]
    return out


def test_before_the_clinic_address_is_set_the_identifier_is_the_uuid_urn(tmp_path, questionnaire, rulepack) -> None:  # type: ignore[no-untyped-def]
    qr, _, row = _exported(tmp_path, questionnaire, rulepack, "Lopez")
    assert qr["identifier"] == {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{row.uuid}"}


def test_a_spanish_intake_travels_in_spanish(tmp_path, questionnaire, rulepack) -> None:  # type: ignore[no-untyped-def]
    from kiosk.answers import to_questionnaire_response
    from kiosk.demo import sample_answers

    answers, _, _ = parse_answers_document(questionnaire, sample_answers())
    qr = to_questionnaire_response(questionnaire, answers, language="es")
    texts = {n["linkId"]: n["text"] for n in qr["item"]}
    item = questionnaire.items[qr["item"][0]["linkId"]]
    assert texts[item.link_id] == item.text.get("es") != item.text.en
    assert qr["language"] == "es"


def test_an_example_org_address_is_refused_as_the_clinic_address() -> None:
    assert clinic_settings.problems({"clinic_url": "https://facet-kiosk.example.org/fhir"})
    assert clinic_settings.problems({"clinic_url": "https://spine.clinic.test"}) == []


def test_the_items_with_a_loinc_code_carry_it() -> None:
    """Pain severity 0-10, the PEG items, sex, birth date and the name parts (issue 15, item 4)."""
    from kiosk.resources import resource

    raw = json.loads(resource("questionnaires", "facet-intake.json").read_text())
    codes: dict[str, list[dict[str, str]]] = {}

    def walk(items: list[dict[str, object]]) -> None:
        for item in items:
            if "code" in item:
                codes[str(item["linkId"])] = item["code"]  # type: ignore[assignment]
            walk(item.get("item", []))  # type: ignore[arg-type]
    walk(raw["item"])
    loinc = {k: v[0]["code"] for k, v in codes.items() if v[0]["system"] == "http://loinc.org"}
    assert loinc == {"pain.nrs.now": "72514-3", "pain.nrs.avg": "75893-8", "peg.enjoyment": "91145-3",
                     "peg.activity": "91146-1", "patient.sex": "46098-0", "patient.birthdate": "21112-8",
                     "patient.given": "45392-8", "patient.family": "45394-4", "peg.score": "91147-9"}


def test_an_intake_answered_on_an_older_questionnaire_gets_no_item_that_version_lacked(tmp_path, questionnaire,
                                                                                      rulepack) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    current, _, row = _exported(tmp_path, questionnaire, rulepack, "Díaz")
    assert "peg.score" in json.dumps(current)
    with sqlite3.connect(tmp_path / "k.db") as db:  # as if answered before the upgrade to 1.2.0
        db.execute("UPDATE intakes SET questionnaire_version = '1.1.0' WHERE id = ?", (row.id,))
    with Store(tmp_path / "k.db") as store:
        older = json.loads(export.write_fhir(store, questionnaire, row.id, tmp_path / "older").read_text())
    assert older["questionnaire"].endswith("|1.1.0") and "peg.score" not in json.dumps(older)
    assert [i["linkId"] for i in older["item"]] == [i["linkId"] for i in current["item"]]  # the rest as it was
