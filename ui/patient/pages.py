"""The simple pages (welcome, thank-you, front-desk error) and the one scroll area every page
body sits in, so a page taller than the screen (large text, a short screen, the keyboard
open) scrolls instead of growing the window past the glass."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import t

from ..common.controls import FlooredButton, KioskButton, wrapped_label
from ..common.lazyqt import ALIGN_HCENTER, NO_HORIZONTAL_SCROLL_BAR, set_enum


def scroll_area(name: str) -> QScrollArea:
    """A vertical scroll area a finger can drag, that hands a quick tap to the button at once."""
    from PySide6.QtWidgets import QScroller, QScrollerProperties  # their enums: not before the first question

    scroll = QScrollArea()
    scroll.setObjectName(name)
    scroll.setWidgetResizable(True)
    set_enum(scroll, NO_HORIZONTAL_SCROLL_BAR)
    QScroller.grabGesture(scroll.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    scroller = QScroller.scroller(scroll.viewport())
    props = scroller.scrollerProperties()
    # Hand a tap to the button at once; only a real drag scrolls. The default delay
    # swallows quick taps, which older patients' firm, short presses often are.
    props.setScrollMetric(QScrollerProperties.ScrollMetric.MousePressEventDelay, 0)
    props.setScrollMetric(QScrollerProperties.ScrollMetric.DragStartDistance, 0.004)
    scroller.setScrollerProperties(props)
    return scroll


def new_body(margins: tuple[int, int, int, int] = (32, 12, 32, 12)) -> tuple[QWidget, QVBoxLayout]:
    body = QWidget()
    lay = QVBoxLayout(body)
    lay.setContentsMargins(*margins)
    lay.setSpacing(12)
    return body, lay


class MessagePage(QScrollArea):
    """A centred title, words and buttons, scrolled if the screen is too short for them.

    ``sig_action(name)``: one of its buttons was tapped (by objectName)."""

    sig_action = Signal(str)
    """A button of the page was tapped (its objectName)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWidgetResizable(True)
        set_enum(self, NO_HORIZONTAL_SCROLL_BAR)
        body, self.lay = new_body((64, 20, 64, 16))
        self.lay.setSpacing(20)
        self.lay.addStretch(1)
        self.title = self._label("title")
        self.title.setObjectName(f"{name}:title")
        self.body = self._label(None)
        self.body.setObjectName(f"{name}:text")
        self.buttons: dict[str, KioskButton] = {}
        self.extra: QLabel | None = None
        self.corner: QHBoxLayout | None = None
        self.setWidget(body)

    def _label(self, role: str | None) -> QLabel:
        label = wrapped_label("", role, self.widget())
        set_enum(label, ALIGN_HCENTER)
        self.lay.addWidget(label)
        return label

    def add_label(self, name: str, role: str | None) -> QLabel:
        label = self._label(role)
        label.setObjectName(name)
        return label

    def add_button(self, name: str, role: str | None = None) -> KioskButton:
        button = KioskButton("", name, self.widget(), role=role)
        button.clicked.connect(lambda _=False: self.sig_action.emit(name))
        row = QHBoxLayout()  # centred by a stretch on each side (an alignment would build Qt's namespace)
        row.addStretch(1)
        row.addWidget(button)
        row.addStretch(1)
        self.lay.addLayout(row)
        self.buttons[name] = button
        return button

    def end(self, corner: str | None = None) -> None:
        """Close the column; ``corner`` is a small button at the bottom left (Staff)."""
        self.lay.addStretch(1)
        if corner:
            row = QHBoxLayout()
            button = FlooredButton("", corner, self.widget(), role="quiet")
            button.set_floor(120, 56)
            button.clicked.connect(lambda _=False: self.sig_action.emit(corner))
            row.addWidget(button)
            row.addStretch(1)
            self.lay.addLayout(row)
            self.buttons[corner] = button

    def set_texts(self, lang: str, title: str, body: str, **buttons: str) -> None:
        self.title.setText(t(lang, title) if title else "")
        self.body.setText(t(lang, body) if body else "")
        for name, key in buttons.items():
            button = self.buttons[name.replace("_", ":")]
            button.setText(t(lang, key))
            button.setAccessibleName(t(lang, key))


class PageStack(QStackedWidget):
    """The window's pages: welcome, questions, review, thank-you and the front-desk error. Only
    the welcome page exists until ``add_pages`` (the window's ``complete``)."""

    sig_start = Signal()
    """Start was tapped on the welcome screen."""
    sig_staff = Signal()
    """The staff corner button was tapped."""
    sig_finish = Signal()
    """Finish was tapped on the thank-you page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.welcome = MessagePage("page:welcome")
        self.welcome.add_button("nav:start", "hero")
        self.welcome.add_label("welcome:privacy", "privacy")
        self.welcome.end(corner="staff:enter")
        self.welcome.sig_action.connect(lambda name: (self.sig_start if name == "nav:start" else self.sig_staff).emit())
        self.addWidget(self.welcome)
        self.section: QWidget | None = None
        self.review: QWidget | None = None
        self.lang = ""

    def add_pages(self, section: QWidget, review: QWidget) -> None:
        """The question and review pages, and the thank-you and front-desk pages."""
        self.done = MessagePage("page:done")
        self.countdown = self.done.add_label("done:countdown", "hint")
        self.done.add_button("done:finish", "primary")
        self.done.end()
        self.done.sig_action.connect(lambda _name: self.sig_finish.emit())
        self.error = MessagePage("page:error")
        self.error.end()
        self.section, self.review = section, review
        for page in (section, review, self.done, self.error):
            self.addWidget(page)
        self._retranslate_rest()

    def clear_pages(self) -> None:
        """Nothing of the last patient stays in the question and review pages."""
        if self.section is not None:
            self.section.clear()  # type: ignore[attr-defined]
            self.review.clear()  # type: ignore[union-attr]
            self.countdown.setText("")

    def where(self) -> str:
        """``section``, ``review`` or "" (a page with no footer)."""
        current = self.currentWidget()
        return "section" if current is self.section else "review" if current is self.review else ""

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self.welcome.set_texts(lang, "welcome.title", "welcome.body", nav_start="welcome.start", staff_enter="staff.enter")
        privacy = self.welcome.findChild(QLabel, "welcome:privacy")
        if privacy is not None:
            privacy.setText(t(lang, "welcome.privacy"))
        if self.section is not None:
            self._retranslate_rest()

    def _retranslate_rest(self) -> None:
        self.done.set_texts(self.lang, "done.title", "done.body", done_finish="done.finish")
        self.error.set_texts(self.lang, "error.title", "error.body")
