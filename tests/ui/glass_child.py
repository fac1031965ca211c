"""Run under xvfb-run with the xcb platform, at one screen size: the real kiosk full screen
(``ui.app.show_kiosk``), walked by a patient who only taps, in each language and text size.
After every tap the whole screen is checked (tests/ui/glass.py); notices and the keyboard too.

Prints ``PROBLEM ...`` lines, ``WALK lang size screens taps`` lines, ``NUMBER ...`` lines (a
clinic that asks for the patient number), ``NEXT-AFTER-TYPING ...``, ``STAFF-SIGNIN ...``, ``STAFF-PAGES ...``
and ends with ``DONE``.
Usage: glass_child.py DB_DIR LANGS SIZES [--shots DIR]"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QPoint  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget  # noqa: E402

app = QApplication(sys.argv[:1])

from kiosk.clock import FakeClock  # noqa: E402
from tests.ui.glass import problems  # noqa: E402
from tests.ui.patient import TappingPatient  # noqa: E402
from ui.app import create_kiosk_window, show_kiosk  # noqa: E402

db_dir, langs, sizes = Path(sys.argv[1]), sys.argv[2].split(","), sys.argv[3].split(",")
shots = Path(sys.argv[sys.argv.index("--shots") + 1]) if "--shots" in sys.argv else None
answers = json.loads((ROOT.parent / "shared" / "spec" / "examples" / "s5_daily_aspirin.json").read_text())
screen = app.primaryScreen().geometry()
found: list[str] = []


def settle() -> None:
    for _ in range(4):
        QApplication.sendPostedEvents()
        QApplication.processEvents()


def check(window: QWidget, where: str) -> None:
    settle()
    if window.geometry() != screen:
        found.append(f"{where}: WINDOW {window.geometry().getRect()} is not the screen {screen.getRect()}")
    for line in problems(window, where):
        if line not in found:
            found.append(line)


def shot(window: QWidget, name: str) -> None:
    if shots is not None:
        settle()
        shots.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(shots / f"{name}.png"))


def xdotool(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True, timeout=10)


def next_after_typing(window: QWidget, label: str) -> None:
    """A real press on Next with the keyboard open: the footer stays put until the release, and
    the one tap goes on to the next screen."""
    patient = TappingPatient(window, answers)
    patient.tap("nav:start")
    patient.give("consent", True)
    patient.give("patient.given", "Ana")
    patient.give("patient.family", "Prueba")
    settle()
    keyboard_open = patient.shown("keyboard")
    button = window.findChild(QWidget, "nav:next")
    before = button.mapTo(window, QPoint(0, 0))
    centre = button.mapToGlobal(button.rect().center())
    xdotool("mousemove", str(centre.x()), str(centre.y()))
    xdotool("mousedown", "1")
    QTest.qWait(150)
    settle()
    during = button.mapTo(window, QPoint(0, 0))
    xdotool("mouseup", "1")
    QTest.qWait(150)
    settle()
    moved = patient.items_on_page()
    print(f"NEXT-AFTER-TYPING {label} keyboard={keyboard_open} footer_still={before == during} "
          f"next_screen={'patient.birthdate' in moved}", flush=True)
    window.reset()  # type: ignore[attr-defined]


def open_kiosk(db: Path, lang: str, size: str, label: str) -> tuple[QWidget, TappingPatient]:
    """The kiosk full screen on ``db``, its language and text size chosen by taps."""
    window = create_kiosk_window(db, fullscreen=True, clock=FakeClock(), idle_warn_s=3600, idle_countdown_s=30)
    show_kiosk(window)
    QTest.qWaitForWindowExposed(window)
    settle()
    patient = TappingPatient(window, answers, on_tap=lambda name: check(window, f"{label} after {name}"))
    if lang != "en":
        patient.tap(f"lang:{lang}")
    while window.text_size != size:  # type: ignore[attr-defined]
        patient.tap("view:text-size")
    return window, patient


def close(window: QWidget) -> None:
    window.shutdown()  # type: ignore[attr-defined]
    window.deleteLater()
    settle()


def staff_signin(window: QWidget, label: str, db: Path) -> None:
    """The staff station over the kiosk (Staff on the welcome screen), checked like every patient
    screen: the sign-in with the kiosk's own keyboard open under it and after Done, then, signed
    in, the queue, the intake the patient just sent and each admin tab."""
    from kiosk.staff import Accounts
    from kiosk.store import Store

    with Store(db) as store:
        Accounts(store).add("Ana", "admin", "482916", "glass")
    patient = TappingPatient(window, answers, on_tap=lambda name: check(window, f"{label} staff after {name}"))
    patient.tap("staff:enter")
    keyboard = patient.shown("page:signin") and patient.shown("key:Q")
    focus = QApplication.focusWidget()
    typed_field_shown = focus is not None and focus.objectName() == "input:staff.name" and \
        focus.visibleRegion().boundingRect().height() == focus.height()
    shot(window, f"{screen.width()}x{screen.height()}-staff-signin-keyboard")
    patient.tap("key:done")
    pad = patient.shown("pin:ok")
    shot(window, f"{screen.width()}x{screen.height()}-staff-signin")
    print(f"STAFF-SIGNIN {label} keyboard={keyboard} field_shown={typed_field_shown} pad={pad}", flush=True)
    patient.tap("staff:keyboard")  # the name, typed on the keyboard the bar brings back
    patient.tap("input:staff.name")
    patient.type_keys("Ana")
    patient.tap("key:done")
    for digit in "482916":
        patient.tap(f"pin:{digit}")
    patient.tap("pin:ok")
    shot(window, f"{screen.width()}x{screen.height()}-staff-queue")
    staff = window.findChild(QWidget, "staff")
    seen = ["queue"] if patient.shown("queue") else []
    if staff is not None and staff.queue.model.rowCount():  # type: ignore[attr-defined]
        staff.open_intake(staff.queue.model.rows[0].id)  # type: ignore[attr-defined]  # a double tap on the row
        check(window, f"{label} staff intake")
        shot(window, f"{screen.width()}x{screen.height()}-staff-intake")
        seen += ["intake"] if patient.shown("detail:report") else []
    patient.tap("staff:admin")
    tabs = window.findChild(QTabWidget, "admin:tabs")
    for n in range(tabs.count() if tabs is not None else 0):
        tabs.setCurrentIndex(n)  # type: ignore[union-attr]
        check(window, f"{label} staff admin {tabs.tabText(n)}")  # type: ignore[union-attr]
        shot(window, f"{screen.width()}x{screen.height()}-staff-admin-{n}")
        seen.append(f"admin:{n}")
    print(f"STAFF-PAGES {label} {' '.join(seen)}", flush=True)
    patient.tap("staff:lock")


def patient_number(lang: str, size: str, n: int) -> None:
    """A clinic that asks for the number on the front desk's slip: the field, its digit keypad and
    its message when the number is too short, checked after every tap."""
    from kiosk import settings as clinic_settings
    from kiosk.store import Store

    db = db_dir / f"kiosk-number-{lang}-{size}-{n}.db"
    with Store(db) as store:
        clinic_settings.change(store, {"patient_number_system": "urn:oid:1.2.3.4"}, "test")
    label = f"{screen.width()}x{screen.height()} {lang} {size} patient number"
    window, patient = open_kiosk(db, lang, size, label)
    patient.tap("nav:start")
    for _ in range(4):
        if "patient.number" in patient.items_on_page():
            break
        patient.answer_page()
        patient.tap("nav:next")
    asked = "patient.number" in patient.items_on_page()
    if asked:
        patient.tap("input:patient.number")
        keypad = patient.shown("key:0") and not patient.shown("key:Q")
        shot(window, f"{screen.width()}x{screen.height()}-{lang}-{size}-patient-number")
        patient.type_keys("12")
        patient.tap("key:done")
        message = patient.shown("error:patient.number")
        shot(window, f"{screen.width()}x{screen.height()}-{lang}-{size}-patient-number-short")
        print(f"NUMBER {label} keypad={keypad} message={message}", flush=True)
    else:
        print(f"NUMBER {label} not asked", flush=True)
    close(window)


def walk(lang: str, size: str, n: int) -> None:
    db = db_dir / f"kiosk-{lang}-{size}-{n}.db"
    label = f"{screen.width()}x{screen.height()} {lang} {size}"
    window, patient = open_kiosk(db, lang, size, label)
    check(window, f"{label} welcome")
    shot(window, f"{screen.width()}x{screen.height()}-{lang}-{size}-welcome")
    patient.on_screen = lambda name: shot(window, f"{screen.width()}x{screen.height()}-{lang}-{size}-{name}")
    start_taps = patient.walk.taps
    result = patient.to_review()
    print(f"WALK {label} screens={result.screens} taps={result.taps - start_taps}", flush=True)
    check(window, f"{label} review")
    shot(window, f"{screen.width()}x{screen.height()}-{lang}-{size}-review")
    bar = window.findChild(QWidget, "review:scroll").verticalScrollBar()  # type: ignore[union-attr]
    bar.setValue(bar.maximum())
    check(window, f"{label} review, scrolled down")
    overlays = window.overlays  # type: ignore[attr-defined]
    for key, tone in (("redflag", "now"), ("redflag", "nurse"), ("restart", ""), ("idle", ""), ("help", ""),
                      ("confirm", "")):
        overlays.open(key, tone)
        check(window, f"{label} notice {key} {tone}")
        shot(window, f"{screen.width()}x{screen.height()}-{lang}-{size}-notice-{key}{'-' + tone if tone else ''}")
        overlays.hide(key)
    # the number keypad: Change a typed number on the review, the keypad opens above Next
    patient.tap("edit:care.total_weeks")
    patient.tap("input:care.total_weeks")
    check(window, f"{label} number keypad")
    shot(window, f"{screen.width()}x{screen.height()}-{lang}-{size}-keypad")
    assert patient.shown("key:0") and not patient.shown("key:Q"), "the number keypad did not open"
    patient.tap("key:done")
    patient.tap("nav:next")  # back to the review
    patient.tap("nav:submit")
    patient.tap("nav:confirm")
    check(window, f"{label} thank-you")
    shot(window, f"{screen.width()}x{screen.height()}-{lang}-{size}-done")
    window.reset()  # type: ignore[attr-defined]
    if lang == "en" and size == "normal":
        next_after_typing(window, label)
        staff_signin(window, label, db)
    close(window)


for n, lang in enumerate(langs):
    for size in sizes:
        walk(lang, size, n)
        patient_number(lang, size, n)
for line in found:
    print("PROBLEM", line, flush=True)
print("DONE", flush=True)
