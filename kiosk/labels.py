"""Words for the codes of ``kiosk.codes``: one table per code list, keyed by its enum.

Staff screens, the PDF and the CSV are in English (the station has no language switch), so
the staff tables are English; the language names are shown to patients and so exist for
every language. ``tests/kiosk/test_codes.py`` checks that every member of every enum has a
label here, so a new code cannot reach a screen as its raw value.

Wording: staff see "meets configured criteria for clinician review", never "diagnosis",
"indicated" or "approved".
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from kiosk.codes import (
    FindingGroup,
    FindingStatus,
    IntakeStatus,
    Language,
    NextStep,
    Outcome,
    Region,
    ReviewDecision,
    Role,
    RuleMode,
)

# Each language's own name, the same on every screen (a patient looks for their own).
LANGUAGE_NAMES: Mapping[Language, str] = {Language.EN: "English", Language.ES: "Español"}

OUTCOME_LABELS: Mapping[Outcome, str] = {
    Outcome.URGENT_REVIEW: "Urgent review",
    Outcome.NOT_CANDIDATE: "Not a candidate",
    Outcome.NOT_YET: "Not yet",
    Outcome.CANDIDATE_WITH_PRECAUTIONS: "With precautions",
    Outcome.LIKELY_CANDIDATE: "Meets criteria",
}
OUTCOME_SENTENCES: Mapping[Outcome, str] = {
    Outcome.URGENT_REVIEW: "Urgent review: a red-flag answer needs a clinician today.",
    Outcome.NOT_CANDIDATE: "Does not meet the configured criteria: an exclusion applies.",
    Outcome.NOT_YET: "Not yet: timing or missing information keeps this intake from the configured criteria.",
    Outcome.CANDIDATE_WITH_PRECAUTIONS: "Meets configured criteria for clinician review, with precautions to plan for.",
    Outcome.LIKELY_CANDIDATE: "Meets configured criteria for clinician review.",
}
NEXT_STEP_LABELS: Mapping[NextStep, str] = {
    NextStep.FIRST_DIAGNOSTIC_BLOCK: "First diagnostic block",
    NextStep.CONFIRMATORY_BLOCK: "Confirmatory diagnostic block",
    NextStep.RFA_WORKUP: "Radiofrequency ablation work-up",
    NextStep.REPEAT_RFA: "Repeat radiofrequency ablation",
    NextStep.REPEAT_STEROID_INJECTION: "Repeat steroid injection",
}
REGION_LABELS: Mapping[Region, str] = {
    Region.CERVICAL: "Neck (cervical)",
    Region.THORACIC: "Mid back (thoracic)",
    Region.LUMBAR: "Low back (lumbar)",
}
SHORT_REGION_LABELS: Mapping[Region, str] = {Region.CERVICAL: "Neck", Region.THORACIC: "Mid back",
                                             Region.LUMBAR: "Low back"}
DECISION_LABELS: Mapping[ReviewDecision, str] = {
    ReviewDecision.SCHEDULE_EVALUATION: "Schedule an evaluation",
    ReviewDecision.NOT_APPROPRIATE: "Not appropriate at this time",
    ReviewDecision.URGENT_HANDLED: "Urgent concern handled",
    ReviewDecision.NEEDS_FOLLOW_UP: "Needs follow-up",
}
SHORT_DECISION_LABELS: Mapping[ReviewDecision, str] = {
    ReviewDecision.SCHEDULE_EVALUATION: "Evaluation",
    ReviewDecision.NOT_APPROPRIATE: "Not appropriate",
    ReviewDecision.URGENT_HANDLED: "Urgent handled",
    ReviewDecision.NEEDS_FOLLOW_UP: "Follow-up",
}
# The guideline mode is never to be mistaken for coverage criteria (rules.md, "Sources").
MODE_LABELS: Mapping[RuleMode, str] = {
    RuleMode.LCD: "Medicare LCD criteria",
    RuleMode.GUIDELINE: "Consensus guidelines, not Medicare coverage criteria",
}
ROLE_LABELS: Mapping[Role, str] = {Role.NURSE: "Nurse", Role.ADMIN: "Admin"}
INTAKE_STATUS_LABELS: Mapping[IntakeStatus, str] = {
    IntakeStatus.DRAFT: "In progress",
    IntakeStatus.SUBMITTED: "Submitted",
    IntakeStatus.ABANDONED: "Not finished",
}
FINDING_STATUS_LABELS: Mapping[FindingStatus, str] = {
    FindingStatus.MET: "met",
    FindingStatus.NOT_MET: "not met",
    FindingStatus.UNKNOWN: "unknown (answer missing)",
}
GROUP_LABELS: Mapping[FindingGroup, str] = {
    FindingGroup.RED_FLAG: "Red flags",
    FindingGroup.SAFETY: "Precautions (safety)",
    FindingGroup.INCLUSION: "Inclusion criteria",
    FindingGroup.EXCLUSION: "Exclusions",
    FindingGroup.TIMING: "Timing and missing information",
}

# Every table above with the enum it covers and the languages it is shown in; the test walks it.
TABLES: tuple[tuple[type[StrEnum], Mapping[Any, str]], ...] = (
    (Language, LANGUAGE_NAMES),
    (Outcome, OUTCOME_LABELS),
    (Outcome, OUTCOME_SENTENCES),
    (NextStep, NEXT_STEP_LABELS),
    (Region, REGION_LABELS),
    (Region, SHORT_REGION_LABELS),
    (ReviewDecision, DECISION_LABELS),
    (ReviewDecision, SHORT_DECISION_LABELS),
    (RuleMode, MODE_LABELS),
    (Role, ROLE_LABELS),
    (IntakeStatus, INTAKE_STATUS_LABELS),
    (FindingStatus, FINDING_STATUS_LABELS),
    (FindingGroup, GROUP_LABELS),
)


def label(table: Mapping[Any, str], code: str | None, missing: str = "") -> str:
    """The label of a stored code (a plain ``str`` from JSON or SQL is looked up as its member).

    An unknown code (an old database, a clinic's own pack) is shown as it is rather than hidden:
    staff must see that something is there."""
    if code is None or code == "":
        return missing
    return table.get(code, str(code))  # StrEnum members hash and compare as their value
