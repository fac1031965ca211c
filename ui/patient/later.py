"""What the welcome screen does not show, built just after it is on the glass.

The question, review, thank-you and front-desk pages, the footer, the notices and the keyboard
took 5-10 ms of the kiosk's start-up (their modules, widgets and style). The welcome
screen goes up without them; ``ui/app.py``'s warm-up builds them right after it is painted,
before anyone can tap Start, and anything that needs one first (a Start tap sooner, a test)
builds them all at once. The window reads them as attributes (``LaterPart``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from .chrome import Footer
    from .dock import KeyboardDock
    from .overlays import Overlays
    from .review import ReviewPage
    from .section import SectionPage
    from .window import KioskWindow

T = TypeVar("T")


class Later(NamedTuple):
    footer: Footer
    section_page: SectionPage
    review_page: ReviewPage
    overlays: Overlays
    dock: KeyboardDock
    done_page: QWidget
    error_page: QWidget


def build(window: KioskWindow) -> Later:
    """The parts in their places (the pages in the window's stack, the footer at its foot, the
    keyboard above the footer), their signals connected up to the window."""
    from .chrome import Footer
    from .dock import KeyboardDock
    from .overlays import Overlays
    from .review import ReviewPage
    from .section import SectionPage

    stack, root = window.stack, window.root
    overlays = Overlays(window, lambda: window.lang, window.idle_countdown_s)
    section, review, footer = SectionPage(), ReviewPage(), Footer(window)
    stack.add_pages(section, review)
    root.addWidget(footer, 0)
    dock = KeyboardDock(window, root, 2, lambda: window.lang, section.reveal_widget, section.name_entries,
                        lambda: footer.next_button)
    for signal, slot in (
            (overlays.sig_action, window._overlay_action), (section.sig_answered, window.on_answered),
            (review.sig_change, window.edit), (footer.sig_back, window.back), (footer.sig_next, window.next),
            (footer.sig_submit, window._ask_submit), (footer.sig_restart, lambda: window._notice("restart"))):
        signal.connect(slot)
    window.on_close.append(dock.shutdown)
    window.on_lift = dock.lifted
    return Later(footer, section, review, overlays, dock, stack.done, stack.error)


class LaterPart(Generic[T]):
    """A window attribute that is one of the later parts (all are built on the first read)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, window: Any, owner: type | None = None) -> T:
        part: T = getattr(window.complete(), self.name)
        return part


class LaterParts:
    """The later parts as the kiosk window's attributes (a mixin of ``KioskWindow``)."""

    footer: LaterPart[Footer] = LaterPart()
    section_page: LaterPart[SectionPage] = LaterPart()
    review_page: LaterPart[ReviewPage] = LaterPart()
    overlays: LaterPart[Overlays] = LaterPart()
    dock: LaterPart[KeyboardDock] = LaterPart()
    done_page: LaterPart[QWidget] = LaterPart()
    error_page: LaterPart[QWidget] = LaterPart()
