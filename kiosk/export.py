"""Exports for the chart: a FHIR R4 QuestionnaireResponse per intake and a CSV of the queue.

(The PDF summary needs Qt's painter; it lives in ``ui/pdf.py`` and reuses ``kiosk.review``.)
Every export is audited by the caller with who asked for it; no file name holds a patient's
name, only the intake's random id.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kiosk.answers import to_questionnaire_response
from kiosk.fhirdefs import rebase
from kiosk.questionnaire import Questionnaire
from kiosk.review import DECISIONS, local_time, outcome_label
from kiosk.store import Intake, QueueFilter, QueueRow, StaffStore, StoreError

IDENTIFIER_SYSTEM = "urn:ietf:rfc:3986"
CSV_COLUMNS = ("intake", "status", "closed_at", "family_name", "given_name", "birth_date", "region", "outcome",
               "outcome_label", "red_flags", "review", "reviewed_by", "reviewed_at")



class NotSubmitted(StoreError):
    """Only submitted intakes are exported (bad input, exit 2)."""

    kind = "not_submitted"

def require_submitted(store: StaffStore, intake_id: int) -> Intake:
    """Only submitted intakes go to the chart (an abandoned one was never confirmed)."""
    intake = store.intake(intake_id)
    if intake is None or intake.status != "submitted":
        raise NotSubmitted(f"Intake {intake_id} was not submitted; only submitted intakes are exported.")
    return intake


SDC_RESPONSE_PROFILE = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaireresponse"
GENDERS = {"female": "female", "male": "male", "other": "other", "decline": "unknown"}


def intake_identifier(clinic_url: str, uuid: str) -> dict[str, str]:
    """The intake's stable identifier in the clinic's system (``clinic_url`` + ``/intake``, the
    uuid); before the clinic's address is set, the uuid as a URN."""
    if clinic_url:
        return {"system": f"{clinic_url.rstrip('/')}/intake", "value": uuid}
    return {"system": IDENTIFIER_SYSTEM, "value": f"urn:uuid:{uuid}"}


def patient_number(answers: dict[str, Any], number_system: str) -> dict[str, str] | None:
    """The patient's number from the front desk's slip as an identifier in the EHR's system, when
    the clinic asks for one (``patient_number_system``) and the patient typed it."""
    if not number_system or not answers.get("patient.number"):
        return None
    return {"system": number_system, "value": str(answers["patient.number"])}


def patient_resource(answers: dict[str, Any], resource_id: str | None = None, number_system: str = "") -> dict[str, Any]:
    """The Patient the intake is about, from what the patient typed: their number from the front
    desk's slip when the clinic asks for one, name, date of birth and, when given, sex (FHIR
    ``gender``)."""
    patient: dict[str, Any] = {"resourceType": "Patient"}
    if resource_id:
        patient["id"] = resource_id
    number = patient_number(answers, number_system)
    if number:
        patient["identifier"] = [number]
    name: dict[str, Any] = {"use": "usual"}
    if answers.get("patient.family"):
        name["family"] = answers["patient.family"]
    if answers.get("patient.given"):
        name["given"] = [answers["patient.given"]]
    if len(name) > 1:
        patient["name"] = [name]
    if answers.get("patient.birthdate"):
        patient["birthDate"] = answers["patient.birthdate"]
    if answers.get("patient.sex") in GENDERS:
        patient["gender"] = GENDERS[answers["patient.sex"]]
    return patient


def display_name(patient: dict[str, Any]) -> str:
    name = (patient.get("name") or [{}])[0]
    return " ".join([*name.get("given", []), name.get("family", "")]).strip() or "Patient"


def questionnaire_response(store: StaffStore, q: Questionnaire, intake_id: int, clinic_url: str = "", *,
                           patient_reference: str | None = None, number_system: str = "") -> dict[str, Any]:
    """The intake as a completed SDC QuestionnaireResponse, pinned to the questionnaire version it
    was answered on (``url|version``), its texts in the language the patient answered in, about
    the patient (``subject``) who also wrote it (``author``, ``source``), with its stable
    ``identifier``. The Patient is contained, unless ``patient_reference`` points to one elsewhere
    (a transaction Bundle's entry)."""
    intake = require_submitted(store, intake_id)
    answers = store.answers(intake_id)
    # An intake answered on an older questionnaire keeps that version, so it gets no item the
    # older version did not have (the PEG mean came with 1.2.0; its Observation is sent anyway).
    qr = to_questionnaire_response(q, answers, status="completed", resource_id=intake.uuid,
                                   authored=intake.submitted_at, language=intake.language,
                                   calculated=intake.questionnaire_version == q.version)
    patient = patient_resource(answers, None if patient_reference else "patient", number_system)
    who = {"reference": patient_reference or "#patient", "display": display_name(patient)}
    out: dict[str, Any] = {"resourceType": "QuestionnaireResponse", "id": intake.uuid,
                           "meta": {"profile": [SDC_RESPONSE_PROFILE]}, "language": intake.language}
    if patient_reference is None:
        out["contained"] = [patient]
    out |= {"identifier": intake_identifier(clinic_url, intake.uuid),
            "questionnaire": f"{intake.questionnaire_url}|{intake.questionnaire_version}",
            "status": "completed", "subject": who, "authored": intake.submitted_at, "author": who, "source": who,
            "item": qr["item"]}
    return rebase(out, clinic_url)  # the questionnaire's and the codes' canonical under the clinic's address


def all_rows(store: StaffStore, where: QueueFilter, page: int = 500) -> Iterator[QueueRow]:
    after = None
    while True:
        rows = store.queue_page(where, after, page)
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1].key


def _cell(value: Any) -> str:
    """CSV cell; text a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def queue_csv(rows: Iterator[QueueRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([_cell(v) for v in (
            r.uuid, r.status, local_time(r.closed_at), r.family_name, r.given_name, r.birth_date, r.region,
            r.outcome or "", outcome_label(r), r.red_flags, DECISIONS.get(r.review_decision or "", ""),
            r.reviewed_by, local_time(r.reviewed_at))])
    return out.getvalue()


def private_dir(folder: Path) -> Path:
    """Create ``folder`` and every missing parent owner-only (0700 whatever the umask; a plain
    ``mkdir -p`` gives the parents the umask's permissions, 0777 under umask 000)."""
    missing = []
    at = folder
    while not at.exists():
        missing.append(at)
        at = at.parent
    for new in reversed(missing):
        try:
            new.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(new, 0o700)  # mode is masked by the umask; this is not
    return folder


def write_private(path: Path, data: bytes) -> Path:
    """Write a file readable by its owner only from its first byte, atomically (a partial export
    never remains). The temporary file has an unguessable name and is created exclusively, so a
    planted file or symlink is never written through; the rename replaces a symlink at ``path``
    itself, never its target."""
    private_dir(path.parent)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)  # O_EXCL, 0600
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def fhir_file(out_dir: Path, uuid: str) -> Path:
    return out_dir / f"intake-{uuid}.fhir.json"


def write_definitions(store: StaffStore, q: Questionnaire, out_dir: Path) -> list[Path]:
    """The Questionnaire and the CodeSystem of its answer codes, under the clinic's address, to load
    into the EHR's FHIR server (``docs/fhir.md``)."""
    from kiosk import settings as clinic_settings
    from kiosk.fhirdefs import definitions
    from kiosk.resources import DEFAULT_QUESTIONNAIRE, resource

    raw = json.loads(resource(*DEFAULT_QUESTIONNAIRE).read_text(encoding="utf-8"))
    out = []
    for item in definitions(raw, q, clinic_settings.current(store)["clinic_url"]):
        body = json.dumps(item, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
        out.append(write_private(out_dir / f"facet-intake.{item['resourceType']}.json", body))
    return out


def write_fhir(store: StaffStore, q: Questionnaire, intake_id: int, out_dir: Path) -> Path:
    from kiosk import settings as clinic_settings

    config = clinic_settings.current(store)
    qr = questionnaire_response(store, q, intake_id, config["clinic_url"], number_system=config["patient_number_system"])
    body = json.dumps(qr, ensure_ascii=False, indent=2).encode("utf-8")
    return write_private(fhir_file(out_dir, qr["id"]), body)


def write_csv(store: StaffStore, where: QueueFilter, out_dir: Path, name: str = "queue.csv") -> Path:
    # utf-8-sig: spreadsheet programs then read accented names correctly
    return write_private(out_dir / name, queue_csv(all_rows(store, where)).encode("utf-8-sig"))
