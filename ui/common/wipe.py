"""Leaving nothing of a patient or a nurse behind: the clipboard, the X11 selection (what a
middle click pastes) and the undo history of every entry (what Ctrl+Z brings back)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

# QClipboard, QLineEdit and QPlainTextEdit are imported where they are used: each Qt class's
# first import builds its enums, and the welcome screen wipes nothing.


def wipe_clipboards() -> None:
    from PySide6.QtGui import QClipboard

    clipboard = QGuiApplication.clipboard()
    if clipboard is None:
        return
    clipboard.clear(QClipboard.Mode.Clipboard)
    if clipboard.supportsSelection():
        clipboard.clear(QClipboard.Mode.Selection)
    if clipboard.supportsFindBuffer():
        clipboard.clear(QClipboard.Mode.FindBuffer)


def wipe_text(*widgets: QWidget) -> None:
    """Empty entries with no undo history left (QLineEdit.clear() is itself undoable)."""
    from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

    for widget in widgets:
        if isinstance(widget, QLineEdit):
            widget.setText("")  # setText, unlike clear(), also empties the undo and redo history
        elif isinstance(widget, QPlainTextEdit):
            widget.clear()
            widget.document().clearUndoRedoStacks()
