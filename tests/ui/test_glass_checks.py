"""The checker the glass tests rely on (tests/ui/glass.py) finds what it is meant to find."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget

from tests.ui.glass import problems, text_problem


def test_it_finds_cut_words_a_narrow_button_a_short_entry_and_a_widget_off_the_screen(qtbot) -> None:
    top = QWidget()
    qtbot.addWidget(top)
    top.resize(400, 300)
    word = QLabel("Extraordinarily", top)
    word.setWordWrap(True)
    word.setGeometry(0, 0, 40, 200)
    lines = QLabel("one two three four five six seven eight nine ten", top)
    lines.setWordWrap(True)
    lines.setGeometry(0, 0, 120, 10)
    button = QPushButton("Send my answers", top)
    button.setGeometry(0, 0, 30, 60)
    entry = QLineEdit(top)
    entry.setPlaceholderText("YYYY-MM-DD and more words")
    entry.setGeometry(0, 0, 40, 40)
    away = QPushButton("Ok", top)
    away.setObjectName("away")
    away.setGeometry(380, 280, 80, 60)
    fine = QLabel("Fine", top)
    fine.setGeometry(0, 0, 200, 60)
    top.show()
    qtbot.waitExposed(top)
    assert "word" in (text_problem(word) or "")
    assert "height" in (text_problem(lines) or "")
    assert text_problem(button) and text_problem(entry)
    assert text_problem(fine) is None
    found = problems(top, "test")
    assert [line.split()[2] for line in found if "OFFSCREEN" in line] == ["away"]
    assert sum("CLIPPED" in line for line in found) == 4


def test_it_finds_buttons_that_cover_each_other_and_a_button_cut_by_its_panel(qtbot) -> None:
    top = QWidget()
    qtbot.addWidget(top)
    top.resize(400, 300)
    panel = QWidget(top)
    panel.setGeometry(0, 0, 200, 80)
    first, second = QPushButton("A", panel), QPushButton("B", panel)
    first.setObjectName("first")
    second.setObjectName("second")
    first.setGeometry(0, 0, 80, 60)
    second.setGeometry(40, 30, 80, 60)  # over the first, and past the panel's bottom edge
    top.show()
    qtbot.waitExposed(top)
    found = problems(top, "test")
    assert any("OVERLAP first" in line and "second" in line for line in found)
    assert any("CUT second" in line for line in found)
