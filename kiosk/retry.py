"""The loop both senders run (``ship`` to the central database, ``deliver`` to the EHR): pass
after pass until SIGTERM or SIGINT, jittered backoff after a failed pass, a short idle poll
when all is sent, and an exit only when the setup can never work (exit 3)."""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

BACKOFF_MIN_S, BACKOFF_MAX_S = 1.0, 60.0
IDLE_POLL_S = 2.0
EXIT_OK, EXIT_CONFIG = 0, 3


def backoff(failures: int, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait after ``failures`` failed passes in a row: 1, 2, 4 ... 60, each scaled
    by a random 50-100 % so kiosks cut off together do not all come back in the same second."""
    if failures <= 0:
        return 0.0
    return float(min(BACKOFF_MAX_S, BACKOFF_MIN_S * 2 ** (failures - 1)) * (0.5 + rand() / 2))


class PassResult(Protocol):
    @property
    def error(self) -> Any: ...  # an exception with ``exit_code``, or None
    @property
    def exit_code(self) -> int: ...
    @property
    def progress(self) -> bool: ...  # something was sent (or settled) in this pass
    @property
    def waiting(self) -> int: ...
    def summary(self) -> str: ...


class PassLoop:
    """``run_pass()`` comes from the sender; ``once()`` and ``forever()`` from here."""

    log: logging.Logger
    sleep: Callable[[float], None]
    rand: Callable[[], float]
    stopping: threading.Event

    def run_pass(self) -> PassResult:
        raise NotImplementedError

    def started(self) -> str:
        """The line logged when ``forever`` has its signal handlers (tests wait for it)."""
        raise NotImplementedError

    def once(self) -> int:
        result = self.run_pass()
        self.report(result)
        return result.exit_code

    def forever(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stopping.set())
        self.log.info("%s", self.started())
        failures = 0
        while not self.stopping.is_set():
            result = self.run_pass()
            if result.progress or result.error is None:
                failures = 0
            if result.progress or result.error is not None:
                self.report(result)
            if result.error is not None and result.error.exit_code == EXIT_CONFIG:
                return EXIT_CONFIG
            if result.error is not None:
                failures += 1
                self.wait(backoff(failures, self.rand))
            elif result.waiting <= 0 or not result.progress:  # done, or only what the server refused is left
                self.wait(IDLE_POLL_S)
        return EXIT_OK

    def wait(self, seconds: float) -> None:
        if self.sleep is time.sleep:
            self.stopping.wait(seconds)
        else:
            self.sleep(seconds)

    def report(self, result: PassResult) -> None:
        if result.error is not None:
            self.log.warning("%s (%d intake(s) waiting)", result.error, max(result.waiting, 0))
        self.log.info("%s", result.summary())
