"""Run under a real X server (xvfb-run, the xcb platform): put a patient's name and a nurse's
report text on the clipboard and the X11 selection, reset the kiosk and lock the staff
station, then print what a middle click or Ctrl+V or Ctrl+Z would bring back."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import Qt
from PySide6.QtGui import QClipboard, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from kiosk.clock import FakeClock
from kiosk.staff import Accounts
from kiosk.store import Store

app = QApplication(sys.argv[:1])
from ui.app import create_kiosk_window, create_staff_window  # noqa: E402

db = Path(sys.argv[1])
with Store(db) as store:
    Accounts(store).add("Ana", "nurse", "482916", "test")
clipboard = QGuiApplication.clipboard()
print("platform", QGuiApplication.platformName(), "selection", clipboard.supportsSelection())

clock = FakeClock()
kiosk = create_kiosk_window(db, fullscreen=False, idle_warn_s=90, idle_countdown_s=30, clock=clock)
kiosk.show()
QTest.qWaitForWindowExposed(kiosk)
kiosk.start()
clipboard.setText("Zyxwvu Qwertyson", QClipboard.Mode.Selection)
clipboard.setText("Zyxwvu Qwertyson", QClipboard.Mode.Clipboard)
QTest.qWait(50)
print("kiosk before", repr(clipboard.text(QClipboard.Mode.Selection)))
clock.advance(90)  # idle warning, then the countdown runs out: the reset a patient walking away gets
clock.advance(30)
QTest.qWait(50)
print("kiosk after", repr(clipboard.text(QClipboard.Mode.Selection)), repr(clipboard.text(QClipboard.Mode.Clipboard)))
kiosk.shutdown()

staff = create_staff_window(db, clock=clock)
staff.show()
QTest.qWaitForWindowExposed(staff)
name = staff.findChild(QLineEdit, "input:staff.name")
name.setFocus()
QTest.keyClicks(name, "Ana")
clipboard.setText("Report: Zyxwvu Qwertyson, born 1950-01-01", QClipboard.Mode.Selection)
clipboard.setText("Report: Zyxwvu Qwertyson, born 1950-01-01", QClipboard.Mode.Clipboard)
staff.lock("manual")
QTest.qWait(50)
name.setFocus()
QTest.keyClick(name, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
print("staff after", repr(clipboard.text(QClipboard.Mode.Selection)), repr(clipboard.text(QClipboard.Mode.Clipboard)),
      repr(name.text()))
staff.close()
