"""``main.py deliver --fhir``: submitted intakes reach a real FHIR server (Medplum, validating
every resource) exactly once, whatever happens to it or to us."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema

from kiosk import cli, export
from kiosk import settings as clinic_settings
from kiosk.questionnaire import default_questionnaire
from kiosk.store import Store
from tests.conftest import EXAMPLES, FHIR_SCHEMA, ROOT, FhirServer

CLINIC = "https://spine.clinic.test/fhir"
NAMES = ["s1_fibromyalgia", "s5_daily_aspirin"]


def kiosk(tmp_path: Path, names: list[str] = NAMES, **settings: Any) -> Path:
    db = tmp_path / "data" / "kiosk.db"
    for name in names:
        assert cli.main(["--db", str(db), "submit", str(EXAMPLES / f"{name}.json")]) == 0
    with Store(db) as store:
        clinic_settings.change(store, {"clinic_url": CLINIC, **settings}, "test")
    return db


def deliver(db: Path, base: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "--db", str(db), "deliver", "--fhir", base, *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
                          env={**os.environ, **(env or {})})


def on_server(server: FhirServer, kind: str) -> list[dict[str, Any]]:
    joiner = "&" if "?" in kind else "?"
    return [e["resource"] for e in server.search(f"{kind}{joiner}_count=1000").get("entry", [])]


def test_delivery_creates_one_patient_and_one_response_per_intake_all_valid(tmp_path: Path, fhir_server) -> None:  # type: ignore[no-untyped-def]
    db = kiosk(tmp_path)
    done = deliver(db, fhir_server.base, "--once")
    assert done.returncode == 0, done.stderr
    responses, patients = on_server(fhir_server, "QuestionnaireResponse"), on_server(fhir_server, "Patient")
    assert len(responses) == 2 and len(patients) == 2
    schema = json.loads(FHIR_SCHEMA.read_text())
    for resource in responses + patients:
        jsonschema.validate(resource, schema)
    with Store(db) as store:
        uuids = {i.uuid for i in store.intakes("submitted")}
        sent = store.deliveries("sent")
    assert {r["identifier"]["value"] for r in responses} == uuids
    assert all(r["identifier"]["system"] == f"{CLINIC}/intake" for r in responses)
    by_id = {f"Patient/{p['id']}": p for p in patients}
    for r in responses:
        assert r["subject"]["reference"] in by_id and r["author"] == r["subject"] == r["source"]
        assert r["meta"]["profile"][0].endswith("sdc-questionnaireresponse")
    assert len(sent) == 2 and all(d.location and d.location.startswith("QuestionnaireResponse/") for d in sent)
    observations = on_server(fhir_server, "Observation")
    assert len(observations) == 2 * 6  # pain now, the three PEG items, their mean, the PEG panel
    for o in observations:
        jsonschema.validate(o, schema)
    check_peg_panels(responses, observations)
    log = (db.parent / "logs" / "deliver.log").read_text()
    for p in patients:  # names and birth dates stay out of the log
        assert p["name"][0]["family"] not in log and p["birthDate"] not in log


def check_peg_panels(responses: list[dict[str, Any]], observations: list[dict[str, Any]]) -> None:
    """Each response has its scores as Observations about the same patient, derived from it, and a
    PEG panel (LOINC 91148-7) whose members are its three items and their mean."""
    by_ref = {f"Observation/{o['id']}": o for o in observations}
    for r in responses:
        mine = [o for o in observations if o["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{r['id']}"}]]
        assert all(o["subject"] == {"reference": r["subject"]["reference"]} for o in mine)
        assert all(o["identifier"][0]["value"].startswith(r["identifier"]["value"] + ".") for o in mine)
        code = {o["code"]["coding"][0]["code"]: o for o in mine}
        assert set(code) == {"72514-3", "75893-8", "91145-3", "91146-1", "91147-9", "91148-7"}
        members = [by_ref[m["reference"]] for m in code["91148-7"]["hasMember"]]
        assert [m["code"]["coding"][0]["code"] for m in members] == ["75893-8", "91145-3", "91146-1", "91147-9"]
        items = [m["valueInteger"] for m in members[:3]]
        assert members[3]["valueQuantity"]["value"] == round(sum(items) / 3, 1)
        answered = {i["linkId"]: i["answer"][0] for g in r["item"] for i in g.get("item", [])}
        assert code["72514-3"]["valueInteger"] == answered["pain.nrs.now"]["valueInteger"]
        assert members[3]["valueQuantity"]["value"] == answered["peg.score"]["valueDecimal"]


def test_a_second_run_and_a_restored_backup_create_nothing_new(tmp_path: Path, fhir_server) -> None:  # type: ignore[no-untyped-def]
    db = kiosk(tmp_path)
    with Store(db) as store:
        store.backup(tmp_path / "before.db")
    assert deliver(db, fhir_server.base, "--once").returncode == 0
    assert deliver(db, fhir_server.base, "--once").returncode == 0  # nothing left to send
    assert cli.main(["--db", str(db), "restore", str(tmp_path / "before.db")]) == 0  # forgets it delivered
    assert deliver(db, fhir_server.base, "--once").returncode == 0  # sends both again ...
    assert len(on_server(fhir_server, "QuestionnaireResponse")) == 2  # ... and the server keeps one of each
    assert len(on_server(fhir_server, "Patient")) == 2
    assert len(on_server(fhir_server, "Observation")) == 2 * 6


def test_killed_between_the_servers_answer_and_the_local_mark(tmp_path: Path, fhir_server) -> None:  # type: ignore[no-untyped-def]
    db = kiosk(tmp_path, NAMES[:1])
    fhir_server.control("delay", {"ms": 1500})  # time to take the lock while the server works
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--db", str(db), "deliver", "--fhir",
                             fhir_server.base, "--once"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    blocker = sqlite3.connect(db, isolation_level=None, timeout=30)
    try:
        deadline = time.monotonic() + 60
        while fhir_server.control("requests")["served"] == 0:  # the POST is in
            assert time.monotonic() < deadline
            time.sleep(0.02)
        blocker.execute("BEGIN IMMEDIATE")  # the mark after the answer waits on this
        while not on_server(fhir_server, "QuestionnaireResponse"):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if blocker.in_transaction:
            blocker.execute("ROLLBACK")
        blocker.close()
    with Store(db) as store:
        assert store.deliveries("sent") == []  # the kill came before the mark
    assert deliver(db, fhir_server.base, "--once").returncode == 0
    assert len(on_server(fhir_server, "QuestionnaireResponse")) == 1 and len(on_server(fhir_server, "Patient")) == 1
    assert len(on_server(fhir_server, "Observation")) == 6


def test_server_down_exits_75_and_loses_nothing(tmp_path: Path) -> None:
    server = FhirServer()
    try:
        db = kiosk(tmp_path)
        server.stop()
        done = deliver(db, server.base, "--once")
        assert done.returncode == 75 and "cannot be reached" in done.stderr and "Traceback" not in done.stderr
        with Store(db) as store:
            assert len(store.delivery_pending()) == 2 and store.deliveries("sent") == []
        server.start()
        assert deliver(db, server.base, "--once").returncode == 0
        assert len(on_server(server, "QuestionnaireResponse")) == 2
    finally:
        server.stop()


def test_5xx_and_a_silent_server_are_tried_again(tmp_path: Path, fhir_server) -> None:  # type: ignore[no-untyped-def]
    db = kiosk(tmp_path)
    fhir_server.control("fail", {"status": 503, "count": 1})
    assert deliver(db, fhir_server.base, "--once").returncode == 75
    fhir_server.control("hang", {"count": 1})
    started = time.monotonic()
    from kiosk.deliver import Deliverer

    result = Deliverer(lambda: Store(db), default_questionnaire(), fhir_server.base, CLINIC, deadline_s=2).run_pass()
    assert result.exit_code == 75 and time.monotonic() - started < 30  # the deadline, not the server, decided
    assert deliver(db, fhir_server.base, "--once").returncode == 0
    assert len(on_server(fhir_server, "QuestionnaireResponse")) == 2
    with Store(db) as store:  # the first intake: 503, no answer, then sent; the second: sent at once
        assert sorted(d.attempts for d in store.deliveries("sent")) == [1, 3]


def test_a_4xx_is_kept_for_an_admin_with_the_servers_words_and_the_rest_still_go(tmp_path: Path,
                                                                                 fhir_server) -> None:  # type: ignore[no-untyped-def]
    """Two Patients with the same name and birth date on the server: the conditional create cannot
    choose, the server answers 412, and a person must decide."""
    db = kiosk(tmp_path)
    with Store(db) as store:
        first = store.intakes("submitted")[0]
        answers = store.answers(first.id)
    twin = {"resourceType": "Patient", "name": [{"family": answers["patient.family"], "given": [answers["patient.given"]]}],
            "birthDate": answers["patient.birthdate"]}
    for _ in range(2):
        _post(fhir_server.base + "/Patient", twin)
    done = deliver(db, fhir_server.base, "--once")
    assert done.returncode == 1, done.stderr  # refused for good; the other one was sent
    with Store(db) as store:
        (refused,) = store.deliveries("refused")
        assert refused.intake_id == first.id and refused.server_words()
        assert len(store.deliveries("sent")) == 1
        assert [r["action"] for r in store.audit_rows(5)][:2] == ["intake.deliver.sent", "intake.deliver.refused"]
        store.retry_delivery(first.id, "staff:1")  # an admin merged the twins and sends it again
    _delete_all(fhir_server, "Patient", answers["patient.family"])
    assert deliver(db, fhir_server.base, "--once").returncode == 0
    assert len(on_server(fhir_server, "QuestionnaireResponse")) == 2


MRN = "urn:oid:1.2.840.114350.1.13.999.2.7.5.737384.14"


def test_the_number_on_the_front_desks_slip_finds_the_patient_the_ehr_already_has(tmp_path: Path,
                                                                                 fhir_server) -> None:  # type: ignore[no-untyped-def]
    """With the clinic's patient number system set, a patient who typed their number is matched by
    it (even where the EHR spells the name differently); one who typed none, by name and birth date."""
    example = json.loads((EXAMPLES / f"{NAMES[0]}.json").read_text())
    with_number = tmp_path / "with-number.json"
    with_number.write_text(json.dumps({**example, "patient.number": "00482913"}))
    db = tmp_path / "data" / "kiosk.db"
    for file in (with_number, EXAMPLES / f"{NAMES[1]}.json"):
        assert cli.main(["--db", str(db), "submit", str(file)]) == 0
    with Store(db) as store:
        clinic_settings.change(store, {"clinic_url": CLINIC, "patient_number_system": MRN}, "test")
    _post(fhir_server.base + "/Patient", {"resourceType": "Patient", "identifier": [{"system": MRN, "value": "00482913"}],
                                          "name": [{"family": "Chart-Spelling", "given": ["Registered"]}],
                                          "birthDate": example["patient.birthdate"]})
    (known,) = on_server(fhir_server, "Patient")
    assert deliver(db, fhir_server.base, "--once").returncode == 0
    patients = on_server(fhir_server, "Patient")
    assert len(patients) == 2  # the known one, and one made for the patient without a number
    responses = {r["identifier"]["value"]: r for r in on_server(fhir_server, "QuestionnaireResponse")}
    with Store(db) as store:
        first, second = sorted(store.intakes("submitted"), key=lambda i: i.id)
    assert responses[first.uuid]["subject"]["reference"] == f"Patient/{known['id']}"
    other = next(p for p in patients if p["id"] != known["id"])
    assert responses[second.uuid]["subject"]["reference"] == f"Patient/{other['id']}" and "identifier" not in other
    with Store(db) as store:  # the file export carries the number too
        path = export.write_fhir(store, default_questionnaire(), first.id, tmp_path / "out")
    contained = json.loads(path.read_text())["contained"][0]
    assert contained["identifier"] == [{"system": MRN, "value": "00482913"}]


def test_a_mistyped_number_that_is_another_patients_never_files_to_that_patients_chart(tmp_path: Path,
                                                                                       fhir_server) -> None:  # type: ignore[no-untyped-def]
    example = json.loads((EXAMPLES / f"{NAMES[0]}.json").read_text())
    typed = tmp_path / "typo.json"
    typed.write_text(json.dumps({**example, "patient.number": "55555"}))
    db = tmp_path / "data" / "kiosk.db"
    assert cli.main(["--db", str(db), "submit", str(typed)]) == 0
    with Store(db) as store:
        clinic_settings.change(store, {"clinic_url": CLINIC, "patient_number_system": MRN}, "test")
    _post(fhir_server.base + "/Patient", {"resourceType": "Patient", "identifier": [{"system": MRN, "value": "55555"}],
                                          "name": [{"family": "Someone", "given": ["Else"]}], "birthDate": "1931-07-04"})
    (other,) = on_server(fhir_server, "Patient")
    assert deliver(db, fhir_server.base, "--once").returncode == 0
    (response,) = on_server(fhir_server, "QuestionnaireResponse")
    assert response["subject"]["reference"] != f"Patient/{other['id']}"  # a new patient, for a person to merge
    assert len(on_server(fhir_server, "Patient")) == 2


def test_signing_in_with_a_bearer_token_read_from_a_file(tmp_path: Path) -> None:
    server = FhirServer({"FHIR_TOKEN": "s3cret-token"})
    try:
        token = tmp_path / "token"
        token.write_text("s3cret-token\n")
        token.chmod(0o600)
        db = kiosk(tmp_path, NAMES[:1], fhir_auth="bearer", fhir_secret_file=str(token))
        assert deliver(db, server.base, "--once").returncode == 0
        token.write_text("wrong\n")
        assert cli.main(["--db", str(db), "submit", str(EXAMPLES / "s5_daily_aspirin.json")]) == 0
        done = deliver(db, server.base, "--once")
        assert done.returncode == 3 and "refused the sign-in (HTTP 401)" in done.stderr
        with Store(db) as store:
            assert len(store.delivery_pending()) == 1  # not marked refused: the sign-in is wrong, not the intake
    finally:
        server.stop()


def test_delivery_needs_the_clinic_address_first(tmp_path: Path, fhir_server) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "k.db"
    assert cli.main(["--db", str(db), "submit", str(EXAMPLES / f"{NAMES[0]}.json")]) == 0
    done = deliver(db, fhir_server.base, "--once")
    assert done.returncode == 3 and "clinic's own web address" in done.stderr


def test_delivery_from_the_central_database(tmp_path: Path, fhir_server, central) -> None:  # type: ignore[no-untyped-def]
    from kiosk.central.store import CentralStore
    from kiosk.ship import Shipper

    db = tmp_path / "kiosk.db"
    for name in NAMES:
        assert cli.main(["--db", str(db), "submit", str(EXAMPLES / f"{name}.json")]) == 0
    assert Shipper(db, central.login("kiosk")).once() == 0
    station = central.login("station")
    with CentralStore(station) as store:
        clinic_settings.change(store, {"clinic_url": CLINIC}, "staff:1")
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "--db", str(tmp_path / "station.db"), "deliver",
                           "--central", station, "--fhir", fhir_server.base, "--once"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert len(on_server(fhir_server, "QuestionnaireResponse")) == 2
    assert central.sql("SELECT state, count(*) FROM facet.deliveries GROUP BY state") == [("sent", 2)]


def _post(url: str, resource: dict[str, Any]) -> None:
    import urllib.request

    req = urllib.request.Request(url, data=json.dumps(resource).encode(), method="POST",
                                 headers={"Content-Type": "application/fhir+json"})
    with urllib.request.urlopen(req, timeout=10):
        pass


def _delete_all(server: FhirServer, kind: str, family: str) -> None:
    import urllib.request

    for resource in on_server(server, f"{kind}?family={family}"):
        req = urllib.request.Request(f"{server.base}/{kind}/{resource['id']}", method="DELETE")
        with urllib.request.urlopen(req, timeout=10):
            pass


def test_retention_keeps_what_the_ehr_does_not_have(tmp_path: Path, fhir_server) -> None:  # type: ignore[no-untyped-def]
    db = kiosk(tmp_path)
    with Store(db) as store:
        first, second = (i.id for i in store.intakes("submitted"))
        staff = store.add_staff("Nurse Ana", "nurse", "x", "test")
        for intake_id in (first, second):
            store.add_review(intake_id, staff, "schedule_evaluation")
        store.record_delivery(second, "refused", error="HTTP 422")  # the EHR does not have this one
        store.record_delivery(first, "sent", location="QuestionnaireResponse/1")
        assert store.purge_closed_before("2999-01-01", "test", "2000-01-01") == 1
        assert [i.id for i in store.intakes()] == [second]


def test_the_definitions_load_into_the_fhir_server_under_the_clinics_address(tmp_path: Path, fhir_server) -> None:  # type: ignore[no-untyped-def]
    """Questionnaire and CodeSystem, as `export --format definitions` writes them: valid (the server
    validates on create), under the clinic's address, and every answer code in the CodeSystem."""
    db = kiosk(tmp_path, NAMES[:1])
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "--db", str(db), "export", "--format",
                           "definitions", "--out", str(tmp_path / "defs")], capture_output=True, text=True, cwd=ROOT,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    schema = json.loads(FHIR_SCHEMA.read_text())
    resources = {}
    for path in sorted((tmp_path / "defs").glob("*.json")):
        resource = json.loads(path.read_text())
        jsonschema.validate(resource, schema)
        assert "example.org" not in path.read_text()
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        _post(f"{fhir_server.base}/{resource['resourceType']}", resource)
        resources[resource["resourceType"]] = resource
    assert resources["Questionnaire"]["url"] == f"{CLINIC}/Questionnaire/facet-intake"
    assert resources["CodeSystem"]["url"] == f"{CLINIC}/CodeSystem/facet-intake"
    codes = {c["code"] for c in resources["CodeSystem"]["concept"]}
    from kiosk import export

    with Store(db) as store:
        intake = store.intakes("submitted")[0]
        response = export.questionnaire_response(store, default_questionnaire(), intake.id, CLINIC)
    used = {a["valueCoding"]["code"] for a in _all_answers(response["item"]) if "valueCoding" in a}
    assert used and used <= codes
    assert on_server(fhir_server, "CodeSystem") and on_server(fhir_server, "Questionnaire")


def _all_answers(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        for answer in item.get("answer", []):
            out.append(answer)
            out += _all_answers(answer.get("item", []))
        out += _all_answers(item.get("item", []))
    return out


def test_a_response_under_the_clinics_address_assesses_on_that_clinics_machine(tmp_path: Path) -> None:
    from kiosk import export

    db = kiosk(tmp_path, NAMES[1:])
    with Store(db) as store:
        intake = store.intakes("submitted")[0]
        response = export.questionnaire_response(store, default_questionnaire(), intake.id, CLINIC)
        stored = store.latest_assessment(intake.id)
    path = tmp_path / "qr.json"
    path.write_text(json.dumps(response))
    here = subprocess.run([sys.executable, str(ROOT / "main.py"), "--db", str(db), "assess", str(path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
    assert here.returncode == 0, here.stderr
    assert json.loads(here.stdout)["outcome"] == stored["outcome"]  # type: ignore[index]
    elsewhere = subprocess.run([sys.executable, str(ROOT / "main.py"), "--db", str(tmp_path / "other.db"), "assess",
                                str(path)], capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
    assert elsewhere.returncode == 2 and "another questionnaire" in elsewhere.stderr


def test_a_running_delivery_follows_the_admins_settings_from_its_next_pass(tmp_path: Path, fhir_server) -> None:  # type: ignore[no-untyped-def]
    """No restart after a change in Admin > Settings: the clinic's address, the server's address
    (when --fhir did not fix it) and the patient number system are read again at every pass."""
    from kiosk.deliver import Deliverer

    db = tmp_path / "data" / "kiosk.db"
    assert cli.main(["--db", str(db), "submit", str(EXAMPLES / f"{NAMES[0]}.json")]) == 0
    with Store(db) as store:
        clinic_settings.change(store, {"fhir_base_url": "http://127.0.0.1:9/fhir"}, "test")  # nothing listens there
    deliverer = Deliverer(lambda: Store(db), default_questionnaire(), "http://127.0.0.1:9/fhir", "",
                          settings=clinic_settings.current, fixed_base=False, deadline_s=5)
    assert deliverer.run_pass().exit_code == 3  # no clinic address yet
    with Store(db) as store:
        clinic_settings.change(store, {"clinic_url": CLINIC}, "test")
    assert deliverer.run_pass().exit_code == 75  # the address it has does not answer
    with Store(db) as store:
        clinic_settings.change(store, {"fhir_base_url": fhir_server.base, "patient_number_system": MRN}, "test")
    with_number = tmp_path / "with-number.json"
    with_number.write_text(json.dumps({**json.loads((EXAMPLES / f"{NAMES[1]}.json").read_text()),
                                       "patient.number": "77001"}))
    assert cli.main(["--db", str(db), "submit", str(with_number)]) == 0
    result = deliverer.run_pass()
    assert (result.exit_code, result.sent) == (0, 2)
    assert [p.get("identifier") for p in on_server(fhir_server, "Patient") if "identifier" in p] == [
        [{"system": MRN, "value": "77001"}]]
