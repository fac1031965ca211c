"""The kiosk's two clocks a patient meets: the idle watch (any touch restarts it; at its end a
warning with a countdown) and the countdowns shown on screen (the idle warning's, the thank-you
page's). Both run on the injected clock (``kiosk.clock``), so tests advance a fake clock and
never wait on a real timer."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel

from kiosk.clock import Clock, Countdown
from kiosk.i18n import t

from ..common.idle import IdleWatcher


class Timers(QObject):
    """The idle watch and the countdowns. On screen: the idle warning (an in-window notice with
    its seconds) and the thank-you page's seconds; ``watching`` says whether a patient is on a
    question or review page (the only places the idle warning comes)."""

    sig_idle = Signal()
    """Nobody touched the kiosk for the idle time."""
    sig_tick = Signal(str, int)
    """A countdown shows (its name, whole seconds left)."""
    sig_expired = Signal(str)
    """A countdown ran out (its name: ``idle`` or ``done``)."""

    def __init__(self, clock: Clock, idle_warn_s: float, parent: QObject, lang: Callable[[], str] = lambda: "en") -> None:
        super().__init__(parent)
        self.clock = clock
        self.idle = IdleWatcher(idle_warn_s, self.sig_idle.emit, self, clock)
        self.labels: dict[str, Callable[[], QLabel]] = {}  # where each countdown shows, by name
        self.lang = lang
        self.sig_tick.connect(self._show)
        self.deadline = Countdown(clock, 0)
        self.name = ""
        self.shown = QTimer(self)  # the seconds on screen, 4 times a second
        self.shown.setInterval(250)
        self.shown.timeout.connect(self._tick)
        clock.subscribe(self._tick)
        self.destroyed.connect(lambda *_: clock.unsubscribe(self._tick))

    def _show(self, name: str, seconds: int) -> None:
        label = self.labels[name]() if name in self.labels else None
        if label is not None:
            label.setText(t(self.lang(), "done.countdown" if name == "done" else "idle.body", n=seconds))

    def still_here(self) -> None:
        """The patient answered the idle warning: the countdown stops, the watch starts again."""
        self.stop()
        self.idle.start()

    def count(self, name: str, seconds: float) -> None:
        self.name = name
        self.deadline.start(seconds)
        self.shown.start()
        self._tick()

    def stop(self) -> None:
        self.shown.stop()
        self.deadline.stop()

    def _tick(self) -> None:
        if not self.deadline.running:
            return
        self.sig_tick.emit(self.name, self.deadline.shown())
        if self.deadline.expired():
            self.stop()
            self.sig_expired.emit(self.name)

    def quiet(self) -> None:
        """No idle watch and no countdown (a reset, the staff screen)."""
        self.idle.stop()
        self.stop()

