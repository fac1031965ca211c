"""What makes a window a kiosk: no context menus anywhere (they leak the clipboard and look
broken), Esc never closes it, and a close is refused unless staff (or a test) asks for it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QCloseEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import QLayout, QVBoxLayout, QWidget

from ..common.idle import INPUT_EVENTS
from ..common.lazyqt import qt

log = logging.getLogger("kiosk.ui")


CONTEXT_MENU = QEvent.Type.ContextMenu
INPUT = frozenset(INPUT_EVENTS)
LIFTED = frozenset({QEvent.Type.MouseButtonRelease, QEvent.Type.TouchEnd})
MOUSE = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick})
KEY_PRESS = QEvent.Type.KeyPress


class KioskShell(QWidget):
    """``on_input`` hears every spontaneous touch, click, key or wheel (the idle watch);
    ``on_lift`` every finger or button lifted (the keyboard closes after a tap, not during it).

    The filter sits on the window's own QWindow, where the screen's input arrives before Qt
    hands it to a widget: it sees every touch, click and key, and none of the thousands of
    events a page's widgets send each other while it is built. (On the whole application it
    ran for all of those, in Python, and made every page turn half again as slow.) Context
    menus are stopped at their source: a right button or the Menu key never gets past it."""

    def __init__(self) -> None:
        super().__init__()
        self.allow_close = False
        self.on_close: list[Callable[[], None]] = []  # the parts that let go of the application
        self.on_input: Callable[[], None] = lambda: None
        self.on_lift: Callable[[], None] = lambda: None
        self._watched: QObject | None = None

    def column(self, *parts: tuple[QWidget, int]) -> QVBoxLayout:
        """The window's own layout: ``parts`` (widget, stretch) top to bottom, edge to edge, and
        never larger than the window (the window is the screen, never more)."""
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        root.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        for widget, stretch in parts:
            root.addWidget(widget, stretch)
        return root

    def showEvent(self, event: QShowEvent) -> None:
        handle = self.windowHandle()
        if handle is not None and handle is not self._watched:
            handle.installEventFilter(self)
            self._watched = handle
        super().showEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == CONTEXT_MENU:
            return True
        if kind in MOUSE and event.button() == qt().MouseButton.RightButton:  # type: ignore[attr-defined]
            return True  # no context menu from the right button
        if kind == KEY_PRESS and event.key() == qt().Key.Key_Menu:  # type: ignore[attr-defined]
            return True  # nor from the Menu key
        if kind in INPUT and event.spontaneous():
            self.on_input()
        if kind in LIFTED:
            self.on_lift()
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == qt().Key.Key_Escape:
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.allow_close:
            event.ignore()
            return
        for release in self.on_close:
            release()
        if self._watched is not None:
            self._watched.removeEventFilter(self)
        event.accept()

    def reset(self) -> None:
        """Back to the empty first screen (the window defines it)."""

    def show_startup_error(self, message: str) -> None:
        """The calm front-desk page (the window defines it)."""

    def recover(self) -> None:
        """After an unexpected error: a fresh first screen (the draft stays for staff); if even
        that fails, the calm front-desk page."""
        try:
            self.reset()
        except Exception:
            log.error("reset after an unexpected error failed; showing the front-desk page")
            self.show_startup_error("The kiosk met an unexpected problem.")
            raise

    def shutdown(self) -> None:
        """Close for real (tests, staff): the open intake stays a draft for the next start."""
        self.allow_close = True
        self.close()
