"""Kiosk mode on X11: the kiosk keeps the screen and the keyboard.

Under a stock desktop (openbox and the like) Alt+Tab, Super+D, Alt+Space or a workspace switch
would take the kiosk off the glass and reach a terminal. Full screen on X11 the window stays on
top, holds an active keyboard grab (while a client holds one, the window manager's own key
bindings never fire) and takes the focus, and the grab, back whenever it loses them. The
recommended deployment is still a kiosk session (``cage``; docs/deploy.md); running full screen
outside one is logged as a warning."""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

log = logging.getLogger("kiosk.ui")


def in_kiosk_session() -> bool:
    """True under a kiosk compositor (cage) or a session that says it is one."""
    return bool(os.environ.get("CAGE") or os.environ.get("KIOSK_SESSION")
                or os.environ.get("XDG_CURRENT_DESKTOP", "").lower() == "cage")


class ScreenHold(QObject):
    """Keeps ``window`` on top, focused and holding the keyboard (X11 only; elsewhere a no-op)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.active = QGuiApplication.platformName() == "xcb"
        if not self.active:
            return
        window.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        self._again = QTimer(self)
        self._again.setSingleShot(True)
        self._again.setInterval(50)
        self._again.timeout.connect(self.take)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.applicationStateChanged.connect(lambda state: self._again.start()
                                                if state != Qt.ApplicationState.ApplicationActive else None)
        window.installEventFilter(self)
        if not in_kiosk_session():
            log.warning("the kiosk runs full screen outside a kiosk session; use the locked-down session "
                        "in docs/deploy.md (cage) so nothing else can reach the screen")

    def take(self) -> None:
        """Raise, focus and grab; a grab refused (the window manager holds the keyboard for a
        moment, as openbox does while Alt+Tab is down) is tried again until it holds."""
        if not self.active or not self.window.isVisible():
            return
        self.window.raise_()
        self.window.activateWindow()
        handle = self.window.windowHandle()
        if handle is None or not handle.setKeyboardGrabEnabled(True):
            self._again.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.window and kind in (QEvent.Type.WindowDeactivate, QEvent.Type.Hide,
                                                QEvent.Type.WindowStateChange):
            if kind == QEvent.Type.WindowStateChange and self.window.isMinimized():
                self.window.showFullScreen()  # Super+D or a minimise: straight back
            self._again.start()
        if watched is self.window and kind == QEvent.Type.Show:
            self._again.start()
        return False
