"""The staff review station, driven by clicks and keys off screen: sign-in and lockout,
auto-lock, queue order/filters/search, detail, review, exports, admin, the kiosk entry."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPlainTextEdit, QSpinBox, QWidget

from kiosk.demo import seed
from kiosk.review import FORBIDDEN_WORDS, SHOW_ALL
from kiosk.staff import Accounts
from kiosk.store import Store
from tests.conftest import FHIR_SCHEMA, load_example
from tests.loadgen import clone_for_load_test
from tests.ui.conftest import check_page, click, find, visible, walk
from ui.staff.queue import URGENT_RED, WHY_COLUMN
from ui.theme import STANDARD

NURSE, NURSE_PIN = "Ana", "482916"
ADMIN, ADMIN_PIN = "Boss", "7391846"


@pytest.fixture
def db(tmp_path, questionnaire, rulepack) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "data" / "kiosk.db"
    with Store(path) as store:
        seed(store, questionnaire, rulepack)
        accounts = Accounts(store)
        accounts.add(NURSE, "nurse", NURSE_PIN, "test")
        accounts.add(ADMIN, "admin", ADMIN_PIN, "test")
    return path


@pytest.fixture
def staff(make_staff, db):  # type: ignore[no-untyped-def]
    return make_staff(db)


def sign_in(qtbot, window: QWidget, name: str = NURSE, pin: str = NURSE_PIN) -> None:  # type: ignore[no-untyped-def]
    entry = find(window, "input:staff.name")
    assert isinstance(entry, QLineEdit)
    qtbot.mouseClick(entry, Qt.MouseButton.LeftButton)
    entry.clear()
    qtbot.keyClicks(entry, name)
    for digit in pin:
        click(qtbot, window, f"pin:{digit}")
    click(qtbot, window, "pin:ok")


def queue_names(window: QWidget) -> list[str]:
    model = find(window, "queue").model()  # type: ignore[attr-defined]
    return [model.index(r, 1).data().split("\n")[0] for r in range(model.rowCount())]  # the name over the birth date


def audit_actions(db: Path) -> list[str]:
    with Store(db) as store:
        return [r["action"] for r in reversed(store.audit_rows(500))]


def open_row(qtbot, window: QWidget, family: str) -> None:  # type: ignore[no-untyped-def]
    names = queue_names(window)
    row = next(n for n, text in enumerate(names) if text.startswith(family))
    table = find(window, "queue")
    table.selectRow(row)  # type: ignore[attr-defined]
    click(qtbot, window, "queue:open")
    assert visible(window, "page:detail")


def report_text(window: QWidget) -> str:
    return find(window, "detail:report").toPlainText()  # type: ignore[attr-defined]


# -- sign-in -----------------------------------------------------------------------------------

def test_pin_pad_sign_in_shows_the_queue(qtbot, staff, db) -> None:
    assert visible(staff, "page:signin") and not visible(staff, "queue")
    sign_in(qtbot, staff)
    assert visible(staff, "queue")
    assert "Ana (nurse)" in find(staff, "staff:who").text()  # type: ignore[attr-defined]
    assert not visible(staff, "staff:admin")  # nurses have no admin screen
    assert "staff.sign_in" in audit_actions(db)


def test_pin_pad_masks_clears_and_wrong_pins_lock_the_account(qtbot, staff, db) -> None:
    entry = find(staff, "input:staff.name")
    qtbot.keyClicks(entry, NURSE)
    for digit in "12":
        click(qtbot, staff, f"pin:{digit}")
    dots = find(staff, "pin:display")
    assert "1" not in dots.text() and dots.text().count("●") == 2  # type: ignore[attr-defined]
    click(qtbot, staff, "pin:clear")
    assert dots.text() == ""  # type: ignore[attr-defined]
    for attempt in range(5):
        sign_in(qtbot, staff, NURSE, "999111")
        message = find(staff, "signin:message").text()  # type: ignore[attr-defined]
        assert ("not recognised" in message) if attempt < 4 else ("locked for 5 more minutes" in message)
    sign_in(qtbot, staff, NURSE, NURSE_PIN)
    assert visible(staff, "page:signin") and "locked" in find(staff, "signin:message").text()  # type: ignore[attr-defined]
    actions = audit_actions(db)
    assert actions.count("staff.pin_failed") == 5 and "staff.locked" in actions
    sign_in(qtbot, staff, ADMIN, ADMIN_PIN)  # another nurse or an admin can still sign in
    assert visible(staff, "queue")


def test_sign_in_by_keyboard_only(qtbot, staff) -> None:
    entry = find(staff, "input:staff.name")
    entry.setFocus()
    qtbot.keyClicks(entry, NURSE)
    qtbot.keyClick(entry, Qt.Key.Key_Return)  # on to the PIN pad
    focused = QApplication.focusWidget()
    assert focused is not None and focused.objectName() == "pin:display"
    qtbot.keyClicks(focused, NURSE_PIN)
    qtbot.keyClick(focused, Qt.Key.Key_Return)
    assert visible(staff, "queue")


def test_without_accounts_the_sign_in_says_how_to_create_one(qtbot, make_staff, tmp_path) -> None:
    window = make_staff(tmp_path / "empty.db")
    hint = window.findChild(QWidget, "page:signin").hint.text()  # type: ignore[union-attr]
    assert "terminal: facet-kiosk staff add NAME --role admin" in hint  # installed name; main.py from a checkout
    sign_in(qtbot, window, "anyone", "123456")
    assert "No staff account exists yet" in find(window, "signin:message").text()  # type: ignore[attr-defined]


def test_staff_screen_locks_itself_after_the_idle_time(qtbot, make_staff, db, clock) -> None:
    window = make_staff(db, lock_s=120)
    sign_in(qtbot, window)
    open_row(qtbot, window, "Carter")
    clock.advance(119)
    assert "Carter" in report_text(window) and visible(window, "page:detail")
    click(qtbot, window, "detail:back")  # a tap starts the two minutes again
    open_row(qtbot, window, "Carter")
    clock.advance(119)
    assert visible(window, "page:detail")
    clock.advance(1)
    assert visible(window, "page:signin")
    assert report_text(window) == "" and find(window, "queue").model().rowCount() == 0  # type: ignore[attr-defined]
    assert find(window, "input:staff.name").text() == ""  # type: ignore[attr-defined]
    assert audit_actions(db)[-1] == "staff.lock"


# -- queue ---------------------------------------------------------------------------------------

def test_queue_order_filters_and_search(qtbot, staff) -> None:
    sign_in(qtbot, staff)
    names = queue_names(staff)
    assert [n.split(",")[0] for n in names] == ["Carter", "Gómez", "Lopez", "Tanaka", "Novak", "Díaz", "Okafor"]
    assert find(staff, "queue:count").text() == "7 intakes"  # type: ignore[attr-defined]
    outcome = find(staff, "filter:outcome")
    assert isinstance(outcome, QComboBox)
    outcome.setCurrentIndex(outcome.findData("LIKELY_CANDIDATE"))
    assert [n.split(",")[0] for n in queue_names(staff)] == ["Lopez", "Okafor"]
    click(qtbot, staff, "filter:clear")
    search = find(staff, "filter:search")
    qtbot.mouseClick(search, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(search, "diaz")
    qtbot.waitUntil(lambda: queue_names(staff) == ["Díaz, Rosa"], timeout=2000)
    search.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(search, "09/30/1949")
    qtbot.waitUntil(lambda: queue_names(staff) == ["Carter, John"], timeout=2000)
    click(qtbot, staff, "filter:clear")
    first = find(staff, "filter:from")
    qtbot.keyClicks(first, "24-11-2026")
    qtbot.keyClick(first, Qt.Key.Key_Return)
    assert "YYYY-MM-DD" in find(staff, "queue:message").text()  # type: ignore[attr-defined]
    first.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(first, "2999-01-01")
    qtbot.keyClick(first, Qt.Key.Key_Return)
    assert queue_names(staff) == [] and find(staff, "queue:count").text() == "0 intakes"  # type: ignore[attr-defined]


def test_locking_resets_the_filters_for_the_next_person(qtbot, staff) -> None:
    sign_in(qtbot, staff)
    outcome = find(staff, "filter:outcome")
    outcome.setCurrentIndex(outcome.findData("URGENT_REVIEW"))  # type: ignore[attr-defined]
    qtbot.keyClicks(find(staff, "filter:search"), "carter")
    qtbot.waitUntil(lambda: queue_names(staff) == ["Carter, John"], timeout=2000)
    click(qtbot, staff, "staff:lock")
    sign_in(qtbot, staff, ADMIN, ADMIN_PIN)
    assert outcome.currentIndex() == 0 and find(staff, "filter:search").text() == ""  # type: ignore[attr-defined]
    assert len(queue_names(staff)) == 7


def test_saving_a_review_keeps_the_reading_place(qtbot, staff) -> None:
    sign_in(qtbot, staff)
    open_row(qtbot, staff, "Díaz")
    bar = find(staff, "detail:report").verticalScrollBar()  # type: ignore[attr-defined]
    bar.setValue(bar.maximum() // 2)
    place = bar.value()
    assert place > 0
    click(qtbot, staff, "review:needs_follow_up")
    click(qtbot, staff, "review:save")
    assert find(staff, "review:message").text() == "Review saved."  # type: ignore[attr-defined]
    assert bar.value() == place
    click(qtbot, staff, "detail:back")
    open_row(qtbot, staff, "Carter")
    assert bar.value() == 0  # another intake starts at the top


def test_new_submissions_appear_without_a_restart(qtbot, staff, db, questionnaire, rulepack) -> None:
    sign_in(qtbot, staff)
    assert len(queue_names(staff)) == 7
    with Store(db) as kiosk_side:  # another connection, as the kiosk process would be
        seed(kiosk_side, questionnaire, rulepack)
    qtbot.waitUntil(lambda: len(queue_names(staff)) == 14, timeout=5000)


def test_queue_model_pages_100000_intakes_and_passes_the_model_tester(qtbot, qtmodeltester, db) -> None:
    from ui.staff.queue import PAGE_SIZE, QueueModel

    with Store(db) as store:
        clone_for_load_test(store, 100_000, with_answers=False)
    store = Store(db)
    try:
        model = QueueModel(store)
        model.reload()
        assert model.rowCount() == PAGE_SIZE and model.canFetchMore()
        model.fetchMore()
        assert model.rowCount() == 2 * PAGE_SIZE  # one more page, never everything
        ranks = [model.row_at(r).queue_rank for r in range(model.rowCount())]  # type: ignore[union-attr]
        assert ranks == sorted(ranks)
        tested = QueueModel(store)
        tested.reload()
        qtmodeltester.check(tested, force_py=False)
        assert tested.rowCount() < 100_000
    finally:
        store.close()


# -- detail, review, exports --------------------------------------------------------------------

def test_detail_explains_the_sorting_and_the_view_is_audited(qtbot, staff, db) -> None:
    sign_in(qtbot, staff)
    open_row(qtbot, staff, "Díaz")
    text = report_text(staff)
    for phrase in ("PRECAUTIONS: Blood thinner.", "Meets configured criteria for clinician review, with precautions",
                   "Takes a blood thinner or daily aspirin (which: warfarin)", "blood thinner or daily aspirin: yes",
                   "[PR1; ASRA 2018]", "Next step evaluated: First diagnostic block", "Criteria: Medicare LCD criteria",
                   "rule pack facet-default 1.1.0, mode lcd", "Safety questions", "Warfarin"):
        assert phrase in text
    assert "Show all criteria" in text and "No bleeding disorder" not in text  # the not-met ones are folded
    assert not any(word in text.lower() for word in FORBIDDEN_WORDS)
    assert audit_actions(db)[-1] == "intake.view"
    browser = find(staff, "detail:report")
    browser.anchorClicked.emit(QUrl(SHOW_ALL))  # type: ignore[attr-defined]  # what a tap on the link sends
    assert "No bleeding disorder, liver cirrhosis or kidney dialysis: answered no" in report_text(staff)
    click(qtbot, staff, "detail:back")
    assert visible(staff, "queue") and report_text(staff) == ""


def test_recording_a_review(qtbot, staff, db) -> None:
    sign_in(qtbot, staff)
    open_row(qtbot, staff, "Carter")
    click(qtbot, staff, "review:save")
    message = find(staff, "review:message")
    assert "Choose a decision" in message.text()  # type: ignore[attr-defined]
    assert message.property("role") == "error"
    click(qtbot, staff, "review:urgent_handled")
    note = find(staff, "review:note")
    assert isinstance(note, QPlainTextEdit)
    qtbot.mouseClick(note.viewport(), Qt.MouseButton.LeftButton)
    qtbot.keyClicks(note, "Sent to ER")
    click(qtbot, staff, "review:disagree")
    click(qtbot, staff, "review:save")
    assert "why you disagree" in find(staff, "review:message").text()  # type: ignore[attr-defined]
    reason = find(staff, "review:reason")
    qtbot.keyClicks(reason, "Fever was a cold")
    click(qtbot, staff, "review:urgent_handled")
    click(qtbot, staff, "review:save")
    assert message.text() == "Review saved."  # type: ignore[attr-defined]
    assert message.property("role") == "ok"  # said calmly, not in the error red
    assert message.palette().color(message.foregroundRole()).name().upper() != STANDARD.error.upper()
    text = report_text(staff)
    assert "Ana: Urgent concern handled. Note: Sent to ER. Disagrees with the sorting: Fever was a cold" in text
    with Store(db) as store:
        (review,) = store.reviews(2)
    assert (review["staff_name"], review["decision"], review["disagree"]) == ("Ana", "urgent_handled", True)
    click(qtbot, staff, "detail:back")
    names = queue_names(staff)
    assert names[-1].startswith("Carter")  # reviewed intakes move below the open ones
    model = find(staff, "queue").model()  # type: ignore[attr-defined]
    assert model.index(len(names) - 1, 4).data() == "Urgent handled\n(Ana)"


def pdf_text(path: Path) -> str:
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed; .ci/setup installs it"
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_exports_from_the_detail_screen(qtbot, make_staff, db, tmp_path, questionnaire) -> None:
    out = tmp_path / "exports"
    window = make_staff(db, export_dir=out)
    sign_in(qtbot, window)
    open_row(qtbot, window, "Díaz")
    targets = ("export:pdf", "export:fhir", "export:sheet", "review:save", "export:message")
    before = {name: find(window, name).mapTo(window, find(window, name).rect().topLeft()) for name in targets}
    click(qtbot, window, "export:pdf")
    QApplication.processEvents()
    after = {name: find(window, name).mapTo(window, find(window, name).rect().topLeft()) for name in targets}
    assert after == before  # the message appears in room kept for it: nothing moves under the finger
    (pdf,) = out.glob("intake-*.pdf")
    text = pdf_text(pdf)
    flat = " ".join(text.split())
    for phrase in ("Díaz, Rosa", "PRECAUTIONS: Blood thinner.", "Takes a blood thinner or daily aspirin",
                   "Safety questions", "Warfarin", "Conservative care: 2 modalities", "Not met (29):"):
        assert phrase in flat
    assert flat.index("Takes a blood thinner") < flat.index("Not met (29):") < flat.index("About you")
    assert 1 <= pdf_pages(pdf) <= 2
    assert "Saved:" in find(window, "export:message").text()  # type: ignore[attr-defined]
    click(qtbot, window, "export:fhir")
    (fhir,) = out.glob("intake-*.fhir.json")
    qr = json.loads(fhir.read_text(encoding="utf-8"))
    schema = json.loads(FHIR_SCHEMA.read_text())
    validator = jsonschema.Draft6Validator({"$ref": "#/definitions/QuestionnaireResponse",
                                            "definitions": schema["definitions"]})
    assert list(validator.iter_errors(qr)) == [] and qr["status"] == "completed"
    assert qr["questionnaire"] == f"{questionnaire.url}|{questionnaire.version}"
    click(qtbot, window, "export:sheet")
    sheet = pdf_text(out / "facet-joint-injections-en.pdf")
    for phrase in ("Facet joint injections", "local anaesthetic", "steroid", "infection", "spinal headache",
                   "physical therapy"):
        assert phrase in " ".join(sheet.split())
    actions = audit_actions(db)
    assert actions[-3:] == ["export.pdf", "export.fhir", "export.sheet"]
    click(qtbot, window, "detail:back")
    click(qtbot, window, "export:csv")
    assert (out / "queue.csv").read_text(encoding="utf-8-sig").startswith("intake,status")
    assert audit_actions(db)[-1] == "export.csv"


def test_spanish_information_sheet_for_a_spanish_intake(qtbot, make_staff, db, tmp_path) -> None:
    window = make_staff(db, export_dir=tmp_path)
    sign_in(qtbot, window)
    open_row(qtbot, window, "Gómez")  # abandoned, answered in Spanish
    assert not find(window, "export:pdf").isEnabled()  # only submitted intakes go to the chart
    click(qtbot, window, "export:sheet")
    text = " ".join(pdf_text(tmp_path / "facet-joint-injections-es.pdf").split())
    assert "Inyecciones en las articulaciones facetarias" in text and "cefalea espinal" in text


# -- administration -------------------------------------------------------------------------------

def test_admin_changes_settings_adds_an_account_and_verifies_the_audit(qtbot, staff, db) -> None:
    sign_in(qtbot, staff, ADMIN, ADMIN_PIN)
    click(qtbot, staff, "staff:admin")
    lock = find(staff, "setting:staff_lock_s")
    assert isinstance(lock, QSpinBox) and lock.value() == 120
    lock.setValue(300)
    find(staff, "setting:rule_mode").setCurrentIndex(1)  # type: ignore[attr-defined]
    click(qtbot, staff, "settings:save")
    assert "Settings saved" in find(staff, "settings:message").text()  # type: ignore[attr-defined]
    with Store(db) as store:
        assert store.settings() == {"staff_lock_s": 300, "rule_mode": "guideline"}
    click(qtbot, staff, "settings:purge")  # nothing here is older than 365 days
    assert "Purged 0 reviewed intake(s)" in find(staff, "settings:message").text()  # type: ignore[attr-defined]
    find(staff, "admin:tabs").setCurrentIndex(1)  # type: ignore[attr-defined]
    qtbot.keyClicks(find(staff, "account:name"), "Carla")
    qtbot.keyClicks(find(staff, "account:pin"), "1357")
    click(qtbot, staff, "account:add")
    assert "6 to 8 digits" in find(staff, "accounts:message").text()  # type: ignore[attr-defined]
    qtbot.keyClicks(find(staff, "account:pin"), "99")
    click(qtbot, staff, "account:add")
    assert find(staff, "accounts:message").text() == "Account Carla added."  # type: ignore[attr-defined]
    find(staff, "admin:tabs").setCurrentIndex(2)  # type: ignore[attr-defined]
    click(qtbot, staff, "audit:verify")
    assert find(staff, "audit:message").text().startswith("Intact:")  # type: ignore[attr-defined]
    actions = audit_actions(db)
    assert actions.count("settings.change") == 2 and "staff.add" in actions and "retention.purge" in actions
    table = find(staff, "audit:table")
    assert table.rowCount() > 5  # type: ignore[attr-defined]
    click(qtbot, staff, "staff:lock")
    sign_in(qtbot, staff, "Carla", "135799")
    assert visible(staff, "queue")


def test_admin_sees_what_the_ehr_refused_and_sends_it_again(qtbot, make_staff, db) -> None:  # type: ignore[no-untyped-def]
    with Store(db) as store:
        first, second = (i.id for i in store.intakes("submitted")[:2])
        store.record_delivery(first, "sent", location="QuestionnaireResponse/1")
        store.record_delivery(second, "refused", error="HTTP 412", outcome={
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "duplicate",
                       "details": {"text": "Multiple resources found matching condition"}}]})
    staff = make_staff(db)
    sign_in(qtbot, staff, ADMIN, ADMIN_PIN)
    click(qtbot, staff, "staff:admin")
    find(staff, "admin:tabs").setCurrentIndex(3)  # type: ignore[attr-defined]
    assert "Delivered to the EHR: 1" in find(staff, "delivery:summary").text()  # type: ignore[attr-defined]
    table = find(staff, "delivery:refused")
    assert table.rowCount() == 1  # type: ignore[attr-defined]
    assert table.item(0, 3).text() == "Multiple resources found matching condition"  # type: ignore[attr-defined]
    assert table.item(0, 1).text()  # the patient's name, to find them in the EHR  # type: ignore[attr-defined]
    click(qtbot, staff, "delivery:retry")
    assert "Select an intake" in find(staff, "delivery:message").text()  # type: ignore[attr-defined]
    table.selectRow(0)  # type: ignore[attr-defined]
    click(qtbot, staff, "delivery:retry")
    assert f"Intake {second} will be sent again" in find(staff, "delivery:message").text()  # type: ignore[attr-defined]
    with Store(db) as store:
        assert store.delivery_pending() == [i.id for i in store.intakes("submitted") if i.id != first]
        assert "intake.deliver.retry" in [r["action"] for r in store.audit_rows(3)]
    assert table.rowCount() == 0  # type: ignore[attr-defined]


def test_staff_pages_name_and_size_their_controls(qtbot, staff) -> None:
    problems = check_page(staff, "sign-in")
    sign_in(qtbot, staff, ADMIN, ADMIN_PIN)
    problems += check_page(staff, "queue")
    open_row(qtbot, staff, "Carter")
    click(qtbot, staff, "review:disagree")
    problems += check_page(staff, "detail")
    click(qtbot, staff, "staff:admin")
    for tab in range(4):
        find(staff, "admin:tabs").setCurrentIndex(tab)  # type: ignore[attr-defined]
        problems += check_page(staff, f"admin tab {tab}")
    assert problems == []
    assert staff.minimumSizeHint().height() <= 800 and staff.minimumSizeHint().width() <= 1280


# -- inside the kiosk ---------------------------------------------------------------------------

def test_on_the_kiosk_the_keyboard_types_the_name_at_once_and_done_leaves_the_pin_pad_clear(qtbot, make_kiosk,
                                                                                            db) -> None:  # type: ignore[no-untyped-def]
    """The station was built before it covered the kiosk, so the name field never got the focus:
    the open keyboard typed into nothing. Done now closes it: the PIN has its own pad."""
    kiosk = make_kiosk(db=db)
    click(qtbot, kiosk, "staff:enter")
    staff = kiosk.findChild(QWidget, "staff")
    keys = {k.objectName(): k for k in staff.findChildren(QWidget) if k.objectName().startswith("key:")}
    qtbot.waitUntil(lambda: QApplication.focusWidget() is find(staff, "input:staff.name"), timeout=2000)
    for key in ("key:A", "key:N", "key:A"):
        qtbot.mouseClick(keys[key], Qt.MouseButton.LeftButton)
    assert find(staff, "input:staff.name").text() == "Ana"  # type: ignore[attr-defined]
    qtbot.mouseClick(keys["key:done"], Qt.MouseButton.LeftButton)
    assert not staff.keyboard.isVisible() and visible(staff, "pin:ok")
    assert QApplication.focusWidget() is find(staff, "pin:display")  # on to the PIN


def test_kiosk_staff_entry_signs_in_and_lock_returns_to_welcome(qtbot, make_kiosk, db) -> None:
    kiosk = make_kiosk(db=db)
    click(qtbot, kiosk, "staff:enter")
    assert visible(kiosk, "page:signin") and visible(kiosk, "keyboard")  # no hardware keyboard on a kiosk
    click(qtbot, kiosk, "staff:cancel")
    assert not visible(kiosk, "page:signin") and visible(kiosk, "page:welcome")
    click(qtbot, kiosk, "staff:enter")
    sign_in(qtbot, kiosk)
    assert visible(kiosk, "queue")
    click(qtbot, kiosk, "staff:lock")
    qtbot.waitUntil(lambda: kiosk.findChild(QWidget, "staff") is None, timeout=2000)
    assert visible(kiosk, "page:welcome")


def test_kiosk_staff_screen_auto_locks_back_to_welcome(qtbot, make_kiosk, db, clock) -> None:
    kiosk = make_kiosk(db=db, staff_lock_s=120, idle_warn_s=90)
    click(qtbot, kiosk, "staff:enter")
    sign_in(qtbot, kiosk)
    assert visible(kiosk, "queue")
    clock.advance(100)  # past the patient idle time: the patient idle timer stays off meanwhile
    assert visible(kiosk, "queue") and not visible(kiosk, "idle:warning")
    clock.advance(20)
    qtbot.waitUntil(lambda: visible(kiosk, "page:welcome") and not visible(kiosk, "queue"), timeout=5000)
    assert not visible(kiosk, "idle:warning")


def test_a_patient_mid_intake_keeps_their_draft_while_staff_work(qtbot, make_kiosk, make_staff, db) -> None:
    kiosk = make_kiosk(db=db)
    answers = load_example("s5_daily_aspirin")
    click(qtbot, kiosk, "nav:start")
    click(qtbot, kiosk, "opt:consent:true")
    draft = kiosk.session.intake_id
    staff = make_staff(db)
    sign_in(qtbot, staff)
    open_row(qtbot, staff, "Carter")
    click(qtbot, staff, "review:urgent_handled")
    click(qtbot, staff, "review:save")
    assert not any(n.startswith(",") for n in queue_names(staff))  # drafts never show in the queue
    with Store(db) as store:
        assert store.intake(draft).status == "draft" and store.answers(draft) == {"consent": True}
    kiosk.activateWindow()
    walk(qtbot, kiosk, answers, start=False)  # the patient carries on and submits
    with Store(db) as store:
        assert store.intake(draft).status == "submitted"
        assert store.latest_assessment(draft)["outcome"] == "CANDIDATE_WITH_PRECAUTIONS"
    staff.findChild(QWidget, "page:queue").refresh()
    assert len(queue_names(staff)) == 8


def test_kiosk_uses_the_clinic_settings(qtbot, make_kiosk, db) -> None:
    from kiosk import settings

    with Store(db) as store:
        settings.change(store, {"languages": ["es"], "rule_mode": "guideline", "idle_warn_s": 45}, "staff:2")
    kiosk = make_kiosk(db=db)
    assert kiosk.lang == "es" and not visible(kiosk, "lang:en") and not visible(kiosk, "lang:es")
    assert kiosk.idle.deadline.seconds == 45
    click(qtbot, kiosk, "nav:start")
    assert kiosk.session.mode == "guideline"


def test_the_queue_says_why_and_keeps_urgent_rows_red(qtbot, staff) -> None:
    sign_in(qtbot, staff)
    table = find(staff, "queue")
    model = table.model()  # type: ignore[attr-defined]
    assert model.headerData(WHY_COLUMN, Qt.Orientation.Horizontal) == "Why"
    rows = {name: r for r, name in enumerate(queue_names(staff))}
    why = {name: model.index(r, WHY_COLUMN).data() for name, r in rows.items()}
    assert why["Carter, John"] == "Fever, chills or night sweats"
    assert why["Gómez, Lucía"] == "Red flag before leaving: new bladder or bowel trouble"  # the pack's staff words
    assert why["Díaz, Rosa"] == "Meets configured criteria: first diagnostic block; blood thinner"
    assert model.index(rows["Carter, John"], 0).data().startswith("today\n")
    assert model.index(rows["Carter, John"], 1).data() == "Carter, John\n1949-09-30"
    assert model.index(rows["Carter, John"], 2).data() == "Urgent review\nLow back"
    assert "YES" not in " ".join(why.values())
    # selected, an urgent row is painted white on dark red; any other row keeps the staff blue
    from PySide6.QtWidgets import QStyleOptionViewItem

    delegate = table.itemDelegate()  # type: ignore[attr-defined]
    for name, colour in (("Carter, John", URGENT_RED), ("Díaz, Rosa", "#0B4F8A")):
        option = QStyleOptionViewItem()
        option.initFrom(table)
        delegate.initStyleOption(option, model.index(rows[name], 4))
        assert option.palette.color(QPalette.ColorRole.Highlight).name().upper() == colour.upper()


def test_admin_number_settings_have_big_steppers(qtbot, staff) -> None:
    sign_in(qtbot, staff, ADMIN, ADMIN_PIN)
    click(qtbot, staff, "staff:admin")
    box = find(staff, "setting:idle_warn_s")
    assert isinstance(box, QSpinBox) and box.buttonSymbols() == QSpinBox.ButtonSymbols.NoButtons
    start = box.value()
    for name in ("setting:idle_warn_s:more", "setting:idle_warn_s:less"):
        button = find(staff, name)
        assert button.width() >= 48 and button.height() >= 48 and button.accessibleName()
    click(qtbot, staff, "setting:idle_warn_s:more")
    assert box.value() == start + 10
    click(qtbot, staff, "setting:idle_warn_s:less")
    assert box.value() == start
    mode = find(staff, "setting:rule_mode")
    assert isinstance(mode, QComboBox)
    assert "Consensus guidelines, not Medicare coverage criteria" in [mode.itemText(i) for i in range(mode.count())]


def test_the_kiosk_sign_in_page_times_out_back_to_a_wiped_welcome(qtbot, make_kiosk, db, clock) -> None:
    """One tap on Staff must not take the kiosk out of service (issue 11, item 6)."""
    kiosk = make_kiosk(db=db, staff_lock_s=120)
    click(qtbot, kiosk, "staff:enter")
    entry = find(kiosk, "input:staff.name")
    qtbot.mouseClick(entry, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(entry, NURSE)
    clock.advance(119)
    assert visible(kiosk, "page:signin")
    clock.advance(1)
    qtbot.waitUntil(lambda: kiosk.findChild(QWidget, "staff") is None, timeout=5000)
    assert visible(kiosk, "page:welcome")
    assert not any(isinstance(w, QLineEdit) and NURSE in w.text() for w in kiosk.findChildren(QWidget))


def test_a_pin_left_unconfirmed_is_wiped(qtbot, staff, clock) -> None:
    """Whoever taps OK later is not signed in as that nurse (issue 11, item 9)."""
    entry = find(staff, "input:staff.name")
    qtbot.mouseClick(entry, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(entry, NURSE)
    for digit in NURSE_PIN:
        click(qtbot, staff, f"pin:{digit}")
    clock.advance(29)
    assert find(staff, "pin:display").text().count("●") == len(NURSE_PIN)  # type: ignore[attr-defined]
    clock.advance(1)
    assert find(staff, "pin:display").text() == "" and entry.text() == ""  # type: ignore[attr-defined]
    assert "Cleared after 30 seconds" in find(staff, "signin:message").text()  # type: ignore[attr-defined]
    click(qtbot, staff, "pin:ok")
    assert visible(staff, "page:signin") and not visible(staff, "queue")


def test_after_a_lock_ctrl_z_brings_back_no_search(qtbot, staff) -> None:
    """Issue 11, item 15: the next nurse's Ctrl+Z must not show the previous nurse's search."""
    sign_in(qtbot, staff)
    search = find(staff, "filter:search")
    qtbot.mouseClick(search, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(search, "carter")
    click(qtbot, staff, "staff:lock")
    sign_in(qtbot, staff, ADMIN, ADMIN_PIN)
    qtbot.mouseClick(search, Qt.MouseButton.LeftButton)
    qtbot.keyClick(search, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert search.text() == ""  # type: ignore[attr-defined]
    name = find(staff, "input:staff.name")
    assert isinstance(name, QLineEdit) and not name.isUndoAvailable()


def test_an_entry_is_never_narrower_than_its_hint(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The queue's date filters at 1024 px were cut to "From Y…": a layout short of room takes
    it from elsewhere (tests/ui/test_glass.py checks the whole station at every screen size)."""
    from PySide6.QtWidgets import QHBoxLayout, QWidget

    from ui.common.controls import HintEntry

    holder = QWidget()
    qtbot.addWidget(holder)
    row = QHBoxLayout(holder)
    dates = [HintEntry(holder) for _ in range(2)]
    for edit, hint in zip(dates, ("From YYYY-MM-DD", "To YYYY-MM-DD"), strict=True):
        edit.setPlaceholderText(hint)
        row.addWidget(edit)
    holder.resize(200, 60)  # far too narrow: the entries keep their hints' width
    holder.show()
    for edit in dates:
        assert edit.width() >= edit.fontMetrics().horizontalAdvance(edit.placeholderText()) + 24
