"""Fixtures and a patient 'walker' that answers through the contract's widgets only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QScrollArea, QWidget

from kiosk.clock import FakeClock
from ui.theme import MIN_TARGET_PX


def _alive_top_levels() -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if shiboken6.isValid(w)]


@pytest.fixture(autouse=True)
def no_leaks(qapp, request):  # type: ignore[no-untyped-def]
    """Every window a test builds is gone after it, with its timers and event filters (as napari's
    ``make_napari_viewer`` checks): a leak here is a patient's data kept alive."""
    before = set(map(id, _alive_top_levels()))
    timers = len(qapp.findChildren(QTimer))
    yield
    for _ in range(3):  # deleteLater lands as the event loop would deliver it
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()
    left = [f"{type(w).__name__} {w.objectName()!r}" for w in _alive_top_levels() if id(w) not in before]
    assert left == [], f"top-level widgets left behind: {left}"
    assert len(qapp.findChildren(QTimer)) <= timers, "timers left on the application"


@pytest.fixture
def clock() -> FakeClock:
    """The kiosk's time in a test: it stands still until the test advances it."""
    return FakeClock()


@pytest.fixture
def make_kiosk(qtbot, tmp_path, clock):  # type: ignore[no-untyped-def]
    from ui.app import create_kiosk_window

    windows = []

    def make(**kwargs: Any):  # type: ignore[no-untyped-def]
        kwargs.setdefault("fullscreen", False)
        kwargs.setdefault("clock", clock)
        db = kwargs.pop("db", tmp_path / "kiosk.db")
        window = create_kiosk_window(db, **kwargs)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()
        window.deleteLater()


@pytest.fixture
def kiosk(make_kiosk):  # type: ignore[no-untyped-def]
    return make_kiosk()


def find(window: QWidget, name: str) -> QWidget:
    widget = window.findChild(QWidget, name)
    assert widget is not None, f"no widget named {name!r}"
    return widget


def visible(window: QWidget, name: str) -> bool:
    widget = window.findChild(QWidget, name)
    return widget is not None and widget.isVisible()


def scroll_to(widget: QWidget) -> None:
    """Scroll the page so the widget is on screen, as a patient would before tapping it."""
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    if parent is not None:
        parent.ensureWidgetVisible(widget, 10, 10)


def settle() -> None:
    """Let pending layout changes land, as they do in the second between two taps (a layout in
    a scroll area takes a few turns of the loop: children, then the body, then the area)."""
    for _ in range(4):
        QApplication.sendPostedEvents()
        QApplication.processEvents()


def click(qtbot, window: QWidget, name: str) -> None:  # type: ignore[no-untyped-def]
    settle()
    widget = find(window, name)
    assert widget.isVisible() and widget.isEnabled(), f"{name} cannot be clicked"
    scroll_to(widget)
    settle()
    at = widget.rect().center()
    hit = window.childAt(widget.mapTo(window, at))
    assert hit is widget or widget.isAncestorOf(hit), f"{name} is covered by {hit.objectName() if hit else None}"
    tap(widget, at)


def tap(widget: QWidget, at: QPoint | None = None) -> None:
    """A tap as the screen delivers it: to the window, which hands it to the widget under the
    finger (and the kiosk's window sees it first, as it sees a real touch)."""
    top = widget.window()
    point = widget.mapTo(top, at if at is not None else widget.rect().center())
    handle = top.windowHandle()
    assert handle is not None, "the window is not shown"
    QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def type_into(qtbot, window: QWidget, link_id: str, text: str) -> None:  # type: ignore[no-untyped-def]
    entry = find(window, f"input:{link_id}")
    assert isinstance(entry, QLineEdit)
    scroll_to(entry)
    settle()
    tap(entry)
    entry.selectAll()
    qtbot.keyClick(entry, Qt.Key.Key_Delete)
    qtbot.keyClicks(entry, text)
    qtbot.keyClick(entry, Qt.Key.Key_Return)


def type_on_screen(qtbot, window: QWidget, link_id: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type with the kiosk's own on-screen keyboard (the only keyboard a patient has)."""
    entry = find(window, f"input:{link_id}")
    scroll_to(entry)
    settle()
    tap(entry)
    QApplication.processEvents()
    assert visible(window, "keyboard"), "the on-screen keyboard did not open"
    for ch in text:
        name = {" ": "key:space"}.get(ch, f"key:{ch.upper()}")
        click(qtbot, window, name)
    click(qtbot, window, "key:done")


def current_items(window: QWidget) -> list[str]:
    # Search the page's current body, not the long-lived page: PySide keeps every wrapper
    # findChildren returns alive as long as the widget it was called on, so searching the
    # page itself would hold each torn-down page's wrappers for the rest of a soak.
    body = find(window, "section:scroll").widget()
    return [w.objectName()[5:] for w in body.findChildren(QWidget)
            if w.objectName().startswith("item:") and w.isVisible()]


def give(qtbot, window, link_id: str, value: Any) -> None:  # type: ignore[no-untyped-def]
    """Answer one question the way a patient would: tap buttons or type."""
    if isinstance(value, bool):
        click(qtbot, window, f"opt:{link_id}:{'true' if value else 'false'}")
    elif isinstance(value, list):
        for code in value:
            name = f"map:{code}" if link_id == "pain.map" and visible(window, f"map:{code}") else f"opt:{link_id}:{code}"
            click(qtbot, window, name)
    elif isinstance(value, int) and visible(window, f"opt:{link_id}:{value}"):
        click(qtbot, window, f"opt:{link_id}:{value}")
    elif visible(window, f"input:{link_id}"):
        type_into(qtbot, window, link_id, str(value))
    else:
        click(qtbot, window, f"opt:{link_id}:{value}")


def answer_page(qtbot, window, answers, giver, given: set[str]) -> None:  # type: ignore[no-untyped-def]
    """Answer what the page shows, again as follow-up questions appear."""
    done: set[str] = set()
    while True:
        todo = [i for i in current_items(window) if i in answers and i not in done]
        if not todo:
            return
        for link_id in todo:
            giver(qtbot, window, link_id, answers[link_id])
            done.add(link_id)
            given.add(link_id)


def advance_to(qtbot, window, answers: dict[str, Any], link_id: str,  # type: ignore[no-untyped-def]
               start: bool = True) -> None:
    """Start (unless already started) and answer page after page until ``link_id`` is on screen."""
    if start:
        click(qtbot, window, "nav:start")
    for _ in range(60):
        if link_id in current_items(window):
            return
        answer_page(qtbot, window, answers, give, set())
        click(qtbot, window, "nav:next")
        if visible(window, "notice:redflag"):
            click(qtbot, window, "notice:ok")
    raise AssertionError(f"{link_id} never came on screen")


def walk(qtbot, window, answers: dict[str, Any], submit: bool = True,  # type: ignore[no-untyped-def]
         start: bool = True) -> set[str]:
    """Start (unless already started), answer every page from ``answers``, reach the review,
    and submit."""
    if start:
        click(qtbot, window, "nav:start")
    given: set[str] = set()
    for _ in range(80):
        if visible(window, "page:review"):
            break
        answer_page(qtbot, window, answers, give, given)
        click(qtbot, window, "nav:next")
        if visible(window, "notice:redflag"):
            click(qtbot, window, "notice:ok")
    assert visible(window, "page:review"), "never reached the review page"
    if submit:
        click(qtbot, window, "nav:submit")
        click(qtbot, window, "nav:confirm")
        assert visible(window, "page:done")
    return given


def all_widgets(window: QWidget) -> Iterator[QWidget]:
    yield window
    yield from window.findChildren(QWidget)


def interactive(window: QWidget) -> list[QWidget]:
    return [w for w in window.findChildren(QWidget)
            if isinstance(w, (QAbstractButton, QLineEdit)) and w.isVisible()]


def check_page(window: QWidget, where: str) -> list[str]:
    problems = []
    for w in interactive(window):
        name = w.objectName()
        if not name:
            problems.append(f"{where}: a {type(w).__name__} has no objectName")
        if not w.accessibleName().strip():
            problems.append(f"{where}: {name} has no accessible name")
        if w.width() < MIN_TARGET_PX or w.height() < MIN_TARGET_PX:
            problems.append(f"{where}: {name} is {w.width()}x{w.height()} px")
        if w.focusPolicy() == Qt.FocusPolicy.NoFocus and not name.startswith("key:"):
            problems.append(f"{where}: {name} cannot be reached by keyboard")
    for w in window.findChildren(QWidget):
        if isinstance(w, (QLabel, QAbstractButton, QLineEdit)) and w.isVisible() and w.font().pointSizeF() < 18:
            problems.append(f"{where}: {w.objectName() or type(w).__name__} text is {w.font().pointSizeF()} pt")
    return problems


@pytest.fixture
def make_staff(qtbot, clock):  # type: ignore[no-untyped-def]
    from ui.app import create_staff_window

    windows = []

    def make(db, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("clock", clock)
        window = create_staff_window(db, **kwargs)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        window.deleteLater()
