"""One widget per questionnaire item, chosen by the item's type. Widgets show a value and
emit ``answered(linkId, value)``; they never decide what is valid or what comes next.

Every answer is a button whose words wrap (nothing is cut off at any width or text size).
A short yes/no question puts its buttons beside the words when the screen is wide enough,
so more questions fit on one screen.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QRegularExpressionValidator, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import t
from kiosk.picks import quick_choices
from kiosk.questionnaire import Item

from ..common.controls import KioskButton, ResponsiveGrid, WrapButton, restyle, set_role, wrapped_label
from ..theme import Theme

SCALE_MAX = 10
INLINE_MIN_PX = 900  # below this width an inline question puts its buttons under the words
SHORT_LABEL = 18  # options this short sit in one row beside the question


class ItemWidget(QFrame):
    """The frame around one question: its text, its control and its message."""

    answered = Signal(str, object)
    inline = False  # buttons beside the question on a wide screen

    def __init__(self, item: Item, lang: str, value: Any, theme: Theme, parent: QWidget | None = None,
                 today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.lang = lang
        self.theme = theme
        self.today = today or dt.date.today()
        self.setObjectName(f"item:{item.link_id}")
        set_role(self, "item")
        self.setAccessibleName(item.text.get(lang))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(18, 10, 18, 10)
        lay.setSpacing(8)
        self.row = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.row.setSpacing(12)
        words = QVBoxLayout()
        words.setSpacing(4)
        question = wrapped_label(item.text.get(lang), "question", self)
        question.setObjectName(f"text:{item.link_id}")
        words.addWidget(question)
        hint = item.help.get(lang) if item.help else ""
        if not item.required:
            hint = (hint + " " + t(lang, "optional")).strip()
        if hint:
            words.addWidget(wrapped_label(hint, "hint", self))
        self.row.addLayout(words, 1)
        self.control = self.build(value)
        self.row.addWidget(self.control, 0)  # side by side: the buttons their width, the words the rest
        lay.addLayout(self.row)
        self.error = wrapped_label("", "error", self)
        self.error.setObjectName(f"error:{item.link_id}")
        self.error.hide()
        lay.addWidget(self.error)

    def build(self, value: Any) -> QWidget:
        raise NotImplementedError

    def minimumSizeHint(self) -> QSize:
        """As narrow as the words above the buttons: side by side is only for a wide screen."""
        hint = super().minimumSizeHint()
        m = self.layout().contentsMargins()  # type: ignore[union-attr]
        return QSize(max(self.control.minimumSizeHint().width(), 120) + m.left() + m.right(), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        # side by side when the buttons take at most half the width (the words keep the rest)
        need = max(INLINE_MIN_PX, self.control.sizeHint().width() * 2)
        wide = self.inline and event.size().width() >= need
        want = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.row.direction() != want:
            self.row.setDirection(want)
            # side by side the buttons keep their whole row (the words wrap instead); stacked,
            # they may drop columns on a narrow screen
            policy = QSizePolicy.Policy.Minimum if wide else QSizePolicy.Policy.Preferred
            self.control.setSizePolicy(policy, self.control.sizePolicy().verticalPolicy())
        super().resizeEvent(event)

    def set_error(self, text: str | None) -> None:
        self.error.setText(text or "")
        self.error.setVisible(bool(text))
        restyle(self, invalid="true" if text else "false")

    def focus_first(self) -> None:
        """The item's chosen answer, else its first one (a screen reader starts there)."""
        buttons = [b for b in self.control.findChildren(QAbstractButton) if b.isVisibleTo(self)]
        chosen = next((b for b in buttons if b.isChecked()), buttons[0] if buttons else None)
        (chosen or self.control).setFocus()

    def commit(self) -> None:
        """Push a value still being typed (text entries); buttons answer on tap."""

    def give(self, value: Any) -> None:
        """Tell the page: the patient answered (QObject.emit is Qt's own name; not this)."""
        self.answered.emit(self.item.link_id, value)


def _grid(parent: QWidget) -> QGridLayout:
    grid = QGridLayout(parent)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(8)
    return grid


class ChoiceWidget(ItemWidget):
    """Large toggle buttons; several may be on when the item repeats. ``none`` and ``unsure``
    style options (``optionExclusive``) switch the others off, and the others switch them off."""

    def build(self, value: Any) -> QWidget:
        self.buttons: dict[str, KioskButton] = {}
        options = [(o.code, o.display.get(self.lang), o.exclusive) for o in self.item.options]
        if self.item.type == "boolean":
            options = [("true", t(self.lang, "bool.true"), False), ("false", t(self.lang, "bool.false"), False)]
        longest = max((len(label) for _, label, _ in options), default=0)
        self.inline = len(options) <= 4 and longest <= SHORT_LABEL
        if self.inline:
            columns = len(options)
        elif longest > 40:
            columns = 1  # long options take a full row
        else:
            columns = 2 if len(options) <= 4 or longest > 24 else 3
        grid = self.option_grid([(code, label) for code, label, _ in options], columns, plain=self.inline)
        self.exclusive = {code for code, _, ex in options if ex}
        self.show_value(value)
        return grid

    def option_grid(self, options: list[tuple[str, str]], columns: int, plain: bool = False) -> ResponsiveGrid:
        """One toggle button per (code, words), ``opt:<linkId>:<code>``, into ``self.buttons``;
        ``plain``: short words that never need to wrap (a plain button is as wide as its words)."""
        grid = ResponsiveGrid(columns, self)
        for code, label in options:
            button = (KioskButton if plain else WrapButton)(label, f"opt:{self.item.link_id}:{code}", grid,
                                                             checkable=True)
            button.setProperty("label", label)
            button.clicked.connect(lambda _=False, code=code: self.on_click(code))
            grid.add(button)
            self.buttons[code] = button
        return grid

    def show_value(self, value: Any) -> None:
        if self.item.type == "boolean":
            chosen = set() if value is None else {"true" if value else "false"}
        elif isinstance(value, list):
            chosen = set(value)
        else:
            chosen = set() if value is None else {value}
        for code, button in self.buttons.items():
            button.setChecked(code in chosen)
            label = button.property("label")
            button.setText(f"✓ {label}" if code in chosen else label)

    def current(self) -> list[str]:
        return [c for c, b in self.buttons.items() if b.isChecked()]

    def on_click(self, code: str) -> None:
        if self.item.type == "boolean":
            self.show_value(code == "true")
            self.give(code == "true")
            return
        if not self.item.repeats:
            self.show_value(code)
            self.give(code)
            return
        chosen = self.current()  # the click already toggled the button
        if code in chosen and code in self.exclusive:
            chosen = [code]
        elif code in chosen:
            chosen = [c for c in chosen if c not in self.exclusive]
        self.show_value(chosen)
        self.give(chosen or None)


class ScaleWidget(ChoiceWidget):
    """0-10 as a row of eleven buttons with words at both ends."""

    def build(self, value: Any) -> QWidget:
        box = QWidget(self)
        outer = QVBoxLayout(box)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        self.buttons = {}
        self.exclusive = set()
        lo, hi = self.item.min_value or 0, self.item.max_value or SCALE_MAX
        labelled = bool(self.item.value_labels)  # a licensed instrument: one statement per value
        statements = QWidget(box) if labelled else None
        row = _grid(statements) if statements is not None else QHBoxLayout()
        row.setSpacing(6)
        for n in range(lo, hi + 1):
            code = str(n)
            label = code
            if labelled and n - lo < len(self.item.value_labels):
                label = f"{n}.  {self.item.value_labels[n - lo].get(self.lang)}"
            button = (WrapButton(label, f"opt:{self.item.link_id}:{code}", box, checkable=True,
                                 align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter) if labelled
                      else KioskButton(label, f"opt:{self.item.link_id}:{code}", box, checkable=True,
                                       accessible=t(self.lang, "scale.value", n=n), role="scale"))
            button.setProperty("label", label)
            button.clicked.connect(lambda _=False, n=n: self.on_scale(n))
            if isinstance(row, QGridLayout):
                row.addWidget(button, n - lo, 0)
            else:
                row.addWidget(button, 1)
            self.buttons[code] = button
        if statements is not None:
            outer.addWidget(statements)
        else:
            outer.addLayout(row)
        if self.item.anchors:
            ends = QHBoxLayout()
            low = wrapped_label(f"{lo} = {self.item.anchors[0].get(self.lang)}", "hint")
            high = wrapped_label(f"{self.item.anchors[1].get(self.lang)} = {hi}", "hint")
            high.setAlignment(Qt.AlignmentFlag.AlignRight)
            ends.addWidget(low)
            ends.addWidget(high)
            outer.addLayout(ends)
        self.show_value(None if value is None else str(value))
        return box

    def show_value(self, value: Any) -> None:
        for code, button in self.buttons.items():
            button.setChecked(code == value)
            label = button.property("label")
            button.setText(f"✓ {label}" if code == value and self.item.value_labels else label)

    def on_scale(self, n: int) -> None:
        self.show_value(str(n))
        self.give(n)


def format_date_typing(text: str) -> str:
    """Digits typed for a date become YYYY-MM-DD as they come (dashes are added for the patient)."""
    if not re.fullmatch(r"[0-9-]*", text):
        return text
    digits = text.replace("-", "")[:8]
    out = digits[:4]
    if len(digits) > 4 or (len(digits) == 4 and text.endswith("-")):
        out += "-" + digits[4:6]
    if len(digits) > 6 or (len(digits) == 6 and text.endswith("-")):
        out += "-" + digits[6:8]
    return out


class EntryWidget(ItemWidget):
    """A typed entry (name, number or date) that the on-screen keyboard types into, with quick
    choices (``pick:<linkId>:<value>``) for numbers and dates that fill the same answer.

    The answer is committed when the patient leaves the field, presses Enter or Done, taps
    Next, taps a quick choice, or pauses typing for a moment, so at most the answer being
    typed can be lost.
    """

    def build(self, value: Any) -> QWidget:
        box = QWidget(self)
        outer = QVBoxLayout(box)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        self.picks: dict[int, KioskButton] = {}
        self.picker = None
        row = QHBoxLayout()
        self.entry = QLineEdit(box)
        self.entry.setObjectName(f"input:{self.item.link_id}")
        self.entry.setAccessibleName(self.item.text.get(self.lang))
        self.entry.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.entry.setDragEnabled(False)
        if self.item.type == "integer":
            self.layout_name = "digits"
            self.entry.setValidator(QRegularExpressionValidator(r"[0-9]{0,4}", self.entry))
            self.entry.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
            choices = quick_choices(self.item, self.lang)
            if choices:
                grid = ResponsiveGrid(6 if len(choices) > 8 else 4, box)
                for pick in choices:
                    button = WrapButton(pick.label, f"pick:{self.item.link_id}:{pick.value}", grid, checkable=True)
                    button.clicked.connect(lambda _=False, v=pick.value: self._pick(v))
                    grid.add(button)
                    self.picks[pick.value] = button
                outer.addWidget(grid)
                row.addWidget(wrapped_label(t(self.lang, "entry.other_number"), "hint", box), 1)
            else:
                self.entry.setPlaceholderText(t(self.lang, "entry.number_hint"))
            row.addWidget(self.entry, 1)
            if self.item.max_value is not None and self.item.min_value is not None:
                row.addWidget(wrapped_label(f"({self.item.min_value}-{self.item.max_value})", "hint"), 1)
            else:
                row.addStretch(1)
        elif self.item.type == "date":
            from ..patient.datepick import DatePicker

            self.layout_name = "digits"
            self.picker = DatePicker(self.item.link_id, self.lang, self.today, box)
            self.picker.changed.connect(self._picked_date)
            outer.addWidget(self.picker)
            self.entry.setMaxLength(10)
            self.entry.setPlaceholderText(t(self.lang, "entry.date_placeholder"))
            self.entry.textEdited.connect(self._format_date)
            row.addWidget(wrapped_label(t(self.lang, "entry.or_type_date"), "hint", box), 1)
            row.addWidget(self.entry, 1)
        elif self.item.allowed_characters == "digits":  # a number from a slip: the digit keypad, digits only
            self.layout_name = "digits"
            self.entry.setValidator(QRegularExpressionValidator(r"[0-9]{0,20}", self.entry))
            self.entry.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
            self.entry.setPlaceholderText(t(self.lang, "entry.number_hint"))
            row.addWidget(self.entry)
        else:
            self.layout_name = "letters"
            self.entry.setMaxLength(max(self.item.max_length or 200, 1) + 20)
            self.entry.setPlaceholderText(t(self.lang, "entry.name_hint"))
            row.addWidget(self.entry)
        outer.addLayout(row)
        if value is not None:
            self.entry.setText(str(value))
            if self.picker is not None:
                self.picker.set_text(str(value))
        self._last = self.entry.text()
        self._show_pick()
        self.entry.editingFinished.connect(self.commit)
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(1500)
        self._pause.timeout.connect(self.commit)
        self.entry.textEdited.connect(lambda _: self._pause.start())
        return box

    def _format_date(self, text: str) -> None:
        formatted = format_date_typing(text)
        if formatted != text:
            self.entry.setText(formatted)

    def _show_pick(self) -> None:
        text = self.entry.text().strip()
        for value, button in self.picks.items():
            button.setChecked(text == str(value))

    def _pick(self, value: int) -> None:
        self.entry.setText(str(value))
        self.commit()

    def _picked_date(self, text: str) -> None:
        self.entry.setText(text if self.picker is not None and self.picker.complete() else "")
        if self.picker is not None and self.picker.complete():
            self.commit()

    def focus_first(self) -> None:
        if self.picks or self.picker is not None:
            super().focus_first()  # the quick choices first: no keyboard pops up
        else:
            self.entry.setFocus()

    def commit(self) -> None:
        self._pause.stop()
        text = self.entry.text().strip()
        if self.picker is not None:
            if text and text != self._last:
                self.picker.set_text(text)  # typed: the choices show it too
            elif not text and self.picker.text():
                text = self.picker.text()  # half chosen: given as it stands, so the real problem shows
        self._show_pick()
        if text == self._last:
            return
        self._last = text
        if not text:
            self.give(None)
        elif self.item.type == "integer":
            self.give(int(text) if text.isdigit() else text)
        else:
            self.give(text)


def make_item_widget(item: Item, lang: str, value: Any, theme: Theme, today: dt.date | None = None) -> ItemWidget:
    if item.body_map:
        from ..patient.bodymap import BodyMapWidget

        return BodyMapWidget(item, lang, value, theme, today=today)
    if item.type in ("choice", "boolean"):
        return ChoiceWidget(item, lang, value, theme, today=today)
    if item.type == "integer" and item.min_value is not None and item.max_value is not None \
            and item.max_value - item.min_value <= SCALE_MAX:
        return ScaleWidget(item, lang, value, theme, today=today)
    return EntryWidget(item, lang, value, theme, today=today)
