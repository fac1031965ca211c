"""The clinic's own canonical addresses for what the program defines: the Questionnaire, the
CodeSystem of its answer codes and its few own extensions.

The shipped files name them under a placeholder base (``SHIPPED_BASE``, on example.org). Once
the clinic has set its web address (Admin > Settings), everything that leaves for the chart
carries the clinic's base instead (``rebase``), and ``definitions`` gives the Questionnaire and a
published-style CodeSystem under that base, to load into the EHR's FHIR server so it can resolve
and validate the codes. What comes back in either form reads the same (``shipped_form``).
"""

from __future__ import annotations

from typing import Any

from kiosk.questionnaire import SYSTEM_FALLBACK, Questionnaire

SHIPPED_BASE = "https://facet-kiosk.example.org/fhir"
OWN_KINDS = ("Questionnaire", "CodeSystem", "StructureDefinition")


def _swap(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        for kind in OWN_KINDS:
            if value.startswith(f"{old}/{kind}/"):
                return new + value[len(old):]
        return value
    if isinstance(value, list):
        return [_swap(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _swap(v, old, new) for k, v in value.items()}
    return value


def base_of(clinic_url: str) -> str:
    return clinic_url.rstrip("/")


def rebase(resource: dict[str, Any], clinic_url: str) -> dict[str, Any]:
    """``resource`` with the program's own canonical URLs moved to the clinic's base (unchanged
    while the clinic's address is not set)."""
    if not clinic_url:
        return resource
    return _swap(resource, SHIPPED_BASE, base_of(clinic_url))  # type: ignore[no-any-return]


def shipped_form(resource: Any, clinic_url: str) -> Any:
    """The other way: a response written under the clinic's base, read as the shipped files name
    things (so the questionnaire and code checks stay as they are)."""
    if not clinic_url or not isinstance(resource, dict):
        return resource
    return _swap(resource, base_of(clinic_url), SHIPPED_BASE)


def codesystem(q: Questionnaire, clinic_url: str = "") -> dict[str, Any]:
    """Every answer code of the questionnaire as one CodeSystem (``content: complete``), each with
    its English display and its other languages as designations."""
    concepts: dict[str, dict[str, Any]] = {}
    for item in q.items.values():
        for option in item.options:
            if option.system != SYSTEM_FALLBACK or option.code in concepts:
                continue
            concept: dict[str, Any] = {"code": option.code, "display": option.display.en}
            others = [{"language": lang, "value": text} for lang, text in sorted(option.display.other.items())]
            if others:
                concept["designation"] = others
            concepts[option.code] = concept
    resource = {
        "resourceType": "CodeSystem", "id": "facet-intake", "url": SYSTEM_FALLBACK, "version": q.version,
        "name": "FacetIntakeAnswers", "title": "Answer codes of the facet joint intake questionnaire",
        "status": "active", "experimental": False, "caseSensitive": True, "content": "complete",
        "count": len(concepts),
        "description": "The codes a patient's answers carry in the intake's QuestionnaireResponse. They name "
                       "answers, never a diagnosis.",
        "concept": sorted(concepts.values(), key=lambda c: str(c["code"])),
    }
    return rebase(resource, clinic_url)


def definitions(raw_questionnaire: dict[str, Any], q: Questionnaire, clinic_url: str) -> list[dict[str, Any]]:
    """The Questionnaire as shipped and the CodeSystem, both under the clinic's base."""
    return [rebase(raw_questionnaire, clinic_url), codesystem(q, clinic_url)]  # rebase copies
