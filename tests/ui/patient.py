"""A patient who only taps: the kiosk's buttons, quick choices, date choices and on-screen
keyboard keys, never a hardware keyboard. Counts every tap and every question screen, so the
tests and ``tests/bench/taps.py`` measure the same walk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QScrollArea, QWidget


@dataclass
class Walk:
    taps: int = 0
    screens: int = 0
    typed: int = 0
    pages: list[list[str]] = field(default_factory=list)


class TappingPatient:
    """Answers ``answers`` on ``window`` (a kiosk window) by tapping, page by page."""

    def __init__(self, window: QWidget, answers: dict[str, Any], on_screen: Callable[[str], None] | None = None,
                 on_tap: Callable[[str], None] | None = None) -> None:
        self.window = window
        self.answers = answers
        self.walk = Walk()
        self.on_screen = on_screen
        self.on_tap = on_tap  # called after every tap, once the screen has settled

    # -- finding and tapping --------------------------------------------------------------

    def find(self, name: str) -> QWidget | None:
        """The widget of that name a person could see (the staff screen over the kiosk has a
        keyboard of its own, with the same key names as the kiosk's hidden one), else the first."""
        found = self.window.findChildren(QWidget, name)
        return next((w for w in found if w.isVisible()), found[0] if found else None)

    def shown(self, name: str) -> bool:
        widget = self.find(name)
        return widget is not None and widget.isVisible()

    @staticmethod
    def settle() -> None:
        """Pending layout changes land, as in the second between two taps."""
        for _ in range(4):
            QApplication.sendPostedEvents()
            QApplication.processEvents()

    def tap(self, name: str) -> None:
        self.settle()
        widget = self.find(name)
        assert widget is not None and widget.isVisible() and widget.isEnabled(), f"{name} cannot be tapped"
        parent = widget.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if parent is not None:
            parent.ensureWidgetVisible(widget, 10, 10)  # the patient scrolls first (a drag, not a tap)
            self.settle()
        at = widget.rect().center()
        hit = self.window.childAt(widget.mapTo(self.window, at))
        assert hit is widget or widget.isAncestorOf(hit), f"{name} is covered by {hit.objectName() if hit else None}"
        top = widget.mapTo(self.window, QPoint(0, 0))
        assert self.window.rect().contains(top) and self.window.rect().contains(
            widget.mapTo(self.window, QPoint(widget.width() - 1, widget.height() - 1))), f"{name} is off the screen"
        handle = self.window.windowHandle()
        assert handle is not None, "the window is not shown"
        # to the window, as the screen delivers a touch (the kiosk's window sees it first)
        QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget.mapTo(self.window, at))
        self.walk.taps += 1
        if self.on_tap is not None:
            self.settle()
            self.on_tap(name)

    def items_on_page(self) -> list[str]:
        scroll = self.find("section:scroll")
        body = scroll.widget() if isinstance(scroll, QScrollArea) else None
        if body is None or not self.shown("page:section"):
            return []
        return [w.objectName()[5:] for w in body.findChildren(QWidget)
                if w.objectName().startswith("item:") and w.isVisible()]

    # -- answering ------------------------------------------------------------------------

    def type_keys(self, text: str) -> None:
        for ch in text:
            self.tap({" ": "key:space"}.get(ch, f"key:{ch.upper()}"))
            self.walk.typed += 1

    def give(self, link_id: str, value: Any) -> None:
        if isinstance(value, bool):
            self.tap(f"opt:{link_id}:{'true' if value else 'false'}")
        elif isinstance(value, list):
            for code in value:
                self.tap(f"map:{code}" if self.shown(f"map:{code}") else f"opt:{link_id}:{code}")
        elif isinstance(value, int) and self.shown(f"opt:{link_id}:{value}"):
            self.tap(f"opt:{link_id}:{value}")
        elif isinstance(value, int) and self.shown(f"pick:{link_id}:{value}"):
            self.tap(f"pick:{link_id}:{value}")
        elif self.shown(f"pick:{link_id}:m1") and isinstance(value, str):
            year, month, day = (int(p) for p in value.split("-"))
            self.tap(f"pick:{link_id}:m{month}")
            self.tap(f"pick:{link_id}:d{day}")
            self.tap(f"pick:{link_id}:y{year // 10}x")
            self.tap(f"pick:{link_id}:y{year}")
        elif self.shown(f"input:{link_id}"):
            entry = self.find(f"input:{link_id}")
            assert isinstance(entry, QLineEdit)
            if QApplication.focusWidget() is not entry:
                self.tap(f"input:{link_id}")
            assert self.shown("keyboard"), "the on-screen keyboard did not open"
            self.type_keys(str(value))
            later = [i for i in self.items_on_page() if i != link_id and self.shown(f"input:{i}")
                     and i in self.answers and not self.find(f"input:{i}").text()]  # type: ignore[union-attr]
            if later:
                self.tap("key:done")  # Done goes on to the next empty field
        else:
            self.tap(f"opt:{link_id}:{value}")

    def answer_page(self) -> None:
        done: set[str] = set()
        while True:
            todo = [i for i in self.items_on_page() if i in self.answers and i not in done]
            if not todo:
                return
            for link_id in todo:
                self.give(link_id, self.answers[link_id])
                done.add(link_id)

    def to_review(self, start: bool = True, limit: int = 60) -> Walk:
        """From the welcome screen (tapping Start) to the review page."""
        if start:
            self.tap("nav:start")
        for _ in range(limit):
            if self.shown("page:review"):
                return self.walk
            self.walk.screens += 1
            self.walk.pages.append(self.items_on_page())
            if self.on_screen is not None:
                self.on_screen(f"screen-{self.walk.screens:02d}")
            self.answer_page()
            self.tap("nav:next")
            if self.shown("notice:redflag"):
                self.tap("notice:ok")
        raise AssertionError("never reached the review page")
