"""Log files: ``logs/kiosk.log`` next to the database, owner-only, rotated (5 x 1 MB).

What is logged: start-up, intake ids, storage errors, staff account ids, never a patient's
name, birth date or answers (a test greps every file the program writes for them).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(db_path: Path | str, stderr: bool = True) -> Path | None:
    """Log to stderr and to the owner-only log file. Returns the file, or None when the
    folder cannot be written (the program runs on, logging to stderr only)."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    if stderr and not any(isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
                          for h in root.handlers):
        console = logging.StreamHandler()
        console.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(console)
    folder = Path(db_path).parent / "logs"
    path = folder / "kiosk.log"
    try:
        folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the data folder, owner-only as the store makes it
        folder.mkdir(exist_ok=True, mode=0o700)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        handler: logging.Handler = _PrivateRotatingHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    except OSError as exc:
        logging.getLogger("kiosk").error("cannot write the log file in %s: %s", folder, exc.strerror)
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    return path


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """Rotated files are created owner-only too."""

    def _open(self):  # type: ignore[no-untyped-def]
        fd = os.open(self.baseFilename, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
        return os.fdopen(fd, self.mode, encoding=self.encoding)
