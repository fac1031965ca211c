"""The injectable clock behind every idle, countdown and lock timer."""

from __future__ import annotations

import pytest

from kiosk.clock import Countdown, FakeClock, MonotonicClock


def test_countdown_on_a_fake_clock() -> None:
    clock = FakeClock()
    c = Countdown(clock, 30)
    assert not c.running and not c.expired() and c.left() == 30
    c.start()
    assert c.shown() == 30
    clock.advance(0.2)
    assert c.shown() == 30  # 29.8 seconds left still reads 30, as a person counts
    clock.advance(9.8)
    assert c.shown() == 20 and not c.expired()
    clock.advance(20)
    assert c.shown() == 0 and c.expired()
    c.start(5)  # again, with another length
    assert c.shown() == 5 and not c.expired()
    c.stop()
    assert not c.running and not c.expired()


def test_a_fake_clock_tells_its_subscribers_and_never_goes_back() -> None:
    clock, seen = FakeClock(), []
    tell = lambda: seen.append(clock.now())  # noqa: E731
    clock.subscribe(tell)
    clock.advance(2)
    clock.unsubscribe(tell)
    clock.advance(3)
    assert seen == [1002.0]
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_the_real_clock_is_monotonic() -> None:
    clock = MonotonicClock()
    a = clock.now()
    assert clock.now() >= a
    clock.subscribe(lambda: None)  # nothing to tell: the UI polls it
