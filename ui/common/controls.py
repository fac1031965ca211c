"""Small building blocks: a button Enter activates, the on-screen keyboard, helpers."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import t


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


LETTER_ROWS = ["QWERTYUIOP", "ASDFGHJKLÑ", "ZXCVBNM'-", "ÁÉÍÓÚÜ"]
DIGIT_ROWS = ["123", "456", "789"]


class OnScreenKeyboard(QFrame):
    """A docked keyboard whose keys never take focus: they type into the focused entry.

    Layouts: ``letters`` (names, with the accented letters Spanish names need, capitals at
    the start of each word) and ``digits`` (numbers and dates).
    """

    done = Signal()

    def __init__(self, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyboard")
        set_role(self, "keyboard")
        self.lang = lang
        self.layout_name = ""
        self._box = QVBoxLayout(self)
        self._box.setContentsMargins(12, 8, 12, 8)
        self._keys: QWidget | None = None
        self.show_layout("letters")

    def show_layout(self, name: str) -> None:
        if name == self.layout_name and self._keys is not None:
            return
        self.layout_name = name
        if self._keys is not None:
            self._keys.deleteLater()
        self._keys = QWidget(self)
        grid = QGridLayout(self._keys)
        grid.setSpacing(6)
        rows = LETTER_ROWS if name == "letters" else DIGIT_ROWS
        for r, row in enumerate(rows):
            for c, ch in enumerate(row):
                grid.addWidget(self._key(ch, ch, lambda _=False, ch=ch: self._type(ch)), r, c)
        last = len(rows)
        back = self._key(t(self.lang, "key.backspace"), "backspace", lambda: self._press(Qt.Key.Key_Backspace))
        done = self._key(t(self.lang, "key.done"), "done", self._done, role="primary")
        if name == "letters":
            space = self._key(t(self.lang, "key.space"), "space", lambda: self._type(" "))
            grid.addWidget(space, last, 0, 1, 5)
            grid.addWidget(back, last, 5, 1, 3)
            grid.addWidget(done, last, 8, 1, 2)
        else:
            grid.addWidget(back, last, 0)
            grid.addWidget(self._key("0", "0", lambda: self._type("0")), last, 1)
            grid.addWidget(done, last, 2)
        self._box.addWidget(self._keys, 0, Qt.AlignmentFlag.AlignHCenter)

    def _key(self, label: str, name: str, slot, role: str | None = None) -> QPushButton:  # type: ignore[no-untyped-def]
        key = QPushButton(label, self)
        key.setObjectName(f"key:{name}")
        key.setAccessibleName(label)
        key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        key.setMinimumSize(72, 64)
        if role:
            set_role(key, role)
        key.clicked.connect(slot)
        return key

    @staticmethod
    def _target() -> QLineEdit | QPlainTextEdit | None:
        widget = QApplication.focusWidget()
        return widget if isinstance(widget, (QLineEdit, QPlainTextEdit)) else None

    def _type(self, ch: str) -> None:
        target = self._target()
        if target is None:
            return
        if ch.isalpha() and isinstance(target, QLineEdit):
            text = target.text()[: target.cursorPosition()]
            ch = ch.upper() if not text or text[-1] in " -'" else ch.lower()
        QApplication.sendEvent(target, QKeyEvent(QEvent.Type.KeyPress, 0, Qt.KeyboardModifier.NoModifier, ch))
        QApplication.sendEvent(target, QKeyEvent(QEvent.Type.KeyRelease, 0, Qt.KeyboardModifier.NoModifier, ch))

    def _press(self, key: Qt.Key) -> None:
        target = self._target()
        if target is not None:
            QApplication.sendEvent(target, QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier))
            QApplication.sendEvent(target, QKeyEvent(QEvent.Type.KeyRelease, key, Qt.KeyboardModifier.NoModifier))

    def _done(self) -> None:
        self._press(Qt.Key.Key_Return)
        self.done.emit()
