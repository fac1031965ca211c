"""The product's code lists, each defined once.

Every other module takes its codes from here: the rule pack loader checks a pack's outcomes,
next steps, regions, modes and finding groups against these enums, the store's CHECK
constraints and the command line's choices are built from them, and every label table is
keyed by them (``tests/kiosk/test_codes.py`` checks that each member has a label in every
language it is shown in). A code added here without a label fails that test, so a raw code
such as ``repeat_steroid_injection`` can never reach a staff screen again.
"""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    EN = "en"
    ES = "es"


class IntakeStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ABANDONED = "abandoned"


class FindingStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


class FindingGroup(StrEnum):
    RED_FLAG = "red_flag"
    EXCLUSION = "exclusion"
    TIMING = "timing"
    INCLUSION = "inclusion"
    SAFETY = "safety"


class Outcome(StrEnum):
    URGENT_REVIEW = "URGENT_REVIEW"
    NOT_CANDIDATE = "NOT_CANDIDATE"
    NOT_YET = "NOT_YET"
    CANDIDATE_WITH_PRECAUTIONS = "CANDIDATE_WITH_PRECAUTIONS"
    LIKELY_CANDIDATE = "LIKELY_CANDIDATE"


class NextStep(StrEnum):
    FIRST_DIAGNOSTIC_BLOCK = "first_diagnostic_block"
    CONFIRMATORY_BLOCK = "confirmatory_block"
    RFA_WORKUP = "rfa_workup"
    REPEAT_RFA = "repeat_rfa"
    REPEAT_STEROID_INJECTION = "repeat_steroid_injection"


class Region(StrEnum):
    CERVICAL = "cervical"
    THORACIC = "thoracic"
    LUMBAR = "lumbar"


class ReviewDecision(StrEnum):
    SCHEDULE_EVALUATION = "schedule_evaluation"
    NOT_APPROPRIATE = "not_appropriate"
    URGENT_HANDLED = "urgent_handled"
    NEEDS_FOLLOW_UP = "needs_follow_up"


class Role(StrEnum):
    NURSE = "nurse"
    ADMIN = "admin"


class RuleMode(StrEnum):
    LCD = "lcd"
    GUIDELINE = "guideline"


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """The codes of one list, in their defined order (for argparse choices, SQL CHECKs, loops)."""
    return tuple(member.value for member in enum)

