"""One widget per questionnaire item, chosen by the item's type. Widgets show a value and
emit ``answered(linkId, value)``; they never decide what is valid or what comes next."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QBoxLayout, QFrame, QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.i18n import t
from kiosk.questionnaire import Item

from ..common.controls import KioskButton, set_role, wrapped_label
from ..patient.bodymap import BACK, FRONT, BodyFigure, figure_with_caption
from ..theme import Theme

SCALE_MAX = 10


class ItemWidget(QFrame):
    """The frame around one question: its text, its control and its message."""

    answered = Signal(str, object)

    def __init__(self, item: Item, lang: str, value: Any, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.lang = lang
        self.theme = theme
        self.setObjectName(f"item:{item.link_id}")
        set_role(self, "item")
        self.setAccessibleName(item.text.get(lang))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 14, 20, 14)
        lay.setSpacing(10)
        question = wrapped_label(item.text.get(lang), "question", self)
        question.setObjectName(f"text:{item.link_id}")
        lay.addWidget(question)
        hint = item.help.get(lang) if item.help else ""
        if not item.required:
            hint = (hint + " " + t(lang, "optional")).strip()
        if hint:
            lay.addWidget(wrapped_label(hint, "hint", self))
        self.control = self.build(value)
        lay.addWidget(self.control)
        self.error = wrapped_label("", "error", self)
        self.error.setObjectName(f"error:{item.link_id}")
        self.error.hide()
        lay.addWidget(self.error)

    def build(self, value: Any) -> QWidget:
        raise NotImplementedError

    def set_error(self, text: str | None) -> None:
        self.error.setText(text or "")
        self.error.setVisible(bool(text))
        self.setProperty("invalid", "true" if text else "false")
        self.style().unpolish(self)
        self.style().polish(self)

    def focus_first(self) -> None:
        self.control.focusNextChild()

    def commit(self) -> None:
        """Push a value still being typed (text entries); buttons answer on tap."""

    def give(self, value: Any) -> None:
        """Tell the page: the patient answered (QObject.emit is Qt's own name; not this)."""
        self.answered.emit(self.item.link_id, value)


class ChoiceWidget(ItemWidget):
    """Large toggle buttons; several may be on when the item repeats. ``none`` and ``unsure``
    style options (``optionExclusive``) switch the others off, and the others switch them off."""

    def build(self, value: Any) -> QWidget:
        box = QWidget(self)
        self.buttons: dict[str, KioskButton] = {}
        options = [(o.code, o.display.get(self.lang), o.exclusive) for o in self.item.options]
        if self.item.type == "boolean":
            options = [("true", t(self.lang, "bool.true"), False), ("false", t(self.lang, "bool.false"), False)]
        short = all(len(label) <= 18 for _, label, _ in options) and len(options) <= 4
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(10)
        columns = len(options) if short else (2 if len(options) > 3 else 1)
        for n, (code, label, _) in enumerate(options):
            button = KioskButton(label, f"opt:{self.item.link_id}:{code}", box, checkable=True)
            button.setProperty("label", label)
            button.clicked.connect(lambda _=False, code=code: self.on_click(code))
            grid.addWidget(button, n // columns, n % columns)
            self.buttons[code] = button
        self.exclusive = {code for code, _, ex in options if ex}
        self.show_value(value)
        return box

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
            button.setText(f"✓  {label}" if code in chosen else label)

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
        self.buttons = {}
        self.exclusive = set()
        lo, hi = self.item.min_value or 0, self.item.max_value or SCALE_MAX
        # a licensed instrument: one statement per value, as a list; else a row of 0-10
        row: QBoxLayout = QVBoxLayout() if self.item.value_labels else QHBoxLayout()
        row.setSpacing(8 if self.item.value_labels else 6)
        for n in range(lo, hi + 1):
            code = str(n)
            label = code
            if self.item.value_labels and n - lo < len(self.item.value_labels):
                label = f"{n}.  {self.item.value_labels[n - lo].get(self.lang)}"
            button = KioskButton(label, f"opt:{self.item.link_id}:{code}", box, checkable=True,
                                 accessible=label if self.item.value_labels else t(self.lang, "scale.value", n=n))
            button.setProperty("label", label)
            button.setMinimumWidth(64)
            button.clicked.connect(lambda _=False, n=n: self.on_scale(n))
            row.addWidget(button)
            self.buttons[code] = button
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
            button.setText(f"✓  {label}" if code == value and self.item.value_labels else label)

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
    """A typed entry (name, number or date) that the on-screen keyboard types into.

    The answer is committed when the patient leaves the field, presses Enter or Done, taps
    Next, or pauses typing for a moment, so at most the answer being typed can be lost.
    """

    keyboard_wanted = Signal(str)

    def build(self, value: Any) -> QWidget:
        box = QWidget(self)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.entry = QLineEdit(box)
        self.entry.setObjectName(f"input:{self.item.link_id}")
        self.entry.setAccessibleName(self.item.text.get(self.lang))
        self.entry.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.entry.setDragEnabled(False)
        if self.item.type == "integer":
            self.layout_name = "digits"
            self.entry.setValidator(QRegularExpressionValidator(r"[0-9]{0,4}", self.entry))
            self.entry.setPlaceholderText(t(self.lang, "entry.number_hint"))
            self.entry.setMaximumWidth(260)
            self.entry.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
            if self.item.max_value is not None and self.item.min_value is not None:
                row.addWidget(self.entry)
                row.addWidget(wrapped_label(f"({self.item.min_value}-{self.item.max_value})", "hint"))
            else:
                row.addWidget(self.entry)
        elif self.item.type == "date":
            self.layout_name = "digits"
            self.entry.setMaxLength(10)
            self.entry.setPlaceholderText("YYYY-MM-DD")
            self.entry.setMaximumWidth(320)
            self.entry.textEdited.connect(self._format_date)
            row.addWidget(self.entry)
            row.addWidget(wrapped_label(t(self.lang, "entry.date_hint"), "hint"))
        else:
            self.layout_name = "letters"
            self.entry.setMaxLength(max(self.item.max_length or 200, 1) + 20)
            self.entry.setPlaceholderText(t(self.lang, "entry.name_hint"))
            row.addWidget(self.entry)
        if value is not None:
            self.entry.setText(str(value))
        self._last = self.entry.text()
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

    def focus_first(self) -> None:
        self.entry.setFocus()

    def commit(self) -> None:
        self._pause.stop()
        text = self.entry.text().strip()
        if text == self._last:
            return
        self._last = text
        if not text:
            self.give(None)
        elif self.item.type == "integer":
            self.give(int(text) if text.isdigit() else text)
        else:
            self.give(text)


class BodyMapWidget(ChoiceWidget):
    """Back and front figures and, beside them, the same areas as a list of buttons."""

    def build(self, value: Any) -> QWidget:
        box = QWidget(self)
        outer = QVBoxLayout(box)
        outer.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        labels = {o.code: o.display.get(self.lang) for o in self.item.options}
        self.back = BodyFigure(BACK, labels, self.theme)
        self.front = BodyFigure(FRONT, labels, self.theme)
        # On the back the patient's left is the viewer's left; on the front, the viewer's right.
        row.addStretch(1)
        row.addWidget(figure_with_caption(t(self.lang, "map.back"), t(self.lang, "map.your_left"),
                                          t(self.lang, "map.your_right"), self.back))
        row.addSpacing(60)
        row.addWidget(figure_with_caption(t(self.lang, "map.front"), t(self.lang, "map.your_right"),
                                          t(self.lang, "map.your_left"), self.front))
        row.addStretch(1)
        outer.addLayout(row)
        self.areas = {**self.back.buttons, **self.front.buttons}
        for code, area in self.areas.items():
            area.clicked.connect(lambda _=False, code=code: self.on_area(code))
        outer.addWidget(wrapped_label(t(self.lang, "map.list"), "hint"))
        grid = QGridLayout()
        grid.setSpacing(8)
        self.buttons = {}
        self.exclusive = set()
        for n, (code, label) in enumerate(labels.items()):
            button = KioskButton(label, f"opt:pain.map:{code}", box, checkable=True)
            button.setProperty("label", label)
            button.clicked.connect(lambda _=False, code=code: self.on_click(code))
            grid.addWidget(button, n // 3, n % 3)
            self.buttons[code] = button
        outer.addLayout(grid)
        self.show_value(value)
        return box

    def show_value(self, value: Any) -> None:
        super().show_value(value)
        chosen = set(value or [])
        for code, area in getattr(self, "areas", {}).items():
            area.setChecked(code in chosen)

    def on_area(self, code: str) -> None:
        chosen = set(self.current())
        chosen.symmetric_difference_update({code})
        ordered = [c for c in self.buttons if c in chosen]
        self.show_value(ordered)
        self.give(ordered or None)


def make_item_widget(item: Item, lang: str, value: Any, theme: Theme) -> ItemWidget:
    if item.body_map:
        return BodyMapWidget(item, lang, value, theme)
    if item.type in ("choice", "boolean"):
        return ChoiceWidget(item, lang, value, theme)
    if item.type == "integer" and item.min_value is not None and item.max_value is not None \
            and item.max_value - item.min_value <= SCALE_MAX:
        return ScaleWidget(item, lang, value, theme)
    return EntryWidget(item, lang, value, theme)
