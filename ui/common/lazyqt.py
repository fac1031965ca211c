"""Qt's namespace (``Qt.AlignmentFlag`` and the rest) kept off the welcome screen's path.

PySide6 builds every enum of ``Qt`` the first time anything reads ``QtCore.Qt``: 93 Python
enums with 1,195 members, 17-28 ms on Python 3.11, more than the rest of the welcome screen
costs. None of them is needed to draw it. So the modules the welcome screen loads read ``Qt``
only inside functions that run later (``qt()``: an event handler, a page built after
start-up), and set the few enum properties their constructors need by number, through Qt's
own property system (``set_enum``), which turns the number into the enum in C++.

The window reads ``qt()`` once after the welcome screen is painted (``ui/app.py``'s warm-up),
so no patient's first tap waits for it. tests/ui/test_lazyqt.py checks every number below
against PySide6's own enum and that a start-up to the welcome screen never builds ``Qt``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QObject, Qt

# (property, value) pairs, each the number of the enum member named beside it
PLAIN_TEXT = ("textFormat", 0)  # Qt.TextFormat.PlainText
ALIGN_HCENTER = ("alignment", 0x0004)  # Qt.AlignmentFlag.AlignHCenter
NO_HORIZONTAL_SCROLL_BAR = ("horizontalScrollBarPolicy", 1)  # Qt.ScrollBarPolicy.ScrollBarAlwaysOff
ENUMS = {PLAIN_TEXT: "TextFormat.PlainText", ALIGN_HCENTER: "AlignmentFlag.AlignHCenter",
         NO_HORIZONTAL_SCROLL_BAR: "ScrollBarPolicy.ScrollBarAlwaysOff"}


def set_enum(widget: QObject, setting: tuple[str, int]) -> None:
    """``widget``'s enum property set from one of the pairs above (Qt converts the number)."""
    name, value = setting
    if not widget.setProperty(name, value):
        raise ValueError(f"{type(widget).__name__} has no property {name!r}")


def qt() -> type[Qt]:
    """PySide6's ``Qt`` namespace (built on the first call)."""
    from PySide6.QtCore import Qt

    return Qt


def built() -> bool:
    """Whether ``Qt`` has been built in this process yet (tests)."""
    import PySide6.QtCore

    return "Qt" in vars(PySide6.QtCore)
