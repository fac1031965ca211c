"""The staff review station: sign-in, queue, intake detail, administration.

It runs as its own window (``python main.py staff``) or inside the kiosk (``staff:enter``),
always on its own signed-in session. After ``staff_lock_s`` without input (a setting, 2
minutes by default) it locks itself: every page is cleared and it goes back to sign-in (or,
inside the kiosk, back to the patient screens). Storage problems are shown as plain messages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk import settings as clinic_settings
from kiosk.clock import Clock
from kiosk.staff import AccountError, Accounts
from kiosk.store import StaffAccount, StaffStore, Store, StoreError

from ..common import ops
from ..common.controls import KioskButton, wrapped_label
from ..common.idle import IdleWatcher
from ..common.keyboard import OnScreenKeyboard
from ..common.wipe import wipe_clipboards, wipe_text
from ..staff.admin import AdminPage
from ..staff.detail import DetailPage
from ..staff.queue import QueuePage
from ..staff.signin import SignInPage
from ..theme import STAFF_BUTTON_PX, STAFF_TEXT_PT, STANDARD, stylesheet

log = logging.getLogger("kiosk.staff")
PIN_IDLE_S = 30

STAFF_STYLE = """
QTableView, QTableWidget, QTextBrowser, QPlainTextEdit, QComboBox, QSpinBox, QCheckBox, QTabBar::tab {
    font-size: 18pt; }
QPushButton { padding: 2px 14px; }
QPushButton[role="pinkey"] { font-size: 26pt; }
QPushButton[pad="true"] { min-height: 64px; }
QHeaderView::section { font-size: 18pt; font-weight: bold; padding: 6px; }
/* selection as palette colours, not an ::item rule, so the queue's urgent rows can keep their
   red when selected (ui.staff.queue.UrgentSelection); white on this blue is 8.6:1 */
QTableView { selection-background-color: #0B4F8A; selection-color: #FFFFFF; }
QComboBox, QSpinBox { min-height: 52px; }
QCheckBox { min-height: 52px; }
QCheckBox::indicator { width: 36px; height: 36px; }
QTabBar::tab { min-height: 48px; padding: 6px 18px; }
QLabel[role="pinfield"] { background: #FFFFFF; border: 3px solid #5B5853; border-radius: 8px; font-size: 28pt;
    padding: 0 12px; }
QLabel[role="pinfield"]:focus { border: 4px solid #B34700; }
QFrame[role="staffbar"] { background: #E4E0D8; border-bottom: 2px solid #5B5853; }
"""


class PageScroll(QScrollArea):
    """A staff page's scroll area: up and down only, the page always as wide as the screen (a row
    wider than a 1024 px screen is fitted as before, never scrolled sideways away from the button
    a nurse needs). It follows the focus: the field a nurse types in stays on screen when it gets
    the focus and when the keyboard opening below makes the area shorter."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)

    def _keep_focus_shown(self) -> None:
        focus = QApplication.focusWidget()
        page = self.widget()
        if focus is not None and page is not None and page.isAncestorOf(focus):
            self.ensureWidgetVisible(focus, 16, 16)

    def _soon(self) -> None:
        """Once the layouts have settled (the keyboard's height, the page's width): the focus's
        place is only known then."""
        QTimer.singleShot(0, self, self._keep_focus_shown)

    def _focus_moved(self, _old: QWidget | None, _new: QWidget | None) -> None:
        self._soon()

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:  # the area's size, or its scroll bar shown or hidden
            page = self.widget()
            if page is not None:
                page.setFixedWidth(self.viewport().width())
            self._soon()
        return super().viewportEvent(event)


class StaffWindow(QWidget):
    """``locked`` is emitted with ``manual`` or ``idle`` each time the station locks."""

    locked = Signal(str)

    def __init__(self, store: StaffStore, load: Callable[[], dict[str, Any]], *, embedded: bool = False,
                 lock_s: float | None = None, export_dir: Path | None = None, owns_store: bool = False,
                 clock: Clock | None = None) -> None:
        super().__init__()
        self.setObjectName("staff")
        self.setWindowTitle("Facet intake kiosk: staff review")
        self.setAccessibleName("Staff review station")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.store = store
        self.load = load
        self.embedded = embedded
        self.owns_store = owns_store
        self.accounts = Accounts(store)
        self.account: StaffAccount | None = None
        self.export_dir = export_dir or store.path.parent / "exports"
        self.intake_id: int | None = None
        seconds = lock_s if lock_s is not None else clinic_settings.current(store)["staff_lock_s"]
        self.watcher = IdleWatcher(seconds, lambda: self.lock("idle"), self, clock)  # the kiosk's own idle filter
        QApplication.instance().installEventFilter(self.watcher)  # type: ignore[union-attr]
        # a PIN typed and left unconfirmed is wiped soon, so nobody later taps OK as that nurse
        self.pin_watcher = IdleWatcher(PIN_IDLE_S, self._pin_idle, self, clock)
        QApplication.instance().installEventFilter(self.pin_watcher)  # type: ignore[union-attr]

        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        root.addWidget(self._build_bar())
        self.stack = QStackedWidget(self)
        root.addWidget(self.stack, 1)
        where = getattr(store, "station_name", None) or ("kiosk" if embedded else "station")  # a central store names its login
        self.signin = SignInPage(self.accounts, where, self, can_cancel=embedded)
        self.signin.signed_in.connect(self._signed_in)
        self.signin.cancelled.connect(lambda: self.lock("manual"))
        self.queue = QueuePage(store, self)
        self.queue.open_intake.connect(self.open_intake)
        self.queue.export_csv.connect(self.export_csv)
        self.detail = DetailPage(self)
        self.detail.back.connect(self.show_queue)
        self.detail.save_review.connect(self.save_review)
        self.detail.export.connect(self.export)
        self.admin = AdminPage(self)
        self.admin.save_settings.connect(self.save_settings)
        self.admin.add_account.connect(self.add_account)
        self.admin.account_action.connect(self.account_action)
        self.admin.verify_audit.connect(self.verify_audit)
        self.admin.purge.connect(self.purge)
        self.admin.retry_delivery.connect(self.retry_delivery)
        self.frames = {page: self._scrolled(page) for page in (self.signin, self.queue, self.detail, self.admin)}
        for frame in self.frames.values():
            self.stack.addWidget(frame)
        self.keyboard = OnScreenKeyboard("en", self)
        self.keyboard.hide()
        # Done: typing is over (on the sign-in page the PIN has its own pad, which the keyboard
        # would cover on a short screen); Keyboard in the bar brings it back
        self.keyboard.done.connect(self.keyboard.hide)
        root.addWidget(self.keyboard)
        self.setStyleSheet(stylesheet(STANDARD, base_pt=STAFF_TEXT_PT, button_px=STAFF_BUTTON_PX) + STAFF_STYLE)

        self._show_signin()

    def showEvent(self, event: QShowEvent) -> None:
        """On the kiosk the station is built before it covers the screen, when a field cannot take
        the focus yet: the name field gets it now, so the keyboard that is open types into it."""
        super().showEvent(event)
        if self.stack.currentWidget() is self.frames[self.signin]:
            self.signin.name.setFocus()

    def _scrolled(self, page: QWidget) -> QWidget:
        """The page in a scroll area: when the on-screen keyboard leaves it less room than it
        needs (a 1024 x 600 kiosk), it scrolls instead of being squashed until its keys overlap,
        and keeps the field being typed in on screen."""
        area = PageScroll(self)
        area.setObjectName(f"{page.objectName()}:scroll")
        area.setWidget(page)
        return area

    def _build_bar(self) -> QWidget:
        bar = QFrame(self)
        bar.setProperty("role", "staffbar")
        lay = QHBoxLayout(bar)
        lay.setContentsMargins(16, 6, 16, 6)
        self.who = QLabel("")
        self.who.setObjectName("staff:who")
        lay.addWidget(self.who, 1)
        self.status = wrapped_label("", "error")
        self.status.setObjectName("staff:status")
        lay.addWidget(self.status, 2)
        self.bar_buttons = {}
        for name, label, slot in (("staff:keyboard", "Keyboard", self.toggle_keyboard),
                                  ("staff:queue", "Queue", self.show_queue),
                                  ("staff:admin", "Admin", self.show_admin),
                                  ("staff:lock", "Lock", lambda: self.lock("manual"))):
            button = KioskButton(label, name, bar, accessible={"staff:lock": "Lock the staff screen",
                                                               "staff:keyboard": "Show or hide the on-screen keyboard"}
                                 .get(name, label))
            button.clicked.connect(slot)
            lay.addWidget(button)
            self.bar_buttons[name] = button
        return bar

    # -- sign-in and lock -------------------------------------------------------------------

    def _show_signin(self) -> None:
        self.who.setText("Signed out")
        for name, button in self.bar_buttons.items():
            button.setVisible(name == "staff:keyboard")
        self.signin.reset()
        self.stack.setCurrentWidget(self.frames[self.signin])
        self.keyboard.setVisible(self.embedded)  # on the kiosk there is no keyboard but ours
        self.signin.name.setFocus()
        # the sign-in page times out too: on the kiosk it goes back to the patients' welcome
        # screen, wiped (one tap on Staff must not take the kiosk out of service)
        self.watcher.start()
        self.pin_watcher.start()

    def _pin_idle(self) -> None:
        if self.account is None:
            self.signin.reset()
            self.signin.message.setText(f"Cleared after {PIN_IDLE_S} seconds without a touch. Start again.")
            self.pin_watcher.start()

    def _signed_in(self, account: StaffAccount) -> None:
        self.account = account
        log.info("staff signed in: staff:%s", account.id)
        self.who.setText(f"Signed in: {account.name} ({account.role})")
        self.bar_buttons["staff:queue"].show()
        self.bar_buttons["staff:lock"].show()
        self.bar_buttons["staff:admin"].setVisible(account.role == "admin")
        self.pin_watcher.stop()
        self.watcher.start()
        self.keyboard.hide()
        self.show_queue()

    def lock(self, why: str = "manual") -> None:
        """Clear every page and go back to sign-in. Inside the kiosk the owner then removes us."""
        if self.account is not None:
            self._guard(lambda: self.store.audit(self.actor, "staff.lock", self.actor, {"why": why}))
        self.watcher.stop()
        self.pin_watcher.stop()
        self.account = None
        self.intake_id = None
        self.queue.stop()
        self.detail.clear()
        self.admin.clear()
        self.status.setText("")
        wipe_clipboards()  # report text copied or selected stays on no clipboard
        self._show_signin()
        self.locked.emit(why)

    @property
    def actor(self) -> str:
        return f"staff:{self.account.id}" if self.account else "unknown"

    def _guard(self, action: Callable[[], Any]) -> bool:
        if ops.run(action, self._failed, "staff station"):
            self.status.setText("")
            return True
        return False

    def _failed(self, exc: ops.Failure) -> None:
        if isinstance(exc, StoreError):
            self.status.setText(str(exc))
        else:
            self.status.setText(f"The clinic's questionnaire or rule pack cannot be used: {exc}")

    # -- pages ------------------------------------------------------------------------------

    def show_queue(self) -> None:
        if self.account is None:
            return
        self.detail.clear()
        self.intake_id = None
        self.stack.setCurrentWidget(self.frames[self.queue])
        self._guard(self.queue.start)
        # the queue names a red flag of an unsubmitted intake with the rule pack's staff words; a
        # broken pack must not hide the queue, so this comes after it and only adds a message
        self._guard(self._name_questions)

    def _name_questions(self) -> None:
        self.queue.model.name_of = self.load()["pack"].wording.label

    def open_intake(self, intake_id: int) -> None:
        if self.account is None:
            return

        def run() -> None:
            self._load_report(intake_id)
            self.store.audit(self.actor, "intake.view", f"intake:{intake_id}", None)
        self.detail.clear()
        if self._guard(run):
            self.intake_id = intake_id
            self.queue.poll.stop()
            self.stack.setCurrentWidget(self.frames[self.detail])
            self.detail.browser.setFocus()

    def _load_report(self, intake_id: int) -> None:
        from kiosk.review import build_report

        parts = self.load()
        mode = clinic_settings.current(self.store)["rule_mode"]
        self.detail.show_report(build_report(self.store, parts["q"], parts["pack"], intake_id, mode))

    def save_review(self, decision: str, note: str, disagree: bool, reason: str) -> None:
        from kiosk.review import ReviewError, record_review

        if self.account is None or self.intake_id is None:
            return
        intake_id, staff_id = self.intake_id, self.account.id
        try:
            saved = self._guard(lambda: record_review(self.store, intake_id, staff_id, decision, note, disagree, reason))
        except ReviewError as exc:
            self.detail.show_message(str(exc), ok=False)
            return
        if saved:
            self.detail.clear_form()
            self._guard(lambda: self._load_report(intake_id))
            self.detail.show_message("Review saved.", ok=True)

    def export(self, kind: str) -> None:
        if self.account is None or self.intake_id is None or self.detail.report is None:
            return
        from kiosk import export as exports

        report, intake_id = self.detail.report, self.intake_id
        out = self.export_dir

        def run() -> None:
            if kind == "fhir":
                parts = self.load()
                path = exports.write_fhir(self.store, parts["q"], intake_id, out)
            elif kind == "pdf":
                from ..pdf import pdf_file, render_pdf

                path = render_pdf(report, pdf_file(out, report.row.uuid))
            else:
                from ..pdf import render_info_sheet

                path = render_info_sheet(report.intake.language, out)
            self.store.audit(self.actor, f"export.{kind}", f"intake:{intake_id}", {"file": path.name})
            self.detail.show_saved(path)
        try:
            self._guard(run)
        except OSError as exc:
            self.detail.export_message.setText(f"Could not save to {out}: {exc.strerror or exc}. Nothing else changed.")

    def export_csv(self) -> None:
        from kiosk import export as exports

        where = self.queue.current_filter()
        if self.account is None or where is None:
            return

        def run() -> None:
            path = exports.write_csv(self.store, where, self.export_dir)
            self.store.audit(self.actor, "export.csv", None, {"file": path.name})
            self.queue.message.setText(f"Saved: {path}")
        try:
            self._guard(run)
        except OSError as exc:
            self.queue.message.setText(f"Could not save to {self.export_dir}: {exc.strerror or exc}.")

    # -- administration ---------------------------------------------------------------------

    def show_admin(self) -> None:
        if self.account is None or self.account.role != "admin":
            return
        self.queue.stop()
        self.detail.clear()
        self.intake_id = None
        if self._guard(self.refresh_admin):
            self.stack.setCurrentWidget(self.frames[self.admin])

    def refresh_admin(self) -> None:
        from kiosk.review import local_time

        self.admin.show_settings(clinic_settings.current(self.store))
        self.admin.show_accounts([(a.name, a.role, self.accounts.status(a)) for a in self.store.staff_list()])
        self.admin.show_audit([(local_time(r["at"]), r["actor"], r["action"], r["subject"] or "", r["details_json"])
                               for r in self.store.audit_rows(200)])
        deliveries, counts = getattr(self.store, "deliveries", None), getattr(self.store, "delivery_counts", None)
        if deliveries is not None and counts is not None:
            n = counts()  # a year's deliveries are counted, not loaded; only the refused ones are listed
            refused = [(d.intake_id, self._who(d.intake_id), local_time(d.at), d.server_words())
                       for d in deliveries("refused")]
            self.admin.show_deliveries(
                f"Delivered to the EHR: {n.get('sent', 0)}. Waiting to be tried again: {n.get('waiting', 0)}. "
                f"Refused, waiting for you: {len(refused)}." if n else "Nothing has been delivered to the EHR yet "
                "(main.py deliver; see docs/fhir.md).", refused)

    def save_settings(self, values: dict[str, Any]) -> None:
        if self.account is None or self.account.role != "admin":
            return
        try:
            ok = self._guard(lambda: clinic_settings.change(self.store, values, self.actor))
        except clinic_settings.SettingsError as exc:
            self.admin.settings_message.setText(str(exc))
            return
        if ok:
            self.watcher.deadline.seconds = float(clinic_settings.current(self.store)["staff_lock_s"])
            self.watcher.start()
            self._guard(self.refresh_admin)
            self.admin.settings_message.setText("Settings saved. The kiosk uses them from the next patient.")

    def add_account(self, name: str, role: str, pin: str) -> None:
        self._account_change(lambda: self.accounts.add(name, role, pin, self.actor), f"Account {name.strip()} added.")

    def account_action(self, action: str, name: str, pin: str) -> None:
        if not name:
            self.admin.accounts_message.setText("Select an account in the list first.")
            return
        if action == "reset-pin":
            self._account_change(lambda: self.accounts.reset_pin(name, pin, self.actor), f"New PIN set for {name}.")
        else:
            if self.account is not None and name.casefold() == self.account.name.casefold() and action == "disable":
                self.admin.accounts_message.setText("You cannot disable the account you are signed in with.")
                return
            self._account_change(lambda: self.accounts.set_disabled(name, action == "disable", self.actor),
                                 f"{name}: {action}d.")

    def _account_change(self, change: Callable[[], Any], done: str) -> None:
        if self.account is None or self.account.role != "admin":
            return
        try:
            ok = self._guard(change)
        except AccountError as exc:
            self.admin.accounts_message.setText(str(exc))
            return
        if ok:
            wipe_text(self.admin.account_name, self.admin.account_pin)
            self._guard(self.refresh_admin)
            self.admin.accounts_message.setText(done)

    def purge(self) -> None:
        """Delete intakes closed longer ago than the retention setting (audited)."""
        from kiosk.maintenance import purge

        if self.account is None or self.account.role != "admin":
            return
        store = self.store
        if not isinstance(store, Store):
            self.admin.settings_message.setText(
                "This station works on the clinic's central database. Each kiosk keeps its own intakes for the "
                "retention period; the central copy is kept as docs/deploy.md describes.")
            return
        days = clinic_settings.current(self.store)["retention_days"]
        result: list[Any] = []
        if self._guard(lambda: result.append(purge(store, days, self.actor))):
            self._guard(self.refresh_admin)
            self.admin.settings_message.setText(result[0].sentence(days))

    def _who(self, intake_id: int) -> str:
        from kiosk.review import patient_name

        row = self.store.queue_row(intake_id)
        return patient_name(row) if row is not None else ""

    def retry_delivery(self, intake_id: int) -> None:
        """An admin sends a refused intake again (the next delivery pass takes it)."""
        if self.account is None or self.account.role != "admin":
            return
        retry = getattr(self.store, "retry_delivery", None)
        if retry is not None and self._guard(lambda: retry(intake_id, self.actor)):
            self._guard(self.refresh_admin)
            self.admin.delivery_message.setText(f"Intake {intake_id} will be sent again with the next delivery.")

    def verify_audit(self) -> None:
        def run() -> None:
            check = self.store.verify_audit()
            self.admin.audit_message.setText(
                f"Intact: {check.rows} entries, every link checked." if check.ok else
                f"BROKEN at entry {check.first_bad_id}: {check.reason}.")
            self.store.audit(self.actor, "audit.verify", None, {"ok": check.ok})
        self._guard(run)

    # -- misc -------------------------------------------------------------------------------

    def toggle_keyboard(self) -> None:
        self.keyboard.setVisible(not self.keyboard.isVisible())

    def shutdown(self) -> None:
        if self.account is not None:
            self.lock("closed")
        self.watcher.stop()
        self.pin_watcher.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.watcher)
            app.removeEventFilter(self.pin_watcher)
        self.queue.poll.stop()
        if self.owns_store:
            self.store.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        event.accept()
