"""The kiosk window: a coordinator. It keeps the stack of pages, the session and navigation;
the header, footer, pages, notices, keyboard, timers and the staff screen are their own parts
(signals up, method calls down). Pages are rebuilt from the session's answers each time they
are shown, so a language switch, a Change jump or a reset never leaves stale widgets behind."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from kiosk.clock import Clock, MonotonicClock
from kiosk.i18n import LANGUAGES, t

from ..common import ops
from ..common.wipe import wipe_clipboards
from . import later
from .chrome import Header
from .look import Look
from .pages import PageStack
from .shell import KioskShell
from .staffhost import StaffHost
from .timers import Timers

if TYPE_CHECKING:
    from kiosk.flow import Page
    from kiosk.session import IntakeSession


log = logging.getLogger("kiosk.ui")


class KioskWindow(KioskShell, later.LaterParts):
    def __init__(self, make_session: Callable[[str], IntakeSession], *, idle_warn_s: float = 90.0,
                 idle_countdown_s: float = 30.0, done_s: float = 15.0, fullscreen: bool = True,
                 staff_factory: Callable[[], QWidget] | None = None, startup_error: str | None = None,
                 languages: tuple[str, ...] = LANGUAGES, clock: Clock | None = None) -> None:
        super().__init__()
        self.setObjectName("kiosk")
        self.setWindowTitle(t("en", "app.title"))
        self.setAccessibleName(t("en", "app.title"))
        self.make_session = make_session
        self.session: IntakeSession | None = None
        self.fullscreen = fullscreen
        self.look = Look(languages)
        self.languages = self.look.languages
        self.page: Page | None = None
        self._redflag = ""  # the question whose answer raised the notice on screen
        self.return_to_review = False
        self.idle_countdown_s, self.done_s = idle_countdown_s, done_s
        self.timers = Timers(clock or MonotonicClock(), idle_warn_s, self, lang=lambda: self.lang)
        self.idle, self.clock = self.timers.idle, self.timers.clock
        self.staff = StaffHost(self, staff_factory)
        self.header = Header(self.languages, self)
        self.stack = PageStack(self)
        self.welcome = self.stack.welcome
        self.timers.labels = {"done": lambda: self.stack.countdown, "idle": lambda: self.overlays.get("idle").body}
        for signal, slot in (  # signals up from the parts
                (self.timers.sig_idle, self._idle_warning), (self.timers.sig_expired, self._expired),
                (self.staff.sig_closed, self._staff_closed), (self.header.sig_language, self.set_language),
                (self.header.sig_text_size, self.cycle_text_size), (self.header.sig_contrast, self.toggle_contrast),
                (self.header.sig_help, lambda: self._notice("help")), (self.stack.sig_start, self.start),
                (self.stack.sig_staff, self.staff.show), (self.staff.sig_opening, self._staff_opening),
                (self.staff.sig_unavailable, lambda: self._notice("staff")), (self.stack.sig_finish, self.reset)):
            signal.connect(slot)
        self.root = self.column((self.header, 0), (self.stack, 1))
        self._later: later.Later | None = None
        self.on_close.append(self.timers.quiet)
        self.on_input = self.idle.touched
        self.retranslate()
        self.show_startup_error(startup_error) if startup_error else self._show(self.welcome)

    def complete(self) -> later.Later:
        """The parts the welcome screen does not show (``later.py``), built on the first call."""
        if self._later is None:
            self._later = later.build(self)
            self._retranslate_rest()
            self._update_chrome()
        return self._later

    # -- look and language ------------------------------------------------------------------

    lang = property(lambda self: self.look.lang)
    text_size = property(lambda self: self.look.text_size)
    theme_name = property(lambda self: self.look.theme_name)

    def cycle_text_size(self) -> None:
        self.look.next_size()
        self._restyle()

    def toggle_contrast(self) -> None:
        self.look.toggle_contrast()
        self._restyle()

    def set_language(self, lang: str) -> None:
        if lang in LANGUAGES:
            self.look.lang = lang
            if self.session is not None and not self.session.closed:
                self._guard(lambda: self.session.set_language(lang))  # type: ignore[union-attr]
            self._restyle()

    def _restyle(self) -> None:
        self.retranslate()
        where = self.stack.where()
        if where == "section" and self.page is not None:
            self.section_page.commit()
            self.show_section(self.page)
        elif where == "review":
            self.show_review()

    def retranslate(self) -> None:
        """The look and every word on screen, after a change of language, text size or contrast."""
        self.setStyleSheet(self.look.stylesheet())
        self.header.retranslate(self.lang, self.text_size, self.look.high_contrast, self.look.theme)
        self.stack.retranslate(self.lang)
        if self._later is not None:
            self._retranslate_rest()
        self._update_chrome()

    def _retranslate_rest(self) -> None:
        self.footer.retranslate(self.lang, self.return_to_review, self.text_size)
        self.overlays.retranslate()
        self.dock.retranslate()

    def _notice(self, key: str, tone: str = "") -> None:
        self.overlays.open(key, tone)

    # -- navigation -----------------------------------------------------------------------

    def _show(self, widget: QWidget) -> None:
        self.stack.setCurrentWidget(widget)
        self._update_chrome()

    def _update_chrome(self) -> None:
        where = self.stack.where()
        if self._later is not None:  # before, only the welcome screen exists: no footer to hide
            self.footer.show_for(where)
        if self.session is not None and where and (where == "review" or self.page is not None):
            self.header.show_progress(*self.session.step(self.page, self.lang, self.return_to_review))
        else:
            self.header.show_progress("")

    def start(self) -> None:
        self.complete()
        try:
            self.session = self.make_session(self.lang)
        except Exception as exc:  # a broken questionnaire or rule pack: front desk, not a crash
            self.show_startup_error(str(exc))
            return
        if self._guard(self.session.start):
            log.info("intake started: %s", self.session.intake_id)
            self.idle.start()
            self.show_section(self.session.forward())

    def show_section(self, page: Page | None) -> None:
        session = self.session
        if session is None:
            return
        if page is None:
            self.show_review()
            return
        self.page = page
        self.section_page.set_message("")
        self.dock.hide()
        self.section_page.show_items(session.page_title(page, self.lang), (session.q.items[i] for i in page.items),
                                     session.answers, self.lang, self.look.theme, session.today(),
                                     set(session.flow.visible(page, session.answers)))
        self._show(self.section_page)
        self.footer.retranslate(self.lang, self.return_to_review, self.text_size)
        self.section_page.focus_empty_name()

    def next(self) -> None:
        if self.session is None or self.page is None:
            return
        self.section_page.commit()
        problems = self.session.problems_in_words(self.page, self.lang)
        if problems:
            self.section_page.show_problems(problems)
            self.section_page.set_message(t(self.lang, "problem.page"))
        elif self.return_to_review:
            self.show_review()
        else:
            self.show_section(self.session.forward())

    def back(self) -> None:
        if self.session is None:
            return
        self.section_page.commit()
        if self.stack.where() == "review":
            self.show_section(self.session.page)  # the last screen seen before the review
        elif self.return_to_review:
            self.show_review()
        elif self.session.backward() is None:
            self._notice("restart")  # Back on the first page: asks, then a fresh welcome
        else:
            self.show_section(self.session.page)

    def on_answered(self, link_id: str, value: Any) -> None:
        """Call the session once, render what it says."""
        session, result = self.session, []
        if session is None or not self._guard(lambda: result.append(session.respond(link_id, value, self.lang, self.page))):
            return
        answered = result[0]
        self.section_page.show_answer(link_id, answered.problem, answered.visible if self.page is not None else None)
        if answered.red_flag:
            self._redflag = link_id
            self._notice("redflag", answered.red_flag)
        if not self.section_page.has_errors():
            self.section_page.set_message("")
        self._update_chrome()

    # -- review and submit -------------------------------------------------------------------

    def show_review(self) -> None:
        if self.session is None:
            return
        self.return_to_review, self.page = False, None
        self.dock.hide()
        missing = self.session.missing() is not None
        self.review_page.show_rows(self.lang, self.session.flow.review(self.session.answers), missing)
        self._show(self.review_page)
        self.footer.submit_button.setEnabled(not missing)

    def edit(self, link_id: str) -> None:
        if self.session is not None:
            self.return_to_review = True
            self.show_section(self.session.page_for(link_id))
            self.section_page.reveal(link_id, focus=True)

    def _ask_submit(self) -> None:
        if self.session is not None and self.session.missing() is None:
            self._notice("confirm")

    def _overlay_action(self, action: str) -> None:
        if action == "redflag_wrong":
            self.section_page.take_back(self._redflag)
        else:
            {"submit": self._submit, "still_here": self.timers.still_here, "restart": self.reset}[action]()

    def _submit(self) -> None:
        session = self.session  # a rule pack that fails too: the draft stays, staff see the log
        if session is not None and self._guard(session.submit):
            log.info("intake submitted: %s", session.intake_id)
            self.idle.stop()
            self._show(self.done_page)
            self.timers.count("done", self.done_s)

    # -- idle, countdowns and reset ---------------------------------------------------------

    def _idle_warning(self) -> None:
        if self.session is not None and self.stack.where():  # only over a question or the review
            self.overlays.open_alone("idle")
            self.timers.count("idle", self.idle_countdown_s)

    def _expired(self, name: str) -> None:
        """The idle warning's countdown ran out (the intake is abandoned), or the thank-you page's."""
        session = self.session
        if name == "idle" and session is not None:
            self._guard(lambda: session.abandon("idle"))
            log.info("intake abandoned after idle: %s", session.intake_id)
        self.reset()

    def reset(self) -> None:
        """Back to an empty welcome screen: no widget keeps anything of the last patient (the
        idle time-out, Start over, Finish and the staff lock all come here)."""
        self.timers.quiet()
        if self.session is not None and not self.session.closed:
            self._guard(lambda: self.session.abandon("reset"))  # type: ignore[union-attr]
        self.session, self.page, self.return_to_review = None, None, False
        self.stack.clear_pages()
        self.overlays.hide()
        self.section_page.set_message("")
        wipe_clipboards()  # the clipboard and the X11 selection a middle click would paste
        self.look.reset()
        self.dock.hide()
        self.retranslate()
        self._show(self.welcome)

    # -- errors, staff, keyboard -------------------------------------------------------------

    def _guard(self, action: Callable[[], Any]) -> bool:
        """Run a storage action; on failure show the calm front-desk message (never a traceback)."""
        return ops.run(action, lambda _exc: self._notice("error"), "kiosk")

    def show_startup_error(self, message: str) -> None:
        log.error("kiosk cannot start: %s", message)
        self._show(self.error_page)

    def _staff_opening(self) -> None:
        self.timers.quiet()
        self.overlays.hide()
        self.dock.enabled = False  # the staff screen has its own keyboard

    def _staff_closed(self) -> None:
        self.dock.enabled = True
        self.reset()
