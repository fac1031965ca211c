"""The idle watcher the kiosk and the staff station share: any touch, click, key or wheel restarts
a deadline on the injected clock (``kiosk.clock``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer

from kiosk.clock import Clock, Countdown, MonotonicClock

INPUT_EVENTS = {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress, QEvent.Type.Wheel,
                QEvent.Type.TouchUpdate, QEvent.Type.MouseMove}


class IdleWatcher(QObject):
    """One application-wide filter: any touch, click, key or wheel restarts the idle deadline.

    The deadline is on the injected clock (``kiosk.clock``), read a few times a second, and at
    once when a test's fake clock jumps; it fires ``on_idle`` once, then waits for ``start``."""

    POLL_MS = 200

    def __init__(self, warn_s: float, on_idle: Callable[[], None], parent: QObject, clock: Clock | None = None) -> None:
        super().__init__(parent)
        self.clock = clock or MonotonicClock()
        self.deadline = Countdown(self.clock, warn_s)
        self.on_idle = on_idle
        self.poll = QTimer(self)
        self.poll.setInterval(max(1, min(self.POLL_MS, int(warn_s * 1000))))
        self.poll.timeout.connect(self.check)
        self.active = False
        self.clock.subscribe(self.check)
        self.destroyed.connect(lambda *_: self.clock.unsubscribe(self.check))

    def start(self) -> None:
        self.active = True
        self.deadline.start()
        self.poll.start()

    def stop(self) -> None:
        self.active = False
        self.deadline.stop()
        self.poll.stop()

    def check(self) -> None:
        if self.active and self.deadline.expired():
            self.stop()
            self.on_idle()

    def touched(self) -> None:
        """A touch, click, key or wheel: the deadline starts again (when watching)."""
        if self.active:
            self.deadline.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.active and event.type() in INPUT_EVENTS and event.spontaneous():
            self.deadline.start()
        return False
