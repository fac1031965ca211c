"""The review page: a compact summary, one row per answer (the question in small words, the
answer in bold, a Change button), grouped by section. After a Change the page comes back
where the patient left it, with the changed row in view."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QScrollArea, QVBoxLayout, QWidget

from kiosk.i18n import t

from ..common.controls import KioskButton, set_role, wrapped_label
from ..patient.pages import new_body, scroll_area

if TYPE_CHECKING:
    from kiosk.questionnaire import Item


class ReviewPage(QWidget):
    sig_change = Signal(str)
    """Change was tapped next to an answer (its linkId)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page:review")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self._area: QScrollArea | None = None  # built with the first review (the touch scroller is slow to make)
        self.rows: dict[str, QWidget] = {}
        self.last_change: str | None = None

    @property
    def area(self) -> QScrollArea:
        if self._area is None:
            self._area = scroll_area("review:scroll")
            self.layout().addWidget(self._area)  # type: ignore[union-attr]
        return self._area

    def show_rows(self, lang: str, sections: Sequence[tuple[Item, Sequence[tuple[Item, Any]]]], missing: bool) -> None:
        from kiosk.picks import answer_words  # with the first review, not at start-up

        keep = self.area.verticalScrollBar().value() if self.last_change else 0
        body, lay = new_body()
        lay.addWidget(wrapped_label(t(lang, "review.title"), "title", body))
        intro = wrapped_label(t(lang, "review.missing" if missing else "review.body"), "error" if missing else "hint", body)
        intro.setObjectName("review:intro")
        lay.addWidget(intro)
        self.rows = {}
        for section, rows in sections:
            if not rows:
                continue
            heading = wrapped_label(section.text.get(lang), "question", body)
            set_role(heading, "review-section")
            lay.addWidget(heading)
            box = QWidget(body)
            set_role(box, "review-group")
            grid = QGridLayout(box)
            grid.setContentsMargins(12, 4, 8, 4)
            grid.setHorizontalSpacing(16)
            grid.setVerticalSpacing(4)
            grid.setColumnStretch(0, 5)
            grid.setColumnStretch(1, 4)
            for n, (item, value) in enumerate(rows):
                question = wrapped_label(item.text.get(lang), "review-question", box)
                answer = wrapped_label(answer_words(item, value, lang), "error" if value is None else "review-answer", box)
                answer.setObjectName(f"answer:{item.link_id}")
                edit = KioskButton(t(lang, "nav.edit"), f"edit:{item.link_id}", box, role="compact",
                                   accessible=f"{t(lang, 'nav.edit')}: {item.text.get(lang)}")
                edit.clicked.connect(lambda _=False, link_id=item.link_id: self._change(link_id))
                grid.addWidget(question, n, 0)
                grid.addWidget(answer, n, 1)
                grid.addWidget(edit, n, 2)
                self.rows[item.link_id] = edit
            lay.addWidget(box)
        lay.addStretch(1)
        old = self.area.takeWidget()
        if old is not None:
            old.hide()
            old.setParent(None)  # out of the tree at once: its names are not found again
            old.deleteLater()
        self.area.setWidget(body)
        bar = self.area.verticalScrollBar()
        bar.setValue(keep)
        back_to = self.rows.get(self.last_change or "")
        self.last_change = None
        if back_to is not None:
            area = self.area

            def restore() -> None:
                bar.setValue(keep)
                area.ensureWidgetVisible(back_to, 10, 80)

            QTimer.singleShot(0, back_to, restore)

    def _change(self, link_id: str) -> None:
        self.last_change = link_id
        self.sig_change.emit(link_id)

    def clear(self) -> None:
        self.last_change = None
        old = self._area.takeWidget() if self._area is not None else None
        if old is not None:
            old.hide()
            old.setParent(None)  # out of the tree at once: its names are not found again
            old.deleteLater()
        self.rows = {}
