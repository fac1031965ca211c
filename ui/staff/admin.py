"""Admin only: clinic settings, staff accounts and the audit log. Every change is audited by
``kiosk`` (settings.change, staff.add, staff.disable, staff.reset_pin)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk import settings
from kiosk.codes import RuleMode
from kiosk.labels import LANGUAGE_NAMES, MODE_LABELS
from kiosk.staff import ROLES

from ..common.controls import KioskButton, wrapped_label
from ..common.wipe import wipe_text


class AdminPage(QWidget):
    save_settings = Signal(dict)
    add_account = Signal(str, str, str)  # name, role, pin
    account_action = Signal(str, str, str)  # action (disable, enable, reset-pin), name, pin
    verify_audit = Signal()
    purge = Signal()
    retry_delivery = Signal(int)  # intake id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page:admin")
        self.setAccessibleName("Administration")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 8, 16, 8)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("admin:tabs")
        self.tabs.setAccessibleName("Administration sections")
        self.tabs.addTab(self._scrolled(self._settings_tab()), "Settings")
        self.tabs.addTab(self._accounts_tab(), "Staff accounts")
        self.tabs.addTab(self._audit_tab(), "Audit log")
        self.tabs.addTab(self._delivery_tab(), "EHR delivery")
        lay.addWidget(self.tabs)

    # -- settings ----------------------------------------------------------------------------

    def _settings_tab(self) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        # each setting's words on a line of their own above it: side by side, a form wraps its
        # words to the narrowest width they allow and squeezes two lines into a one-line row
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.fields: dict[str, Any] = {}
        for s in settings.SETTINGS:
            if s.key == "rule_mode":
                widget: Any = QComboBox(tab)
                widget.setMaximumWidth(720)
                for mode in RuleMode:
                    widget.addItem(MODE_LABELS[mode], mode.value)
            elif s.key == "languages":
                widget = QWidget(tab)
                row = QHBoxLayout(widget)
                row.setContentsMargins(0, 0, 0, 0)
                self.language_boxes = {}
                for lang, label in ((code.value, name) for code, name in LANGUAGE_NAMES.items()):
                    box = QCheckBox(label, widget)
                    box.setObjectName(f"setting:languages:{lang}")
                    box.setAccessibleName(f"Offer {label}")
                    row.addWidget(box)
                    self.language_boxes[lang] = box
            elif s.key == "fhir_auth":
                widget = QComboBox(tab)
                widget.setMaximumWidth(720)
                for kind, label in (("none", "No sign-in"), ("basic", "User name and password"),
                                    ("bearer", "Bearer token")):
                    widget.addItem(label, kind)
            elif isinstance(s.default, str):
                widget = QLineEdit(tab)
                widget.setMaximumWidth(720)
                widget.setPlaceholderText("not set")
            else:
                widget = QSpinBox(tab)
                low, high = {"idle_warn_s": (20, 600), "idle_countdown_s": (10, 120), "staff_lock_s": (30, 900),
                             "retention_days": (30, 3650)}[s.key]
                widget.setRange(low, high)
                widget.setSuffix(f" {s.unit}")
                widget.setMinimumWidth(200)
                widget.setMaximumWidth(320)
                # Qt's own arrows are half the box high: big - and + buttons instead (48 px targets)
                widget.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)
            widget.setMinimumHeight(56)
            widget.setObjectName(f"setting:{s.key}")
            widget.setAccessibleName(s.label)
            inner = widget.findChild(QLineEdit)
            if inner is not None:  # the spin box's own entry is what has focus: name it too
                inner.setObjectName(f"setting:{s.key}:entry")
                inner.setAccessibleName(s.label)
            form.addRow(wrapped_label(s.label),
                        self._with_steppers(widget, s.key, s.label) if isinstance(widget, QSpinBox) else widget)
            self.fields[s.key] = widget
        self.settings_message = wrapped_label("", "hint")
        self.settings_message.setObjectName("settings:message")
        save = KioskButton("Save settings", "settings:save", tab, role="primary")
        save.clicked.connect(lambda: self.save_settings.emit(self.settings_values()))
        form.addRow(self.settings_message, save)
        purge = KioskButton("Delete intakes older than the retention period now", "settings:purge", tab)
        purge.clicked.connect(self.purge.emit)
        form.addRow(wrapped_label("Retention"), purge)
        return tab

    @staticmethod
    def _scrolled(tab: QWidget) -> QWidget:
        """A tab taller than a short screen scrolls instead of growing the window."""
        area = QScrollArea()
        area.setObjectName("settings:scroll")
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        area.setWidget(tab)
        return area

    @staticmethod
    def _with_steppers(box: QSpinBox, key: str, name: str) -> QWidget:
        holder = QWidget(box.parentWidget())
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        step = 30 if key == "retention_days" else 10
        box.setSingleStep(step)
        less = KioskButton("−", f"setting:{key}:less", holder, accessible=f"{name}: {step} less")
        more = KioskButton("+", f"setting:{key}:more", holder, accessible=f"{name}: {step} more")
        less.clicked.connect(lambda: box.stepBy(-1))
        more.clicked.connect(lambda: box.stepBy(1))
        for widget in (less, box, more):
            row.addWidget(widget)
        for button in (less, more):
            button.setMinimumSize(56, 56)
        row.addStretch(1)
        return holder

    def show_settings(self, values: dict[str, Any]) -> None:
        for key, widget in self.fields.items():
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(values[key])))
            elif key == "languages":
                for lang, box in self.language_boxes.items():
                    box.setChecked(lang in values[key])
            elif isinstance(widget, QLineEdit):
                widget.setText(str(values[key]))
            else:
                widget.setValue(int(values[key]))

    def settings_values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, widget in self.fields.items():
            if isinstance(widget, QComboBox):
                out[key] = widget.currentData()
            elif key == "languages":
                out[key] = [lang for lang, box in self.language_boxes.items() if box.isChecked()]
            elif isinstance(widget, QLineEdit):
                out[key] = widget.text().strip()
            else:
                out[key] = int(widget.value())
        return out

    # -- accounts ----------------------------------------------------------------------------

    def _accounts_tab(self) -> QWidget:
        tab = QWidget()
        lay = QVBoxLayout(tab)
        self.accounts = QTableWidget(0, 3, tab)
        self.accounts.setObjectName("accounts:table")
        self.accounts.setAccessibleName("Staff accounts")
        self.accounts.setHorizontalHeaderLabels(["Name", "Role", "State"])
        self.accounts.horizontalHeader().setStretchLastSection(True)
        self.accounts.setColumnWidth(0, 300)
        self.accounts.setColumnWidth(1, 160)
        self.accounts.verticalHeader().setVisible(False)
        self.accounts.verticalHeader().setDefaultSectionSize(48)
        self.accounts.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.accounts.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        lay.addWidget(self.accounts, 1)
        grid = QGridLayout()
        self.account_name = self._line("account:name", "Account name")
        self.account_role = QComboBox(tab)
        self.account_role.setObjectName("account:role")
        self.account_role.setAccessibleName("Role")
        for role in ROLES:
            self.account_role.addItem(role, role)
        self.account_pin = self._line("account:pin", "PIN, 6 to 8 digits", secret=True)
        grid.addWidget(self.account_name, 0, 0)
        grid.addWidget(self.account_role, 0, 1)
        grid.addWidget(self.account_pin, 0, 2)
        add = KioskButton("Add account", "account:add", tab, role="primary")
        add.clicked.connect(lambda: self.add_account.emit(self.account_name.text(), self.account_role.currentData(),
                                                          self.account_pin.text()))
        grid.addWidget(add, 0, 3)
        lay.addLayout(grid)
        actions = QHBoxLayout()  # each as wide as its words, not as the entry above it
        for action, label in (("disable", "Disable selected"), ("enable", "Enable selected"),
                              ("reset-pin", "Set selected account's PIN")):
            button = KioskButton(label, f"account:{action}", tab)
            button.clicked.connect(lambda _=False, a=action: self.account_action.emit(
                a, self.selected_account(), self.account_pin.text()))
            actions.addWidget(button)
        actions.addStretch(1)
        lay.addLayout(actions)
        self.accounts_message = wrapped_label("", "hint")
        self.accounts_message.setObjectName("accounts:message")
        lay.addWidget(self.accounts_message)
        return tab

    def _line(self, name: str, accessible: str, secret: bool = False) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setPlaceholderText(accessible)
        if secret:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        return edit

    def show_accounts(self, rows: list[tuple[str, str, str]]) -> None:
        self.accounts.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                self.accounts.setItem(r, c, QTableWidgetItem(value))

    def selected_account(self) -> str:
        rows = self.accounts.selectionModel().selectedRows()
        item = self.accounts.item(rows[0].row(), 0) if rows else None
        return item.text() if item else ""

    # -- audit -------------------------------------------------------------------------------

    def _audit_tab(self) -> QWidget:
        tab = QWidget()
        lay = QVBoxLayout(tab)
        top = QHBoxLayout()
        verify = KioskButton("Verify the audit chain", "audit:verify", tab, role="primary")
        verify.clicked.connect(self.verify_audit.emit)
        top.addWidget(verify)
        self.audit_message = wrapped_label("", "hint")
        self.audit_message.setObjectName("audit:message")
        top.addWidget(self.audit_message, 1)
        lay.addLayout(top)
        self.audit = QTableWidget(0, 5, tab)
        self.audit.setObjectName("audit:table")
        self.audit.setAccessibleName("Audit log, newest first")
        self.audit.setHorizontalHeaderLabels(["When", "Who", "What", "About", "Details"])
        self.audit.horizontalHeader().setStretchLastSection(True)
        for c, w in enumerate((210, 150, 190, 150)):
            self.audit.setColumnWidth(c, w)
        self.audit.verticalHeader().setVisible(False)
        self.audit.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        lay.addWidget(self.audit, 1)
        return tab

    def _delivery_tab(self) -> QWidget:
        """Intakes the EHR's FHIR server refused for good (a 4xx), with what the server said; an
        admin fixes the cause (in the EHR or the settings) and sends one again."""
        tab = QWidget()
        lay = QVBoxLayout(tab)
        self.delivery_summary = wrapped_label("", "hint")
        self.delivery_summary.setObjectName("delivery:summary")
        lay.addWidget(self.delivery_summary)
        self.refused = QTableWidget(0, 4, tab)
        self.refused.setObjectName("delivery:refused")
        self.refused.setAccessibleName("Intakes the EHR refused, with the server's reason")
        self.refused.setHorizontalHeaderLabels(["Intake", "Patient", "When", "What the EHR said"])
        self.refused.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((110, 260, 200)):
            self.refused.setColumnWidth(column, width)
        self.refused.verticalHeader().setVisible(False)
        self.refused.verticalHeader().setDefaultSectionSize(48)
        self.refused.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.refused.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.refused.setWordWrap(True)
        lay.addWidget(self.refused, 1)
        row = QHBoxLayout()
        self.delivery_message = wrapped_label("", "hint")
        self.delivery_message.setObjectName("delivery:message")
        row.addWidget(self.delivery_message, 1)
        again = KioskButton("Send the selected intake again", "delivery:retry", tab, role="primary")
        again.clicked.connect(self._retry_selected)
        row.addWidget(again)
        lay.addLayout(row)
        return tab

    def _retry_selected(self) -> None:
        rows = self.refused.selectionModel().selectedRows()
        if not rows:
            self.delivery_message.setText("Select an intake in the list first.")
            return
        cell = self.refused.item(rows[0].row(), 0)
        if cell is not None:
            self.retry_delivery.emit(int(cell.data(Qt.ItemDataRole.UserRole)))

    def show_deliveries(self, summary: str, refused: list[tuple[int, str, str, str]]) -> None:
        self.delivery_summary.setText(summary)
        self.refused.setRowCount(len(refused))
        for r, (intake_id, who, when, words) in enumerate(refused):
            first = QTableWidgetItem(str(intake_id))
            first.setData(Qt.ItemDataRole.UserRole, intake_id)
            self.refused.setItem(r, 0, first)
            for column, text in enumerate((who, when, words), start=1):
                self.refused.setItem(r, column, QTableWidgetItem(text))
        self.refused.resizeRowsToContents()

    def show_audit(self, rows: list[tuple[str, str, str, str, str]]) -> None:
        self.audit.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                self.audit.setItem(r, c, QTableWidgetItem(value))

    def clear(self) -> None:
        for edit in (self.account_name, self.account_pin):
            wipe_text(edit)
        for message in (self.settings_message, self.accounts_message, self.audit_message, self.delivery_message,
                        self.delivery_summary):
            message.setText("")
        self.accounts.setRowCount(0)
        self.audit.setRowCount(0)
        self.refused.setRowCount(0)
        self.tabs.setCurrentIndex(0)
