"""The intake's scores as FHIR Observations for the EHR's flowsheets (SDC observation-based
extraction, done by the kiosk before it sends).

Every item the Questionnaire marks ``observationExtract`` becomes one Observation with the
item's LOINC code: pain now (72514-3) and the three PEG items and their mean (75893-8, 91145-3,
91146-1, 91147-9). The PEG panel (91148-7) is one more Observation whose ``hasMember`` are the
four PEG ones: its items sit in two sections of the intake, so no Questionnaire group can carry
the panel's code. Each Observation names the response it comes from (``derivedFrom``) and has a
stable identifier (``<clinic address>/intake-observation``, ``<intake uuid>.<linkId>``), so a
delivery sent twice makes none twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from kiosk.answers import calculated_values, enabled_answers
from kiosk.questionnaire import Questionnaire

PEG_PANEL = "91148-7"
PEG_MEMBERS = ("pain.nrs.avg", "peg.enjoyment", "peg.activity", "peg.score")
SURVEY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey",
                      "display": "Survey"}]}
SCORE_UNIT = {"unit": "{score}", "system": "http://unitsofmeasure.org", "code": "{score}"}


def observation_system(clinic_url: str) -> str:
    return f"{clinic_url.rstrip('/')}/intake-observation"


def full_url(clinic_url: str, intake_uuid: str, key: str) -> str:
    """The entry's name inside the Bundle: the same every time the Bundle is built."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{clinic_url}/observation/{intake_uuid}/{key}')}"


def _observation(key: str, codes: tuple[tuple[str, str], ...], text: str, *, clinic_url: str, intake_uuid: str,
                 subject: str, response: str, authored: str) -> dict[str, Any]:
    return {"resourceType": "Observation",
            "identifier": [{"system": observation_system(clinic_url), "value": f"{intake_uuid}.{key}"}],
            "status": "final", "category": [SURVEY],
            "code": {"coding": [{"system": s, "code": c} for s, c in codes], "text": text},
            "subject": {"reference": subject}, "effectiveDateTime": authored,
            "derivedFrom": [{"reference": response}]}


def observations(q: Questionnaire, answers: Mapping[str, Any], *, clinic_url: str, intake_uuid: str, subject: str,
                 response: str, authored: str) -> list[tuple[str, dict[str, Any]]]:
    """(fullUrl, Observation) for each marked item the patient answered, then the PEG panel when
    all four of its members are there."""
    kept = enabled_answers(q, answers)
    worked_out = calculated_values(q, kept)
    common = {"clinic_url": clinic_url, "intake_uuid": intake_uuid, "subject": subject, "response": response,
              "authored": authored}
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for item in q.answerable():
        value = kept.get(item.link_id)
        if item.observation and item.codes and isinstance(value, int) and not isinstance(value, bool):
            obs = _observation(item.link_id, item.codes, item.text.en, **common) | {"valueInteger": value}
            out[item.link_id] = (full_url(clinic_url, intake_uuid, item.link_id), obs)
    for c in q.calculated.values():
        if c.observation and c.codes and c.link_id in worked_out:
            obs = _observation(c.link_id, c.codes, c.text.en, **common) | {
                "valueQuantity": {"value": worked_out[c.link_id], **SCORE_UNIT}}
            out[c.link_id] = (full_url(clinic_url, intake_uuid, c.link_id), obs)
    if all(m in out for m in PEG_MEMBERS):
        panel = _observation("peg.panel", (("http://loinc.org", PEG_PANEL),),
                             "PEG: pain, enjoyment of life and general activity", **common)
        panel["hasMember"] = [{"reference": out[m][0]} for m in PEG_MEMBERS]
        out["peg.panel"] = (full_url(clinic_url, intake_uuid, "peg.panel"), panel)
    return list(out.values())
