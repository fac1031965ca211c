"""The welcome screen goes up before Qt's namespace and the rest of the window are built
(ui/common/lazyqt.py, ui/patient/later.py), and both are there before anyone needs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QScrollArea, QWidget

from ui.common import lazyqt

ROOT = Path(__file__).resolve().parents[2]

# A fresh process: this one has Qt's namespace already (pytest-qt reads it).
STARTUP = r"""
import json, sys
sys.path.insert(0, sys.argv[2])
from kiosk.cli import main as cli_main
from PySide6.QtWidgets import QWidget


def shown(args):
    from ui import app as ui_app
    from ui.common import lazyqt
    app, window, cleanup = ui_app.start_kiosk(args)
    app.processEvents()
    names = {w.objectName() for w in window.findChildren(QWidget)}
    seen = {"built_at_welcome": lazyqt.built(), "later_at_welcome": window._later is not None,
            "page": window.stack.currentWidget().objectName(), "next_at_welcome": "nav:next" in names,
            "start_at_welcome": "nav:start" in names and "staff:enter" in names and "lang:es" in names}
    ui_app.warm_up(window, None)
    names = {w.objectName() for w in window.findChildren(QWidget)}
    seen.update(built_after=lazyqt.built(), later_after=window._later is not None,
                next_after="nav:next" in names and "page:done" in names and "page:error" in names,
                page_after=window.stack.currentWidget().objectName(),
                next_hidden=not window.footer.isVisible())
    print(json.dumps(seen))
    window.shutdown()
    cleanup()
    return 0


sys.exit(cli_main(["--windowed", "--db", sys.argv[1]], ui_commands={"kiosk": shown}))
"""


def test_the_enum_numbers_are_qts_own() -> None:
    for (_prop, value), member in lazyqt.ENUMS.items():
        enum_name, name = member.split(".")
        assert getattr(getattr(Qt, enum_name), name).value == value, member


def test_set_enum_sets_the_real_enum_and_refuses_a_wrong_property(qtbot) -> None:  # type: ignore[no-untyped-def]
    label, scroll = QLabel(), QScrollArea()
    for widget in (label, scroll):
        qtbot.addWidget(widget)
    lazyqt.set_enum(label, lazyqt.PLAIN_TEXT)
    lazyqt.set_enum(label, lazyqt.ALIGN_HCENTER)
    lazyqt.set_enum(scroll, lazyqt.NO_HORIZONTAL_SCROLL_BAR)
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.alignment() == Qt.AlignmentFlag.AlignHCenter
    assert scroll.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    with pytest.raises(ValueError, match="no property"):
        lazyqt.set_enum(QWidget(), lazyqt.PLAIN_TEXT)  # a plain widget has no text format


def test_kiosk_buttons_take_the_keyboard_focus_and_show_their_words(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Qt's own default (StrongFocus) is what keyboard-only use needs; the words are set after
    construction (passing them to QPushButton would build QIcon's theme icons)."""
    from ui.common.controls import KioskButton

    button = KioskButton("Next", "nav:x")
    qtbot.addWidget(button)
    assert button.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert button.text() == "Next" and button.accessibleName() == "Next"


def test_the_kiosk_welcome_screen_needs_neither_and_the_warm_up_builds_both(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", STARTUP, str(tmp_path / "kiosk.db"), str(ROOT)],
                          capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"built_at_welcome": False, "later_at_welcome": False, "page": "page:welcome",
                    "next_at_welcome": False, "start_at_welcome": True, "built_after": True,
                    "later_after": True, "next_after": True, "page_after": "page:welcome",
                    "next_hidden": True}


def test_anything_that_needs_a_later_part_builds_them(make_kiosk) -> None:  # type: ignore[no-untyped-def]
    window = make_kiosk()
    assert window._later is None and window.findChild(QAbstractButton, "nav:next") is None
    window.set_language("es")  # the header and welcome change language; nothing else is built
    assert window._later is None
    assert window.findChild(QAbstractButton, "nav:start").text() == "Empezar"
    footer = window.footer
    assert window._later is not None and window.section_page is window._later.section_page
    nav = {name: window.findChild(QAbstractButton, name) for name in ("nav:next", "nav:back", "nav:restart")}
    assert all(button is not None and not button.isVisibleTo(window) for button in nav.values())
    assert footer.next_button.text() == "Siguiente"  # built in the language already chosen
    assert window.stack.where() == ""


def test_start_before_the_warm_up_builds_the_rest_and_shows_the_first_question(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_kiosk()
    assert window._later is None
    qtbot.mouseClick(window.findChild(QAbstractButton, "nav:start"), Qt.MouseButton.LeftButton)
    assert window.stack.where() == "section"
    assert window.findChild(QAbstractButton, "nav:next").isVisible()
