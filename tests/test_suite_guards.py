"""The suite's own guards can fail: an unexpected ERROR log line, and a window left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
TESTS = Path(__file__).resolve().parent


@pytest.fixture
def suite(pytester, monkeypatch):  # type: ignore[no-untyped-def]
    """A throwaway test folder with this suite's own conftest files and settings."""
    monkeypatch.setenv("PYTHONPATH", str(TESTS.parent))  # the checkout's kiosk and ui, as the suite uses
    pytester.makeconftest((TESTS / "conftest.py").read_text())
    ui = pytester.mkpydir("uitests")  # not "ui": that would shadow the real package
    (ui / "conftest.py").write_text((TESTS / "ui" / "conftest.py").read_text())
    pytester.makeini("[pytest]\nqt_api = pyside6\nmarkers =\n    logs_errors: provokes errors\n")
    return pytester


def test_an_unexpected_error_log_line_fails_the_test(suite) -> None:
    suite.makepyfile(test_logs="""
import logging
import pytest

def test_quiet():
    logging.getLogger("kiosk").info("fine")

def test_noisy():
    logging.getLogger("kiosk").error("boom")

@pytest.mark.logs_errors
def test_expected():
    logging.getLogger("kiosk").error("boom, on purpose")
""")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*unexpected ERROR log lines*", "*kiosk: boom*"])


def test_a_window_left_behind_fails_the_test(suite) -> None:
    (suite.path / "uitests" / "test_windows.py").write_text("""
from PySide6.QtWidgets import QWidget

KEPT = []

def test_tidy(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    w.show()

def test_leaky(qapp):
    w = QWidget()
    w.setObjectName("leaky")
    w.show()
    KEPT.append(w)
""")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "uitests")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*top-level widgets left behind*leaky*"])
