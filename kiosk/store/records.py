"""What the store returns: plain frozen records, the same from the SQLite and the PostgreSQL store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.codes import IntakeStatus, values

STATUSES = values(IntakeStatus)


@dataclass(frozen=True)
class Intake:
    id: int
    uuid: str
    status: str
    language: str
    questionnaire_url: str
    questionnaire_version: str
    started_at: str
    updated_at: str
    submitted_at: str | None
    abandoned_at: str | None


@dataclass(frozen=True)
class StaffAccount:
    id: int
    name: str
    role: str
    pin_hash: str
    created_at: str
    disabled_at: str | None
    failed_pins: int
    locked_until: str | None


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    rows: int
    first_bad_id: int | None = None
    reason: str = ""


def intake_from_row(row: Mapping[str, Any]) -> Intake:
    return Intake(**{k: row[k] for k in Intake.__dataclass_fields__})
