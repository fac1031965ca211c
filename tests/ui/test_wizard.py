"""The patient wizard, driven by clicks and key presses on the real widgets, off screen."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit

from kiosk.answers import validate_answers
from kiosk.clock import FakeClock
from kiosk.rules import assess
from kiosk.store import Store
from tests.conftest import load_example
from tests.ui.conftest import (
    advance_to,
    all_widgets,
    click,
    current_items,
    find,
    give,
    scroll_to,
    settle,
    tap,
    type_into,
    type_on_screen,
    visible,
    walk,
)

WALKED = ["s4_pacemaker_rfa_workup", "s6_cervical_arm_pain", "s7_fever_unsure", "s8_rfa_30_months_ago"]


def stored(tmp_path):  # type: ignore[no-untyped-def]
    with Store(tmp_path / "kiosk.db") as store:
        intakes = store.intakes()
        return intakes, {i.id: store.answers(i.id) for i in intakes}, \
            {i.id: store.latest_assessment(i.id) for i in intakes}


@pytest.mark.parametrize("name", [*WALKED, "s5_daily_aspirin"])
def test_walk_example_patient_and_submit(qtbot, kiosk, tmp_path, questionnaire, rulepack, name) -> None:
    answers = load_example(name)
    given = walk(qtbot, kiosk, answers)
    assert given == set(answers)
    intakes, saved, assessments = stored(tmp_path)
    assert [i.status for i in intakes] == ["submitted"]
    canon = lambda a: {k: sorted(v) if isinstance(v, list) else v for k, v in a.items()}  # noqa: E731
    assert canon(saved[intakes[0].id]) == canon(answers)  # lists are kept in the questionnaire's order
    clean, _ = validate_answers(questionnaire, saved[intakes[0].id])
    expected = assess(rulepack, questionnaire, clean).to_json()
    assert expected["outcome"] == assess(rulepack, questionnaire, validate_answers(questionnaire, answers)[0]).outcome
    assert assessments[intakes[0].id] == json.loads(json.dumps(expected))
    done_text = " ".join(w.text() for w in find(kiosk, "page:done").findChildren(QLabel))
    assert "nurse will review" in done_text
    for word in ("candidate", "urgent", "diagnos", "qualif"):
        assert word not in done_text.lower()


def test_done_page_returns_to_an_empty_welcome(qtbot, make_kiosk, clock) -> None:
    kiosk = make_kiosk(done_s=15)
    walk(qtbot, kiosk, load_example("s5_daily_aspirin"))
    count = find(kiosk, "done:countdown")
    assert "15" in count.text()  # type: ignore[attr-defined]
    clock.advance(5.5)
    assert visible(kiosk, "page:done") and "10" in count.text()  # type: ignore[attr-defined]
    clock.advance(9.5)
    assert visible(kiosk, "page:welcome")
    assert kiosk.session is None


def test_answers_are_saved_the_moment_they_are_given(qtbot, kiosk, tmp_path) -> None:
    click(qtbot, kiosk, "nav:start")
    click(qtbot, kiosk, "opt:consent:true")
    type_into(qtbot, kiosk, "patient.given", "Ana")
    _, saved, _ = stored(tmp_path)
    assert list(saved.values()) == [{"consent": True, "patient.given": "Ana"}]


def test_next_explains_what_is_missing(qtbot, kiosk) -> None:
    click(qtbot, kiosk, "nav:start")
    click(qtbot, kiosk, "nav:next")
    assert current_items(kiosk)[0] == "consent"  # did not move
    assert find(kiosk, "error:consent").isVisible()
    assert "answer" in find(kiosk, "error:patient.given").text()
    assert find(kiosk, "page:message").text()
    click(qtbot, kiosk, "opt:consent:false")
    type_into(qtbot, kiosk, "patient.given", "Ana")
    type_into(qtbot, kiosk, "patient.family", "Prueba")
    click(qtbot, kiosk, "nav:next")
    assert "agree" in find(kiosk, "error:consent").text()
    click(qtbot, kiosk, "opt:consent:true")
    click(qtbot, kiosk, "nav:next")
    assert current_items(kiosk) == ["patient.birthdate", "patient.sex"]


@pytest.mark.parametrize(("typed", "fragment"), [
    ("2015-03-01", "front desk"), ("2090-01-01", "future"), ("1950-02-30", "month, day and year")])
def test_birthdate_messages(qtbot, kiosk, typed, fragment) -> None:
    click(qtbot, kiosk, "nav:start")
    give(qtbot, kiosk, "consent", True)
    give(qtbot, kiosk, "patient.given", "Ana")
    give(qtbot, kiosk, "patient.family", "Prueba")
    click(qtbot, kiosk, "nav:next")
    type_into(qtbot, kiosk, "patient.birthdate", typed)
    assert fragment in find(kiosk, "error:patient.birthdate").text()
    click(qtbot, kiosk, "nav:next")
    assert "patient.birthdate" in current_items(kiosk)


def test_name_with_digits_is_refused_with_a_message(qtbot, kiosk, tmp_path) -> None:
    click(qtbot, kiosk, "nav:start")
    type_into(qtbot, kiosk, "patient.given", "R2D2")
    assert "letters" in find(kiosk, "error:patient.given").text()
    _, saved, _ = stored(tmp_path)
    assert "patient.given" not in next(iter(saved.values()), {})


def test_number_entry_range_message(qtbot, kiosk) -> None:
    answers = load_example("s4_pacemaker_rfa_workup")
    advance_to(qtbot, kiosk, answers, "inj.mbb.count")
    type_into(qtbot, kiosk, "inj.mbb.count", "25")
    assert "0 to 20" in find(kiosk, "error:inj.mbb.count").text()
    entry = find(kiosk, "input:inj.mbb.count")
    assert isinstance(entry, QLineEdit)
    qtbot.keyClicks(entry, "abc")
    assert entry.text() == "25"  # letters never reach a number entry


def test_items_appear_live_with_enable_when(qtbot, kiosk) -> None:
    answers = load_example("s8_rfa_30_months_ago")
    advance_to(qtbot, kiosk, answers, "inj.any")
    assert "inj.epidural" not in current_items(kiosk)
    click(qtbot, kiosk, "opt:inj.any:yes")
    assert "inj.epidural" in current_items(kiosk)
    click(qtbot, kiosk, "opt:inj.any:no")
    assert "inj.epidural" not in current_items(kiosk)


def test_exclusive_options(qtbot, kiosk) -> None:
    answers = load_example("s5_daily_aspirin")
    advance_to(qtbot, kiosk, answers, "dx")
    click(qtbot, kiosk, "opt:dx:disc")
    click(qtbot, kiosk, "opt:dx:stenosis")
    click(qtbot, kiosk, "opt:dx:none")
    checked = [c for c in ("disc", "stenosis", "none") if find(kiosk, f"opt:dx:{c}").isChecked()]  # type: ignore[attr-defined]
    assert checked == ["none"]
    click(qtbot, kiosk, "opt:dx:disc")
    assert not find(kiosk, "opt:dx:none").isChecked() and find(kiosk, "opt:dx:disc").isChecked()  # type: ignore[attr-defined]
    assert kiosk.session.answers["dx"] == ["disc"]


def test_body_map_and_list_set_the_same_answer(qtbot, kiosk) -> None:
    answers = load_example("s5_daily_aspirin")
    advance_to(qtbot, kiosk, answers, "pain.map")
    click(qtbot, kiosk, "map:low_back")
    assert find(kiosk, "opt:pain.map:low_back").isChecked()  # type: ignore[attr-defined]
    click(qtbot, kiosk, "opt:pain.map:forearm_hand_l")
    assert find(kiosk, "map:forearm_hand_l").isChecked()  # type: ignore[attr-defined]
    assert sorted(kiosk.session.answers["pain.map"]) == ["forearm_hand_l", "low_back"]
    click(qtbot, kiosk, "map:low_back")
    assert kiosk.session.answers["pain.map"] == ["forearm_hand_l"]
    # the patient's left arm is on the viewer's right of the front figure, on the left of the back
    front_left, front_right = find(kiosk, "map:forearm_hand_l:front"), find(kiosk, "map:forearm_hand_r:front")
    assert front_left.x() > front_right.x()
    assert find(kiosk, "map:forearm_hand_l").x() < find(kiosk, "map:forearm_hand_r").x()
    assert find(kiosk, "map:buttock_l").x() < find(kiosk, "map:buttock_r").x()  # back view
    click(qtbot, kiosk, "map:forearm_hand_l:front")  # the same area on the other figure takes it back
    assert kiosk.session.answers.get("pain.map") is None
    assert not find(kiosk, "map:forearm_hand_l").isChecked()  # type: ignore[attr-defined]


def test_back_and_edit_from_review(qtbot, kiosk, tmp_path) -> None:
    answers = load_example("s5_daily_aspirin")
    walk(qtbot, kiosk, answers, submit=False)
    click(qtbot, kiosk, "edit:pain.nrs.avg")
    assert "pain.nrs.avg" in current_items(kiosk)
    assert find(kiosk, "nav:next").text() == "Back to my answers"
    click(qtbot, kiosk, "opt:pain.nrs.avg:3")
    click(qtbot, kiosk, "nav:next")
    assert visible(kiosk, "page:review")
    assert find(kiosk, "answer:pain.nrs.avg").text() == "3"  # type: ignore[attr-defined]
    click(qtbot, kiosk, "nav:back")  # from the review: the last page
    assert current_items(kiosk)[-1] == "safety.implant"
    click(qtbot, kiosk, "nav:back")
    assert "safety.immuno" in current_items(kiosk)
    click(qtbot, kiosk, "nav:next")
    click(qtbot, kiosk, "nav:next")
    click(qtbot, kiosk, "nav:submit")
    click(qtbot, kiosk, "nav:confirm")
    _, saved, assessments = stored(tmp_path)
    intake = next(iter(saved))
    assert saved[intake]["pain.nrs.avg"] == 3
    assert assessments[intake]["outcome"] == "NOT_CANDIDATE"


def test_cancel_at_the_confirmation_keeps_the_draft(qtbot, kiosk, tmp_path) -> None:
    walk(qtbot, kiosk, load_example("s5_daily_aspirin"), submit=False)
    click(qtbot, kiosk, "nav:submit")
    click(qtbot, kiosk, "nav:cancel")
    assert visible(kiosk, "page:review") and not visible(kiosk, "confirm:submit")
    intakes, _, _ = stored(tmp_path)
    assert intakes[0].status == "draft"


def test_language_switch_mid_intake_keeps_answers(qtbot, kiosk) -> None:
    click(qtbot, kiosk, "nav:start")
    give(qtbot, kiosk, "consent", True)
    type_on_screen(qtbot, kiosk, "patient.given", "josé maría")
    # Done goes on to the last name (still empty), so the keyboard stays for it
    assert visible(kiosk, "keyboard") and QApplication.focusWidget() is find(kiosk, "input:patient.family")
    click(qtbot, kiosk, "lang:es")
    assert find(kiosk, "nav:next").text() == "Siguiente"
    assert find(kiosk, "text:consent").text().startswith("Entiendo")  # type: ignore[attr-defined]
    assert find(kiosk, "opt:consent:true").isChecked()  # type: ignore[attr-defined]
    assert find(kiosk, "input:patient.given").text() == "José María"  # type: ignore[attr-defined]
    assert find(kiosk, "opt:consent:true").accessibleName() == "Sí"
    click(qtbot, kiosk, "lang:en")
    assert find(kiosk, "nav:next").text() == "Next"
    assert kiosk.session.answers == {"consent": True, "patient.given": "José María"}


def test_red_flag_notice_then_continue(qtbot, kiosk) -> None:
    answers = load_example("s5_daily_aspirin")
    advance_to(qtbot, kiosk, answers, "rf.fever")
    click(qtbot, kiosk, "opt:rf.fever:unsure")
    assert not visible(kiosk, "notice:redflag")
    click(qtbot, kiosk, "opt:rf.fever:yes")
    assert visible(kiosk, "notice:redflag")
    text = find(kiosk, "notice:redflag:text").text()  # type: ignore[attr-defined]
    assert "front desk" in text and "urgent" not in text.lower()
    click(qtbot, kiosk, "notice:ok")
    assert not visible(kiosk, "notice:redflag")
    assert kiosk.session.answers["rf.fever"] == "yes"


def test_idle_warning_continue_and_expiry(qtbot, make_kiosk, tmp_path, clock) -> None:
    kiosk = make_kiosk(idle_warn_s=90, idle_countdown_s=30)
    click(qtbot, kiosk, "nav:start")
    clock.advance(60)
    click(qtbot, kiosk, "opt:consent:true")  # a tap starts the 90 seconds again
    clock.advance(89)
    assert not visible(kiosk, "idle:warning")
    clock.advance(1)
    assert visible(kiosk, "idle:warning")
    body = " ".join(w.text() for w in find(kiosk, "idle:warning").findChildren(QLabel))
    assert "30" in body
    clock.advance(10)
    assert "20" in " ".join(w.text() for w in find(kiosk, "idle:warning").findChildren(QLabel))
    click(qtbot, kiosk, "idle:continue")
    assert not visible(kiosk, "idle:warning") and visible(kiosk, "page:section")
    clock.advance(90)
    assert visible(kiosk, "idle:warning")
    clock.advance(29)
    assert visible(kiosk, "idle:warning") and visible(kiosk, "page:section")
    clock.advance(1)
    assert visible(kiosk, "page:welcome")
    intakes, saved, _ = stored(tmp_path)
    assert [i.status for i in intakes] == ["abandoned"]
    assert saved[intakes[0].id] == {"consent": True}


class PolledClock(FakeClock):
    """Moves when told, but tells nobody: only the kiosk's own poll timer can notice."""

    def subscribe(self, callback) -> None:  # type: ignore[no-untyped-def]
        pass


def test_the_kiosk_polls_its_clock(qtbot, make_kiosk) -> None:
    """Production time is polled by a Qt timer; this waits for that event, never for an amount of time."""
    clock = PolledClock()
    kiosk = make_kiosk(idle_warn_s=90, idle_countdown_s=30, clock=clock)
    click(qtbot, kiosk, "nav:start")
    clock.advance(90)
    qtbot.waitUntil(lambda: visible(kiosk, "idle:warning"), timeout=10_000)
    clock.advance(30)
    qtbot.waitUntil(lambda: visible(kiosk, "page:welcome"), timeout=10_000)


def test_no_idle_warning_on_the_welcome_screen(qtbot, make_kiosk, clock) -> None:
    kiosk = make_kiosk(idle_warn_s=90, idle_countdown_s=30)
    clock.advance(3600)
    assert visible(kiosk, "page:welcome") and not visible(kiosk, "idle:warning")


def test_privacy_sweep_after_reset(qtbot, make_kiosk, tmp_path, clock) -> None:
    kiosk = make_kiosk(idle_warn_s=90, idle_countdown_s=30)
    answers = load_example("s5_daily_aspirin") | {"patient.given": "Zyxwvu", "patient.family": "Qwertyson"}
    click(qtbot, kiosk, "nav:start")
    for _ in range(6):
        for link_id in current_items(kiosk):
            give(qtbot, kiosk, link_id, answers[link_id])
        if visible(kiosk, "notice:redflag"):
            click(qtbot, kiosk, "notice:ok")
        click(qtbot, kiosk, "nav:next")
    QApplication.clipboard().setText("Zyxwvu")
    clock.advance(90)
    assert visible(kiosk, "idle:warning")
    clock.advance(30)
    assert visible(kiosk, "page:welcome")
    QApplication.processEvents()
    leftovers = []
    for w in all_widgets(kiosk):
        texts = [w.accessibleName(), w.toolTip(), w.windowTitle()]
        if isinstance(w, (QLabel, QAbstractButton)):
            texts.append(w.text())
        if isinstance(w, QLineEdit):
            texts += [w.text(), w.placeholderText()]
            if w.text():
                leftovers.append(f"{w.objectName()} holds {w.text()!r}")
        if isinstance(w, QAbstractButton) and w.objectName().startswith(("opt:", "map:")):
            leftovers.append(w.objectName())
        for text in texts:
            if "Zyxwvu" in text or "Qwertyson" in text:
                leftovers.append(f"{w.objectName() or type(w).__name__}: {text}")
    assert leftovers == []
    assert QApplication.clipboard().text() == ""
    assert kiosk.session is None


def test_fifty_patients_leave_no_widgets_behind(qtbot, kiosk) -> None:
    def cycle() -> None:
        click(qtbot, kiosk, "nav:start")
        click(qtbot, kiosk, "opt:consent:true")
        type_into(qtbot, kiosk, "patient.given", "Ana")
        type_into(qtbot, kiosk, "patient.family", "Prueba")
        click(qtbot, kiosk, "nav:next")
        kiosk.reset()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()

    from collections import Counter

    def census() -> Counter[str]:
        return Counter(f"{type(w).__name__}:{w.objectName()}" for w in QApplication.allWidgets())

    for _ in range(3):
        cycle()
    baseline = census()
    for _ in range(50):
        cycle()
    grown = {k: n - baseline.get(k, 0) for k, n in census().items() if n > baseline.get(k, 0)}
    assert grown == {}


def test_turning_pages_does_not_grow_memory(qtbot, kiosk) -> None:
    """Every page used to get its own scroll area that grabbed the touch gesture again: Qt
    registered a new recogniser and PySide built a new enum class each time, about 0.2 MB
    a patient in the 500-patient soak. Python objects must not pile up as pages turn."""
    import gc
    from collections import Counter

    click(qtbot, kiosk, "nav:start")
    click(qtbot, kiosk, "opt:consent:true")
    type_into(qtbot, kiosk, "patient.given", "Ana")
    type_into(qtbot, kiosk, "patient.family", "Prueba")
    click(qtbot, kiosk, "nav:next")

    def turn() -> None:
        click(qtbot, kiosk, "nav:back")
        click(qtbot, kiosk, "nav:next")
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    def census() -> Counter[str]:
        gc.collect()
        return Counter(type(o).__name__ for o in gc.get_objects())

    for _ in range(3):
        turn()
    before = census()
    for _ in range(20):
        turn()
    grown = {k: n - before.get(k, 0) for k, n in census().items() if n - before.get(k, 0) > 5}
    assert grown == {}


def test_escape_and_close_do_not_end_the_kiosk(qtbot, kiosk) -> None:
    click(qtbot, kiosk, "nav:start")
    qtbot.keyClick(kiosk, Qt.Key.Key_Escape)
    assert kiosk.close() is False
    assert kiosk.isVisible() and visible(kiosk, "page:section")


def test_context_menus_are_blocked(qtbot, kiosk) -> None:
    click(qtbot, kiosk, "nav:start")
    entry = find(kiosk, "input:patient.given")
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(5, 5), entry.mapToGlobal(QPoint(5, 5)))
    assert kiosk.eventFilter(entry, event) is True


def test_no_context_menu_from_a_right_click_or_the_menu_key_anywhere(qtbot, kiosk) -> None:
    """A right button and the Menu key arrive at the window first, as the screen delivers them,
    and stop there: no widget (the staff screen's text boxes included) can open a menu."""
    from PySide6.QtCore import QObject
    from PySide6.QtTest import QTest

    click(qtbot, kiosk, "nav:start")
    entry = find(kiosk, "input:patient.given")

    class Seen(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.kinds: list[str] = []

        def eventFilter(self, watched, event):  # type: ignore[no-untyped-def]
            kind = event.type()
            if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.RightButton:
                self.kinds.append("right press")
            if kind == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Menu:
                self.kinds.append("menu key")
            if kind == QEvent.Type.ContextMenu:
                self.kinds.append("context menu")
            return False

    seen = Seen()
    entry.installEventFilter(seen)
    handle = kiosk.windowHandle()
    QApplication.processEvents()
    assert QApplication.focusWidget() is entry  # the name page opens with the name entry ready
    QTest.mouseClick(handle, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, entry.mapTo(kiosk, QPoint(8, 8)))
    QTest.keyClick(handle, Qt.Key.Key_Menu)
    QTest.keyClick(handle, Qt.Key.Key_B)  # an ordinary key still types
    QApplication.processEvents()
    entry.removeEventFilter(seen)
    assert seen.kinds == [] and QApplication.activePopupWidget() is None
    assert entry.text() == "b"  # type: ignore[attr-defined]


@pytest.mark.logs_errors
def test_storage_failure_shows_front_desk_message(qtbot, kiosk, tmp_path) -> None:
    click(qtbot, kiosk, "nav:start")
    click(qtbot, kiosk, "opt:consent:true")
    kiosk.session.store.conn.execute("PRAGMA query_only = ON")  # the disk refuses writes from now on
    click(qtbot, kiosk, "opt:consent:false")
    assert visible(kiosk, "error")
    assert "front desk" in find(kiosk, "error:text").text()  # type: ignore[attr-defined]
    kiosk.session.store.conn.execute("PRAGMA query_only = OFF")
    _, saved, _ = stored(tmp_path)
    assert list(saved.values()) == [{"consent": True}]  # what was saved is kept


@pytest.mark.logs_errors
def test_unusable_database_shows_the_error_page(qtbot, make_kiosk, tmp_path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database" * 50)
    kiosk = make_kiosk(db=bad)
    assert visible(kiosk, "page:error") and not visible(kiosk, "nav:start")
    assert bad.read_bytes() == b"not a database" * 50


@pytest.mark.parametrize("content", ['{"resourceType": "Questionnaire", "item": []}',
                                     '{"resourceType": "Questionnaire", "item": ' + "[" * 5000 + "]" * 5000 + "}"])
def test_broken_questionnaire_shows_the_front_desk_screen(tmp_path, content) -> None:
    import shutil
    import subprocess
    import sys

    from tests.conftest import ROOT

    resources = tmp_path / "resources"
    shutil.copytree(ROOT / "resources", resources)
    (resources / "questionnaires" / "facet-intake.json").write_text(content)
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from PySide6.QtTest import QTest\n"
        "app = QApplication([])\n"
        "from ui.app import create_kiosk_window\n"
        "w = create_kiosk_window(sys.argv[2], fullscreen=False); w.show()\n"
        "for _ in range(400):  # until the questionnaire has loaded after the first paint (an event, not a time)\n"
        "    QTest.qWait(50)\n"
        "    if w.stack.currentWidget().objectName() == 'page:error': break\n"
        "print(w.stack.currentWidget().objectName())\n"
        "w.shutdown()\n"
    )
    env = {**__import__("os").environ, "KIOSK_RESOURCES": str(resources), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", script, str(ROOT), str(tmp_path / "k.db")], capture_output=True,
                          text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "page:error"
    assert "Traceback" not in done.stderr


def test_licensed_instrument_pack_is_asked_and_scored(qtbot, make_kiosk, tmp_path, monkeypatch) -> None:
    from tests.kiosk.test_instruments import fake_pack, write_pack

    write_pack(tmp_path / "instruments", fake_pack())
    kiosk = make_kiosk()
    answers = load_example("s5_daily_aspirin") | {f"odi.{n}": 3 for n in range(1, 11)}
    walk(qtbot, kiosk, answers)
    intakes, saved, assessments = stored(tmp_path)
    assert saved[intakes[0].id]["odi.7"] == 3
    assert assessments[intakes[0].id]["scores"]["odi_percent"] == 60.0
    f1 = next(f for f in assessments[intakes[0].id]["findings"] if f["rule"] == "F1")
    assert f1["text"].startswith("Functional deficit: ODI 60")


@pytest.mark.parametrize("demo", [False, True])
def test_main_py_start_shows_the_welcome_and_logs_beside_the_database(qtbot, tmp_path, capsys, demo) -> None:
    """What ``python main.py [--demo]`` does before the event loop (the start-up benchmark
    times exactly this): a window on the welcome screen and a log file beside the database;
    a demo database lives in a temporary folder that is gone after the loop."""
    import argparse
    import logging
    from pathlib import Path

    from ui.app import start_kiosk

    root = logging.getLogger()
    before = list(root.handlers)
    try:
        _app, window, cleanup = start_kiosk(argparse.Namespace(db=tmp_path / "kiosk.db", windowed=True, demo=demo))
        qtbot.addWidget(window)
        assert window.isVisible() and not window.isFullScreen()
        assert window.stack.currentWidget().objectName() == "page:welcome"
        assert sys.excepthook.__module__ == "ui.common.crash"  # the last line of defence is in place
        window.shutdown()
        db = Path(capsys.readouterr().out.split("sample intakes: ")[1].split()[0]) if demo else tmp_path / "kiosk.db"
        assert db.exists() and (db.parent / "logs" / "kiosk.log").exists()
        cleanup()
        assert sys.excepthook.__module__ != "ui.common.crash"
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
            handler.close()
    assert db.exists() == (not demo)


@pytest.mark.logs_errors
@pytest.mark.qt_no_exception_capture
def test_an_unexpected_error_starts_the_kiosk_over_on_a_safe_screen(qtbot, make_kiosk, tmp_path, caplog) -> None:
    """A bug in a slot must not leave the kiosk in a state nobody designed, nor log what was typed."""
    from PySide6.QtCore import QTimer

    from ui.common.crash import install_hooks

    kiosk = make_kiosk()
    uninstall = install_hooks(kiosk.recover)
    try:
        click(qtbot, kiosk, "nav:start")
        click(qtbot, kiosk, "opt:consent:true")
        type_into(qtbot, kiosk, "patient.given", "Zyxwvu")

        def broken() -> None:
            raise RuntimeError("Zyxwvu")  # the message holds what the patient typed

        with caplog.at_level(logging.ERROR):
            QTimer.singleShot(0, broken)
            qtbot.waitUntil(lambda: visible(kiosk, "page:welcome"), timeout=10_000)
    finally:
        uninstall()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(m.startswith("unexpected RuntimeError at test_wizard.py:") for m in errors), errors
    assert not any("Zyxwvu" in m for m in errors)
    assert kiosk.session is None
    intakes, saved, _ = stored(tmp_path)
    assert [i.status for i in intakes] == ["abandoned"] and saved[intakes[0].id]["patient.given"] == "Zyxwvu"


def test_the_patient_number_is_typed_on_the_digit_keypad_when_the_clinic_asks_for_it(qtbot, make_kiosk,
                                                                                       tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kiosk import settings as clinic_settings

    answers = load_example("s5_daily_aspirin")
    plain = make_kiosk()
    advance_to(qtbot, plain, answers, "pain.region")  # not asked by default: About you ends with sex
    assert not visible(plain, "input:patient.number")
    plain.shutdown()
    db = tmp_path / "asks.db"
    with Store(db) as store:
        clinic_settings.change(store, {"patient_number_system": "urn:oid:1.2.3.4"}, "test")
    kiosk = make_kiosk(db=db)
    advance_to(qtbot, kiosk, answers, "patient.number")
    entry = find(kiosk, "input:patient.number")
    scroll_to(entry)
    settle()
    tap(entry)
    QApplication.processEvents()
    assert visible(kiosk, "key:1") and not visible(kiosk, "key:A")  # the digit keypad, not the letters
    for key in ("key:1", "key:2", "key:done"):
        click(qtbot, kiosk, key)
    assert "4 to 20 digits" in find(kiosk, "error:patient.number").text()
    type_on_screen(qtbot, kiosk, "patient.number", "345")
    with Store(db) as store:
        (intake,) = store.intakes()
        assert store.answers(intake.id)["patient.number"] == "12345"
    walk(qtbot, kiosk, answers, start=False)
    with Store(db) as store:
        assert store.answers(store.intakes("submitted")[0].id)["patient.number"] == "12345"
