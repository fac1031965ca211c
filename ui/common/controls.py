"""Small building blocks: a button Enter activates, a button whose words wrap, helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QRect, QSize
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QWidget

from .lazyqt import PLAIN_TEXT, qt, set_enum

if TYPE_CHECKING:  # QStyle's enums take milliseconds to build: loaded with the first answer button drawn
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QPaintEvent


def set_role(widget: QWidget, role: str) -> None:
    widget.setProperty("role", role)


def restyle(widget: QWidget, **properties: str) -> None:
    """Set properties the style sheet selects on, and have the style look at the widget again
    (Qt does not re-polish by itself when a dynamic property changes)."""
    for name, value in properties.items():
        widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class KioskButton(QPushButton):
    """A large push button that Enter and Return activate too (keyboard-only use)."""

    def __init__(self, text: str, name: str, parent: QWidget | None = None, *, role: str | None = None,
                 checkable: bool = False, accessible: str | None = None) -> None:
        super().__init__(parent)  # (text, parent) would have PySide6 build QIcon's 151 theme icons to pick the overload
        if text:
            self.setText(text)
        self.setObjectName(name)
        self.setAccessibleName(accessible or text)
        self.setCheckable(checkable)
        if role:
            set_role(self, role)
        self.floor = QSize(0, 0)

    def set_floor(self, width: int, height: int = 0) -> None:
        """The least size (FlooredButton and WrapButton honour it)."""
        self.floor = QSize(width, height)
        self.updateGeometry()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = qt().Key
        if event.key() in (key.Key_Return, key.Key_Enter) and not event.isAutoRepeat():
            self.click()
            event.accept()
            return
        super().keyPressEvent(event)


def wrapped_label(text: str, role: str | None = None, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    set_enum(label, PLAIN_TEXT)  # a patient's typed name is shown as typed, never as markup
    if role:
        set_role(label, role)
    return label


class HintEntry(QLineEdit):
    """An entry never narrower than its hint ("From YYYY-MM-DD"): a layout short of room takes
    it from the neighbours that can wrap or scroll, not from the format a nurse must read."""

    CHROME_PX = 40  # the theme's border and padding on both sides, and a little air

    def _widened(self, hint: QSize) -> QSize:
        width = self.fontMetrics().horizontalAdvance(self.placeholderText()) + self.CHROME_PX
        return QSize(max(hint.width(), width), hint.height())

    def minimumSizeHint(self) -> QSize:
        return self._widened(super().minimumSizeHint())

    def sizeHint(self) -> QSize:
        return self._widened(super().sizeHint())


class FlooredButton(KioskButton):
    """A button with a least size given as a hint (``set_floor``): unlike setMinimumSize it
    never makes the button narrower than its words, so a long label is never cut off. (Only
    these few buttons carry the Python size hints; the many answer buttons keep Qt's own.)"""

    def sizeHint(self) -> QSize:
        return super().sizeHint().expandedTo(self.floor)

    def minimumSizeHint(self) -> QSize:
        return super().minimumSizeHint().expandedTo(self.floor)


class WrapButton(KioskButton):
    """An answer button whose words wrap onto as many lines as they need, so nothing is ever cut
    off or elided, at any width, text size or language. One widget (no label inside): the style
    draws the words, broken into lines for the width it has, in the colours of its state.
    ``text()`` is the words (screen readers, tests)."""

    def __init__(self, text: str, name: str, parent: QWidget | None = None, *, role: str | None = None,
                 checkable: bool = False, accessible: str | None = None, align: Qt.AlignmentFlag | None = None) -> None:
        super().__init__("", name, parent, role=role, checkable=checkable, accessible=accessible or text)
        self.words = text
        self._frame_cache: tuple[int, int] | None = None
        self._lines_cache: dict[int, list[str]] = {}  # by width: layouts ask the same widths again and again
        self._sizes: dict[tuple[str, int], QSize] = {}  # the size hints, by kind and least height,
        self._heights: dict[tuple[int, int], int] = {}  # and the height for each width: asked as often
        self.setProperty("wrap", "true")  # the theme's padding for it (ui/theme.py)
        if align is not None and align & qt().AlignmentFlag.AlignLeft:
            self.setProperty("align", "left")
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def setText(self, text: str) -> None:
        if hasattr(self, "words"):
            self.words = text
            self._lines_cache, self._sizes, self._heights = {}, {}, {}
            self.updateGeometry()
            self.update()
        else:
            super().setText(text)

    def text(self) -> str:
        return self.words if hasattr(self, "words") else super().text()

    def _frame(self) -> tuple[int, int]:
        """Width and height the style takes around the words (padding and border), kept until
        the style or font changes."""
        if self._frame_cache is None:
            from PySide6.QtWidgets import QStyle, QStyleOptionButton

            option = QStyleOptionButton()
            self.initStyleOption(option)
            option.rect = QRect(0, 0, 400, 200)
            inner = self.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, self)
            self._frame_cache = (400 - inner.width() + 8, 200 - inner.height() + 4)
        return self._frame_cache

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._frame_cache = None
            self._lines_cache, self._sizes, self._heights = {}, {}, {}
        super().changeEvent(event)

    def set_floor(self, width: int, height: int = 0) -> None:
        self._sizes, self._heights = {}, {}
        super().set_floor(width, height)

    def lines(self, width: int) -> list[str]:
        """The words broken into lines no wider than ``width`` (a word wider than it stays whole)."""
        if width in self._lines_cache:
            return self._lines_cache[width]
        fm = self.fontMetrics()
        out: list[str] = []
        for paragraph in self.words.split("\n"):
            line = ""
            for word in paragraph.split():
                candidate = f"{line} {word}" if line else word
                if line and fm.horizontalAdvance(candidate) > width:
                    out.append(line)
                    line = word
                else:
                    line = candidate
            out.append(line)
        self._lines_cache[width] = out
        return out

    def widest_word(self) -> int:
        fm = self.fontMetrics()
        return max((fm.horizontalAdvance(w) for w in self.words.split()), default=0)

    def _minimum_height(self) -> int:
        return max(self.minimumHeight(), 48, self.floor.height())

    def sizeHint(self) -> QSize:
        key = ("size", self.minimumHeight())
        hint = self._sizes.get(key)
        if hint is None:
            fx, _ = self._frame()
            fm = self.fontMetrics()
            one_line = max((fm.horizontalAdvance(p) for p in self.words.split("\n")), default=0)
            width = min(one_line, max(self.widest_word(), 360)) + fx + 2  # + rounding: a line that fits stays one
            hint = self._sizes[key] = QSize(width, max(self.heightForWidth(width),
                                                       self._minimum_height())).expandedTo(self.floor)
        return QSize(hint)

    def minimumSizeHint(self) -> QSize:
        key = ("least", self.minimumHeight())
        hint = self._sizes.get(key)
        if hint is None:
            fx, _ = self._frame()
            hint = self._sizes[key] = QSize(self.widest_word() + fx,
                                            self._minimum_height()).expandedTo(QSize(self.floor.width(), 0))
        return QSize(hint)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        key = (width, self.minimumHeight())
        height = self._heights.get(key)
        if height is None:
            fx, fy = self._frame()
            lines = self.lines(max(width - fx, 1))
            height = self._heights[key] = max(len(lines) * self.fontMetrics().lineSpacing() + fy,
                                              self._minimum_height())
        return height

    def paintEvent(self, event: QPaintEvent) -> None:
        from PySide6.QtWidgets import QStyle, QStyleOptionButton, QStylePainter

        option = QStyleOptionButton()
        self.initStyleOption(option)
        inner = self.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, self)
        option.text = "\n".join(self.lines(max(inner.width() - 8, 1))).replace("&", "&&")
        painter = QStylePainter(self)
        painter.drawControl(QStyle.ControlElement.CE_PushButton, option)


class ResponsiveGrid(QWidget):
    """Buttons in as many columns as fit (at most ``columns``): a long word in the largest text
    size, or a narrow screen, takes columns away instead of pushing the page past the glass.
    Its least width is one button's, so it never forces its page wider than the screen."""

    def __init__(self, columns: int, parent: QWidget | None = None, spacing: int = 8) -> None:
        super().__init__(parent)
        self.max_columns = max(1, columns)
        self.columns = self.max_columns
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(spacing)
        self.items: list[QWidget] = []
        self._widest_cache: int | None = None

    def add(self, widget: QWidget) -> None:
        widget.setParent(self)
        n = len(self.items)
        self.items.append(widget)
        self._widest_cache = None
        self.grid.addWidget(widget, n // self.columns, n % self.columns)
        if n < self.columns:
            self.grid.setColumnStretch(n, 1)

    def _widest(self) -> int:
        if self._widest_cache is None:
            self._widest_cache = max((w.minimumSizeHint().width() for w in self.items), default=0)
        return self._widest_cache

    def _arrange(self, width: int) -> None:
        spacing = self.grid.horizontalSpacing()
        widest = max(self._widest(), 1)
        columns = max(1, min(self.max_columns, len(self.items) or 1, (width + spacing) // (widest + spacing)))
        if columns == self.columns:
            return
        self.columns = columns
        for widget in self.items:
            self.grid.removeWidget(widget)
        for n, widget in enumerate(self.items):
            self.grid.addWidget(widget, n // columns, n % columns)
        for c in range(self.max_columns):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._widest(), super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        """As wide as a full row of its buttons, however it is arranged now (so a question
        decides side by side or stacked the same way whatever the last width was)."""
        n = min(self.max_columns, len(self.items))
        widest = max((w.sizeHint().width() for w in self.items), default=0)  # the columns are equal
        width = n * widest + self.grid.horizontalSpacing() * max(n - 1, 0)
        return QSize(width, super().sizeHint().height())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._widest_cache = None  # the text size changed: words are wider or narrower
        super().changeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(event.size().width())
