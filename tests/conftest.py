"""Shared fixtures. Qt runs off screen unless QT_QPA_PLATFORM is already set (an Xvfb run)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLES = SHARED / "spec" / "examples"
FHIR_SCHEMA = SHARED / "fhir" / "fhir.schema.json"


def example_names() -> list[str]:
    return sorted(json.loads((EXAMPLES / "expected.json").read_text()))


def load_example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def no_unexpected_errors(request, caplog):  # type: ignore[no-untyped-def]
    """An ERROR log line fails the test unless the test is marked ``logs_errors`` (it provokes one)."""
    yield
    if request.node.get_closest_marker("logs_errors"):
        return
    errors = [f"{r.name}: {r.getMessage()}" for when in ("setup", "call", "teardown")
              for r in caplog.get_records(when) if r.levelno >= logging.ERROR]
    if errors:
        pytest.fail("unexpected ERROR log lines:\n" + "\n".join(errors), pytrace=False)


@pytest.fixture(scope="session")
def questionnaire():  # type: ignore[no-untyped-def]
    from kiosk.questionnaire import default_questionnaire

    return default_questionnaire()


@pytest.fixture(scope="session")
def rulepack(questionnaire):  # type: ignore[no-untyped-def]
    from kiosk.rules import load_rulepack

    return load_rulepack(questionnaire=questionnaire)


@pytest.fixture(scope="session")
def expected() -> dict[str, Any]:
    return json.loads((EXAMPLES / "expected.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "kiosk.db"
