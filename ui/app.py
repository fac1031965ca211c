"""Composition root: builds the windows from a database path and runs the Qt commands."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRect, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from kiosk.clock import Clock
from kiosk.program import program
from kiosk.store import Store, StoreError

from .patient.window import KioskWindow

if TYPE_CHECKING:
    from kiosk.session import IntakeSession

log = logging.getLogger("kiosk.ui")
WARM_UP_MS = 150
BACKUP_FIRST_MS = 5_000  # the day's backup, soon after start-up and then checked hourly
BACKUP_CHECK_MS = 3_600_000


def make_loader(db_path: Path | str) -> Callable[[], dict[str, Any]]:
    """Loads the questionnaire (with the clinic's instrument packs) and the rule pack once,
    on first use, for the kiosk and the staff station alike."""
    loaded: dict[str, Any] = {}

    def load() -> dict[str, Any]:
        if not loaded:
            from kiosk.instruments import apply_packs, load_packs
            from kiosk.questionnaire import default_questionnaire
            from kiosk.rules import load_rulepack

            q = default_questionnaire()
            folder = os.environ.get("KIOSK_INSTRUMENTS") or Path(db_path).parent / "instruments"
            packs, problems = load_packs(folder)
            for problem in problems:
                log.error("instrument pack not used: %s", problem)
            loaded.update(q=apply_packs(q, packs), pack=load_rulepack(questionnaire=q),
                          instruments=tuple(p.instrument for p in packs))
        return loaded
    return load


def create_kiosk_window(db_path: Path | str, idle_warn_s: float | None = None, idle_countdown_s: float | None = None,
                        fullscreen: bool = True, done_s: float = 15.0, mode: str | None = None,
                        staff_lock_s: float | None = None, clock: Clock | None = None) -> KioskWindow:
    """Build the kiosk window (not shown). Needs a QApplication. A database or resource that
    cannot be used gives a window showing the calm front-desk screen, never an exception.

    Idle times, the rule mode and the languages offered come from the clinic's settings
    unless given here. The questionnaire and rule pack load on the first turn of the event
    loop, after the welcome screen is on the glass (or at the first Start). ``clock`` drives the
    idle, thank-you and staff lock countdowns (tests pass a ``kiosk.clock.FakeClock``)."""
    from kiosk import settings as clinic_settings
    from kiosk.instance import AlreadyRunning, InstanceLock

    error = None
    store = None
    lock = InstanceLock(db_path)
    config = {s.key: s.default for s in clinic_settings.SETTINGS}
    try:
        store = Store(db_path)
        try:
            lock.acquire()  # one kiosk per database: the drafts below are then ours alone
        except AlreadyRunning:
            store.close()
            raise
        store.abandon_stale_drafts("restart")
        config = clinic_settings.current(store)
    except AlreadyRunning:
        raise
    except StoreError as exc:
        error = str(exc)
    load = make_loader(db_path)

    def make_session(lang: str) -> IntakeSession:
        from kiosk.session import IntakeSession

        assert store is not None
        parts = load()
        config = clinic_settings.current(store)  # a change applies to the next patient
        return IntakeSession(store, parts["q"], parts["pack"], mode=mode or config["rule_mode"], language=lang,
                             instruments=parts["instruments"], options=clinic_settings.clinic_options(config))

    def make_staff() -> QWidget:
        from .staff.window import StaffWindow

        assert store is not None
        return StaffWindow(store, load, embedded=True, lock_s=staff_lock_s, clock=window.clock)

    window = KioskWindow(make_session, idle_warn_s=idle_warn_s if idle_warn_s is not None else config["idle_warn_s"],
                         idle_countdown_s=idle_countdown_s if idle_countdown_s is not None
                         else config["idle_countdown_s"], done_s=done_s, fullscreen=fullscreen,
                         startup_error=error, staff_factory=make_staff if store is not None else None,
                         languages=tuple(config["languages"]), clock=clock)
    window.destroyed.connect(lambda *_: lock.release())
    # after the welcome screen is painted; a Start tap before then builds and loads at once
    QTimer.singleShot(WARM_UP_MS, window, lambda: warm_up(window, load if store is not None else None))
    if store is not None:
        window.destroyed.connect(lambda *_: store.close())

        def backup() -> None:
            from kiosk.maintenance import daily_backup

            try:
                if daily_backup(store) is not None:
                    log.info("daily backup written")
            except StoreError as exc:  # the patient is not bothered; staff see it in the log
                log.error("daily backup failed (%s): %s", exc.kind, exc)

        backups = QTimer(window)
        backups.setInterval(BACKUP_CHECK_MS)
        backups.timeout.connect(backup)
        backups.start()
        QTimer.singleShot(BACKUP_FIRST_MS, window, backup)
    return window


def warm_up(window: KioskWindow, load: Callable[[], dict[str, Any]] | None) -> None:
    """What the welcome screen did not need, once it is on the glass: the rest of the window
    (``KioskWindow.complete``), Qt's namespace (ui/common/lazyqt.py), so no first tap waits
    for them, then the questionnaire and rule pack (``load``; None without a database)."""
    from .common.lazyqt import qt

    window.complete()
    qt()
    if load is None:
        return
    from kiosk.questionnaire import QuestionnaireError
    from kiosk.rules import RulePackError

    try:
        load()
    except (QuestionnaireError, RulePackError) as exc:
        window.show_startup_error(str(exc))


def create_staff_window(db_path: Path | str, lock_s: float | None = None, export_dir: Path | str | None = None,
                        clock: Clock | None = None, central: str | None = None) -> QWidget:
    """The staff review station on its own (``python main.py staff``), on the same database
    as the kiosk, or with ``central`` (a libpq URL) on the clinic's central database. It never
    touches a patient's draft. A database that cannot be used gives a window that says so."""
    from .staff.window import StaffWindow

    if central:
        from kiosk.central.store import CentralStore

        try:
            remote = CentralStore(central, local_db=Path(db_path))
        except StoreError as exc:
            return _staff_unavailable(exc)
        return StaffWindow(remote, make_loader(db_path), lock_s=lock_s, owns_store=True,
                           export_dir=Path(export_dir) if export_dir else None, clock=clock)
    try:
        store = Store(db_path)
    except StoreError as exc:
        return _staff_unavailable(exc)
    try:
        store.require_intact()  # staff must not work from a damaged file without knowing
        return StaffWindow(store, make_loader(db_path), lock_s=lock_s, owns_store=True,
                           export_dir=Path(export_dir) if export_dir else None, clock=clock)
    except StoreError as exc:  # damage found while reading settings or accounts
        store.close()
        return _staff_unavailable(exc)


def _staff_unavailable(exc: StoreError) -> QWidget:
    log.error("staff station cannot use the database (%s): %s", exc.kind, exc)
    window = QWidget()
    window.setObjectName("staff")
    window.setWindowTitle("Facet intake kiosk: staff review")
    window.setAccessibleName("Staff review station")
    lay = QVBoxLayout(window)
    label = QLabel(f"The staff station cannot open its database.\n{exc}\n\n"
                   f"Check it with: {program()} check-db. To restore the latest backup, see docs/deploy.md.")
    label.setWordWrap(True)
    label.setObjectName("staff:message")
    lay.addWidget(label)
    return window


def _application(args: argparse.Namespace, command: str = "") -> QApplication:
    """The QApplication; with no screen, a message saying how to run it again (the same
    command with the same options, ``_again``) on a virtual one."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    if not os.environ.get("QT_QPA_PLATFORM") and sys.platform.startswith("linux") \
            and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise SystemExit(
            f"{program()}: no display found. Run it on a desktop or kiosk session, or without a screen:\n"
            f"  xvfb-run -a {program()} {_again(args, command)}\n"
            f"(screenshots work without a display: {program()} screenshot welcome --out welcome.png)")
    return QApplication(sys.argv[:1])


def _again(args: argparse.Namespace, command: str = "") -> str:
    """The options this run was given, for the no-display hint (a demo stays a demo)."""
    parts = [command] if command else []
    if getattr(args, "db", None):
        import shlex

        parts += ["--db", shlex.quote(str(args.db))]
    if getattr(args, "demo", False):
        parts.append("--demo")
    elif not command:
        parts.append("--windowed")
    return " ".join(parts)


def show_kiosk(window: QWidget) -> None:
    """Show the kiosk full screen on the primary screen, exactly as ``main.py`` does (contract
    section 5): frameless, the screen's own geometry (without a window manager
    showFullScreen() does not resize), and on X11 kept on top with the keyboard held."""
    from .common.lazyqt import qt
    from .patient.hold import ScreenHold

    screen = QApplication.primaryScreen()
    window.setWindowFlag(qt().WindowType.FramelessWindowHint, True)
    hold = ScreenHold(window)  # on X11: on top, keyboard held, focus taken back
    if screen is not None:
        window.setGeometry(screen.geometry())
    window.showFullScreen()
    hold.take()


def _place(window: QWidget, fullscreen: bool) -> None:
    if fullscreen and QApplication.primaryScreen() is not None:
        show_kiosk(window)
    else:
        window.resize(1280, 800)
        window.show()


def run_kiosk(args: argparse.Namespace) -> int:
    app, _window, cleanup = start_kiosk(args)
    code = app.exec()
    cleanup()
    return int(code)


def start_kiosk(args: argparse.Namespace) -> tuple[QApplication, KioskWindow, Callable[[], None]]:
    """Everything ``python main.py`` does before the event loop: the window is shown (the
    start-up benchmark times exactly this). Returns the application, the window and what
    to clean up after the loop ends."""
    from kiosk.cli import db_path as cli_db_path

    demo_dir = None
    if args.demo:
        from kiosk.questionnaire import default_questionnaire
        from kiosk.rules import load_rulepack

        demo_dir = tempfile.TemporaryDirectory(prefix="kiosk-demo-")
        path = Path(demo_dir.name) / "demo.db"
        from kiosk.demo import seed, seed_staff

        q = default_questionnaire()
        with Store(path) as store:
            seed(store, q, load_rulepack(questionnaire=q))
            pin = seed_staff(store)
        print(f"Demo database with sample intakes: {path}")
        print(f"Demo staff account: name 'demo', PIN {pin} (tap Staff on the welcome screen)")
    else:
        path = cli_db_path(args)
    from kiosk.logs import configure

    configure(path)
    app = _application(args)
    from kiosk.instance import AlreadyRunning

    try:
        window = create_kiosk_window(path, fullscreen=not (args.windowed or args.demo))
    except AlreadyRunning as exc:
        log.error("kiosk not started: %s", exc)
        print(f"{program()}: {exc}", file=sys.stderr)
        raise SystemExit(3) from None
    _place(window, window.fullscreen)
    from .common.crash import install_hooks

    uninstall = install_hooks(window.recover)

    def cleanup() -> None:
        uninstall()
        if demo_dir is not None:
            demo_dir.cleanup()
    return app, window, cleanup


def run_screenshot(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from .screenshots import render

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="kiosk-shot-") as tmp:
        return render(app, args, Path(tmp) / "shot.db")


def geometry(size: str) -> QRect:
    w, h = (int(v) for v in size.lower().split("x"))
    return QRect(0, 0, w, h)


def run_staff(args: argparse.Namespace) -> int:
    """``python main.py staff``: the review station in its own window."""
    from kiosk.cli import central_url
    from kiosk.cli import db_path as cli_db_path
    from kiosk.logs import configure

    configure(cli_db_path(args))
    app = _application(args, "staff")
    central = central_url(args) if getattr(args, "central", None) is not None else None
    window = create_staff_window(cli_db_path(args), central=central)
    _place(window, False)
    from .common.crash import install_hooks

    lock = getattr(window, "lock", None)  # an unexpected error locks the station: nothing stays on screen
    uninstall = install_hooks(lambda: lock("error") if lock is not None else None)
    try:
        return int(app.exec())
    finally:
        uninstall()


def export_pdf(report: Any, out_dir: Path) -> Path:
    """The CLI's PDF export: an off-screen QGuiApplication is enough to lay out and print."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        export_pdf.app = QGuiApplication(sys.argv[:1])  # type: ignore[attr-defined]  # kept alive for the run
    from .pdf import pdf_file, render_pdf

    return render_pdf(report, pdf_file(Path(out_dir), report.row.uuid))
