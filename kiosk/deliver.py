"""Delivery to the clinic's EHR: each submitted intake as one FHIR transaction Bundle.

The Bundle holds the Patient, created only when the server has none with the same identifier
(the number on the front desk's slip, when the clinic asks for one and the patient typed it)
or else none with the same family name, given name and birth date (``ifNoneExist``); the
QuestionnaireResponse, created only when none carries its identifier (``<clinic
address>/intake|uuid``); and the scores as Observations, each created only when none carries
its own identifier (``kiosk.observations``). So sending an intake twice (a crash between the
server's answer and the local mark, a re-run, a restored backup) creates nothing new: exactly
once, by the server's own conditional create.

Answers: 2xx marks it sent with the QuestionnaireResponse's location; 5xx, 408, 429, a timeout
or a refused connection leave it waiting and end the pass (tried again with backoff); 401/403
stop everything (the sign-in is wrong: exit 3); any other 4xx marks that intake "refused" with
the server's OperationOutcome for an admin, and the others are still sent. Every request has a
deadline. Logs name intake ids, HTTP statuses and the server's host, never a patient's data.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.export import intake_identifier, patient_number, patient_resource, questionnaire_response
from kiosk.observations import observations
from kiosk.questionnaire import Questionnaire
from kiosk.retry import PassLoop
from kiosk.store import DeliveryStore, StoreError

log = logging.getLogger("kiosk.deliver")
EXIT_OK, EXIT_REFUSED, EXIT_CONFIG, EXIT_LATER = 0, 1, 3, 75
REQUEST_DEADLINE_S = 25.0
FHIR_JSON = "application/fhir+json"


class DeliveryError(RuntimeError):
    exit_code = EXIT_LATER


class NotConfigured(DeliveryError):
    """The clinic's address, the server's address or its sign-in is missing or wrong (exit 3)."""

    exit_code = EXIT_CONFIG


@dataclass(frozen=True)
class Auth:
    kind: str = "none"  # none, basic, bearer
    user: str = ""
    secret_file: str = ""

    def header(self) -> str | None:
        if self.kind == "none":
            return None
        try:
            secret = Path(self.secret_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise NotConfigured(f"The EHR sign-in file {self.secret_file or '(not set)'} cannot be read "
                                f"({exc.strerror or exc}).") from None
        if self.kind == "bearer":
            return f"Bearer {secret}"
        return "Basic " + base64.b64encode(f"{self.user}:{secret}".encode()).decode()


@dataclass(frozen=True)
class Pass:
    sent: int
    refused: int
    waiting: int
    error: DeliveryError | None = None

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return self.error.exit_code
        if self.waiting:
            return EXIT_LATER
        return EXIT_REFUSED if self.refused else EXIT_OK

    @property
    def progress(self) -> bool:
        return bool(self.sent or self.refused)

    def summary(self) -> str:
        return f"delivered {self.sent} intake(s), {self.refused} refused, {self.waiting} waiting"


def bundle(store: DeliveryStore, q: Questionnaire, intake_id: int, clinic_url: str,
           number_system: str = "") -> dict[str, Any]:
    """The transaction Bundle of one intake: the same bytes every time it is built."""
    intake = store.intake(intake_id)
    assert intake is not None
    answers = store.answers(intake_id)
    patient_ref = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{clinic_url}/patient/{intake.uuid}')}"
    patient = patient_resource(answers, number_system=number_system)
    qr = questionnaire_response(store, q, intake_id, clinic_url, patient_reference=patient_ref,
                                number_system=number_system)
    qr.pop("id", None)  # the server names what it creates; the identifier is what stays
    ident = intake_identifier(clinic_url, intake.uuid)
    number = patient_number(answers, number_system)
    # A number with the date of birth: a mistyped number that is another patient's is never filed
    # to that patient's chart (their birth date differs), it makes a new patient a person can merge.
    match = {"identifier": f"{number['system']}|{number['value']}", "birthdate": answers.get("patient.birthdate", "")} \
        if number else {"family": answers.get("patient.family", ""), "given": answers.get("patient.given", ""),
                        "birthdate": answers.get("patient.birthdate", "")}
    qr_ref = f"urn:uuid:{intake.uuid}"
    entries = [
        {"fullUrl": patient_ref, "resource": patient,
         "request": {"method": "POST", "url": "Patient", "ifNoneExist": urllib.parse.urlencode(match)}},
        {"fullUrl": qr_ref, "resource": qr, "request": _create_once("QuestionnaireResponse", ident)},
    ]
    for ref, obs in observations(q, answers, clinic_url=clinic_url, intake_uuid=intake.uuid, subject=patient_ref,
                                 response=qr_ref, authored=str(intake.submitted_at)):
        entries.append({"fullUrl": ref, "resource": obs, "request": _create_once("Observation", obs["identifier"][0])})
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def _create_once(kind: str, identifier: dict[str, str]) -> dict[str, str]:
    """A conditional create: the server makes it only when none carries this identifier."""
    return {"method": "POST", "url": kind,
            "ifNoneExist": urllib.parse.urlencode({"identifier": f"{identifier['system']}|{identifier['value']}"})}


class Deliverer(PassLoop):
    log = log

    def __init__(self, open_store: Callable[[], DeliveryStore], q: Questionnaire, base_url: str, clinic_url: str,
                 auth: Auth = Auth(), *, sleep: Callable[[float], None] = time.sleep,
                 rand: Callable[[], float] = random.random, deadline_s: float = REQUEST_DEADLINE_S,
                 number_system: str = "", settings: Callable[[DeliveryStore], Mapping[str, Any]] | None = None,
                 fixed_base: bool = True) -> None:
        """``settings`` reads the clinic's settings from the store at every pass (``main.py deliver``
        passes ``kiosk.settings.current``), so a change made in Admin > Settings applies from the
        next pass without a restart; ``fixed_base``: the server's address came from ``--fhir`` and
        stays."""
        self.open_store, self.q, self.number_system = open_store, q, number_system
        self.clinic_url, self.auth = clinic_url, auth
        self.settings, self.fixed_base = settings, fixed_base
        self.sleep, self.rand, self.deadline_s = sleep, rand, deadline_s
        self._aim(base_url)
        self.stopping = threading.Event()

    def _aim(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.host = urllib.parse.urlsplit(base_url).netloc

    def _follow(self, config: Mapping[str, Any]) -> None:
        self.clinic_url = str(config["clinic_url"])
        self.auth = Auth(config["fhir_auth"], config["fhir_user"], config["fhir_secret_file"])
        self.number_system = str(config["patient_number_system"])
        if not self.fixed_base and config["fhir_base_url"] and config["fhir_base_url"].rstrip("/") != self.base_url:
            self._aim(str(config["fhir_base_url"]))
            log.info("%s", self.started())

    def run_pass(self) -> Pass:
        try:
            store = self.open_store()
        except StoreError as exc:
            return Pass(0, 0, 0, NotConfigured(str(exc)))
        try:
            if self.settings is not None:
                self._follow(self.settings(store))
            if not self.clinic_url:
                return Pass(0, 0, 0, NotConfigured("Set the clinic's own web address (Admin > Settings) before "
                                                   "delivering: it makes each intake's identifier in the EHR."))
            return self._send_all(store)
        except StoreError as exc:
            return Pass(0, 0, 0, NotConfigured(str(exc)))
        finally:
            store.close()

    def _send_all(self, store: DeliveryStore) -> Pass:
        sent = refused = 0
        try:
            pending = store.delivery_pending()
            while pending:
                for intake_id in pending:
                    if self.stopping.is_set():
                        return Pass(sent, refused, len(store.delivery_pending()))
                    result = self._deliver(store, intake_id)
                    if isinstance(result, DeliveryError):
                        return Pass(sent, refused, len(store.delivery_pending()), result)
                    sent += result == "sent"
                    refused += result == "refused"
                pending = store.delivery_pending(after=pending[-1])
            return Pass(sent, refused, 0)
        except StoreError as exc:
            return Pass(sent, refused, 0, NotConfigured(str(exc)))

    def _deliver(self, store: DeliveryStore, intake_id: int) -> str | DeliveryError:
        sending = bundle(store, self.q, intake_id, self.clinic_url, self.number_system)
        body = json.dumps(sending, ensure_ascii=False).encode("utf-8")
        try:
            status, answer = self._post(body)
        except NotConfigured as exc:
            return exc
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            error = DeliveryError(f"The EHR's FHIR server at {self.host} cannot be reached now ({type(reason).__name__}).")
            store.record_delivery(intake_id, "waiting", error=str(error))
            log.warning("intake %d waits: %s", intake_id, error)
            return error
        if 200 <= status < 300 and self._all_created(answer, len(sending["entry"])):
            location = self._location(answer)
            store.record_delivery(intake_id, "sent", location=location)
            log.info("intake %d delivered to %s (HTTP %d)", intake_id, self.host, status)
            return "sent"
        if status in (401, 403):
            return NotConfigured(f"The EHR's FHIR server at {self.host} refused the sign-in (HTTP {status}): check the "
                                 "sign-in settings.")
        if status in (408, 429) or status >= 500 or 200 <= status < 300:
            error = DeliveryError(f"The EHR's FHIR server at {self.host} answered HTTP {status}; tried again later.")
            store.record_delivery(intake_id, "waiting", error=str(error))
            log.warning("intake %d waits: HTTP %d from %s", intake_id, status, self.host)
            return error
        outcome = answer if isinstance(answer, dict) and answer.get("resourceType") == "OperationOutcome" else {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "processing", "diagnostics": f"HTTP {status}"}]}
        store.record_delivery(intake_id, "refused", error=f"HTTP {status}", outcome=outcome)
        log.error("intake %d was refused by %s (HTTP %d); an admin can see why and send it again",
                  intake_id, self.host, status)
        return "refused"

    def _post(self, body: bytes) -> tuple[int, Any]:
        headers = {"Content-Type": FHIR_JSON, "Accept": FHIR_JSON}
        auth = self.auth.header()
        if auth:
            headers["Authorization"] = auth
        request = urllib.request.Request(self.base_url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.deadline_s) as res:
                return int(res.status), _json(res.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return int(exc.code), _json(exc.read())

    @staticmethod
    def _all_created(answer: Any, sent: int) -> bool:
        entries = answer.get("entry", []) if isinstance(answer, dict) else []
        return len(entries) == sent and all(str((e.get("response") or {}).get("status", "")).startswith("2")
                                         for e in entries)

    @staticmethod
    def _location(answer: dict[str, Any]) -> str | None:
        location = (answer["entry"][1].get("response") or {}).get("location")
        return str(location) if location else None

    def started(self) -> str:
        return f"delivering to {self.host}"


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        return None
