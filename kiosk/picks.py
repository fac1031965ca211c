"""Quick choices for number and date entries, without Qt.

A patient who has tried physical therapy should tap "12 weeks", not type 1-2 on a keypad. The
quick choices fill the same integer the entry takes (the entry stays for an exact value), and
every rule threshold (6 and 12 weeks, 14 days, 3, 6 and 24 months, 30, 50 and 80 %) is
itself a choice, so a quick answer never lands on the wrong side of a rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.i18n import t
from kiosk.questionnaire import Item

WEEKS = (1, 2, 4, 6, 8, 12, 26, 52)
DAYS = (3, 7, 14, 30, 60, 90, 180, 365)
MONTHS = (1, 2, 3, 6, 9, 12, 18, 24, 36)
PERCENT = tuple(range(0, 101, 10))
COUNTS = tuple(range(7))
# a few values also said the way people say them
ALSO: dict[str, dict[int, tuple[str, float]]] = {"wk": {4: ("mo", 1), 12: ("mo", 3), 26: ("mo", 6), 52: ("y", 1)},
        "d": {7: ("wk", 1), 14: ("wk", 2), 30: ("mo", 1), 60: ("mo", 2), 90: ("mo", 3), 180: ("mo", 6), 365: ("y", 1)},
        "mo": {12: ("y", 1), 18: ("y", 1.5), 24: ("y", 2), 36: ("y", 3)}}


@dataclass(frozen=True)
class Pick:
    value: int
    label: str


def amount(lang: str, unit: str, n: float) -> str:
    """'1 week', '12 weeks', '1 año', '1.5 years' (numbers in the patient's language)."""
    shown = f"{n:g}" if lang == "en" else f"{n:g}".replace(".", ",")
    return t(lang, f"unit.{unit}.{'one' if n == 1 else 'other'}", n=shown)


def _values(item: Item) -> tuple[int, ...]:
    if item.unit == "wk":
        return WEEKS
    if item.unit == "d":
        return DAYS
    if item.unit == "mo":
        return MONTHS
    if item.unit == "%":
        return PERCENT
    if item.max_value is not None and item.max_value <= 20:
        return COUNTS
    return ()


def quick_choices(item: Item, lang: str) -> list[Pick]:
    """The quick choices for an integer item (empty for none), inside its range."""
    lo = item.min_value if item.min_value is not None else 0
    hi = item.max_value if item.max_value is not None else 10**9
    out = []
    for value in _values(item):
        if not lo <= value <= hi:
            continue
        if item.unit == "%":
            label = f"{value} %" if lang == "es" else f"{value}%"
        elif item.unit is None:
            label = str(value)
        else:
            label = amount(lang, item.unit, value)
            also = ALSO.get(item.unit, {}).get(value)
            if also is not None:
                label = f"{label} · {amount(lang, *also)}" if item.unit != "mo" else f"{amount(lang, *also)} · {label}"
        out.append(Pick(value, label))
    return out


def month_names(lang: str) -> list[str]:
    return [t(lang, f"month.{n}") for n in range(1, 13)]


def birth_decades(today: dt.date, oldest: int = 110, youngest: int = 18) -> list[int]:
    """The decades a patient's birth year can be in (newest first: most patients are older)."""
    first = (today.year - oldest) // 10 * 10
    last = (today.year - youngest) // 10 * 10
    return list(range(last, first - 1, -10))


def days_in_month(year: int | None, month: int) -> int:
    if month == 2:
        if year is None:
            return 29
        return 29 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 28
    return 30 if month in (4, 6, 9, 11) else 31


SAID_IN_WORDS = frozenset({"wk", "mo", "d"})  # units the review says as "12 weeks"


def answer_words(item: Item, value: object, lang: str) -> str:
    """An answer as the patient's review shows it: option words, "12 weeks", "60%", a date
    as "January 1, 1962" / "1 de enero de 1962"."""
    if value is None:
        return t(lang, "answer.none")
    if item.type == "boolean":
        return t(lang, "bool.true" if value else "bool.false")
    if item.type == "choice":
        codes = value if isinstance(value, list) else [value]
        words = []
        for code in codes:
            option = item.option(str(code))
            words.append(option.display.get(lang) if option is not None else str(code))
        return ", ".join(words)
    if item.type == "integer" and isinstance(value, int):
        if item.unit == "%":
            return f"{value} %" if lang == "es" else f"{value}%"
        if item.unit in SAID_IN_WORDS:
            return amount(lang, item.unit, value)
    if item.type == "date" and isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value
        return t(lang, "date.long", month=month_names(lang)[day.month - 1], day=day.day, year=day.year)
    return str(value)
