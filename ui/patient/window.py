"""The kiosk window: a stacked shell driven by ``kiosk.flow`` (not a QWizard, which Esc
would close), with the welcome, section, review and thank-you pages and in-window overlays.

Section and review pages are rebuilt from the session's answers each time they are shown,
so a language switch, an Edit jump or a reset never leaves stale widgets behind.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLineEdit,
    QScrollArea,
    QScroller,
    QScrollerProperties,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.clock import Clock, Countdown, MonotonicClock
from kiosk.i18n import LANGUAGES, problem_text, t

from ..common import ops
from ..common.controls import KioskButton, OnScreenKeyboard, set_role, wrapped_label
from ..common.idle import IdleWatcher
from ..common.wipe import wipe_clipboards
from ..patient.overlays import Overlay
from ..theme import TEXT_SIZES, THEMES, stylesheet

if TYPE_CHECKING:
    from kiosk.questionnaire import Item
    from kiosk.session import IntakeSession

    from ..patient.items import ItemWidget

log = logging.getLogger("kiosk.ui")

class KioskWindow(QWidget):
    def __init__(self, make_session: Callable[[str], IntakeSession], *, idle_warn_s: float = 90.0,
                 idle_countdown_s: float = 30.0, done_s: float = 15.0, fullscreen: bool = True,
                 staff_factory: Callable[[], QWidget] | None = None, startup_error: str | None = None,
                 languages: tuple[str, ...] = LANGUAGES, clock: Clock | None = None) -> None:
        super().__init__()
        self.setObjectName("kiosk")
        self.make_session = make_session
        self.session: IntakeSession | None = None
        self.fullscreen = fullscreen
        self.allow_close = False
        self.staff_factory = staff_factory
        self.staff_view: QWidget | None = None
        self.languages = tuple(code for code in LANGUAGES if code in languages) or LANGUAGES
        self.lang = self.languages[0]
        self.text_size = "normal"
        self.theme_name = "standard"
        self.page: int | None = None
        self.return_to_review = False
        self.item_widgets: dict[str, ItemWidget] = {}
        self.idle_countdown_s = idle_countdown_s
        self.done_s = done_s
        self.setWindowTitle(t("en", "app.title"))
        self.setAccessibleName(t("en", "app.title"))

        self.clock: Clock = clock or MonotonicClock()
        self.idle = IdleWatcher(idle_warn_s, self._idle_warning, self, self.clock)
        QApplication.instance().installEventFilter(self.idle)  # type: ignore[union-attr]
        QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]
        # the idle and thank-you countdowns: a deadline on the clock, shown 4 times a second
        self.deadline = Countdown(self.clock, 0)
        self.countdown = QTimer(self)
        self.countdown.setInterval(250)
        self.countdown.timeout.connect(self._tick)
        self.clock.subscribe(self._tick)
        self.destroyed.connect(lambda *_: self.clock.unsubscribe(self._tick))
        self._counting = ""

        root = self.root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        root.addWidget(self._build_header())
        self.stack = QStackedWidget(self)
        root.addWidget(self.stack, 1)
        self.welcome = self._build_welcome()
        self.section_page = QWidget()
        self.section_page.setObjectName("page:section")
        self.section_layout = QVBoxLayout(self.section_page)
        self.section_layout.setContentsMargins(0, 0, 0, 0)
        self.section_scroll: QScrollArea | None = None  # built with the first page, then kept
        self.review_page = QWidget()
        self.review_page.setObjectName("page:review")
        self.review_layout = QVBoxLayout(self.review_page)
        self.review_layout.setContentsMargins(0, 0, 0, 0)
        self.review_scroll: QScrollArea | None = None
        self.done_page = self._build_done()
        self.error_page = self._build_error_page()
        for w in (self.welcome, self.section_page, self.review_page, self.done_page, self.error_page):
            self.stack.addWidget(w)
        root.addWidget(self._build_footer())
        self._keyboard: OnScreenKeyboard | None = None  # built on first use: start-up stays fast
        QApplication.instance().focusChanged.connect(self._focus_changed)  # type: ignore[union-attr]

        self._overlays: dict[str, Overlay] = {}  # built on first use: start-up stays fast

        self.apply_style()
        self.retranslate()
        if startup_error:
            self.show_startup_error(startup_error)
        else:
            self.go_welcome()

    # -- building ------------------------------------------------------------------------

    def _build_header(self) -> QWidget:
        bar = QWidget(self)
        bar.setObjectName("header")
        lay = QHBoxLayout(bar)
        lay.setContentsMargins(20, 8, 20, 8)
        self.step_label = wrapped_label("", None, bar)  # wraps, so large text never squeezes the buttons
        self.step_label.setObjectName("step")
        set_role(self.step_label, "step")
        lay.addWidget(self.step_label, 1)
        self.lang_buttons = {}
        for code in LANGUAGES:
            button = KioskButton(t(code, f"lang.{code}"), f"lang:{code}", bar, checkable=True)
            button.clicked.connect(lambda _=False, code=code: self.set_language(code))
            lay.addWidget(button)
            self.lang_buttons[code] = button
            button.setVisible(code in self.languages and len(self.languages) > 1)  # the clinic's choice
        self.size_button = KioskButton("A+", "view:text-size", bar, role="quiet")
        self.size_button.clicked.connect(self.cycle_text_size)
        self.contrast_button = KioskButton("", "view:contrast", bar, checkable=True, role="quiet")
        self.contrast_button.clicked.connect(self.toggle_contrast)
        self.help_button = KioskButton("", "nav:help", bar, role="quiet")
        self.help_button.clicked.connect(self._open_help)
        for w in (self.size_button, self.contrast_button, self.help_button):
            lay.addWidget(w)
        return bar

    def _build_welcome(self) -> QWidget:
        page = QWidget()
        page.setObjectName("page:welcome")
        lay = QVBoxLayout(page)
        lay.setContentsMargins(80, 30, 80, 20)
        lay.setSpacing(24)
        lay.addStretch(1)
        self.welcome_title = wrapped_label("", "title", page)
        self.welcome_title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.welcome_body = wrapped_label("", None, page)
        self.welcome_body.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.start_button = KioskButton("", "nav:start", page, role="hero")
        self.start_button.clicked.connect(self.start)
        self.privacy = wrapped_label("", "privacy", page)
        self.privacy.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(self.welcome_title)
        lay.addWidget(self.welcome_body)
        lay.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(self.privacy)
        lay.addStretch(1)
        corner = QHBoxLayout()
        self.staff_button = KioskButton("", "staff:enter", page, role="quiet")
        self.staff_button.setFixedSize(120, 56)
        self.staff_button.clicked.connect(self._staff)
        corner.addWidget(self.staff_button)
        corner.addStretch(1)
        lay.addLayout(corner)
        return page

    def _build_done(self) -> QWidget:
        page = QWidget()
        page.setObjectName("page:done")
        lay = QVBoxLayout(page)
        lay.setContentsMargins(80, 40, 80, 40)
        lay.setSpacing(24)
        lay.addStretch(1)
        self.done_title = wrapped_label("", "title", page)
        self.done_body = wrapped_label("", None, page)
        self.done_count = wrapped_label("", "hint", page)
        self.done_count.setObjectName("done:countdown")
        self.finish_button = KioskButton("", "done:finish", page, role="primary")
        self.finish_button.clicked.connect(self.reset)
        for w in (self.done_title, self.done_body, self.done_count):
            w.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            lay.addWidget(w)
        lay.addWidget(self.finish_button, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(1)
        return page

    def _build_error_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("page:error")
        lay = QVBoxLayout(page)
        lay.setContentsMargins(80, 40, 80, 40)
        lay.addStretch(1)
        self.error_title = wrapped_label("", "title", page)
        self.error_body = wrapped_label("", None, page)
        for w in (self.error_title, self.error_body):
            w.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            lay.addWidget(w)
        lay.addStretch(1)
        return page

    def _build_footer(self) -> QWidget:
        bar = QWidget(self)
        bar.setObjectName("footer")
        lay = QHBoxLayout(bar)
        lay.setContentsMargins(20, 10, 20, 14)
        self.back_button = KioskButton("", "nav:back", bar)
        self.back_button.setMinimumSize(200, 76)
        self.back_button.clicked.connect(self.back)
        self.page_message = wrapped_label("", "error", bar)
        self.page_message.setObjectName("page:message")
        self.page_message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_button = KioskButton("", "nav:next", bar, role="primary")
        self.next_button.setMinimumSize(240, 76)
        self.next_button.clicked.connect(self.next)
        self.submit_button = KioskButton("", "nav:submit", bar, role="primary")
        self.submit_button.setMinimumSize(280, 76)
        self.submit_button.clicked.connect(self._ask_submit)
        lay.addWidget(self.back_button)
        lay.addWidget(self.page_message, 1)
        lay.addWidget(self.next_button)
        lay.addWidget(self.submit_button)
        self.footer = bar
        return bar

    # -- look and language ------------------------------------------------------------------

    @property
    def theme(self):  # type: ignore[no-untyped-def]
        return THEMES[self.theme_name]

    def apply_style(self) -> None:
        self.setStyleSheet(stylesheet(self.theme, self.text_size))

    def cycle_text_size(self) -> None:
        sizes = list(TEXT_SIZES)
        self.text_size = sizes[(sizes.index(self.text_size) + 1) % len(sizes)]
        self.apply_style()
        self.retranslate()

    def toggle_contrast(self) -> None:
        self.theme_name = "standard" if self.theme_name == "high-contrast" else "high-contrast"
        self.apply_style()
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
        for code, button in self.lang_buttons.items():
            button.setChecked(code == lang)
        nxt = {"normal": "large", "large": "largest", "largest": "normal"}[self.text_size]
        self.size_button.setText(t(lang, f"text.{nxt}"))
        self.size_button.setAccessibleName(t(lang, "text.size"))
        self.contrast_button.setText("◐")
        self.contrast_button.setAccessibleName(t(lang, "contrast"))
        self.contrast_button.setChecked(self.theme_name == "high-contrast")
        self.help_button.setText(t(lang, "nav.help"))
        self.help_button.setAccessibleName(t(lang, "nav.help"))
        self.welcome_title.setText(t(lang, "welcome.title"))
        self.welcome_body.setText(t(lang, "welcome.body"))
        self.start_button.setText(t(lang, "welcome.start"))
        self.start_button.setAccessibleName(t(lang, "welcome.start"))
        self.privacy.setText(t(lang, "welcome.privacy"))
        self.staff_button.setText(t(lang, "staff.enter"))
        self.staff_button.setAccessibleName(t(lang, "staff.enter"))
        self.back_button.setText(t(lang, "nav.back"))
        self.back_button.setAccessibleName(t(lang, "nav.back"))
        self.retranslate_nav()
        self.submit_button.setText(t(lang, "nav.submit"))
        self.submit_button.setAccessibleName(t(lang, "nav.submit"))
        self.done_title.setText(t(lang, "done.title"))
        self.done_body.setText(t(lang, "done.body"))
        self.finish_button.setText(t(lang, "done.finish"))
        self.finish_button.setAccessibleName(t(lang, "done.finish"))
        self.error_title.setText(t(lang, "error.title"))
        for key, overlay in self._overlays.items():
            overlay.set_texts(*self._overlay_texts(key))
        old = self._keyboard
        if old is not None and old.lang != lang:
            self._keyboard = None
            self.keyboard.setVisible(old.isVisible())
            self.keyboard.show_layout(old.layout_name)
            old.hide()
            old.setParent(None)
            old.deleteLater()
        self._update_chrome()

    # -- overlays, built on first use --------------------------------------------------------

    def _overlay_specs(self) -> dict[str, tuple[str, list[tuple[str, str | None, Callable[[], None]]]]]:
        return {
            "redflag": ("notice:redflag", [("notice:ok", "primary", self._close_redflag)]),
            "idle": ("idle:warning", [("idle:continue", "primary", self._still_here)]),
            "confirm": ("confirm:submit", [("nav:cancel", None, lambda: self.confirm.hide()),
                                           ("nav:confirm", "primary", self._submit)]),
            "help": ("help", [("help:close", "primary", lambda: self.help.hide())]),
            "error": ("error", [("error:ok", "primary", lambda: self.error.hide())]),
            "staff": ("staff:notice", [("staff:close", "primary", lambda: self.staff_notice.hide())]),
        }

    def _overlay_texts(self, key: str) -> tuple[str, ...]:
        lang = self.lang
        return {
            "redflag": (t(lang, "redflag.title"), t(lang, "redflag.body"), t(lang, "redflag.ok")),
            "idle": (t(lang, "idle.title"), t(lang, "idle.body", n=math.ceil(self.idle_countdown_s)),
                     t(lang, "idle.continue")),
            "confirm": (t(lang, "confirm.title"), t(lang, "confirm.body"), t(lang, "nav.cancel"), t(lang, "nav.confirm")),
            "help": (t(lang, "help.title"), t(lang, "help.body"), t(lang, "help.close")),
            "error": (t(lang, "error.title"), t(lang, "error.body"), t(lang, "error.ok")),
            "staff": (t(lang, "staff.enter"), t(lang, "staff.not_setup"), t(lang, "help.close")),
        }[key]

    def _overlay(self, key: str) -> Overlay:
        if key not in self._overlays:
            name, buttons = self._overlay_specs()[key]
            overlay = Overlay(name, self)
            for button_name, role, slot in buttons:
                overlay.add_button(button_name, role).clicked.connect(slot)
            overlay.set_texts(*self._overlay_texts(key))
            self._overlays[key] = overlay
        return self._overlays[key]

    redflag = property(lambda self: self._overlay("redflag"))
    idle_overlay = property(lambda self: self._overlay("idle"))
    confirm = property(lambda self: self._overlay("confirm"))
    help = property(lambda self: self._overlay("help"))
    error = property(lambda self: self._overlay("error"))
    staff_notice = property(lambda self: self._overlay("staff"))

    def _hide_overlays(self, *keys: str) -> None:
        for key in keys or tuple(self._overlays):
            if key in self._overlays:
                self._overlays[key].hide()

    @property
    def keyboard(self) -> OnScreenKeyboard:
        if self._keyboard is None:
            self._keyboard = OnScreenKeyboard(self.lang, self)
            self._keyboard.done.connect(self._keyboard_done)
            self._keyboard.hide()
            self.root.addWidget(self._keyboard)
        return self._keyboard

    # -- navigation -----------------------------------------------------------------------

    def _show(self, widget: QWidget) -> None:
        self.stack.setCurrentWidget(widget)
        self._update_chrome()

    def _update_chrome(self) -> None:
        current = self.stack.currentWidget()
        in_section = current is self.section_page
        on_review = current is self.review_page
        self.footer.setVisible(in_section or on_review)
        self.back_button.setVisible(in_section or on_review)
        self.next_button.setVisible(in_section)
        self.submit_button.setVisible(on_review)
        if self.session is not None and (in_section or on_review):
            flow = self.session.flow
            n = flow.step_of(flow.pages[self.page]) if in_section and self.page is not None else flow.steps
            title = ""
            if in_section and self.page is not None:
                title = " · " + self.session.q.items[flow.pages[self.page].section].text.get(self.lang)
            self.step_label.setText(t(self.lang, "step", n=n, total=flow.steps) + title)
        else:
            self.step_label.setText("")

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
        self.show_section(self.session.flow.next_page(None, self.session.answers))

    def show_section(self, page: int | None) -> None:
        if self.session is None:
            return
        if page is None:
            self.show_review()
            return
        self.page = page
        self.page_message.setText("")
        self._hide_keyboard()
        from ..patient.items import make_item_widget  # page widgets load with the first page

        flow = self.session.flow
        self.item_widgets = {}
        body, lay = self._new_body()
        section = flow.pages[page].section
        title = wrapped_label(self.session.q.items[section].text.get(self.lang), "title", body)
        title.setObjectName("section:title")
        # The body map needs the whole height; the step line above still names the section.
        title.setVisible(not any(self.session.q.items[i].body_map for i in flow.pages[page].items))
        lay.addWidget(title)
        for link_id in flow.pages[page].items:
            item = self.session.q.items[link_id]
            widget = make_item_widget(item, self.lang, self.session.answers.get(link_id), self.theme)
            widget.answered.connect(self.on_answered)
            lay.addWidget(widget)
            self.item_widgets[link_id] = widget
        lay.addStretch(1)
        self.section_scroll = self._put_body(self.section_scroll, self.section_layout, "section:scroll", body)
        self._refresh_visibility()
        self._show(self.section_page)
        self.retranslate_nav()

    def retranslate_nav(self) -> None:
        label = t(self.lang, "nav.to_review") if self.return_to_review else t(self.lang, "nav.next")
        self.next_button.setText(label)
        self.next_button.setAccessibleName(label)

    @staticmethod
    def _new_body() -> tuple[QWidget, QVBoxLayout]:
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(40, 16, 40, 16)
        lay.setSpacing(16)
        return body, lay

    def _put_body(self, scroll: QScrollArea | None, layout: QVBoxLayout, name: str, body: QWidget) -> QScrollArea:
        """Show a freshly built page body in the page's one scroll area, at the top.

        The area and its touch scroller are built once and kept: each ``grabGesture`` call
        registers a new gesture recogniser (and PySide a new enum class for its type), so an
        area per page grew the kiosk's memory with every page a patient turned.
        """
        if scroll is None:
            scroll = self._scroll_area(name)
            layout.addWidget(scroll)
        else:
            QScroller.scroller(scroll.viewport()).stop()  # a flick on the last page does not carry over
        self._drop_body(scroll)
        scroll.setWidget(body)  # shows the whole body now, not on a queued event
        scroll.verticalScrollBar().setValue(0)
        scroll.show()
        return scroll

    @staticmethod
    def _drop_body(scroll: QScrollArea | None) -> None:
        old = scroll.takeWidget() if scroll is not None else None
        if old is not None:
            old.hide()
            old.deleteLater()

    def _scroll_area(self, name: str) -> QScrollArea:
        scroll = QScrollArea()
        scroll.setObjectName(name)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(scroll.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
        scroller = QScroller.scroller(scroll.viewport())
        props = scroller.scrollerProperties()
        # Hand a tap to the button at once; only a real drag scrolls. The default delay
        # swallows quick taps, which older patients' firm, short presses often are.
        props.setScrollMetric(QScrollerProperties.ScrollMetric.MousePressEventDelay, 0)
        props.setScrollMetric(QScrollerProperties.ScrollMetric.DragStartDistance, 0.004)
        scroller.setScrollerProperties(props)
        return scroll

    def _refresh_visibility(self) -> None:
        if self.session is None or self.page is None:
            return
        shown = set(self.session.flow.visible(self.page, self.session.answers))
        for link_id, widget in self.item_widgets.items():
            widget.setVisible(link_id in shown)

    def _commit_entries(self) -> None:
        for widget in list(self.item_widgets.values()):
            if widget.isVisible():
                widget.commit()

    def next(self) -> None:
        if self.session is None or self.page is None:
            return
        self._commit_entries()
        problems = dict(self.session.flow.page_problems(self.page, self.session.answers))
        for link_id, widget in self.item_widgets.items():
            if widget.isVisible() and widget.error.isVisible() and link_id not in problems:
                problems[link_id] = ""  # a typed value that was refused
        if problems:
            for link_id, code in problems.items():
                if code:
                    self.item_widgets[link_id].set_error(problem_text(self.lang, code))
            self.page_message.setText(t(self.lang, "problem.page"))
            first = self.item_widgets[next(iter(problems))]
            first.focus_first()
            if self.section_scroll is not None:
                self.section_scroll.ensureWidgetVisible(first)
            return
        if self.return_to_review:
            self.show_review()
        else:
            self.show_section(self.session.flow.next_page(self.page, self.session.answers))

    def back(self) -> None:
        if self.session is None:
            return
        self._commit_entries()
        if self.stack.currentWidget() is self.review_page:
            self.return_to_review = False
            self.show_section(self.session.flow.previous_page(None, self.session.answers))
            return
        if self.return_to_review:
            self.show_review()
            return
        previous = self.session.flow.previous_page(self.page, self.session.answers)
        if previous is not None:
            self.show_section(previous)

    def on_answered(self, link_id: str, value: Any) -> None:
        if self.session is None:
            return
        result: list[Any] = []
        if not self._guard(lambda: result.append(self.session.answer(link_id, value))):  # type: ignore[union-attr]
            return
        problem = result[0]
        widget = self.item_widgets.get(link_id)
        if widget is not None:
            widget.set_error(problem_text(self.lang, problem.code, dict(problem.params or {})) if problem else None)
        if not problem and self.session.is_red_flag(link_id, value):
            self.redflag.open()
        self._refresh_visibility()
        if not any(w.error.isVisible() for w in self.item_widgets.values() if w.isVisible()):
            self.page_message.setText("")

    # -- review and submit -------------------------------------------------------------------

    def show_review(self) -> None:
        if self.session is None:
            return
        self.return_to_review = False
        self.page = None
        self._hide_keyboard()
        body, lay = self._new_body()
        lay.addWidget(wrapped_label(t(self.lang, "review.title"), "title", body))
        missing_page = self.session.missing()
        intro = t(self.lang, "review.missing") if missing_page is not None else t(self.lang, "review.body")
        lay.addWidget(wrapped_label(intro, "error" if missing_page is not None else "hint", body))
        for section, rows in self.session.flow.review(self.session.answers):
            if not rows:
                continue
            lay.addWidget(wrapped_label(section.text.get(self.lang), "question", body))
            for item, value in rows:
                lay.addWidget(self._review_row(item, value))
        lay.addStretch(1)
        self.review_scroll = self._put_body(self.review_scroll, self.review_layout, "review:scroll", body)
        self._show(self.review_page)
        self.submit_button.setEnabled(missing_page is None)

    def _review_row(self, item: Item, value: Any) -> QWidget:
        row = QWidget()
        row.setObjectName(f"review:{item.link_id}")
        set_role(row, "item")
        lay = QHBoxLayout(row)
        lay.setContentsMargins(12, 4, 4, 4)
        text = QVBoxLayout()
        text.addWidget(wrapped_label(item.text.get(self.lang), "hint", row))
        answer = wrapped_label(self.answer_text(item, value), "error" if value is None else None, row)
        answer.setObjectName(f"answer:{item.link_id}")
        text.addWidget(answer)
        lay.addLayout(text, 1)
        edit = KioskButton(t(self.lang, "nav.edit"), f"edit:{item.link_id}", row,
                           accessible=f"{t(self.lang, 'nav.edit')}: {item.text.get(self.lang)}")
        edit.clicked.connect(lambda _=False, link_id=item.link_id: self.edit(link_id))
        lay.addWidget(edit)
        return row

    def answer_text(self, item: Item, value: Any) -> str:
        if value is None:
            return t(self.lang, "answer.none")
        if item.type == "boolean":
            return t(self.lang, "bool.true" if value else "bool.false")
        if item.type == "choice":
            codes = value if isinstance(value, list) else [value]
            options = [item.option(c) for c in codes]
            return ", ".join(o.display.get(self.lang) if o is not None else c for o, c in zip(options, codes, strict=True))
        return str(value)

    def edit(self, link_id: str) -> None:
        if self.session is None:
            return
        self.return_to_review = True
        self.show_section(self.session.flow.page_of(link_id))
        widget = self.item_widgets.get(link_id)
        if widget is not None:
            widget.focus_first()

    def _ask_submit(self) -> None:
        if self.session is not None and self.session.missing() is None:
            self.confirm.open()

    def _submit(self) -> None:
        self._hide_overlays("confirm")
        if self.session is None:
            return
        session = self.session
        from kiosk.rules import RulePackError  # loaded already by then; kept off the start-up path

        try:
            if not self._guard(session.submit):
                return
        except RulePackError as exc:  # the clinic's rule pack fails: the draft stays, staff see the log
            log.error("submit failed, rule pack problem: %s", exc)
            self.error.open()
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
            self.idle_overlay.body.setText(t(self.lang, "idle.body", n=seconds))
        if self.deadline.expired():
            self._stop_countdown()
            if self._counting == "idle":
                self._expire()
            else:
                self.reset()

    def _idle_warning(self) -> None:
        if self.session is None or self.stack.currentWidget() not in (self.section_page, self.review_page):
            return
        self._counting = "idle"
        self._hide_overlays("redflag", "confirm", "help")
        self.idle_overlay.open()
        self._tick_start(self.idle_countdown_s)

    def _still_here(self) -> None:
        self._stop_countdown()
        self.idle_overlay.hide()
        self.idle.start()

    def _expire(self) -> None:
        self._hide_overlays("idle")
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
        """Back to an empty welcome screen: no widget keeps anything of the last patient."""
        self._stop_countdown()
        self.idle.stop()
        if self.session is not None and not self.session.closed:
            self._guard(lambda: self.session.abandon("reset"))  # type: ignore[union-attr]
        self.session = None
        self.page = None
        self.return_to_review = False
        self.item_widgets = {}
        self._drop_body(self.section_scroll)
        self._drop_body(self.review_scroll)
        self._hide_overlays()
        self.page_message.setText("")
        self.done_count.setText("")
        wipe_clipboards()  # the clipboard and the X11 selection a middle click would paste
        self.lang = self.languages[0]
        self.text_size = "normal"
        self.theme_name = "standard"
        self.apply_style()
        self.retranslate()
        self._hide_keyboard()
        self.go_welcome()

    def _rebuild_current(self) -> None:
        current = self.stack.currentWidget()
        if current is self.section_page and self.page is not None:
            self._commit_entries()
            self.show_section(self.page)
        elif current is self.review_page:
            self.show_review()
        else:
            self._update_chrome()

    # -- errors, help, staff ----------------------------------------------------------------

    def _guard(self, action: Callable[[], Any]) -> bool:
        """Run a storage action; on failure show the calm front-desk message (never a traceback)."""
        return ops.run(action, lambda _exc: self.error.open(), "kiosk")

    def show_startup_error(self, message: str) -> None:
        log.error("kiosk cannot start: %s", message)
        self.error_body.setText(t(self.lang, "error.body"))
        self._show(self.error_page)

    def _open_help(self) -> None:
        self.help.open()

    def _staff(self) -> None:
        """The staff station over the whole kiosk (the entry is on the welcome screen only, so
        no patient is interrupted). Locking it, by hand or after the staff idle time, removes
        it and leaves a fresh welcome screen."""
        if self.staff_factory is None:
            self.staff_notice.open()
            return
        if self.staff_view is not None:
            return
        self.idle.stop()
        self._stop_countdown()
        self._hide_overlays()
        self._hide_keyboard()
        view = self.staff_factory()
        view.setParent(self)
        view.setGeometry(self.rect())
        view.show()
        view.raise_()
        view.locked.connect(self._staff_closed)  # type: ignore[attr-defined]
        self.staff_view = view
        self.installEventFilter(self)

    def _staff_closed(self, why: str = "manual") -> None:
        view, self.staff_view = self.staff_view, None
        if view is not None:
            view.hide()
            view.shutdown()  # type: ignore[attr-defined]
            view.setParent(None)  # out of the kiosk's tree at once, freed on the next loop turn
            view.deleteLater()
        log.info("staff screen closed (%s)", why)
        self.reset()

    def _hide_keyboard(self) -> None:
        if self._keyboard is not None:
            self._keyboard.hide()

    def _keyboard_done(self) -> None:
        self._hide_keyboard()
        focused = QApplication.focusWidget()
        if isinstance(focused, QLineEdit) and self.isAncestorOf(focused):
            self.next_button.setFocus()  # Tab order goes on from the page's end

    def _close_redflag(self) -> None:
        self.redflag.hide()

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if self.staff_view is not None:
            return  # the staff screen has its own keyboard
        if isinstance(new, QLineEdit) and self.isAncestorOf(new):
            from ..patient.items import EntryWidget

            owner = new.parentWidget()
            while owner is not None and not isinstance(owner, EntryWidget):
                owner = owner.parentWidget()
            self.keyboard.show_layout(owner.layout_name if owner is not None else "letters")
            self.keyboard.show()
            current = self.stack.currentWidget()
            scroll = {self.section_page: self.section_scroll, self.review_page: self.review_scroll}.get(current) \
                if current is not None else None
            if scroll is not None:
                # bound to the entry: dropped if the page is torn down first
                QTimer.singleShot(0, new, lambda: scroll.ensureWidgetVisible(new, 20, 60))
        elif new is not None and self.isAncestorOf(new):
            self._hide_keyboard()

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
        if self.allow_close:
            self.idle.stop()
            self._stop_countdown()
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self.idle)
                app.removeEventFilter(self)
            event.accept()
        else:
            event.ignore()

    def shutdown(self) -> None:
        """Close for real (tests, staff): the open intake stays a draft for the next start."""
        self.allow_close = True
        self.close()

