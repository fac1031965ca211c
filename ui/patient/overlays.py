"""In-window notices (never modal dialogs: a kiosk must not block on exec())."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from ..common.controls import KioskButton, set_role, wrapped_label


class Overlay(QWidget):
    """A dimmed layer over the whole window holding one calm message and its buttons."""

    def __init__(self, name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        set_role(self, "scrim")  # the dimmed backdrop; styled by the theme, not inherited by the card
        outer = QVBoxLayout(self)
        outer.setContentsMargins(80, 60, 80, 60)
        self.card = QFrame(self)
        set_role(self.card, "overlay")
        outer.addStretch(1)
        outer.addWidget(self.card)
        outer.addStretch(1)
        lay = QVBoxLayout(self.card)
        lay.setContentsMargins(36, 28, 36, 28)
        lay.setSpacing(18)
        self.title = wrapped_label("", "title", self.card)
        self.body = wrapped_label("", None, self.card)
        self.body.setObjectName(f"{name}:text")
        lay.addWidget(self.title)
        lay.addWidget(self.body)
        self.row = QHBoxLayout()
        self.row.addStretch(1)
        lay.addLayout(self.row)
        self.buttons: list[KioskButton] = []
        parent.installEventFilter(self)
        self.hide()

    def add_button(self, name: str, role: str | None = None) -> KioskButton:
        button = KioskButton("", name, self.card, role=role)
        button.setMinimumWidth(220)
        self.row.addWidget(button)
        self.buttons.append(button)
        return button

    def set_texts(self, title: str, body: str, *labels: str) -> None:
        self.title.setText(title)
        self.body.setText(body)
        self.setAccessibleName(title)
        for button, label in zip(self.buttons, labels, strict=False):
            button.setText(label)
            button.setAccessibleName(label)

    def open(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()
        if self.buttons:
            self.buttons[-1].setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        parent = self.parentWidget()
        if event.type() == QEvent.Type.Resize and self.isVisible() and parent is not None:
            self.setGeometry(parent.rect())
        return False
