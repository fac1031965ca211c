"""A real kiosk process for the crash and privacy tests (not a test module itself).

    python tests/ui/kiosk_child.py DB answer   # start, answer part of an intake, print READY, run
    python tests/ui/kiosk_child.py DB restart  # start again, report what the new session shows

It sets up logging as ``main.py`` does, builds the window with ``create_kiosk_window`` and
drives it with QTest clicks and key presses, then runs the event loop like the real kiosk.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget  # noqa: E402

GIVEN, FAMILY = "Quillonia", "Vandermoot"  # distinctive: grepped for in every file written


def tap(window: QWidget, name: str) -> None:
    widget = window.findChild(QWidget, name)
    assert widget is not None and widget.isVisible(), name
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(widget.width() // 2, widget.height() // 2))
    QApplication.processEvents()


def type_in(window: QWidget, link_id: str, text: str) -> None:
    entry = window.findChild(QLineEdit, f"input:{link_id}")
    assert entry is not None, link_id
    entry.setFocus()
    QTest.keyClicks(entry, text)
    QTest.keyClick(entry, Qt.Key.Key_Return)
    QApplication.processEvents()


def main() -> int:
    db, what = Path(sys.argv[1]), sys.argv[2]
    from kiosk.logs import configure
    from ui.app import create_kiosk_window

    configure(db)
    app = QApplication([])
    window = create_kiosk_window(db, fullscreen=False, idle_warn_s=3600)
    window.resize(1280, 800)
    window.show()
    QApplication.processEvents()
    if what == "answer":
        tap(window, "nav:start")
        tap(window, "opt:consent:true")
        type_in(window, "patient.given", GIVEN)
        type_in(window, "patient.family", FAMILY)
        if window.findChild(QLineEdit, "input:patient.birthdate") is None:
            tap(window, "nav:next")  # the section goes on on the next page
        type_in(window, "patient.birthdate", "1951-03-07")
        tap(window, "opt:patient.sex:female")
        print(f"READY {window.session.intake_id}", flush=True)  # type: ignore[union-attr]
        return int(app.exec())  # killed here
    current = window.stack.currentWidget().objectName()
    entries = [e.text() for e in window.findChildren(QLineEdit) if e.text()]
    print(f"PAGE {current} SESSION {window.session is not None} TEXT {entries!r}", flush=True)
    window.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
