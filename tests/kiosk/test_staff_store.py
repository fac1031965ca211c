"""The staff station's store, the same tests against both backends: the kiosk's SQLite file and
the clinic's central PostgreSQL (intakes reach it the real way, shipped by a kiosk login; the
station reads and writes with a nurse station login)."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from kiosk import export
from kiosk import settings as clinic_settings
from kiosk.demo import seed
from kiosk.review import ReviewError, build_report, queue_filter, record_review
from kiosk.ship import Shipper
from kiosk.staff import Accounts
from kiosk.store import AlreadyExists, QueueFilter, StaffStore, Store
from tests.conftest import FHIR_SCHEMA, Central
from tests.loadgen import clone_for_load_test


class Backend:
    def __init__(self, kind: str, db: Path, central: Central | None) -> None:
        self.kind, self.db, self.central = kind, db, central
        self.kiosk_url = central.login("kiosk") if central else ""

    def open(self) -> StaffStore:
        if self.central is None:
            return Store(self.db)
        from kiosk.central.store import CentralStore

        assert Shipper(self.db, self.kiosk_url).once() == 0
        return CentralStore(self.central.login("station"), local_db=self.db)

    def arrive(self) -> None:
        """What the kiosk closed since: on the central database once shipped."""
        if self.central is not None:
            assert Shipper(self.db, self.kiosk_url).once() == 0


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request, tmp_path, questionnaire, rulepack):  # type: ignore[no-untyped-def]
    db = tmp_path / "k.db"
    with Store(db) as local:
        seed(local, questionnaire, rulepack)
    central = Central(request.getfixturevalue("pg_server")) if request.param == "postgres" else None
    yield Backend(request.param, db, central)
    if central is not None:
        central.drop()


@pytest.fixture
def store(backend):  # type: ignore[no-untyped-def]
    s = backend.open()
    yield s
    s.close()


@pytest.fixture
def nurse(store) -> int:  # type: ignore[no-untyped-def]
    return Accounts(store).add("Ana", "nurse", "482916", "test").id


def names(rows: Any) -> list[str]:
    return [r.family_name for r in rows]


def test_queue_order_urgent_then_oldest_then_reviewed_newest_first(store, nurse) -> None:  # type: ignore[no-untyped-def]
    rows = store.queue_page(QueueFilter())
    assert names(rows) == ["Carter", "Gómez", "Lopez", "Tanaka", "Novak", "Díaz", "Okafor"]
    ids = {r.family_name: r.id for r in rows}
    record_review(store, ids["Tanaka"], nurse, "not_appropriate")
    time.sleep(0.002)  # two reviews in the same millisecond would tie
    record_review(store, ids["Carter"], nurse, "urgent_handled")
    rows = store.queue_page(QueueFilter())
    assert names(rows) == ["Gómez", "Lopez", "Novak", "Díaz", "Okafor", "Carter", "Tanaka"]
    assert rows[-2].reviewed_by == "Ana" and rows[-2].review_decision == "urgent_handled"
    assert store.queue_row(ids["Carter"]) == rows[-2]


def test_filters_and_search(store, nurse) -> None:  # type: ignore[no-untyped-def]
    def fams(**kw: Any) -> set[str]:
        return set(names(store.queue_page(queue_filter(**kw))))

    assert fams(outcome="URGENT_REVIEW") == {"Carter"}
    assert fams(outcome="ABANDONED") == {"Gómez"}
    assert fams(outcome="LIKELY_CANDIDATE") == {"Lopez", "Okafor"}
    assert fams(search="diaz") == fams(search="DÍAZ") == fams(search="ros") == {"Díaz"}
    assert fams(search="1955-06-21") == fams(search="06/21/1955") == {"Díaz"}
    assert fams(search="%") == set() and fams(search="_") == set()  # wildcards are literal
    lopez = next(r.id for r in store.queue_page(QueueFilter()) if r.family_name == "Lopez")
    record_review(store, lopez, nurse, "needs_follow_up")
    assert fams(review="needs_follow_up") == fams(review="reviewed") == {"Lopez"}
    assert len(fams(review="unreviewed")) == 6 and store.queue_count(queue_filter(review="unreviewed")) == 6
    today = dt.datetime.now(dt.UTC).date()
    assert len(fams(first=today, last=today)) == 7 and fams(first=today + dt.timedelta(days=1)) == set()


def test_keyset_pages_cover_every_row_once_in_order(backend) -> None:  # type: ignore[no-untyped-def]
    with Store(backend.db) as local:
        clone_for_load_test(local, 120)
    store = backend.open()
    try:
        everything = store.queue_page(QueueFilter(), None, 10_000)
        paged, after = [], None
        while True:
            page = store.queue_page(QueueFilter(), after, 37)
            paged += page
            if len(page) < 37:
                break
            after = page[-1].key
        assert [r.id for r in paged] == [r.id for r in everything]
        assert len(paged) == 127 == store.queue_count(QueueFilter())
    finally:
        store.close()


def test_reviews_record_who_and_when(store, nurse) -> None:  # type: ignore[no-untyped-def]
    first = store.queue_page(QueueFilter())[0].id
    with pytest.raises(ReviewError, match="Choose a decision"):
        record_review(store, first, nurse, "approve")
    record_review(store, first, nurse, "schedule_evaluation", "Call Monday", disagree=True, reason="Pain is radicular")
    record_review(store, first, nurse, "needs_follow_up")
    reviews = store.reviews(first)
    assert [(r["decision"], r["staff_name"], r["note"], r["disagree"]) for r in reviews] == [
        ("schedule_evaluation", "Ana", "Call Monday", True), ("needs_follow_up", "Ana", "", False)]
    audit = [r for r in store.audit_rows(10) if r["action"] == "intake.review"]
    assert len(audit) == 2 and audit[0]["actor"] == f"staff:{nurse}" and "Call Monday" not in str(audit)
    assert store.verify_audit().ok


def test_the_report_and_the_fhir_export_read_the_same(store, questionnaire, rulepack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = {r.family_name: r for r in store.queue_page(QueueFilter())}
    report = build_report(store, questionnaire, rulepack, rows["Carter"].id, "lcd")
    assert report.assessment is not None and report.assessment["outcome"] == "URGENT_REVIEW"
    path = export.write_fhir(store, questionnaire, rows["Díaz"].id, tmp_path)
    qr = json.loads(path.read_text())
    jsonschema.validate(qr, json.loads(FHIR_SCHEMA.read_text()))
    assert qr["id"] == rows["Díaz"].uuid


def test_accounts_sign_in_lock_and_names_ignore_case(store) -> None:  # type: ignore[no-untyped-def]
    accounts = Accounts(store)
    ana = accounts.add("Ana", "nurse", "482916", "test")
    with pytest.raises(AlreadyExists):
        store.add_staff("ANA", "nurse", "x", "test")
    assert accounts.sign_in("ana", "482916").account == ana
    for _ in range(5):
        result = accounts.sign_in("Ana", "000000")
    assert result.status == "locked"
    accounts.reset_pin("Ana", "736150", "admin")  # clears the lock
    assert accounts.sign_in("Ana", "736150").status == "ok"
    accounts.set_disabled("Ana", True, "admin")
    assert accounts.sign_in("Ana", "736150").status == "no_accounts" and store.staff_count() == 0
    assert [a.name for a in store.staff_list()] == ["Ana"]


def test_settings_change_once_and_are_audited(store) -> None:  # type: ignore[no-untyped-def]
    clinic_settings.change(store, {"idle_warn_s": 120}, "admin")
    clinic_settings.change(store, {"idle_warn_s": 120}, "admin")  # the same value: nothing to audit
    assert clinic_settings.current(store)["idle_warn_s"] == 120
    changes = [r for r in store.audit_rows(20) if r["action"] == "settings.change"]
    assert len(changes) == 1 and store.verify_audit().ok


def test_data_version_moves_when_an_intake_arrives(backend, store, questionnaire, rulepack) -> None:  # type: ignore[no-untyped-def]
    before = store.data_version()
    with Store(backend.db) as local:
        seed(local, questionnaire, rulepack)
    backend.arrive()
    deadline = time.monotonic() + 30
    while store.data_version() == before:  # the notification is on its way
        assert time.monotonic() < deadline, "no change seen"
        time.sleep(0.01)
    assert store.queue_count(QueueFilter()) == 14


def test_a_stations_sign_in_backoff_is_its_own_on_the_central_database(central, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Ten wrong PINs at one nurse station slow that station down, not every station of the clinic."""
    from kiosk.central.store import CentralStore

    with CentralStore(central.login("station"), local_db=tmp_path / "a.db") as one, \
            CentralStore(central.login("station"), local_db=tmp_path / "b.db") as other:
        assert one.station_name != other.station_name
        Accounts(one).add("Ana", "nurse", "482916", "test")
        for n in range(12):
            Accounts(one).sign_in(f"nobody{n}", "000000", one.station_name)
        assert Accounts(one).sign_in("Ana", "482916", one.station_name).status == "throttled"
        assert Accounts(other).sign_in("Ana", "482916", other.station_name).status == "ok"


def test_delivery_states_are_counted_and_a_refused_one_can_be_sent_again(store) -> None:  # type: ignore[no-untyped-def]
    first, second = (r.id for r in store.queue_page(QueueFilter(outcome="LIKELY_CANDIDATE")))
    store.record_delivery(first, "sent", location="QuestionnaireResponse/1")
    store.record_delivery(second, "refused", error="HTTP 412", outcome={"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "duplicate", "details": {"text": "Multiple resources found"}}]})
    assert store.delivery_counts() == {"sent": 1, "refused": 1}
    (refused,) = store.deliveries("refused")
    assert refused.intake_id == second and refused.server_words() == "Multiple resources found"
    assert second not in store.delivery_pending()
    store.retry_delivery(second, "staff:1")
    assert second in store.delivery_pending() and store.delivery_counts() == {"sent": 1, "waiting": 1}
