"""Checks of what is on the glass: every widget inside the screen, every text whole.

Every button keeps the same border in every state (focus included): a thicker focus border
used to take 2 px from the words of a button sized for the thinner one.

A label's words must fit its width (no word wider than the label, all lines within its height);
a button's words must fit inside its padding; an entry's hint must fit inside it. Widgets in a
scroll area may be scrolled out of view vertically (the patient drags), never sideways."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyleOptionButton,
    QWidget,
)


def _shown(widget: QWidget, top: QWidget) -> bool:
    return widget.isVisibleTo(top) and widget.isVisible() and widget.width() > 0 and widget.height() > 0


def _viewport_of(widget: QWidget, top: QWidget) -> QWidget | None:
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        if isinstance(parent.parentWidget(), QAbstractScrollArea) and parent.parentWidget().viewport() is parent:  # type: ignore[union-attr]
            return parent
        parent = parent.parentWidget()
    return None


def _box(widget: QWidget, top: QWidget) -> QRect:
    return QRect(widget.mapTo(top, QPoint(0, 0)), widget.size())


def text_problem(widget: QWidget) -> str | None:
    """Why the widget's own words do not fit it (None: they do)."""
    if isinstance(widget, QLabel):
        text = widget.text()
        if not text or widget.textFormat() == Qt.TextFormat.RichText:
            return None
        fm = widget.fontMetrics()
        room = widget.contentsRect()
        if widget.wordWrap():
            widest = max((fm.horizontalAdvance(w) for w in text.split()), default=0)
            if widest > room.width() + 1:
                return f"a word is {widest} px wide in {room.width()} px"
            need = widget.heightForWidth(widget.width())
            if need > widget.height() + 1:
                return f"needs {need} px of height, has {widget.height()}"
        else:
            for line in text.splitlines() or [text]:
                if fm.horizontalAdvance(line) > room.width() + 1:
                    return f"{fm.horizontalAdvance(line)} px of text in {room.width()} px"
        return None
    if isinstance(widget, QPushButton) and widget.property("wrap") == "true":  # its words wrap: lines and words
        option = QStyleOptionButton()
        widget.initStyleOption(option)
        room = widget.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, widget)
        widest = widget.widest_word()  # type: ignore[attr-defined]
        if widest > room.width() + 1:
            return f"a word is {widest} px wide in {room.width()} px"
        need = widget.heightForWidth(widget.width())
        if need > widget.height() + 1:
            return f"needs {need} px of height, has {widget.height()}"
        return None
    if isinstance(widget, QPushButton) and widget.text():
        option = QStyleOptionButton()
        widget.initStyleOption(option)
        room = widget.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, widget)
        fm = widget.fontMetrics()
        width = max(fm.horizontalAdvance(line) for line in widget.text().splitlines())
        if width > room.width() + 1:
            return f"{width} px of text in {room.width()} px"
        if fm.height() > room.height() + 1:
            return f"text {fm.height()} px tall in {room.height()} px"
        return None
    if isinstance(widget, QLineEdit) and widget.placeholderText() and not widget.text():
        fm = widget.fontMetrics()
        width = fm.horizontalAdvance(widget.placeholderText())
        if width > widget.width() - 24:
            return f"hint {width} px in {widget.width()} px"
    return None


def overlaps(top: QWidget, where: str) -> list[str]:
    """Buttons side by side that cover each other (a layout squeezed below what it needs)."""
    out = []
    parents: dict[int, list[QAbstractButton]] = {}
    for button in top.findChildren(QAbstractButton):
        if _shown(button, top) and button.parentWidget() is not None:
            parents.setdefault(id(button.parentWidget()), []).append(button)
    for buttons in parents.values():
        for n, a in enumerate(buttons):
            for b in buttons[n + 1:]:
                if a.geometry().intersects(b.geometry()):
                    out.append(f"{where}: OVERLAP {a.objectName()} {a.geometry().getRect()} and "
                               f"{b.objectName()} {b.geometry().getRect()}")
                    break
    return out


def problems(top: QWidget, where: str) -> list[str]:
    """Every shown widget of ``top`` (a full-screen window): off the screen, covering another
    button, or words cut."""
    out = overlaps(top, where)
    screen = top.rect()
    for widget in top.findChildren(QWidget):
        if not _shown(widget, top) or widget.window() is not top:
            continue
        name = widget.objectName() or type(widget).__name__
        box = _box(widget, top)
        viewport = _viewport_of(widget, top)
        if viewport is not None:
            port = _box(viewport, top)
            if box.left() < port.left() - 1 or box.right() > port.right() + 1:
                out.append(f"{where}: OUTSIDE {name} {box.getRect()} sideways out of its scroll area {port.getRect()}")
        elif not screen.contains(box):
            out.append(f"{where}: OFFSCREEN {name} {box.getRect()} on a {screen.width()}x{screen.height()} screen")
        elif isinstance(widget, (QAbstractButton, QLabel, QLineEdit)) and widget.parentWidget() is not None \
                and not widget.parentWidget().rect().contains(widget.geometry()):
            # outside its parent: Qt cuts it off there (a panel squeezed below what it needs)
            out.append(f"{where}: CUT {name} {widget.geometry().getRect()} outside its parent "
                       f"{widget.parentWidget().rect().getRect()}")
        problem = text_problem(widget)
        if problem:
            text = widget.text() if isinstance(widget, (QLabel, QAbstractButton)) else widget.placeholderText()  # type: ignore[union-attr]
            out.append(f"{where}: CLIPPED {name} {text[:40]!r}: {problem}")
    return out
