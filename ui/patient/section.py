"""The question page: the items of one page of the flow, in one scroll area. It owns its item
widgets and their visibility; the window tells it what to show and hears ``sig_answered``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLineEdit, QScrollArea, QScroller, QVBoxLayout, QWidget

from ..common.controls import wrapped_label
from ..patient.pages import new_body, scroll_area
from ..theme import Theme

if TYPE_CHECKING:
    from kiosk.questionnaire import Item

    from ..patient.items import ItemWidget


class SectionPage(QWidget):
    sig_answered = Signal(str, object)
    """An item was answered (linkId, value)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page:section")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.message = wrapped_label("", "error", self)  # "please answer the questions marked in red"
        self.message.setObjectName("page:message")
        self.message.hide()
        lay.addWidget(self.message)
        self._area: QScrollArea | None = None  # built with the first page: the touch scroller costs 20 ms
        self.widgets: dict[str, ItemWidget] = {}

    @property
    def area(self) -> QScrollArea:
        """The page's one scroll area, kept: each grabGesture call registers a new gesture
        recogniser (and PySide a new enum class for its type), so an area per page grew memory."""
        if self._area is None:
            self._area = scroll_area("section:scroll")
            self.layout().addWidget(self._area)  # type: ignore[union-attr]
            self._area.viewport().installEventFilter(self)  # the keyboard opened: keep the entry in view
        return self._area

    def show_items(self, title: str, items: Iterable[Item], answers: Mapping[str, Any], lang: str, theme: Theme,
                   today: dt.date, shown: Collection[str]) -> None:
        """A fresh page body with ``items`` in order; only the ``shown`` ones are built now, the
        others (follow-ups not enabled yet) when they first show (most never do)."""
        widgets: dict[str, ItemWidget] = {}
        body, lay = new_body()
        heading = wrapped_label(title, "title", body)
        heading.setObjectName("section:title")
        lay.addWidget(heading)
        self.items = list(items)
        self.build_args = (answers, lang, theme, today)
        self.body_layout = lay
        body_map = any(item.body_map for item in self.items)
        for item in self.items:
            if item.link_id in shown:
                widgets[item.link_id] = self._make(item)
                lay.addWidget(widgets[item.link_id])
        heading.setVisible(bool(title) and not body_map)  # the body map needs the height; the header names the section
        lay.addStretch(1)
        QScroller.scroller(self.area.viewport()).stop()  # a flick on the last page does not carry over
        self._drop_body()
        self.widgets = widgets
        self.area.setWidget(body)  # shows the whole body now, not on a queued event
        self.area.verticalScrollBar().setValue(0)

    def _make(self, item: Item) -> ItemWidget:
        from ..patient.items import make_item_widget  # page widgets load with the first page

        answers, lang, theme, today = self.build_args
        widget = make_item_widget(item, lang, answers.get(item.link_id), theme, today)
        widget.answered.connect(self.sig_answered)
        return widget

    def _drop_body(self) -> None:
        old = self._area.takeWidget() if self._area is not None else None
        if old is not None:
            old.hide()
            old.setParent(None)  # out of the tree at once: its names are not found again
            old.deleteLater()

    def clear(self) -> None:
        self._drop_body()
        self.widgets = {}
        self.items = []

    def show_only(self, shown: Collection[str]) -> list[str]:
        """Show the items enabled now (building those shown for the first time, in their place);
        returns those that just appeared."""
        appeared = []
        place = 1  # after the heading
        for item in getattr(self, "items", []):
            link_id = item.link_id
            widget = self.widgets.get(link_id)
            if link_id in shown and widget is None:
                widget = self.widgets[link_id] = self._make(item)
                self.body_layout.insertWidget(place, widget)
                appeared.append(link_id)
            elif widget is not None and link_id in shown and widget.isHidden():
                appeared.append(link_id)
            if widget is not None:
                if widget.isHidden() == (link_id in shown):
                    widget.setVisible(link_id in shown)
                place += 1
        return appeared

    def take_back(self, link_id: str) -> None:
        """'I tapped the wrong answer': the answer is cleared (and saved so) and the question is in front."""
        widget = self.widgets.get(link_id)
        if widget is not None:
            widget.show_value(None)  # type: ignore[attr-defined]
            widget.give(None)
            self.reveal(link_id, focus=True)

    def focus_empty_name(self) -> None:
        """The name page opens with the keyboard ready: no tap to find the field."""
        first = next((e for e in self.name_entries() if not e.text()), None)
        if first is not None:
            QTimer.singleShot(0, first, first.setFocus)

    def name_entries(self) -> list[QLineEdit]:
        """The shown text entries typed with letters (first and last name), in page order."""
        from ..patient.items import EntryWidget

        return [w.entry for w in self.visible_widgets() if isinstance(w, EntryWidget) and w.layout_name == "letters"]

    def visible_widgets(self) -> list[ItemWidget]:
        return [w for w in self.widgets.values() if not w.isHidden()]

    def commit(self) -> None:
        for widget in self.visible_widgets():
            widget.commit()

    def set_error(self, link_id: str, text: str | None) -> None:
        widget = self.widgets.get(link_id)
        if widget is not None:
            widget.set_error(text)

    def show_answer(self, link_id: str, problem: str | None, visible: frozenset[str] | None) -> None:
        """An answer's problem (None: it was taken) and what the page shows after it; a
        follow-up question that appears is brought into view."""
        self.set_error(link_id, problem)
        appeared = self.show_only(set(visible)) if visible is not None else []
        if appeared:
            self.reveal(appeared[-1])

    def set_message(self, text: str) -> None:
        """The page's own line above the questions (it never moves the Back/Next bar)."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def show_problems(self, problems: Mapping[str, str]) -> None:
        """Each item's message (linkId: words), the first one in view and focused."""
        for link_id, words in problems.items():
            self.set_error(link_id, words)
        if problems:
            self.reveal(next(iter(problems)), focus=True)

    def has_errors(self) -> bool:
        return any(not w.error.isHidden() for w in self.visible_widgets())

    def reveal(self, link_id: str, focus: bool = False) -> None:
        """Scroll ``link_id`` into view (once the layout has placed it) and maybe focus it."""
        widget = self.widgets.get(link_id)
        if widget is None:
            return
        if focus:
            widget.focus_first()
        area = self.area
        QTimer.singleShot(0, widget, lambda: area.ensureWidgetVisible(widget, 10, 20))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self._area is not None and watched is self._area.viewport():
            focused = QApplication.focusWidget()
            body = self.area.widget()
            if isinstance(focused, QLineEdit) and body is not None and body.isAncestorOf(focused):
                self._bring(focused)
        return False

    def _bring(self, entry: QWidget) -> None:
        """The entry's whole question in view if it fits above the keyboard, else the entry."""
        item = entry.parentWidget()
        while item is not None and not item.objectName().startswith("item:"):
            item = item.parentWidget()
        if item is not None:
            self.area.ensureWidgetVisible(item, 10, 10)
        self.area.ensureWidgetVisible(entry, 20, 20)

    def reveal_widget(self, widget: QWidget) -> None:
        QTimer.singleShot(0, widget, lambda: self._bring(widget))
