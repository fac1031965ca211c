"""One intake for a nurse: the report (sorting, every finding with the answers behind it and
its source, red flags and precautions first, the answers by section), the review form, and
the exports. The review history stays on screen; nothing is ever deleted."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QPlainTextEdit,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from kiosk.review import DECISIONS, SHOW_ALL, IntakeReport, report_html

from ..common.controls import KioskButton, restyle, wrapped_label
from ..common.wipe import wipe_text


class DetailPage(QWidget):
    back = Signal()
    save_review = Signal(str, str, bool, str)  # decision, note, disagree, reason
    export = Signal(str)  # pdf, fhir, sheet

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page:detail")
        self.setAccessibleName("Intake detail")
        self.report: IntakeReport | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(16, 8, 16, 8)
        lay.setSpacing(16)

        left = QVBoxLayout()
        back = KioskButton("Back to the queue", "detail:back", self)
        back.clicked.connect(self.back.emit)
        left.addWidget(back, 0, Qt.AlignmentFlag.AlignLeft)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("detail:report")
        self.browser.setAccessibleName("Intake report")
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._link)
        self.show_all = False
        left.addWidget(self.browser, 1)
        lay.addLayout(left, 3)

        form = QVBoxLayout()
        form.setSpacing(6)
        form.addWidget(wrapped_label("Your review", "question"))
        self.decisions = QButtonGroup(self)
        self.decisions.setExclusive(True)
        for code, label in DECISIONS.items():
            button = KioskButton(label, f"review:{code}", self, checkable=True)
            self.decisions.addButton(button)
            form.addWidget(button)
        self.note = QPlainTextEdit(self)
        self.note.setObjectName("review:note")
        self.note.setAccessibleName("Review note")
        self.note.setPlaceholderText("Note (optional)")
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(64)
        form.addWidget(self.note)
        self.disagree = QCheckBox("I disagree with the sorting", self)
        self.disagree.setObjectName("review:disagree")
        self.disagree.setAccessibleName("I disagree with the sorting")
        self.disagree.toggled.connect(self._disagree_toggled)
        form.addWidget(self.disagree)
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("review:reason")
        self.reason.setAccessibleName("Why you disagree")
        self.reason.setPlaceholderText("Why do you disagree?")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(58)
        self.reason.setVisible(False)
        form.addWidget(self.reason)
        self.message = wrapped_label("", "error")
        self.message.setObjectName("review:message")
        self.message.setMinimumHeight(self.message.fontMetrics().lineSpacing() * 2)  # no jump when it shows
        form.addWidget(self.message)
        save = KioskButton("Save review", "review:save", self, role="primary")
        save.clicked.connect(self._save)
        form.addWidget(save)
        form.addStretch(1)
        row = QHBoxLayout()
        self.export_buttons = {}
        for key, label, spoken in (("pdf", "PDF", "Export a PDF summary"), ("fhir", "FHIR", "Export a FHIR file"),
                                   ("sheet", "Info sheet", "Patient information sheet (PDF)")):
            button = KioskButton(label, f"export:{key}", self, accessible=spoken)
            button.clicked.connect(lambda _=False, k=key: self.export.emit(k))
            row.addWidget(button)
            self.export_buttons[key] = button
        form.addLayout(row)
        self.export_message = wrapped_label("", "hint")
        self.export_message.setObjectName("export:message")
        self.export_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # room for the message kept from the start, and its width never pushing the columns, so
        # nothing moves under the finger after an export (a long path is cut; its tooltip has it all)
        self.export_message.setFixedHeight(self.export_message.fontMetrics().lineSpacing() * 3 + 8)
        for message in (self.message, self.export_message):
            message.setSizePolicy(QSizePolicy.Policy.Ignored, message.sizePolicy().verticalPolicy())
        form.addWidget(self.export_message)
        lay.addLayout(form, 2)

    def _link(self, url: QUrl) -> None:
        if url.toString() == SHOW_ALL and self.report is not None:
            self.show_all = True
            self._render(keep_place=True)

    def show_saved(self, path: Path) -> None:
        self.export_message.setText(f"Saved: {path.name}\nin {path.parent}")
        self.export_message.setToolTip(str(path))

    def show_message(self, text: str, *, ok: bool) -> None:
        """A saved review is said calmly; only a problem is in the error colour."""
        restyle(self.message, role="ok" if ok else "error")
        self.message.setText(text)

    def _disagree_toggled(self, on: bool) -> None:
        self.reason.setVisible(on)
        if on:
            self.reason.setFocus()

    def _save(self) -> None:
        button = self.decisions.checkedButton()
        decision = button.objectName().split(":", 1)[1] if button else ""
        self.save_review.emit(decision, self.note.toPlainText(), self.disagree.isChecked(), self.reason.toPlainText())

    def show_report(self, report: IntakeReport) -> None:
        same = self.report is not None and self.report.intake.id == report.intake.id
        if not same:
            self.show_all = False  # each intake opens on its reasons, the not-met criteria folded
        self.report = report
        self._render(keep_place=same)  # a saved review keeps the place

    def _render(self, *, keep_place: bool) -> None:
        assert self.report is not None
        scroll = self.browser.verticalScrollBar().value() if keep_place else 0
        self.browser.setHtml(report_html(self.report, show_all=self.show_all))
        self.browser.verticalScrollBar().setValue(scroll)
        report = self.report
        self.export_buttons["fhir"].setEnabled(report.intake.status == "submitted")
        self.export_buttons["pdf"].setEnabled(report.intake.status == "submitted")

    def clear_form(self) -> None:
        self.decisions.setExclusive(False)
        for button in self.decisions.buttons():
            button.setChecked(False)
        self.decisions.setExclusive(True)
        wipe_text(self.note)
        self.disagree.setChecked(False)
        wipe_text(self.reason)
        self.show_message("", ok=True)

    def clear(self) -> None:
        """Locked or leaving: no patient data stays in any widget."""
        self.report = None
        self.show_all = False
        self.browser.clear()
        self.export_message.setText("")
        self.export_message.setToolTip("")
        self.clear_form()
