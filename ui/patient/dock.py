"""Where the on-screen keyboard lives in the kiosk window: a slot between the page and the
footer. Opening it takes height from the page (which scrolls the entry into view above it);
the window never grows and the footer never moves.

The keyboard opens when an entry takes focus and closes when focus moves elsewhere, but never
between a finger's press and its release: a press on Next used to close the keyboard, the
page jumped, and the release landed on nothing. The close waits for the release."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from ..common.keyboard import OnScreenKeyboard


class KeyboardDock(QObject):
    def __init__(self, window: QWidget, layout: QVBoxLayout, index: int, lang: Callable[[], str],
                 on_shown: Callable[[QLineEdit], None], entries: Callable[[], list[QLineEdit]],
                 after: Callable[[], QWidget]) -> None:
        super().__init__(window)
        self.window = window
        self.layout = layout
        self.index = index
        self.lang = lang
        self.on_shown = on_shown
        self.entries = entries  # the page's name fields, in order: Done goes on to the next empty one
        self.after = after  # where focus goes when Done closes the keyboard (Next)
        self.keyboard: OnScreenKeyboard | None = None  # built on first use: start-up stays fast
        self.pending_hide = False
        self.enabled = True
        QApplication.instance().focusChanged.connect(self._focus_changed)  # type: ignore[union-attr]

    def get(self) -> OnScreenKeyboard:
        from ..common.keyboard import SHORT_SCREEN_PX, OnScreenKeyboard  # loaded with the first entry

        lang = self.lang()
        short = self.window.height() < SHORT_SCREEN_PX
        old = self.keyboard
        if old is None or old.lang != lang or old.short != short:
            self.keyboard = OnScreenKeyboard(lang, self.window, short=short)
            self.keyboard.done.connect(self._done)
            self.keyboard.setVisible(old is not None and old.isVisible())
            if old is not None:
                self.keyboard.show_layout(old.layout_name)
                old.hide()
                old.setParent(None)
                old.deleteLater()
            self.layout.insertWidget(self.index, self.keyboard)
        assert self.keyboard is not None
        return self.keyboard

    def retranslate(self) -> None:
        if self.keyboard is not None:
            self.get()

    def show_for(self, entry: QLineEdit, layout_name: str) -> None:
        self.pending_hide = False
        keyboard = self.get()
        keyboard.show_layout(layout_name)
        keyboard.show()
        self.on_shown(entry)

    def hide(self) -> None:
        self.pending_hide = False
        if self.keyboard is not None:
            self.keyboard.hide()

    def visible(self) -> bool:
        return self.keyboard is not None and self.keyboard.isVisible()

    def _done(self) -> None:
        """Done: on to the next empty name field of the page, else close (focus to Next)."""
        focused = QApplication.focusWidget()
        entries = self.entries()
        later = entries[entries.index(focused) + 1:] if isinstance(focused, QLineEdit) and focused in entries else []
        following = next((e for e in later if not e.text()), None)
        if following is not None:
            following.setFocus()
            return
        self.hide()
        if isinstance(focused, QLineEdit) and self.window.isAncestorOf(focused):
            self.after().setFocus()  # Tab order goes on from the page's end

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if not self.enabled:
            self.hide()
            return
        if isinstance(new, QLineEdit) and self.window.isAncestorOf(new):
            owner = new.parentWidget()
            while owner is not None and not hasattr(owner, "layout_name"):
                owner = owner.parentWidget()
            self.show_for(new, getattr(owner, "layout_name", "letters"))
        elif new is not None and self.window.isAncestorOf(new) and self.visible():
            if QApplication.mouseButtons() != Qt.MouseButton.NoButton:
                self.pending_hide = True  # after the release: the tap lands where it was aimed
            else:
                self.hide()

    def lifted(self) -> None:
        """A finger or button was lifted (the window's filter tells): close after it lands."""
        if self.pending_hide:
            QTimer.singleShot(0, self, self._hide_if_pending)  # once the release is delivered

    def _hide_if_pending(self) -> None:
        if self.pending_hide:
            focused = QApplication.focusWidget()
            if not isinstance(focused, QLineEdit):
                self.hide()
            self.pending_hide = False

    def shutdown(self) -> None:
        app = QApplication.instance()
        if app is not None:
            try:
                app.focusChanged.disconnect(self._focus_changed)  # type: ignore[attr-defined]
            except (RuntimeError, TypeError):
                pass
