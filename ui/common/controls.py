"""Small building blocks: a button Enter activates, a button whose words wrap, helpers."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget


def set_role(widget: QWidget, role: str) -> None:
    widget.setProperty("role", role)


class KioskButton(QPushButton):
    """A large push button that Enter and Return activate too (keyboard-only use)."""

    def __init__(self, text: str, name: str, parent: QWidget | None = None, *, role: str | None = None,
                 checkable: bool = False, accessible: str | None = None) -> None:
        super().__init__(text, parent)
        self.setObjectName(name)
        self.setAccessibleName(accessible or text)
        self.setCheckable(checkable)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        if role:
            set_role(self, role)
        self.floor = QSize(0, 0)

    def set_floor(self, width: int, height: int = 0) -> None:
        """The least size, as a hint: unlike setMinimumSize it never makes the button narrower
        than its words, so a long label in a large text size is never cut off."""
        self.floor = QSize(width, height)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        return super().sizeHint().expandedTo(self.floor)

    def minimumSizeHint(self) -> QSize:
        return super().minimumSizeHint().expandedTo(self.floor)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.isAutoRepeat():
            self.click()
            event.accept()
            return
        super().keyPressEvent(event)


def wrapped_label(text: str, role: str | None = None, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if role:
        set_role(label, role)
    return label


class WrapButton(KioskButton):
    """A checkable answer button whose words wrap onto as many lines as they need: the text
    is a word-wrapped label inside the button, so nothing is ever cut off or elided, at any
    width, text size or language. ``text()`` stays the label's text (screen readers, tests)."""

    def __init__(self, text: str, name: str, parent: QWidget | None = None, *, role: str | None = None,
                 checkable: bool = False, accessible: str | None = None, align: Qt.AlignmentFlag | None = None) -> None:
        super().__init__("", name, parent, role=role, checkable=checkable, accessible=accessible or text)
        self.label = QLabel(text, self)
        self.label.setObjectName(f"{name}:label")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setAlignment(align or Qt.AlignmentFlag.AlignCenter)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        set_role(self.label, "button-text")
        self.setProperty("wrap", "true")  # the theme gives it no padding of its own: the layout's margins
        lay = self.inner = QHBoxLayout(self)
        lay.setContentsMargins(12, 4, 12, 4)
        lay.addWidget(self.label)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.toggled.connect(self._restyle)
        self._restyle()

    def setText(self, text: str) -> None:
        if hasattr(self, "label"):
            self.label.setText(text)
            self.updateGeometry()
        else:
            super().setText(text)

    def text(self) -> str:
        return self.label.text() if hasattr(self, "label") else super().text()

    def _restyle(self, on: bool = False) -> None:
        self.label.setProperty("on", "true" if self.isChecked() else "false")
        self.label.setProperty("primary", "true" if self.property("role") in ("primary", "hero") else "false")
        self.label.style().unpolish(self.label)
        self.label.style().polish(self.label)

    def _minimum_height(self) -> int:
        return max(self.minimumHeight(), 48)

    def sizeHint(self) -> QSize:
        hint = self.inner.sizeHint()
        return QSize(hint.width(), max(hint.height(), self._minimum_height())).expandedTo(self.floor)

    def minimumSizeHint(self) -> QSize:
        words = self.label.text().split() or [""]
        widest = max(self.label.fontMetrics().horizontalAdvance(w) for w in words)
        m = self.inner.contentsMargins()
        return QSize(widest + m.left() + m.right() + 8, self._minimum_height()).expandedTo(self.floor)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return max(self.inner.totalHeightForWidth(width), self._minimum_height())


class ResponsiveGrid(QWidget):
    """Buttons in as many columns as fit (at most ``columns``): a long word in the largest text
    size, or a narrow screen, takes columns away instead of pushing the page past the glass.
    Its least width is one button's, so it never forces its page wider than the screen."""

    def __init__(self, columns: int, parent: QWidget | None = None, spacing: int = 8) -> None:
        super().__init__(parent)
        self.max_columns = max(1, columns)
        self.columns = 0
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(spacing)
        self.items: list[QWidget] = []

    def add(self, widget: QWidget) -> None:
        widget.setParent(self)
        self.items.append(widget)
        self.columns = 0  # laid out again at the next resize (or now, if shown)
        self._arrange(self.width() or 10_000)

    def _widest(self) -> int:
        return max((w.minimumSizeHint().width() for w in self.items), default=0)

    def _fit(self, width: int) -> int:
        widest = max(self._widest(), 1)
        spacing = self.grid.horizontalSpacing()
        return max(1, min(self.max_columns, len(self.items) or 1, (width + spacing) // (widest + spacing)))

    def _arrange(self, width: int) -> None:
        columns = self._fit(width)
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
        hint = super().minimumSizeHint()
        return QSize(self._widest(), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(event.size().width())
