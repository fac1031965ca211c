"""Storage failures, each its own class, with a message a person can act on."""

from __future__ import annotations

from pathlib import Path


class StoreError(RuntimeError):
    """A storage failure with a message staff can act on. Each kind of failure is its own
    subclass (callers test ``isinstance``); ``kind`` names it in logs, never patient data."""

    kind = "unavailable"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class NotADatabase(StoreError):
    kind = "not_a_database"


class Corrupt(StoreError):
    kind = "corrupt"


class Busy(StoreError):
    kind = "locked"


class DiskFull(StoreError):
    kind = "full"


class ReadOnly(StoreError):
    kind = "readonly"


class NotFound(StoreError):
    kind = "not_found"


class Closed(StoreError):
    """The intake is no longer a draft."""

    kind = "closed"


class Incomplete(StoreError):
    """A submit refused: required enabled answers are missing (``missing`` names them)."""

    kind = "incomplete"

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing


class AlreadyExists(StoreError):
    kind = "exists"


class NewerSchema(StoreError):
    kind = "newer_schema"


class Replaced(StoreError):
    """The file or its WAL was swapped under the running program."""

    kind = "replaced"


def classify(exc: BaseException, path: Path) -> StoreError:
    text = str(exc).lower()
    if "file is not a database" in text:
        return NotADatabase(f"{path} is not a kiosk database. Check the path; nothing was changed.")
    if "malformed" in text or "corrupt" in text:
        return Corrupt(f"The database {path} is damaged. Restore the latest backup; nothing was changed.")
    if "locked" in text or "busy" in text:
        return Busy(f"The database {path} is busy in another program. Try again in a moment.")
    if "full" in text or "disk i/o" in text or (isinstance(exc, OSError) and getattr(exc, "errno", 0) == 28):
        return DiskFull(f"The disk holding {path} is full or failing. Free space; answers already saved are kept.")
    if "readonly" in text or "read-only" in text or "permission" in text or "unable to open" in text:
        return ReadOnly(f"Cannot write to {path} (read-only or missing folder). Check its permissions.")
    return StoreError(f"The database {path} cannot be used: {exc}")
