"""One place that finds the files under ``resources/``, from a checkout or an installed copy."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def resources_dir() -> Path:
    """The resources folder; ``KIOSK_RESOURCES`` overrides it (tests, a clinic's own copy)."""
    override = os.environ.get("KIOSK_RESOURCES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


DEFAULT_QUESTIONNAIRE = ("questionnaires", "facet-intake.json")
DEFAULT_RULEPACK = ("rules", "facet-default.json")


def read_json(path: Path) -> tuple[Any, str]:
    """A JSON file's content and the SHA-256 of its bytes; ValueError with one plain sentence."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read the file ({exc.strerror or exc})") from None
    try:
        return json.loads(raw), hashlib.sha256(raw).hexdigest()
    except ValueError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
