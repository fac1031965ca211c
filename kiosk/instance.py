"""One kiosk per database. Two kiosks on one file would each think the other's patient had
walked away (a start marks every draft abandoned); the second start now says so and stops.

The lock is an advisory lock on a file beside the database, held for as long as the kiosk
runs; the operating system releases it when the process ends, however it ends (a crash, a
SIGKILL, a power cut), so a kiosk that died never blocks the next start."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kiosk.store import StoreError


class AlreadyRunning(StoreError):
    kind = "in_use"

    def __init__(self, db_path: Path) -> None:
        super().__init__(f"Another kiosk is already running on {db_path}. Only one kiosk may use a "
                         "database; close the other one first (the staff station may run beside it).")


class InstanceLock:
    def __init__(self, db_path: Path | str) -> None:
        self.db_path = Path(db_path)
        self.path = self.db_path.with_name(self.db_path.name + "-lock")  # beside -wal and -shm
        self._fd: int | None = None

    def acquire(self) -> InstanceLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if sys.platform == "win32":  # the kiosk's Windows build (mypy checks each platform apart)
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise AlreadyRunning(self.db_path) from None
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file releases the lock
            self._fd = None
