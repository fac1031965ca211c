"""The bars around every page: the header (progress, language, text size, contrast, help) and
the footer (Back, Start over, the page's message, Next or Send). Signals go up to the window;
the window calls methods down. The footer has a fixed height and fixed places, so nothing
above it (the keyboard opening or closing, a message appearing) moves a button between the
moment a finger touches it and the moment it lifts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import LANGUAGES, t

from ..common.controls import FlooredButton, KioskButton, WrapButton, wrapped_label
from ..theme import Theme

if TYPE_CHECKING:
    from PySide6.QtGui import QPaintEvent

NEXT_SIZE = {"normal": "large", "large": "largest", "largest": "normal"}


class ProgressLine(QWidget):
    """How far the patient is, as a filled line under the step words. Drawn directly: a styled
    QProgressBar took 2 ms of every page turn to repaint."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progress")
        self.setFixedHeight(10)
        self.done, self.total = 0, 1
        self.colours = ("#0B4F8A", "#FFFFFF", "#5B5853")

    def value(self) -> int:
        """How many screens are done (the line's filled part, as QProgressBar.value)."""
        return self.done

    def show_part(self, done: int, total: int, words: str) -> None:
        self.done, self.total = done, max(total, 1)
        self.setAccessibleName(words)
        self.update()

    def set_colours(self, fill: str, empty: str, edge: str) -> None:
        self.colours = (fill, empty, edge)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        from PySide6.QtCore import QRectF, Qt
        from PySide6.QtGui import QColor, QPainter, QPen  # QPainter's enums: not before the first paint

        fill, empty, edge = self.colours
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        p.setPen(QPen(QColor(edge), 1))
        p.setBrush(QColor(empty))
        p.drawRoundedRect(box, 5, 5)
        part = QRectF(box)
        part.setWidth(box.width() * min(self.done, self.total) / self.total)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(fill))
        p.drawRoundedRect(part, 5, 5)


class Header(QWidget):
    sig_language = Signal(str)
    """The patient chose a language (its code)."""
    sig_text_size = Signal()
    """The patient asked for the next text size."""
    sig_contrast = Signal()
    """The patient switched high contrast on or off."""
    sig_help = Signal()
    """The patient asked for help."""

    def __init__(self, languages: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("header")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(16, 6, 16, 6)
        lay.setSpacing(8)
        words = QVBoxLayout()
        words.setSpacing(2)
        self.step_label = wrapped_label("", "step", self)  # wraps, so large text never squeezes the buttons
        self.step_label.setObjectName("step")
        self.progress = ProgressLine(self)
        self.progress.hide()
        words.addWidget(self.step_label)
        words.addWidget(self.progress)
        lay.addLayout(words, 1)
        self.lang_buttons: dict[str, KioskButton] = {}
        for code in LANGUAGES:
            button = KioskButton(t(code, f"lang.{code}"), f"lang:{code}", self, checkable=True)
            button.clicked.connect(lambda _=False, code=code: self.sig_language.emit(code))
            lay.addWidget(button)
            self.lang_buttons[code] = button
            button.setVisible(code in languages and len(languages) > 1)  # the clinic's choice
        self.size_button = KioskButton("A+", "view:text-size", self, role="quiet")
        self.size_button.clicked.connect(self.sig_text_size)
        self.contrast_button = KioskButton("◐", "view:contrast", self, checkable=True, role="quiet")
        self.contrast_button.clicked.connect(self.sig_contrast)
        self.help_button = KioskButton("", "nav:help", self, role="quiet")
        self.help_button.clicked.connect(self.sig_help)
        for w in (self.size_button, self.contrast_button, self.help_button):
            lay.addWidget(w)
        capped: tuple[QWidget, ...] = (self.step_label, *self.lang_buttons.values(), self.size_button,
                                       self.contrast_button, self.help_button)
        for widget in capped:
            widget.setProperty("chrome", "true")  # capped text size (ui/theme.py): the header stays one row

    def retranslate(self, lang: str, text_size: str, high_contrast: bool, theme: Theme | None = None) -> None:
        if theme is not None:
            self.progress.set_colours(theme.primary, theme.surface, theme.border)
        for code, button in self.lang_buttons.items():
            button.setChecked(code == lang)
        self.size_button.setText(t(lang, f"text.{NEXT_SIZE[text_size]}"))
        self.size_button.setAccessibleName(t(lang, "text.size"))
        self.contrast_button.setAccessibleName(t(lang, "contrast"))
        self.contrast_button.setChecked(high_contrast)
        self.help_button.setText(t(lang, "nav.help"))
        self.help_button.setAccessibleName(t(lang, "nav.help"))

    def show_progress(self, text: str, done: int = 0, total: int = 0) -> None:
        self.step_label.setText(text)
        self.progress.setVisible(total > 0)
        if total > 0:
            self.progress.show_part(done, total, text)


class Footer(QWidget):
    sig_back = Signal()
    """Back was tapped."""
    sig_restart = Signal()
    """Start over was tapped (the window asks before anything is wiped)."""
    sig_next = Signal()
    """Next (or "Back to my answers") was tapped."""
    sig_submit = Signal()
    """Send my answers was tapped."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("footer")
        self.shown_words: tuple[str, bool, str] | None = None
        self.height_stale = True  # fix_height waits until the bar is shown
        lay = self.row = QHBoxLayout(self)
        lay.setContentsMargins(16, 8, 16, 10)
        lay.setSpacing(12)
        self.back_button = FlooredButton("", "nav:back", self)
        self.back_button.set_floor(180, 76)
        self.back_button.clicked.connect(self.sig_back)
        self.restart_button = WrapButton("", "nav:restart", self, role="quiet")
        self.restart_button.set_floor(150, 76)
        self.restart_button.setMaximumWidth(420)
        self.restart_button.clicked.connect(self.sig_restart)
        self.next_button = FlooredButton("", "nav:next", self, role="primary")
        self.next_button.set_floor(220, 76)
        self.next_button.clicked.connect(self.sig_next)
        self.submit_button = FlooredButton("", "nav:submit", self, role="primary")
        self.submit_button.set_floor(260, 76)
        self.submit_button.clicked.connect(self.sig_submit)
        for button in (self.back_button, self.restart_button, self.next_button, self.submit_button):
            button.setProperty("nav", "true")
        lay.addWidget(self.back_button)
        lay.addWidget(self.restart_button)
        lay.addStretch(1)
        lay.addWidget(self.next_button)
        lay.addWidget(self.submit_button)

    def retranslate(self, lang: str, to_review: bool, text_size: str = "") -> None:
        if self.shown_words == (lang, to_review, text_size):
            return  # every page turn asks; the words and the height change only with these
        self.shown_words = (lang, to_review, text_size)
        for button, key in ((self.back_button, "nav.back"), (self.restart_button, "nav.restart"),
                            (self.next_button, "nav.to_review" if to_review else "nav.next"),
                            (self.submit_button, "nav.submit")):
            button.setText(t(lang, key))
            button.setAccessibleName(t(lang, key))
        self.fix_height()

    def fix_height(self) -> None:
        """As tall as its tallest button at this width, whatever is shown now: the bar's height
        changes only with the text size or the screen, never with what happens above it.

        While the bar is hidden (the welcome screen) this waits for it to be shown: measuring
        Start over's wrapped words loads Qt's style enums, which the welcome screen does not need."""
        if not self.isVisible():
            self.height_stale = True
            return
        self.height_stale = False
        for button in (self.back_button, self.next_button, self.submit_button, self.restart_button):
            button.ensurePolished()
        m = self.row.contentsMargins()
        # Start over gets what Back and the wider of Next and Send leave (Send is the wider one)
        room = (self.width() - m.left() - m.right() - 3 * self.row.spacing() - self.back_button.sizeHint().width()
                - max(self.next_button.sizeHint().width(), self.submit_button.sizeHint().width()))
        wanted = min(self.restart_button.sizeHint().width(), self.restart_button.maximumWidth(), max(room, 150))
        restart = self.restart_button.heightForWidth(wanted)
        buttons = max(b.sizeHint().height() for b in (self.back_button, self.next_button, self.submit_button))
        self.setFixedHeight(max(buttons, restart) + m.top() + m.bottom())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fix_height()

    def showEvent(self, event: QShowEvent) -> None:
        if self.height_stale:
            self.fix_height()
        super().showEvent(event)

    def show_for(self, page: str) -> None:
        """``section``, ``review`` or anything else (no footer)."""
        self.setVisible(page in ("section", "review"))
        self.next_button.setVisible(page == "section")
        self.submit_button.setVisible(page == "review")
        self.restart_button.setVisible(page in ("section", "review"))

