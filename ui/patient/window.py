"""The kiosk window: a coordinator. It keeps the stack of pages, the session and navigation;
the header, footer, pages, overlays and keyboard are their own widgets (signals up, method
calls down). Pages are rebuilt from the session's answers each time they are shown, so a
language switch, a Change jump or a reset never leaves stale widgets behind."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QLayout, QLineEdit, QStackedWidget, QVBoxLayout, QWidget

from kiosk.clock import Clock, Countdown, MonotonicClock
from kiosk.i18n import LANGUAGES, problem_text, t

from ..common import ops
from ..common.idle import IdleWatcher
from ..common.wipe import wipe_clipboards
from ..theme import TEXT_SIZES, THEMES, stylesheet
from .chrome import Footer, Header
from .dock import KeyboardDock
from .overlays import TEXTS, Overlays
from .pages import MessagePage
from .review import ReviewPage
from .section import SectionPage

if TYPE_CHECKING:
    from kiosk.flow import Page
    from kiosk.questionnaire import Item
    from kiosk.session import IntakeSession

log = logging.getLogger("kiosk.ui")


class KioskWindow(QWidget):
    def __init__(self, make_session: Callable[[str], IntakeSession], *, idle_warn_s: float = 90.0,
                 idle_countdown_s: float = 30.0, done_s: float = 15.0, fullscreen: bool = True,
                 staff_factory: Callable[[], QWidget] | None = None, startup_error: str | None = None,
                 languages: tuple[str, ...] = LANGUAGES, clock: Clock | None = None) -> None:
        super().__init__()
        self.setObjectName("kiosk")
        self.make_session, self.session = make_session, None  # type: tuple[Callable[[str], IntakeSession], IntakeSession | None]
        self.fullscreen, self.allow_close = fullscreen, False
        self.staff_factory, self.staff_view = staff_factory, None  # type: tuple[Callable[[], QWidget] | None, QWidget | None]
        self.languages = tuple(code for code in LANGUAGES if code in languages) or LANGUAGES
        self.lang, self.text_size, self.theme_name = self.languages[0], "normal", "standard"
        self.page: Page | None = None
        self.return_to_review = False
        self.idle_countdown_s, self.done_s = idle_countdown_s, done_s
        self.setWindowTitle(t("en", "app.title"))
        self.setAccessibleName(t("en", "app.title"))
        self.clock: Clock = clock or MonotonicClock()
        self.idle = IdleWatcher(idle_warn_s, self._idle_warning, self, self.clock)
        QApplication.instance().installEventFilter(self.idle)  # type: ignore[union-attr]
        QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]
        # the idle and thank-you countdowns: a deadline on the clock, shown 4 times a second
        self.deadline, self.countdown, self._counting = Countdown(self.clock, 0), QTimer(self), ""
        self.countdown.setInterval(250)
        self.countdown.timeout.connect(self._tick)
        self.clock.subscribe(self._tick)
        self.destroyed.connect(lambda *_: self.clock.unsubscribe(self._tick))

        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        root.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # the window is the screen, never more
        self.header = Header(self.languages, self)
        self.header.sig_language.connect(self.set_language)
        self.header.sig_text_size.connect(self.cycle_text_size)
        self.header.sig_contrast.connect(self.toggle_contrast)
        self.header.sig_help.connect(lambda: self._notice("help"))
        self.stack = QStackedWidget(self)
        self.welcome = MessagePage("page:welcome")
        for name, role in (("nav:start", "hero"),):
            self.welcome.add_button(name, role)
        self.welcome.add_label("welcome:privacy", "privacy")
        self.welcome.end(corner="staff:enter")
        self.welcome.sig_action.connect(lambda name: self.start() if name == "nav:start" else self._staff())
        self.section_page, self.review_page = SectionPage(), ReviewPage()
        self.section_page.sig_answered.connect(self.on_answered)
        self.review_page.sig_change.connect(self.edit)
        self.done_page = MessagePage("page:done")
        self.done_count = self.done_page.add_label("done:countdown", "hint")
        self.done_page.add_button("done:finish", "primary")
        self.done_page.end()
        self.done_page.sig_action.connect(lambda _name: self.reset())
        self.error_page = MessagePage("page:error")
        self.error_page.end()
        for w in (self.welcome, self.section_page, self.review_page, self.done_page, self.error_page):
            self.stack.addWidget(w)
        self.footer = Footer(self)
        self.footer.sig_back.connect(self.back)
        self.footer.sig_next.connect(self.next)
        self.footer.sig_submit.connect(self._ask_submit)
        self.overlays = Overlays(self, self._overlay_texts)
        self.footer.sig_restart.connect(lambda: self._notice("restart"))
        root.addWidget(self.header)
        root.addWidget(self.stack, 1)
        root.addWidget(self.footer)
        self.dock = KeyboardDock(self, root, 2, lambda: self.lang, self.section_page.reveal_widget, self._keyboard_done)
        self.overlays.sig_action.connect(self._overlay_action)
        self.apply_style()
        self.retranslate()
        if startup_error:
            self.show_startup_error(startup_error)
        else:
            self.go_welcome()

    # -- look and language ------------------------------------------------------------------

    def apply_style(self) -> None:
        self.setStyleSheet(stylesheet(THEMES[self.theme_name], self.text_size))

    def cycle_text_size(self) -> None:
        sizes = list(TEXT_SIZES)
        self.text_size = sizes[(sizes.index(self.text_size) + 1) % len(sizes)]
        self.apply_style()
        self.retranslate()
        self._rebuild_current()

    def toggle_contrast(self) -> None:
        self.theme_name = "standard" if self.theme_name == "high-contrast" else "high-contrast"
        self.apply_style()
        self.retranslate()
        self._rebuild_current()

    def set_language(self, lang: str) -> None:
        if lang not in LANGUAGES:
            return
        self.lang = lang
        if self.session is not None and not self.session.closed:
            self._guard(lambda: self.session.set_language(lang))  # type: ignore[union-attr]
        self.retranslate()
        self._rebuild_current()

    def retranslate(self) -> None:
        lang = self.lang
        self.header.retranslate(lang, self.text_size, self.theme_name == "high-contrast")
        self.welcome.set_texts(lang, "welcome.title", "welcome.body", nav_start="welcome.start", staff_enter="staff.enter")
        self.welcome.findChild(QWidget, "welcome:privacy").setText(t(lang, "welcome.privacy"))  # type: ignore[union-attr]
        self.done_page.set_texts(lang, "done.title", "done.body", done_finish="done.finish")
        self.error_page.set_texts(lang, "error.title", "error.body")
        self.footer.retranslate(lang, self.return_to_review)
        self.overlays.retranslate()
        self.dock.retranslate()
        self._update_chrome()

    def _overlay_texts(self, key: str) -> tuple[str, ...]:
        return tuple(t(self.lang, k, n=math.ceil(self.idle_countdown_s)) for k in TEXTS[key])

    # -- navigation -----------------------------------------------------------------------

    def _show(self, widget: QWidget) -> None:
        self.stack.setCurrentWidget(widget)
        self._update_chrome()

    def _update_chrome(self) -> None:
        current = self.stack.currentWidget()
        where = "section" if current is self.section_page else "review" if current is self.review_page else ""
        self.footer.show_for(where)
        session = self.session
        if session is None or not where:
            self.header.show_progress("")
        elif where == "review":
            self.header.show_progress(t(self.lang, "step.review"), 1, 1)
        elif self.return_to_review and self.page is not None:
            self.header.show_progress(session.q.items[self.page.section].text.get(self.lang))
        elif self.page is not None:
            n, total = session.progress()
            section = session.q.items[self.page.section].text.get(self.lang)
            self.header.show_progress(t(self.lang, "step", n=n, total=total, section=section), n, total + 1)

    def go_welcome(self) -> None:
        self.page = None
        self._show(self.welcome)
        self.idle.stop()

    def start(self) -> None:
        try:
            self.session = self.make_session(self.lang)
        except Exception as exc:  # a broken questionnaire or rule pack: front desk, not a crash
            self.show_startup_error(str(exc))
            return
        if not self._guard(self.session.start):
            return
        log.info("intake started: %s", self.session.intake_id)
        self.idle.start()
        self.show_section(self.session.forward())

    def show_section(self, page: Page | None) -> None:
        if self.session is None:
            return
        if page is None:
            self.show_review()
            return
        self.page = page
        self.footer.set_message("")
        self.dock.hide()
        q = self.session.q
        title = q.items[page.section].text.get(self.lang) if self.session.flow.starts_section(page, self.session.answers) else ""
        self.section_page.show_items(title, (q.items[i] for i in page.items),
                                     self.session.answers, self.lang, THEMES[self.theme_name], self.session.today())
        self.section_page.show_only(set(self.session.flow.visible(page, self.session.answers)))
        self._show(self.section_page)
        self.footer.retranslate(self.lang, self.return_to_review)
        first = next((e for e in self.section_page.name_entries() if not e.text()), None)
        if first is not None:  # the name page opens with the keyboard ready: no tap to find the field
            QTimer.singleShot(0, first, first.setFocus)

    def next(self) -> None:
        if self.session is None or self.page is None:
            return
        self.section_page.commit()
        problems = self.session.page_problems(self.page)
        if problems:
            for link_id, problem in problems.items():
                self.section_page.set_error(link_id, problem_text(self.lang, problem.code, dict(problem.params or {})))
            self.footer.set_message(t(self.lang, "problem.page"))
            self.section_page.reveal(next(iter(problems)), focus=True)
            return
        if self.return_to_review:
            self.show_review()
        else:
            self.show_section(self.session.forward())

    def back(self) -> None:
        if self.session is None:
            return
        self.section_page.commit()
        if self.stack.currentWidget() is self.review_page:
            self.show_section(self.session.last_page())
        elif self.return_to_review:
            self.show_review()
        elif self.session.backward() is None:
            self.overlays.open("restart")  # Back on the first page: asks, then a fresh welcome
        else:
            self.show_section(self.session.page)

    def on_answered(self, link_id: str, value: Any) -> None:
        if self.session is None:
            return
        result: list[Any] = []
        if not self._guard(lambda: result.append(self.session.answer(link_id, value))):  # type: ignore[union-attr]
            return
        problem = result[0]
        self.section_page.set_error(link_id, problem_text(self.lang, problem.code, dict(problem.params or {}))
                                    if problem else None)
        if not problem and self.session.is_red_flag(link_id, value):
            self._redflag = link_id
            self.overlays.open("redflag", self.session.q.items[link_id].red_flag_tone)
        if self.page is not None:
            appeared = self.section_page.show_only(set(self.session.flow.visible(self.page, self.session.answers)))
            if appeared:
                self.section_page.reveal(appeared[-1])  # a follow-up question: bring it into view
        if not self.section_page.has_errors():
            self.footer.set_message("")
        self._update_chrome()

    # -- review and submit -------------------------------------------------------------------

    def show_review(self) -> None:
        if self.session is None:
            return
        self.return_to_review, self.page = False, None
        self.dock.hide()
        missing = self.session.missing() is not None
        self.review_page.show_rows(self.lang, self.session.flow.review(self.session.answers), missing, self.answer_text)
        self._show(self.review_page)
        self.footer.submit_button.setEnabled(not missing)

    def answer_text(self, item: Item, value: Any) -> str:
        from kiosk.picks import answer_words

        return answer_words(item, value, self.lang)

    def edit(self, link_id: str) -> None:
        if self.session is None:
            return
        self.return_to_review = True
        self.show_section(self.session.page_for(link_id))
        self.section_page.reveal(link_id, focus=True)

    def _ask_submit(self) -> None:
        if self.session is not None and self.session.missing() is None:
            self.overlays.open("confirm")

    def _overlay_action(self, action: str) -> None:
        {"submit": self._submit, "still_here": self._still_here, "restart": self.reset,
         "redflag_ok": lambda: self.overlays.hide("redflag"), "redflag_wrong": self._redflag_wrong}[action]()

    def _redflag_wrong(self) -> None:
        """"I tapped the wrong answer": the answer is taken back and the question is in front."""
        self.overlays.hide("redflag")
        link_id = getattr(self, "_redflag", None)
        if self.session is not None and link_id in self.section_page.widgets:
            self.on_answered(link_id, None)
            widget = self.section_page.widgets[link_id]
            widget.show_value(None)  # type: ignore[attr-defined]
            self.section_page.reveal(link_id, focus=True)

    def _submit(self) -> None:
        self.overlays.hide("confirm")
        if self.session is None:
            return
        session = self.session
        from kiosk.rules import RulePackError  # loaded already by then; kept off the start-up path

        try:
            if not self._guard(session.submit):
                return
        except RulePackError as exc:  # the clinic's rule pack fails: the draft stays, staff see the log
            log.error("submit failed, rule pack problem: %s", exc)
            self.overlays.open("error")
            return
        log.info("intake submitted: %s", session.intake_id)
        self.idle.stop()
        self._show(self.done_page)
        self._counting = "done"
        self._tick_start(self.done_s)

    # -- idle, countdowns and reset ---------------------------------------------------------

    def _tick_start(self, seconds: float) -> None:
        self.deadline.start(seconds)
        self.countdown.start()
        self._tick()

    def _stop_countdown(self) -> None:
        self.countdown.stop()
        self.deadline.stop()

    def _tick(self) -> None:
        if not self.deadline.running:
            return
        seconds = self.deadline.shown()
        if self._counting == "done":
            self.done_count.setText(t(self.lang, "done.countdown", n=seconds))
        else:
            self.overlays.get("idle").body.setText(t(self.lang, "idle.body", n=seconds))
        if self.deadline.expired():
            self._stop_countdown()
            self._expire() if self._counting == "idle" else self.reset()

    def _idle_warning(self) -> None:
        if self.session is None or self.stack.currentWidget() not in (self.section_page, self.review_page):
            return
        self._counting = "idle"
        self.overlays.hide("redflag", "confirm", "help", "restart")
        self.overlays.open("idle")
        self._tick_start(self.idle_countdown_s)

    def _still_here(self) -> None:
        self._stop_countdown()
        self.overlays.hide("idle")
        self.idle.start()

    def _expire(self) -> None:
        self.overlays.hide("idle")
        if self.session is not None:
            session = self.session
            self._guard(lambda: session.abandon("idle"))
            log.info("intake abandoned after idle: %s", session.intake_id)
        self.reset()

    def recover(self) -> None:
        """After an unexpected error: a fresh welcome screen (the draft stays for staff); if even
        that fails, the calm front-desk page."""
        try:
            self.reset()
        except Exception:
            log.error("reset after an unexpected error failed; showing the front-desk page")
            self.show_startup_error("The kiosk met an unexpected problem.")
            raise

    def reset(self) -> None:
        """Back to an empty welcome screen: no widget keeps anything of the last patient (the
        idle time-out, Start over, Finish and the staff lock all come here)."""
        self._stop_countdown()
        self.idle.stop()
        if self.session is not None and not self.session.closed:
            self._guard(lambda: self.session.abandon("reset"))  # type: ignore[union-attr]
        self.session, self.page, self.return_to_review = None, None, False
        self.section_page.clear()
        self.review_page.clear()
        self.overlays.hide()
        self.footer.set_message("")
        self.done_count.setText("")
        wipe_clipboards()  # the clipboard and the X11 selection a middle click would paste
        self.lang, self.text_size, self.theme_name = self.languages[0], "normal", "standard"
        self.apply_style()
        self.retranslate()
        self.dock.hide()
        self.go_welcome()

    def _rebuild_current(self) -> None:
        current = self.stack.currentWidget()
        if current is self.section_page and self.page is not None:
            self.section_page.commit()
            self.show_section(self.page)
        elif current is self.review_page:
            self.show_review()
        else:
            self._update_chrome()

    # -- errors, staff ----------------------------------------------------------------------

    def _guard(self, action: Callable[[], Any]) -> bool:
        """Run a storage action; on failure show the calm front-desk message (never a traceback)."""
        return ops.run(action, lambda _exc: self._notice("error"), "kiosk")

    def _notice(self, key: str) -> None:
        self.overlays.open(key)

    def show_startup_error(self, message: str) -> None:
        log.error("kiosk cannot start: %s", message)
        self._show(self.error_page)

    def _staff(self) -> None:
        """The staff station over the whole kiosk (the entry is on the welcome screen only, so
        no patient is interrupted). Locking it, by hand or after the staff idle time, removes
        it and leaves a fresh welcome screen."""
        if self.staff_factory is None:
            self.overlays.open("staff")
            return
        if self.staff_view is not None:
            return
        self.idle.stop()
        self._stop_countdown()
        self.overlays.hide()
        self.dock.hide()
        self.dock.enabled = False  # the staff screen has its own keyboard
        view = self.staff_view = self.staff_factory()
        view.setParent(self)
        view.setGeometry(self.rect())
        view.show()
        view.raise_()
        view.locked.connect(self._staff_closed)  # type: ignore[attr-defined]

    def _staff_closed(self, why: str = "manual") -> None:
        view, self.staff_view = self.staff_view, None
        self.dock.enabled = True
        if view is not None:
            view.hide()
            view.shutdown()  # type: ignore[attr-defined]
            view.setParent(None)  # out of the kiosk's tree at once, freed on the next loop turn
            view.deleteLater()
        log.info("staff screen closed (%s)", why)
        self.reset()

    def _keyboard_done(self) -> None:
        """Done on the keyboard: on to the next empty entry of the page, else close it."""
        focused = QApplication.focusWidget()
        entries = self.section_page.name_entries()
        later = entries[entries.index(focused) + 1:] if isinstance(focused, QLineEdit) and focused in entries else []
        following = next((e for e in later if not e.text()), None)
        if following is not None:
            following.setFocus()
            return
        self.dock.hide()
        if isinstance(focused, QLineEdit) and self.isAncestorOf(focused):
            self.footer.next_button.setFocus()  # Tab order goes on from the page's end

    # -- kiosk behaviour ------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ContextMenu:
            return True  # no context menus anywhere (they leak clipboard and look broken)
        if watched is self and event.type() == QEvent.Type.Resize and self.staff_view is not None:
            self.staff_view.setGeometry(self.rect())
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            event.accept()  # Esc never closes the kiosk
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.allow_close:
            event.ignore()
            return
        self.idle.stop()
        self._stop_countdown()
        self.dock.shutdown()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle)
            app.removeEventFilter(self)
        event.accept()

    def shutdown(self) -> None:
        """Close for real (tests, staff): the open intake stays a draft for the next start."""
        self.allow_close = True
        self.close()

