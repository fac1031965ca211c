"""Log files: ``logs/kiosk.log`` next to the database, owner-only, rotated (5 x 1 MB).

What is logged: start-up, intake ids, storage errors, staff account ids, never a patient's
name, birth date or answers (a test greps every file the program writes for them).
"""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path
from typing import cast

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(db_path: Path | str, stderr: bool = True, name: str = "kiosk.log") -> Path | None:
    """Log to stderr and to the owner-only log file (``name``: one file per process kind, so two
    processes never rotate the same file). Returns the file, or None when the folder cannot be
    written (the program runs on, logging to stderr only)."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    if stderr and not any(isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
                          for h in root.handlers):
        console = logging.StreamHandler()
        console.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(console)
    folder = Path(db_path).parent / "logs"
    path = folder / name
    try:
        folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the data folder, owner-only as the store makes it
        folder.mkdir(exist_ok=True, mode=0o700)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        handler: logging.Handler = PrivateRotatingHandler(path, max_bytes=1_000_000, keep=5)
    except OSError as exc:
        logging.getLogger("kiosk").error("cannot write the log file in %s: %s", folder, exc.strerror)
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    return path


class PrivateRotatingHandler(logging.FileHandler):
    """A log file that is rotated at ``max_bytes`` (``kiosk.log.1`` is the newest old file,
    ``keep`` of them are kept), every file created owner-only.

    Written here rather than taken from ``logging.handlers``, which imports socket, pickle
    and queue: 8 ms of every kiosk start-up, for a file that gets a few lines an hour.
    """

    def __init__(self, path: Path | str, max_bytes: int, keep: int) -> None:
        self.max_bytes, self.keep = max_bytes, keep
        super().__init__(path, mode="a", encoding="utf-8")

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
        return cast(io.TextIOWrapper, os.fdopen(fd, self.mode, encoding=self.encoding))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.stream is not None and self.stream.tell() + len(self.format(record)) + 1 > self.max_bytes:
                self._rotate()
        except Exception:  # as logging does: a log problem never stops the kiosk
            self.handleError(record)
            return
        super().emit(record)

    def _rotate(self) -> None:
        if self.stream is not None:
            self.stream.close()
        self.stream = None
        base = self.baseFilename
        for n in range(self.keep - 1, 0, -1):
            if os.path.exists(f"{base}.{n}"):
                os.replace(f"{base}.{n}", f"{base}.{n + 1}")
        if self.keep > 0:
            os.replace(base, f"{base}.1")
        else:
            os.remove(base)
        self.stream = self._open()
