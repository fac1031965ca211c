"""Time for the kiosk's idle, countdown and lock timers, injectable so tests never wait on it.

Every timer reads a ``Clock``. The real one is ``time.monotonic``; the UI polls it a few times a
second. ``FakeClock`` is for tests (and the soak): it stands still until ``advance`` is called,
and ``advance`` tells every subscriber at once, so a test says "two minutes pass" and the
kiosk reacts before the next line, however busy the machine is.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a clock that never goes backwards."""
        ...

    def subscribe(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever time jumps (only a fake clock jumps; a real one is polled)."""
        ...

    def unsubscribe(self, callback: Callable[[], None]) -> None: ...


class MonotonicClock:
    def now(self) -> float:
        return time.monotonic()

    def subscribe(self, callback: Callable[[], None]) -> None:
        pass

    def unsubscribe(self, callback: Callable[[], None]) -> None:
        pass


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start
        self._callbacks: list[Callable[[], None]] = []

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a monotonic clock does not go back")
        self.t += seconds
        for callback in list(self._callbacks):
            callback()

    def subscribe(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def unsubscribe(self, callback: Callable[[], None]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)


class Countdown:
    """A deadline ``seconds`` after ``start()`` on a clock (idle warning, thank-you page, staff lock)."""

    def __init__(self, clock: Clock, seconds: float) -> None:
        self.clock = clock
        self.seconds = seconds
        self.started: float | None = None

    def start(self, seconds: float | None = None) -> None:
        if seconds is not None:
            self.seconds = seconds
        self.started = self.clock.now()

    def stop(self) -> None:
        self.started = None

    @property
    def running(self) -> bool:
        return self.started is not None

    def left(self) -> float:
        if self.started is None:
            return self.seconds
        return max(0.0, self.seconds - (self.clock.now() - self.started))

    def shown(self) -> int:
        """Whole seconds to show a person: 30, 29, ... 1, then 0 when it is over."""
        return math.ceil(self.left())

    def expired(self) -> bool:
        return self.started is not None and self.left() <= 0
