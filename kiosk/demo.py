"""Demo data: sample intakes for a throwaway database (``python main.py --demo``)."""

from __future__ import annotations

import json
from typing import Any

from kiosk.answers import validate_answers
from kiosk.questionnaire import Questionnaire
from kiosk.resources import resource
from kiosk.rules import RulePack, assess
from kiosk.store import Store

VARIANTS: list[tuple[str, str, dict[str, Any]]] = [
    ("Maria", "Lopez", {}),
    ("John", "Carter", {"rf.fever": "yes", "patient.birthdate": "1949-09-30"}),
    ("Aiko", "Tanaka", {"dx": ["fibromyalgia"], "patient.birthdate": "1971-02-14"}),
    ("Peter", "Novak", {"care.total_weeks": 6, "care.nsaid.weeks": 6, "care.pt.weeks": 6,
                        "patient.birthdate": "1963-11-02"}),
    ("Rosa", "Díaz", {"safety.anticoag": "yes", "safety.anticoag.which": ["warfarin"],
                      "patient.birthdate": "1955-06-21", "patient.sex": "female"}),
    ("Samuel", "Okafor", {"pain.region": "neck", "pain.map": ["neck"], "pain.claudication": None,
                          "rf.legs_at_rest": None, "rf.hands_gait": "no", "rf.neck_vascular": "no",
                          "patient.birthdate": "1980-01-09"}),
]


def sample_answers() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resource("demo", "sample-answers.json").read_text(encoding="utf-8"))
    return data


def seed(store: Store, q: Questionnaire, pack: RulePack) -> list[int]:
    """Submitted intakes covering each outcome, plus one abandoned draft with a red flag."""
    ids = []
    for given, family, changes in VARIANTS:
        answers = sample_answers() | {"patient.given": given, "patient.family": family}
        for key, value in changes.items():
            if value is None:
                answers.pop(key, None)
            else:
                answers[key] = value
        clean, _ = validate_answers(q, answers)
        intake = store.start_intake(q.url, q.version)
        for link_id, value in clean.items():
            store.save_answer(intake, link_id, value)
        store.submit(intake, assess(pack, q, clean).to_json(), answers=clean, questionnaire=q)
        ids.append(intake)
    draft = store.start_intake(q.url, q.version, "es")
    for link_id, value in {"consent": True, "patient.given": "Lucía", "patient.family": "Gómez",
                           "rf.bladder_bowel": "yes"}.items():
        store.save_answer(draft, link_id, value)
    store.abandon(draft, "idle")
    ids.append(draft)
    return ids


def seed_staff(store: Store, name: str = "demo") -> str:
    """A demo admin account with a fresh random PIN (printed by ``--demo``)."""
    from kiosk.staff import Accounts, random_pin

    pin = random_pin()
    Accounts(store).add(name, "admin", pin, "demo")
    return pin
