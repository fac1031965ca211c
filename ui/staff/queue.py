"""The review queue: a table model that pages rows from SQL (keyset pages of 100, loaded as
the view scrolls; never every row), and the page around it with filters and search."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSocketNotifier, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kiosk.review import (
    OUTCOME_FILTERS,
    REVIEW_FILTERS,
    outcome_label,
    patient_name,
    queue_filter,
    queue_time,
    queue_why,
    region_label,
    review_label,
    short_review_label,
)
from kiosk.store import QueueFilter, QueueRow, StaffStore, StoreError

from ..common.controls import HintEntry, KioskButton, wrapped_label
from ..common.wipe import wipe_text
from ..theme import STAFF_TEXT_PT

log = logging.getLogger("kiosk.staff")
PAGE_SIZE = 100
# Two lines a row, so the reason gets the room: the day over the time, the name over the birth
# date, the sorting over the region, the decision over who made it.
COLUMNS = ("Time", "Patient", "Sorting", "Why", "Review (by)")
SORTING_COLUMN = COLUMNS.index("Sorting")
WHY_COLUMN = COLUMNS.index("Why")
URGENT_RED = "#9E0019"


class UrgentSelection(QStyledItemDelegate):
    """A selected urgent row stays red (white on dark red) instead of taking the usual blue."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        if index.data(URGENT_ROLE):
            option.palette.setColor(QPalette.ColorRole.Highlight, QColor(URGENT_RED))
            option.palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#FFFFFF"))


URGENT_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class QueueModel(QAbstractTableModel):
    """``failed`` carries a storage problem; the model is then empty, never half-read."""

    failed = Signal(str)

    def __init__(self, store: StaffStore, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self.name_of: Callable[[str], str] = str  # a question's staff name (the rule pack's labels)
        self.where = QueueFilter()
        self.rows: list[QueueRow] = []
        self._more = True

    # -- loading ---------------------------------------------------------------------------

    def set_filter(self, where: QueueFilter) -> None:
        self.where = where
        self.reload()

    def reload(self) -> None:
        """Start again from the first page (new filter, new submissions, a review saved)."""
        self.beginResetModel()
        try:
            self.rows = self.store.queue_page(self.where, None, PAGE_SIZE)
            self._more = len(self.rows) == PAGE_SIZE
        except StoreError as exc:
            self.rows, self._more = [], False
            self.failed.emit(str(exc))
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self.rows, self._more = [], False
        self.endResetModel()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more:
            return
        after = self.rows[-1].key if self.rows else None
        try:
            page = self.store.queue_page(self.where, after, PAGE_SIZE)
        except StoreError as exc:
            self._more = False
            self.failed.emit(str(exc))
            return
        self._more = len(page) == PAGE_SIZE
        if page:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(page) - 1)
            self.rows.extend(page)
            self.endInsertRows()

    def row_at(self, row: int) -> QueueRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    # -- the model -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            return self.cell(row, index.column())
        urgent = row.queue_rank == 0
        if role == URGENT_ROLE:
            return urgent
        if role == Qt.ItemDataRole.FontRole and urgent:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and urgent and index.column() in (SORTING_COLUMN, WHY_COLUMN):
            return QColor(URGENT_RED)
        if role == Qt.ItemDataRole.AccessibleDescriptionRole and index.column() == 4:
            return review_label(row)
        return None

    def cell(self, row: QueueRow, column: int) -> str:
        if column == 0:
            return queue_time(row.closed_at).replace(" ", "\n", 1)
        if column == 1:
            return f"{patient_name(row)}\n{row.birth_date or ''}".rstrip()
        if column == SORTING_COLUMN:
            return f"{outcome_label(row)}\n{region_label(row.region, short=True)}".rstrip()
        if column == WHY_COLUMN:
            return queue_why(row, self.name_of)
        return short_review_label(row).replace(" (", "\n(", 1)


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text.strip()) if text.strip() else None


class QueuePage(QWidget):
    open_intake = Signal(int)
    export_csv = Signal()

    def __init__(self, store: StaffStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page:queue")
        self.setAccessibleName("Review queue")
        self.store = store
        self.model = QueueModel(store, self)
        self.model.failed.connect(self._failed)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 8, 16, 8)

        bar = QVBoxLayout()
        self.outcome = QComboBox(self)
        self.outcome.setObjectName("filter:outcome")
        self.outcome.setAccessibleName("Filter by sorting")
        self.outcome.addItem("Every sorting", "")
        for code, label in OUTCOME_FILTERS.items():
            self.outcome.addItem(label, code)
        self.review = QComboBox(self)
        self.review.setObjectName("filter:review")
        self.review.setAccessibleName("Filter by review")
        self.review.addItem("Every review state", "")
        for code, label in REVIEW_FILTERS.items():
            self.review.addItem(label, code)
        self.first = self._entry("filter:from", "From date (YYYY-MM-DD)", "From YYYY-MM-DD")
        self.last = self._entry("filter:to", "To date (YYYY-MM-DD)", "To YYYY-MM-DD")
        self.search = self._entry("filter:search", "Search by name or date of birth", "Name or date of birth")
        clear = KioskButton("Clear filters", "filter:clear", self)
        clear.clicked.connect(self.clear_filters)
        self.export_button = KioskButton("Export queue (CSV)", "export:csv", self)
        self.export_button.clicked.connect(self.export_csv.emit)
        # two rows that share no columns: each widget as wide as its words or its hint, the
        # search taking what is left (a grid made each date as narrow as the button below it)
        for row in ((self.search, 1), (self.first, 0), (self.last, 0)), \
                ((self.outcome, 0), (self.review, 0), (clear, 0), (None, 1), (self.export_button, 0)):
            line = QHBoxLayout()
            for widget, stretch in row:
                line.addWidget(widget, stretch) if widget is not None else line.addStretch(stretch)
            bar.addLayout(line)
        lay.addLayout(bar)

        self.table = QTableView(self)
        self.table.setObjectName("queue")
        self.table.setAccessibleName("Review queue: urgent first, then the oldest not yet reviewed")
        self.table.setModel(self.model)
        self.table.setItemDelegate(UrgentSelection(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setVisible(False)
        text = QFont(self.table.font())
        text.setPointSize(STAFF_TEXT_PT)  # the style sheet's size, which is not applied yet
        self.table.verticalHeader().setDefaultSectionSize(QFontMetrics(text).lineSpacing() * 2 + 14)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # loaded rows only: cheap
        header.setSectionResizeMode(WHY_COLUMN, QHeaderView.ResizeMode.Stretch)  # the reason takes the room left
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(60)
        self.table.activated.connect(self._activated)
        self.table.doubleClicked.connect(self._activated)
        lay.addWidget(self.table, 1)

        foot = QHBoxLayout()
        self.count = QLabel("")
        self.count.setObjectName("queue:count")
        foot.addWidget(self.count, 1)
        self.message = wrapped_label("", "error")
        self.message.setObjectName("queue:message")
        foot.addWidget(self.message, 2)
        self.open_button = KioskButton("Open selected intake", "queue:open", self, role="primary")
        self.open_button.clicked.connect(self.open_selected)
        foot.addWidget(self.open_button)
        lay.addLayout(foot)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _: self._debounce.start())
        for edit in (self.first, self.last):
            edit.editingFinished.connect(self.apply_filter)
        self.outcome.currentIndexChanged.connect(lambda _: self.apply_filter())
        self.review.currentIndexChanged.connect(lambda _: self.apply_filter())

        # new submissions from the kiosk (another connection) appear without a restart
        self._seen_version = -1
        self.poll = QTimer(self)
        self.poll.setInterval(2000)
        self.poll.timeout.connect(self.refresh_if_changed)
        self._notifier: QSocketNotifier | None = None  # pushed changes (the central database's NOTIFY)
        self._failure: str | None = None  # the failure the message line says now
        self._failures = 0  # how many there have been (a reload that added one did not read its rows)

    def _failed(self, message: str) -> None:
        if message != self.message.text():  # an outage is logged once, not every poll
            log.error("queue cannot be read: %s", message)
        self.message.setText(message)
        self._failure = message
        self._failures += 1

    def _watch(self) -> None:
        """Refresh the moment the store's change socket has news (a store that pushes changes
        has ``wakeup_fd``); the poll stays as the fallback."""
        wakeup = getattr(self.store, "wakeup_fd", None)
        fd = wakeup() if wakeup is not None else None
        if self._notifier is not None and (fd is None or self._notifier.socket() != fd):
            self._unwatch()
        if fd is not None and self._notifier is None:
            self._notifier = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
            self._notifier.activated.connect(lambda *_: self.refresh_if_changed())

    def _entry(self, name: str, accessible: str, placeholder: str) -> QLineEdit:
        edit = HintEntry(self)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setPlaceholderText(placeholder)
        edit.setClearButtonEnabled(True)
        return edit

    def current_filter(self) -> QueueFilter | None:
        try:
            first, last = _date(self.first.text()), _date(self.last.text())
        except ValueError:
            self.message.setText("Type dates as YYYY-MM-DD, for example 2026-11-24.")
            return None
        self.message.setText("")
        return queue_filter(self.outcome.currentData(), self.review.currentData(), first, last, self.search.text())

    def apply_filter(self) -> None:
        where = self.current_filter()
        if where is None:
            return
        self.model.set_filter(where)
        self._after_load()

    def _unwatch(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None

    def refresh(self) -> None:
        try:
            self._seen_version = self.store.data_version()
        except StoreError as exc:
            self._unwatch()
            self._failed(str(exc))
            return
        if self.poll.isActive():
            self._watch()
        selected = self.selected_id()
        failures = self._failures
        self.model.reload()
        if self._failures != failures:  # the rows could not be read: say so, try again next poll
            return
        self._after_load(selected)

    def refresh_if_changed(self) -> None:
        """Polled: another process (the kiosk) committed something."""
        try:
            changed = self.store.data_version() != self._seen_version
        except StoreError as exc:
            if exc.kind != "central":  # a central server comes back: keep asking; a broken file does not
                self.poll.stop()
            self._unwatch()  # its socket is dead; a new one is watched once the server answers again
            self._failed(str(exc))
            return
        if changed or self._failure is not None:  # after a failure, each poll tries again
            self.refresh()

    def _undelivered(self) -> str:
        """On a kiosk that sends to the clinic's central database: how many wait to be sent (during
        an outage this kiosk's own station is where they are seen)."""
        mark, counts = getattr(self.store, "ship_mark", None), getattr(self.store, "outbox_counts", None)
        try:
            if mark is None or counts is None or mark("first_ship") is None:
                return ""
            waiting = counts()[0]
        except StoreError:
            return ""
        return f" · {waiting} not yet sent to the clinic's server" if waiting else ""

    def _after_load(self, keep: int | None = None) -> None:
        try:
            total = self.store.queue_count(self.model.where)
        except StoreError as exc:
            self._failed(str(exc))
            return
        self.count.setText(f"{total} intake{'s' if total != 1 else ''}" + self._undelivered())
        if self._failure is not None and self.message.text() == self._failure:
            self.message.setText("")  # the database is back: the failure is no longer true
        self._failure = None
        row = next((n for n, r in enumerate(self.model.rows) if r.id == keep), 0) if keep else 0
        if self.model.rows:
            self.table.selectRow(row)

    def clear_filters(self) -> None:
        self.reset_filters()
        self.apply_filter()

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        row = self.model.row_at(rows[0].row()) if rows else None
        return row.id if row else None

    def open_selected(self) -> None:
        intake_id = self.selected_id()
        if intake_id is None:
            self.message.setText("Select an intake in the list first.")
            return
        self.open_intake.emit(intake_id)

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self.open_intake.emit(row.id)

    def start(self) -> None:
        self.poll.start()
        self.refresh()
        self.table.setFocus()

    def stop(self) -> None:
        """Locked: stop polling and keep no patient rows in memory."""
        self.poll.stop()
        self._unwatch()
        self.reset_filters()  # the next person starts from the whole queue
        self.model.clear()
        self.count.setText("")
        self.message.setText("")

    def reset_filters(self) -> None:
        """Every filter back to "everything", without reloading (the caller decides)."""
        for widget in (self.search, self.first, self.last, self.outcome, self.review):
            widget.blockSignals(True)
        for edit in (self.search, self.first, self.last):
            wipe_text(edit)  # the next nurse's Ctrl+Z must not bring back this one's search
        for combo in (self.outcome, self.review):
            combo.setCurrentIndex(0)
        for widget in (self.search, self.first, self.last, self.outcome, self.review):
            widget.blockSignals(False)
        self._debounce.stop()
        self.model.where = QueueFilter()
