"""One place that finds the files under ``resources/``, from a checkout or an installed copy."""

from __future__ import annotations

import os
from pathlib import Path


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
