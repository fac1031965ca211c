"""Accessibility and the keyboard-only path: contrast, names, target and text sizes, Tab/Enter."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.i18n import catalog
from tests.conftest import ROOT, load_example
from tests.ui.conftest import answer_page, check_page, click, current_items, find, give, visible
from ui.theme import REQUIRED_CONTRAST, TEXT_SIZES, THEMES, contrast


@pytest.mark.parametrize("name", sorted(THEMES))
def test_theme_contrast(name: str) -> None:
    theme = THEMES[name]
    low = {what: round(contrast(fg, bg), 2) for what, fg, bg in theme.pairs()
           if contrast(fg, bg) < REQUIRED_CONTRAST[name]}
    assert low == {}


def test_contrast_formula() -> None:
    assert round(contrast("#000000", "#FFFFFF"), 1) == 21.0
    assert round(contrast("#777777", "#FFFFFF"), 2) == 4.48


def test_catalogs_have_the_same_keys_and_cover_the_code() -> None:
    assert set(catalog("en")) == set(catalog("es"))
    used = set()
    for path in list((ROOT / "ui").rglob("*.py")) + list((ROOT / "kiosk").rglob("*.py")):
        used |= set(re.findall(r"\bt\((?:self\.)?\w+, \"([a-z_.]+)\"", path.read_text()))
    assert used and used <= set(catalog("en")), used - set(catalog("en"))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_page_names_and_sizes_its_controls(qtbot, kiosk, lang) -> None:
    answers = load_example("s4_pacemaker_rfa_workup") | {"inj.rfa.ever": "yes", "inj.rfa.count": 0,
                                                       "inj.rfa.months_ago": 20, "inj.rfa.relief": 70,
                                                       "inj.rfa.relief_months": 9}
    click(qtbot, kiosk, f"lang:{lang}")
    problems = check_page(kiosk, "welcome")
    click(qtbot, kiosk, "nav:start")
    for _ in range(60):
        if visible(kiosk, "page:review"):
            break
        problems += check_page(kiosk, ",".join(current_items(kiosk)))
        for link_id in current_items(kiosk):
            give(qtbot, kiosk, link_id, answers[link_id])
        click(qtbot, kiosk, "nav:next")
    problems += check_page(kiosk, "review")
    click(qtbot, kiosk, "nav:submit")
    problems += check_page(kiosk, "confirm")
    click(qtbot, kiosk, "nav:confirm")
    problems += check_page(kiosk, "done")
    assert problems == []


def test_overlays_name_their_buttons(qtbot, kiosk) -> None:
    click(qtbot, kiosk, "nav:help")
    assert find(kiosk, "help:close").accessibleName() and visible(kiosk, "help")
    click(qtbot, kiosk, "help:close")
    assert not visible(kiosk, "help")


def test_text_sizes_and_high_contrast_keep_answers(qtbot, kiosk) -> None:
    click(qtbot, kiosk, "nav:start")
    click(qtbot, kiosk, "opt:consent:true")
    sizes = []
    for _ in TEXT_SIZES:
        sizes.append(find(kiosk, "nav:next").font().pointSizeF())
        click(qtbot, kiosk, "view:text-size")
    assert sizes == sorted(sizes) and sizes[0] >= 18 and sizes[-1] > sizes[0]
    click(qtbot, kiosk, "view:contrast")
    assert kiosk.theme_name == "high-contrast" and "#000000" in kiosk.styleSheet()
    assert find(kiosk, "opt:consent:true").isChecked()  # type: ignore[attr-defined]
    assert check_page(kiosk, "high contrast") == []
    click(qtbot, kiosk, "view:contrast")
    assert kiosk.theme_name == "standard"


def tab_to(qtbot, window: QWidget, name: str) -> QWidget:  # type: ignore[no-untyped-def]
    seen = []
    for _ in range(200):
        focused = QApplication.focusWidget()
        if focused is not None and focused.objectName() == name:
            return focused
        seen.append(focused.objectName() if focused is not None else None)
        qtbot.keyClick(focused or window, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {name}: {seen[:40]}")


def key_give(qtbot, window: QWidget, link_id: str, value: Any) -> None:  # type: ignore[no-untyped-def]
    if isinstance(value, bool):
        codes = ["true" if value else "false"]
    elif isinstance(value, list):
        codes = value
    elif window.findChild(QWidget, f"input:{link_id}") is not None:
        entry = tab_to(qtbot, window, f"input:{link_id}")
        qtbot.keyClicks(entry, str(value))
        qtbot.keyClick(entry, Qt.Key.Key_Return)
        return
    else:
        codes = [str(value)]
    for code in codes:
        qtbot.keyClick(tab_to(qtbot, window, f"opt:{link_id}:{code}"), Qt.Key.Key_Return)
        qtbot.wait(1)


def test_whole_intake_with_tab_and_enter_only(qtbot, kiosk, tmp_path) -> None:
    from kiosk.store import Store

    answers = load_example("s5_daily_aspirin")
    qtbot.keyClick(tab_to(qtbot, kiosk, "nav:start"), Qt.Key.Key_Return)
    for _ in range(60):
        qtbot.wait(1)
        if visible(kiosk, "page:review"):
            break
        answer_page(qtbot, kiosk, answers, key_give, set())
        qtbot.keyClick(tab_to(qtbot, kiosk, "nav:next"), Qt.Key.Key_Return)
        qtbot.wait(1)
        if visible(kiosk, "notice:redflag"):
            qtbot.keyClick(tab_to(qtbot, kiosk, "notice:ok"), Qt.Key.Key_Return)
    assert visible(kiosk, "page:review")
    qtbot.keyClick(tab_to(qtbot, kiosk, "nav:submit"), Qt.Key.Key_Return)
    qtbot.wait(1)
    qtbot.keyClick(tab_to(qtbot, kiosk, "nav:confirm"), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: visible(kiosk, "page:done"), timeout=2000)
    with Store(tmp_path / "kiosk.db") as store:
        (intake,) = store.intakes()
        assert intake.status == "submitted"
        assert set(store.answers(intake.id)) == set(answers)


@pytest.mark.parametrize(("page", "lang"), [("welcome", "es"), ("pain-2", "en"), ("review", "es"), ("done", "en")])
def test_screenshot_command(tmp_path, page, lang) -> None:
    out = tmp_path / f"{page}.png"
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "screenshot", page, "--lang", lang, "--out", str(out)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000


def test_screenshot_unknown_page_is_a_clear_error(tmp_path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "screenshot", "nowhere", "--out", str(tmp_path / "x.png")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert done.returncode == 2 and "unknown page" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_notice_card_is_opaque_and_its_button_readable(qtbot, kiosk, theme) -> None:
    from PySide6.QtGui import QColor

    if theme == "high-contrast":
        click(qtbot, kiosk, "view:contrast")
    notice = kiosk.overlays.open("redflag", "now")
    QApplication.processEvents()
    card = notice.card
    image = card.grab().toImage()
    assert image.pixelColor(12, card.height() // 2) == QColor(THEMES[theme].notice)  # the backdrop does not leak in
    button = find(kiosk, "notice:ok")
    shot = button.grab().toImage()
    colours = {shot.pixelColor(x, y).name() for x in range(0, shot.width(), 3) for y in range(0, shot.height(), 3)}
    assert THEMES[theme].on_primary.lower() in colours  # its label is drawn


def test_largest_text_does_not_squeeze_the_header(qtbot, kiosk) -> None:
    click(qtbot, kiosk, "nav:start")
    while kiosk.text_size != "largest":
        click(qtbot, kiosk, "view:text-size")
    QApplication.processEvents()
    for name in ("lang:en", "lang:es", "view:text-size", "view:contrast", "nav:help"):
        button = find(kiosk, name)
        assert button.width() >= button.sizeHint().width() - 2, f"{name} is clipped"
