"""Staff sign-in: the account name and a large PIN pad (``pin:0`` .. ``pin:9``, ``pin:ok``,
``pin:clear``). Digits typed on a keyboard work too; the PIN is never shown, only dots."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from kiosk.staff import Accounts, SignIn
from kiosk.store import StaffAccount, StoreError

from ..common import ops
from ..common.controls import KioskButton, wrapped_label
from ..common.wipe import wipe_text

MAX_PIN = 8
log = logging.getLogger("kiosk.staff")


class SignInPage(QWidget):
    signed_in = Signal(object)  # StaffAccount
    cancelled = Signal()

    def __init__(self, accounts: Accounts, where: str, parent: QWidget | None = None, *,
                 can_cancel: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("page:signin")
        self.setAccessibleName("Staff sign-in")
        self.accounts = accounts
        self.where = where
        self._pin = ""
        outer = QHBoxLayout(self)
        outer.setContentsMargins(32, 8, 32, 8)  # the pad and the title both fit a 1024 x 600 kiosk
        outer.setSpacing(40)

        left = QVBoxLayout()
        left.addWidget(wrapped_label("Staff sign-in", "title"))
        self.hint = wrapped_label("Type your account name, then your PIN on the pad.", "hint")
        left.addWidget(self.hint)
        left.addWidget(QLabel("Account name"))
        self.name = QLineEdit(self)
        self.name.setObjectName("input:staff.name")
        self.name.setAccessibleName("Account name")
        self.name.setMaxLength(40)
        self.name.setInputMethodHints(Qt.InputMethodHint.ImhNoPredictiveText | Qt.InputMethodHint.ImhSensitiveData)
        left.addWidget(self.name)
        self.message = wrapped_label("", "error")
        self.message.setObjectName("signin:message")
        self.message.setAccessibleName("Sign-in message")
        left.addWidget(self.message)
        left.addStretch(1)
        if can_cancel:
            back = KioskButton("Back to the patient screen", "staff:cancel", self)
            back.clicked.connect(self.cancelled.emit)
            left.addWidget(back, 0, Qt.AlignmentFlag.AlignLeft)
        outer.addLayout(left, 3)

        right = QVBoxLayout()
        right.addWidget(QLabel("PIN"))
        self.dots = QLabel("")
        self.dots.setObjectName("pin:display")
        self.dots.setAccessibleName("PIN, 0 digits entered")
        self.dots.setMinimumHeight(64)
        self.dots.setProperty("role", "pinfield")
        self.dots.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # keyboard users type the PIN here
        right.addWidget(self.dots)
        grid = QGridLayout()
        grid.setSpacing(10)
        for n in range(1, 10):
            grid.addWidget(self._key(str(n), f"pin:{n}", lambda _=False, d=str(n): self.digit(d)), (n - 1) // 3,
                           (n - 1) % 3)
        grid.addWidget(self._key("Clear", "pin:clear", self.clear_pin), 3, 0)
        grid.addWidget(self._key("0", "pin:0", lambda: self.digit("0")), 3, 1)
        grid.addWidget(self._key("OK", "pin:ok", self.submit), 3, 2)
        right.addLayout(grid)
        right.addStretch(1)
        outer.addLayout(right, 2)
        self.name.returnPressed.connect(self.dots.setFocus)  # Enter: on to the PIN
        self.refresh()

    def _key(self, label: str, name: str, slot) -> KioskButton:  # type: ignore[no-untyped-def]
        key = KioskButton(label, name, self, accessible={"pin:clear": "Clear PIN", "pin:ok": "Sign in"}.get(name, label))
        key.setMinimumSize(130, 76)
        key.setProperty("role", "primary" if name == "pin:ok" else "pinkey")
        key.setProperty("pad", "true")  # OK as tall as the digits (the primary role alone is shorter)
        key.clicked.connect(slot)
        return key

    # -- behaviour --------------------------------------------------------------------------

    def refresh(self) -> None:
        """What the page says depends on whether any account exists yet."""
        try:
            none = self.accounts.store.staff_count() == 0
        except StoreError as exc:
            self.message.setText(str(exc))
            return
        self.hint.setText(SignIn("no_accounts").message(self.accounts.clock()) if none
                          else "Type your account name, then your PIN on the pad.")

    def digit(self, d: str) -> None:
        if len(self._pin) < MAX_PIN:
            self._pin += d
        self._show_dots()

    def clear_pin(self) -> None:
        self._pin = ""
        self._show_dots()

    def _show_dots(self) -> None:
        self.dots.setText("● " * len(self._pin))
        self.dots.setAccessibleName(f"PIN, {len(self._pin)} digits entered")

    def reset(self) -> None:
        wipe_text(self.name)
        self.clear_pin()
        self.message.setText("")
        self.refresh()

    def submit(self) -> None:
        pin, self._pin = self._pin, ""
        self._show_dots()
        if not self.name.text().strip():
            self.message.setText("Type your account name first.")
            self.name.setFocus()
            return
        if not pin:
            self.message.setText("Enter your PIN on the pad.")
            return
        results: list[SignIn] = []
        if not ops.run(lambda: results.append(self.accounts.sign_in(self.name.text(), pin, self.where)),
                       lambda exc: self.message.setText(str(exc)), "sign-in"):
            return
        result = results[0]
        if result.ok:
            account: StaffAccount = result.account  # type: ignore[assignment]
            self.reset()
            self.signed_in.emit(account)
            return
        self.message.setText(result.message(self.accounts.clock()))
        self.refresh()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Keyboard use: digits go to the PIN (unless typing the name), Backspace removes one,
        Enter signs in."""
        if self.name.hasFocus():
            super().keyPressEvent(event)
            return
        text = event.text()
        if text.isdigit() and len(text) == 1:
            self.digit(text)
        elif event.key() == Qt.Key.Key_Backspace:
            self._pin = self._pin[:-1]
            self._show_dots()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._pin:
            self.submit()
        else:
            super().keyPressEvent(event)
