"""The staff station over the whole kiosk: opened from the welcome screen only (so no patient is
interrupted); locking it, by hand or after the staff idle time, removes it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QWidget

log = logging.getLogger("kiosk.ui")


class StaffHost(QObject):
    sig_opening = Signal()
    """The staff screen is about to cover the kiosk (quiet its timers and notices)."""
    sig_unavailable = Signal()
    """Staff was tapped on a kiosk with no staff station set up."""
    sig_closed = Signal()
    """The staff screen was locked and removed."""

    def __init__(self, window: QWidget, factory: Callable[[], QWidget] | None) -> None:
        super().__init__(window)
        self.window = window
        self.factory = factory
        self.view: QWidget | None = None
        window.installEventFilter(self)

    @property
    def available(self) -> bool:
        return self.factory is not None

    @property
    def open(self) -> bool:
        return self.view is not None

    def show(self) -> None:
        if self.factory is None:
            self.sig_unavailable.emit()
            return
        if self.view is not None:
            return
        self.sig_opening.emit()
        view = self.view = self.factory()
        view.setParent(self.window)
        view.setGeometry(self.window.rect())
        view.show()
        view.raise_()
        view.locked.connect(self._closed)  # type: ignore[attr-defined]

    def _closed(self, why: str = "manual") -> None:
        view, self.view = self.view, None
        if view is not None:
            view.hide()
            view.shutdown()  # type: ignore[attr-defined]
            view.setParent(None)  # out of the kiosk's tree at once, freed on the next loop turn
            view.deleteLater()
        log.info("staff screen closed (%s)", why)
        self.sig_closed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Resize and self.view is not None:
            self.view.setGeometry(self.window.rect())
        return False
