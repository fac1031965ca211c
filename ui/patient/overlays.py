"""In-window notices (never modal dialogs: a kiosk must not block on exec())."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from kiosk.i18n import t

from ..common.controls import KioskButton, ResponsiveGrid, WrapButton, restyle, set_role, wrapped_label


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
        self.row = ResponsiveGrid(2, self.card, spacing=16)
        lay.addWidget(self.row)
        self.buttons: list[KioskButton] = []
        parent.installEventFilter(self)
        self.hide()

    def add_button(self, name: str, role: str | None = None) -> KioskButton:
        button = WrapButton("", name, self.row, role=role)
        button.set_floor(220, 72)
        self.row.add(button)
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


# name, buttons (objectName, role, action); the action is the window's method name
SPECS: dict[str, tuple[str, tuple[tuple[str, str | None, str], ...]]] = {
    "redflag": ("notice:redflag", (("notice:wrong", "quiet", "redflag_wrong"), ("notice:ok", "primary", "hide"))),
    "idle": ("idle:warning", (("idle:continue", "primary", "still_here"),)),
    "confirm": ("confirm:submit", (("nav:cancel", None, "hide"), ("nav:confirm", "primary", "submit"))),
    "restart": ("confirm:restart", (("restart:cancel", None, "hide"), ("nav:restart-confirm", "primary", "restart"))),
    "help": ("help", (("help:close", "primary", "hide"),)),
    "error": ("error", (("error:ok", "primary", "hide"),)),
    "staff": ("staff:notice", (("staff:close", "primary", "hide"),)),
}
# the strings of each: title, body, then one per button
TEXTS: dict[str, tuple[str, ...]] = {
    "redflag": ("redflag.title", "redflag.body", "redflag.wrong", "redflag.ok"),
    "redflag.nurse": ("redflag.nurse_title", "redflag.nurse_body", "redflag.wrong", "redflag.nurse_ok"),
    "idle": ("idle.title", "idle.body", "idle.continue"),
    "confirm": ("confirm.title", "confirm.body", "nav.cancel", "nav.confirm"),
    "restart": ("restart.title", "restart.body", "restart.cancel", "restart.confirm"),
    "help": ("help.title", "help.body", "help.close"),
    "error": ("error.title", "error.body", "error.ok"),
    "staff": ("staff.enter", "staff.not_setup", "help.close"),
}


class Overlays(QObject):
    """The window's notices, each built on first use (start-up stays fast). ``sig_action(name)``
    names what a button asks for (``SPECS``); "hide" is done here."""

    sig_action = Signal(str)
    """A notice's button asked the window for something (its action name)."""

    def __init__(self, window: QWidget, lang: Callable[[], str], idle_seconds: float) -> None:
        super().__init__(window)
        self.window = window
        self.lang = lang
        self.idle_seconds = math.ceil(idle_seconds)  # the idle warning's words before its first tick
        self.built: dict[str, Overlay] = {}
        self.variant: dict[str, str] = {}

    def get(self, key: str) -> Overlay:
        if key not in self.built:
            name, buttons = SPECS[key]
            overlay = Overlay(name, self.window)
            for button_name, role, action in buttons:
                button = overlay.add_button(button_name, role)
                if action == "hide":
                    button.clicked.connect(overlay.hide)
                else:  # the notice closes, then the window does what the button asks
                    button.clicked.connect(lambda _=False, action=action, overlay=overlay: self._act(overlay, action))
            self.built[key] = overlay
            self.retranslate_one(key)
        return self.built[key]

    def _act(self, overlay: Overlay, action: str) -> None:
        overlay.hide()
        self.sig_action.emit(action)

    def open(self, key: str, variant: str = "") -> Overlay:
        overlay = self.get(key)
        if variant != self.variant.get(key, ""):
            self.variant[key] = variant
            self.retranslate_one(key)
        set_role(overlay.card, "overlay")
        overlay.card.setProperty("tone", variant or "plain")
        for widget in (overlay.card, overlay.title, overlay.body):  # no descendant selectors: they slow every polish
            restyle(widget, notice=variant or "plain")
        overlay.open()
        return overlay

    def open_alone(self, key: str) -> Overlay:
        """Close every other notice first (the idle warning covers whatever was open)."""
        self.hide(*(k for k in self.built if k != key))
        return self.open(key)

    def retranslate_one(self, key: str) -> None:
        variant = self.variant.get(key, "")
        keys = TEXTS.get(f"{key}.{variant}", TEXTS[key])  # "redflag.nurse"; the "now" tone is the plain notice
        self.built[key].set_texts(*(t(self.lang(), k, n=self.idle_seconds) for k in keys))

    def retranslate(self) -> None:
        for key in self.built:
            self.retranslate_one(key)

    def hide(self, *keys: str) -> None:
        for key in keys or tuple(self.built):
            if key in self.built:
                self.built[key].hide()
