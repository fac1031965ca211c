"""Date of birth as large choices: month, then day, then the decade and the year, in the
order a patient says a date in English and Spanish alike (the typed ``YYYY-MM-DD`` entry stays
beside it). Each choice is one tap on a big button; the date is given when all three parts are
chosen, and a date left half-chosen is given as it stands, so Next shows the real format
error, never "please answer"."""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import t
from kiosk.picks import birth_decades, days_in_month, month_names

from ..common.controls import KioskButton, ResponsiveGrid, WrapButton, set_role, wrapped_label

PARTS = ("month", "day", "year")


class DatePicker(QWidget):
    """Month, day and year choices. ``changed(text)``: the date as far as it is chosen."""

    changed = Signal(str)

    def __init__(self, link_id: str, lang: str, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.link_id = link_id
        self.lang = lang
        self.today = today
        self.month: int | None = None
        self.day: int | None = None
        self.year: int | None = None
        self.decade: int | None = None
        self.part = "month"
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        tabs = QHBoxLayout()
        tabs.setSpacing(8)
        self.tabs: dict[str, KioskButton] = {}
        for part in PARTS:
            tab = WrapButton("", f"date:{link_id}:{part}", self, checkable=True)
            tab.clicked.connect(lambda _=False, part=part: self.show_part(part))
            tabs.addWidget(tab, 1)
            self.tabs[part] = tab
        outer.addLayout(tabs)
        self.prompt = wrapped_label("", "hint", self)
        outer.addWidget(self.prompt)
        self.outer = outer
        self.grid: ResponsiveGrid | None = None
        self.buttons: dict[str, KioskButton] = {}
        self._refresh()

    # -- what is chosen ------------------------------------------------------------------------

    def set_text(self, text: str) -> None:
        """Show a stored or typed YYYY-MM-DD (parts that do not parse stay unchosen)."""
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip())
        if m:
            self.year, self.month, self.day = int(m[1]), int(m[2]), int(m[3])
            self.decade = self.year // 10 * 10
        self._refresh()

    def text(self) -> str:
        """'1962-01-01' when complete; else the parts chosen so far with gaps ('1962-01-DD')."""
        if self.month is None and self.day is None and self.year is None:
            return ""
        year = f"{self.year:04d}" if self.year is not None else "YYYY"
        month = f"{self.month:02d}" if self.month is not None else "MM"
        day = f"{self.day:02d}" if self.day is not None else "DD"
        return f"{year}-{month}-{day}"

    def complete(self) -> bool:
        return None not in (self.month, self.day, self.year)

    # -- the choices -----------------------------------------------------------------------------

    def show_part(self, part: str) -> None:
        self.part = part
        if part == "year" and self.year is None:
            self.decade = None
        self._refresh()

    def _choose(self, part: str, value: int) -> None:
        if part == "month":
            self.month = value
            self.part = "day" if self.day is None else ("year" if self.year is None else "month")
        elif part == "day":
            self.day = value
            self.part = "year" if self.year is None else "day"
        elif part == "decade":
            self.decade = value
            self.part = "year"
        else:
            self.year = value
        if self.day is not None and self.month is not None and self.day > days_in_month(self.year, self.month):
            self.day = None  # 31 chosen, then February: ask for the day again
            self.part = "day"
        self._refresh()
        self.changed.emit(self.text())

    def _refresh(self) -> None:
        lang = self.lang
        names = month_names(lang)
        shown = {"month": names[self.month - 1] if self.month else "",
                 "day": str(self.day) if self.day else "", "year": str(self.year) if self.year else ""}
        for part, tab in self.tabs.items():
            label = t(lang, f"date.{part}")
            text = f"{label}: {shown[part]}" if shown[part] else f"{label}: —"
            tab.setText(text)
            tab.setAccessibleName(text)
            tab.setChecked(part == self.part)
        if self.grid is not None:
            self.grid.hide()
            self.grid.setParent(None)  # out of the tree at once: its names are not found again
            self.grid.deleteLater()
        self.buttons = {}
        part = self.part
        if part == "year" and self.decade is None:
            part = "decade"
        self.prompt.setText(t(lang, f"date.choose_{part}"))
        if part == "month":
            cells = [(f"m{n}", names[n - 1].capitalize(), n) for n in range(1, 13)]
            columns, chosen = 6, self.month
        elif part == "day":
            cells = [(f"d{n}", str(n), n) for n in range(1, days_in_month(self.year, self.month or 1) + 1)]
            columns, chosen = 8, self.day
        elif part == "decade":
            cells = [(f"y{d // 10}x", t(lang, "date.decade", n=d, end=d + 9), d) for d in birth_decades(self.today)]
            columns, chosen = 5, self.decade
        else:
            decade = self.decade or 0
            years = [y for y in range(decade, decade + 10) if self.today.year - 110 <= y <= self.today.year - 18]
            cells = [(f"y{y}", str(y), y) for y in years]
            cells.append(("y-decade", t(lang, "date.other_decade"), -1))
            columns, chosen = 5, self.year
        self.grid = ResponsiveGrid(columns, self)
        self.outer.addWidget(self.grid)
        for code, label, value in cells:
            button = WrapButton(label, f"pick:{self.link_id}:{code}", self.grid, checkable=value != -1)
            if value == -1:
                button.clicked.connect(lambda _=False: self._other_decade())
                set_role(button, "quiet")
            else:
                button.setChecked(value == chosen)
                button.clicked.connect(lambda _=False, p=part, v=value: self._choose(p, v))
            self.grid.add(button)
            self.buttons[code] = button

    def _other_decade(self) -> None:
        self.decade = None
        self.year = None
        self.part = "year"
        self._refresh()
        self.changed.emit(self.text())
