"""The on-screen keyboard: an in-window panel (never a window of its own) whose keys never
take focus and type into the focused entry.

Layouts: ``letters`` (names, with the accented letters Spanish names need, capitals at the
start of each word) in four rows, and ``digits`` (numbers and dates) as a phone keypad. Keys
are at least 48 px; on a short screen (600 px) they are 52 px tall so the page keeps room
for the entry above them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QFrame, QGridLayout, QHBoxLayout, QLineEdit, QPlainTextEdit, QPushButton, QWidget

from kiosk.i18n import t

from .controls import set_role

# (key cap, row, column, column span) on a 12-column grid; None is a named key
LETTERS: tuple[tuple[str, int, int, int], ...] = (
    *((ch, 0, c, 1) for c, ch in enumerate("QWERTYUIOP")), ("backspace", 0, 10, 2),
    *((ch, 1, c, 1) for c, ch in enumerate("ASDFGHJKLÑ")), ("done", 1, 10, 2),
    *((ch, 2, c, 1) for c, ch in enumerate("ZXCVBNM'-ÁÉÍ")),
    *((ch, 3, c, 1) for c, ch in enumerate("ÓÚÜ")), ("space", 3, 3, 9),
)
DIGITS: tuple[tuple[str, int, int, int], ...] = (
    *((ch, r, c, 1) for r, row in enumerate(("123", "456", "789")) for c, ch in enumerate(row)),
    ("backspace", 3, 0, 1), ("0", 3, 1, 1), ("done", 3, 2, 1),
)
NAMED = ("backspace", "done", "space")
SHORT_SCREEN_PX = 700
KEY_PX = {"short": 46, "tall": 64}  # the keys' inside; with their 3 px borders 52 and 70 px on the glass


class OnScreenKeyboard(QFrame):
    """Docked at the bottom of the window, above the Back/Next bar (which never moves)."""

    done = Signal()  # Done was tapped (after Return was sent to the entry)

    def __init__(self, lang: str, parent: QWidget | None = None, *, short: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("keyboard")
        self.setAccessibleName(t(lang, "keyboard"))
        set_role(self, "keyboard")
        self.lang = lang
        self.short = short
        self.layout_name = ""
        self._row = QHBoxLayout(self)  # the keys, centred, as wide as they may be
        self._row.setContentsMargins(12, 6, 12, 6)
        self._row.addStretch(1)
        self._row.addStretch(1)
        self._keys: QWidget | None = None
        self.show_layout("letters")

    def show_layout(self, name: str) -> None:
        if name == self.layout_name and self._keys is not None:
            return
        self.layout_name = name
        if self._keys is not None:
            self._keys.hide()
            self._keys.setParent(None)  # out of the tree at once: its key names are not found again
            self._keys.deleteLater()
        self._keys = QWidget(self)
        grid = QGridLayout(self._keys)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        digits = name != "letters"
        height = KEY_PX["short" if self.short else "tall"]
        for cap, row, col, span in DIGITS if digits else LETTERS:
            key = self._key(cap, height, 120 if digits else 56)
            grid.addWidget(key, row, col, 1, span)
        self._keys.setMaximumWidth(420 if digits else 1180)
        self._row.insertWidget(1, self._keys, 100)

    def _key(self, cap: str, height: int, width: int) -> QPushButton:
        label = t(self.lang, f"key.{cap}") if cap in NAMED else cap
        key = QPushButton(label, self)
        key.setObjectName(f"key:{cap}")
        key.setAccessibleName(label)
        key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        key.setMinimumWidth(width)
        key.setProperty("key", "short" if height == KEY_PX["short"] else "tall")  # the height, in the theme
        if cap == "done":
            set_role(key, "primary")
        slot: Callable[[], None]
        if cap == "backspace":
            slot = lambda: self._press(Qt.Key.Key_Backspace)  # noqa: E731
        elif cap == "done":
            slot = self._done
        else:
            ch = " " if cap == "space" else cap
            slot = lambda ch=ch: self._type(ch)  # type: ignore[misc]  # noqa: E731
        key.clicked.connect(lambda _=False: slot())
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
