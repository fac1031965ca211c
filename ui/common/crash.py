"""The last line of defence: an exception nobody caught, in any slot or event handler, is logged
(its kind and where, never its message: it may hold what a patient typed) and the kiosk starts
over on a safe screen instead of carrying on in a state nobody designed. Qt's own warnings go to
the same log. As napari's ``install_hooks`` and qutebrowser's ``crashsignal`` do."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

log = logging.getLogger("kiosk.ui")
QT_LEVELS = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
             QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
             QtMsgType.QtFatalMsg: logging.CRITICAL}


def install_hooks(recover: Callable[[], None]) -> Callable[[], None]:
    """Install both hooks; returns what puts the previous ones back (tests)."""
    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        frames = traceback.extract_tb(tb) if tb is not None else []
        where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "unknown place"
        log.error("unexpected %s at %s: the kiosk starts over on a safe screen", kind.__name__, where)
        try:
            recover()
        except Exception as again:
            log.critical("the kiosk could not start over (%s)", type(again).__name__)

    previous_hook = sys.excepthook
    sys.excepthook = hook
    previous_handler = qInstallMessageHandler(_qt_message)

    def uninstall() -> None:
        sys.excepthook = previous_hook
        qInstallMessageHandler(previous_handler)
    return uninstall


def _qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    log.log(QT_LEVELS.get(kind, logging.WARNING), "Qt: %s", message)
