"""Guard against a Qt binding that leaks references to None or True/False.

PySide6 6.12.0 dropped one reference to None on every call of a method that returns nothing
(``setText``, ``setChecked``, ...). A kiosk makes thousands of such calls per patient, so the
process aborted with "Fatal Python error: none_dealloc" after a few dozen patients (found by
tests/bench/soak.py). pyproject.toml excludes that release; this test fails on any binding
with the same fault.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel, QPushButton


def test_void_methods_keep_the_reference_count_of_none_and_bools(qtbot) -> None:
    label, button = QLabel("a"), QPushButton("b")
    qtbot.addWidget(label)
    qtbot.addWidget(button)
    button.setCheckable(True)
    none, true, false = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    for n in range(5000):
        label.setText(str(n % 7))
        button.setChecked(n % 2 == 0)
        button.isChecked()
    assert abs(sys.getrefcount(None) - none) < 100
    assert abs(sys.getrefcount(True) - true) < 100 and abs(sys.getrefcount(False) - false) < 100
