"""Wizard benchmarks, each as a ratio to bare PySide6 measured in the same run (these machines'
speed varies 2-3x from run to run):

- ``startup_ratio``: launch to the welcome screen shown / a bare window shown;
- ``startup_fullscreen_ratio``: the same, full screen as ``main.py`` runs it, against a bare window
  made frameless and full screen the same way (both flags read Qt's namespace before the show);
- ``startup_floor_ratio``: what the least themed window costs (the Qt namespace, an SQLite
  file, the style sheet, eight buttons) / the same bare window: the part PySide6 sets itself;
- ``first_question_ratio``: launch, then Start, to the first question shown / the same bare window;
- ``nav_ratio``: page to page, each screen's time over the time to build and show the same
  screen from stock Qt classes (the same widget tree, words and style sheet, none of the
  kiosk's code); the p95 over the screens of one walk (``nav_ratio_median``: their median).
  Per screen, because the p95 of two pooled timings lands on whichever screen sits at the
  95th rank, and the review (one screen in eighteen) sits right there.

    python tests/bench/bench_wizard.py [--runs 10] [--out bench-wizard.json]

Each start-up is a fresh process (off screen) so imports count, as they do for a patient.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BARE = """
import time, sys
t0 = float(sys.argv[1])
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
w = QWidget(); w.resize(1280, 800); w.show(); app.processEvents()
print(time.perf_counter() - t0)
"""

KIOSK = """
import time, sys
t0 = float(sys.argv[1])
sys.path.insert(0, sys.argv[3])
from kiosk.cli import main as cli_main  # what main.py does, in the same order


def shown(args):  # main.py's kiosk command up to the event loop, then the welcome screen on the glass
    from ui import app as ui_app
    app, window, cleanup = ui_app.start_kiosk(args)
    app.processEvents()
    assert window.isVisible() and window.stack.currentWidget().objectName() == "page:welcome"
    print(time.perf_counter() - t0)
    window.shutdown()
    cleanup()
    return 0


sys.exit(cli_main(["--windowed", "--db", sys.argv[2]], ui_commands={"kiosk": shown}))
"""

# The least any themed kiosk could cost: the Qt namespace (its enums take PySide6 6.11 about
# 20 ms to build), an SQLite file, the theme's style sheet and a few buttons. Not a target: it
# shows how much of startup_ratio PySide6 itself sets before any of the kiosk's code runs.
FLOOR = """
import time, sys
t0 = float(sys.argv[1])
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget
import sqlite3
app = QApplication([])
sys.path.insert(0, sys.argv[3])
from ui.theme import STANDARD, stylesheet
w = QWidget(); w.resize(1280, 800)
lay = QVBoxLayout(w)
for n in range(8):
    lay.addWidget(QPushButton(f"button {n}"))
lay.addWidget(QLabel("Welcome"), alignment=Qt.AlignmentFlag.AlignCenter)
db = sqlite3.connect(sys.argv[2]); db.execute("PRAGMA journal_mode=WAL"); db.execute("CREATE TABLE IF NOT EXISTS t (x)")
db.close()
w.setStyleSheet(stylesheet(STANDARD))
w.show(); app.processEvents()
print(time.perf_counter() - t0)
"""

# Full screen, as main.py runs the kiosk (show_kiosk): a window made frameless before it is
# shown, which reads Qt's namespace; its bare twin does the same and nothing else.
KIOSK_FULLSCREEN = KIOSK.replace('["--windowed", "--db", sys.argv[2]]', '["--db", sys.argv[2]]')
BARE_FULLSCREEN = """
import time, sys
t0 = float(sys.argv[1])
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
w = QWidget(); w.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
w.setGeometry(app.primaryScreen().geometry()); w.showFullScreen(); app.processEvents()
print(time.perf_counter() - t0)
"""

WELCOME_CHECK = 'assert window.isVisible() and window.stack.currentWidget().objectName() == "page:welcome"\n'
# the same launch, then the patient taps Start: until the first question is on the glass
FIRST_QUESTION = KIOSK.replace(WELCOME_CHECK, WELCOME_CHECK + (
    "    window.start()\n"
    "    while not (window.stack.where() == 'section' and window.section_page.visible_widgets()):\n"
    "        app.processEvents()\n"
    "    app.processEvents()\n"))


def startups(codes: dict[str, str], runs: int, tmp: Path) -> dict[str, list[float]]:
    """Each start-up ``runs`` times, taking turns (bare, kiosk, ...), so a machine that speeds up
    or slows down during the run moves them all alike."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed kiosk has its bytecode cached
    out: dict[str, list[float]] = {name: [] for name in codes}
    for n in range(runs + 1):  # the first round warms the file cache (and bytecode) and is dropped
        for name, code in codes.items():
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", code, repr(t0), str(tmp / f"{name}.db"), str(ROOT)],
                                  capture_output=True, text=True, env=env, check=True)
            if n:
                out[name].append(float(done.stdout.strip().splitlines()[-1]))
    return out


PROPS = ("role", "wrap", "chrome", "nav", "key", "notice", "align")


def snapshot(widget):  # type: ignore[no-untyped-def]
    """The page's widget tree as stock Qt classes would build it: each widget's Qt base class,
    its words, the properties the style sheet reads, and its layouts (boxes, grids, stretches)."""
    from PySide6.QtWidgets import QAbstractButton, QFrame, QLabel, QLineEdit

    kind = ("label" if isinstance(widget, QLabel) else "button" if isinstance(widget, QAbstractButton)
            else "entry" if isinstance(widget, QLineEdit) else "frame" if isinstance(widget, QFrame) else "widget")
    text = widget.text() if kind in ("label", "button") else ""
    props = {k: widget.property(k) for k in PROPS if widget.property(k) is not None}
    layout = widget.layout() if kind in ("widget", "frame") else None
    return (kind, text, props, widget.isVisibleTo(widget.parentWidget()) if widget.parentWidget() else True,
            _layout(layout) if layout is not None else None)


def _layout(layout):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QBoxLayout, QGridLayout

    items = []
    for n in range(layout.count()):
        item = layout.itemAt(n)
        where = layout.getItemPosition(n) if isinstance(layout, QGridLayout) else None
        if item.widget() is not None:
            items.append(("w", snapshot(item.widget()), where))
        elif item.layout() is not None:
            items.append(("l", _layout(item.layout()), where))
        else:
            items.append(("s", None, where))
    kind = "grid" if isinstance(layout, QGridLayout) else (
        "h" if isinstance(layout, QBoxLayout) and layout.direction() in (QBoxLayout.Direction.LeftToRight,) else "v")
    return (kind, items)


def build(spec, parent=None):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QPushButton, QWidget

    kind, text, props, shown, layout = spec
    if kind == "label":
        widget = QLabel(text, parent)
        widget.setWordWrap(True)
    elif kind == "button":
        widget = QPushButton(text, parent)
        widget.setCheckable(True)
    elif kind == "entry":
        widget = QLineEdit(parent)
    else:
        widget = QFrame(parent) if kind == "frame" else QWidget(parent)
    for key, value in props.items():
        widget.setProperty(key, value)
    if layout is not None:
        widget.setLayout(_build_layout(layout, widget))
    widget.setVisible(shown) if not shown else None
    return widget


def _build_layout(spec, owner):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout

    kind, items = spec
    layout = QGridLayout() if kind == "grid" else QHBoxLayout() if kind == "h" else QVBoxLayout()
    for what, inner, where in items:
        if what == "w":
            child = build(inner, owner)
            layout.addWidget(child, *where[:2]) if where else layout.addWidget(child)
        elif what == "l":
            sub = _build_layout(inner, owner)
            layout.addLayout(sub, *where[:2]) if where else layout.addLayout(sub)
        elif where is None:
            layout.addStretch(1)
    return layout


class BarePage:
    """A plain window where stock Qt builds and shows a page from a snapshot, with the kiosk's
    style sheet: the floor each kiosk page is measured against."""

    def __init__(self, style: str) -> None:
        from PySide6.QtWidgets import QScrollArea, QStackedWidget, QWidget

        self.top = QWidget()
        self.top.setStyleSheet(style)
        self.top.resize(1280, 800)
        self.stack = QStackedWidget(self.top)
        self.stack.resize(1280, 800)
        self.area = QScrollArea()
        self.area.setWidgetResizable(True)
        self.stack.addWidget(self.area)
        self.top.show()

    def time(self, spec) -> float:  # type: ignore[no-untyped-def]
        from PySide6.QtWidgets import QApplication

        t0 = time.perf_counter()
        body = build(spec)
        old = self.area.takeWidget()
        if old is not None:
            old.deleteLater()
        self.area.setWidget(body)
        self.stack.setCurrentWidget(self.area)
        QApplication.processEvents()
        return time.perf_counter() - t0

    def close(self) -> None:
        self.top.close()
        self.top.deleteLater()


def navigation(rounds: int) -> tuple[list[float], list[float], list[float]]:
    """Next, page after page, through the demo patient's walk (the review included); right after
    each page, the same page built by stock Qt (interleaved, so the machine's drift hits both
    alike). One walk more first, not counted: the first patient after start-up loads modules
    and caches (first_question_ratio counts that)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication

    from kiosk.demo import sample_answers
    from ui.app import create_kiosk_window

    app = QApplication.instance() or QApplication([])
    kiosk_times: list[list[float]] = []
    bare_times: list[list[float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        window = create_kiosk_window(Path(tmp) / "nav.db", fullscreen=False, idle_warn_s=3600)
        window.resize(1280, 800)
        window.show()
        bare = BarePage(window.styleSheet())
        answers = sample_answers()
        for _ in range(rounds + 1):
            window.start()
            for link_id, value in answers.items():
                window.session.answer(link_id, value)
            walk_k, walk_b = [], []
            while window.stack.currentWidget() is window.section_page:
                t0 = time.perf_counter()
                window.next()
                app.processEvents()
                walk_k.append(time.perf_counter() - t0)
                page = window.section_page if window.stack.where() == "section" else window.review_page
                walk_b.append(bare.time(snapshot(page.area.widget())))
            kiosk_times.append(walk_k)
            bare_times.append(walk_b)
            window.reset()
        bare.close()
        window.shutdown()
        window.deleteLater()  # gone with its timers (the day's backup) before its folder is
        from PySide6.QtCore import QEvent

        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    kiosk_times, bare_times = kiosk_times[1:], bare_times[1:]  # the warm-up walk
    ratios = [statistics.median(walk[n] for walk in kiosk_times) / statistics.median(walk[n] for walk in bare_times)
              for n in range(len(kiosk_times[0]))]
    return [t for walk in kiosk_times for t in walk], [t for walk in bare_times for t in walk], ratios


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(runs: int = 10, rounds: int = 5) -> dict[str, float]:
    # As installed: byte-compiled (an editable checkout with PYTHONDONTWRITEBYTECODE has no .pyc)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "kiosk"), str(ROOT / "ui")], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        runs_of = startups({"bare": BARE, "floor": FLOOR, "kiosk": KIOSK, "first": FIRST_QUESTION,
                            "bare_full": BARE_FULLSCREEN, "kiosk_full": KIOSK_FULLSCREEN}, runs, Path(tmp))
    bare, floor, kiosk, first, bare_full, kiosk_full = (
        runs_of[k] for k in ("bare", "floor", "kiosk", "first", "bare_full", "kiosk_full"))
    nav, bare_nav, ratios = navigation(rounds)
    return {
        "bare_window_ms": round(statistics.median(bare) * 1000, 1),
        "kiosk_welcome_ms": round(statistics.median(kiosk) * 1000, 1),
        "startup_ratio": round(statistics.median(kiosk) / statistics.median(bare), 2),
        "startup_floor_ms": round(statistics.median(floor) * 1000, 1),
        "startup_floor_ratio": round(statistics.median(floor) / statistics.median(bare), 2),
        "startup_fullscreen_ms": round(statistics.median(kiosk_full) * 1000, 1),
        "startup_fullscreen_ratio": round(statistics.median(kiosk_full) / statistics.median(bare_full), 2),
        "first_question_ms": round(statistics.median(first) * 1000, 1),
        "first_question_ratio": round(statistics.median(first) / statistics.median(bare), 2),
        "nav_median_ms": round(statistics.median(nav) * 1000, 2),
        "nav_p95_ms": round(pct(nav, 0.95) * 1000, 2),
        "bare_page_p95_ms": round(pct(bare_nav, 0.95) * 1000, 2),
        "nav_ratio": round(pct(ratios, 0.95), 2),
        "nav_ratio_median": round(statistics.median(ratios), 2),
        "nav_samples": len(nav),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("bench-wizard.json"))
    args = parser.parse_args()
    figures = measure(args.runs, args.rounds)
    print(f"bare PySide6 window shown   {figures['bare_window_ms']:>8} ms")
    print(f"kiosk welcome shown         {figures['kiosk_welcome_ms']:>8} ms")
    print(f"startup_ratio               {figures['startup_ratio']:>8}     target <= 1.5")
    print(f"startup_floor_ratio         {figures['startup_floor_ratio']:>8}     (Qt namespace, SQLite, style sheet)")
    print(f"startup_fullscreen_ratio    {figures['startup_fullscreen_ratio']:>8}     (full screen / bare full screen)")
    print(f"first question shown        {figures['first_question_ms']:>8} ms")
    print(f"first_question_ratio        {figures['first_question_ratio']:>8}")
    print(f"nav_median_ms               {figures['nav_median_ms']:>8}")
    print(f"nav_p95_ms                  {figures['nav_p95_ms']:>8}     target < 50")
    print(f"bare page p95               {figures['bare_page_p95_ms']:>8} ms")
    print(f"nav_ratio                   {figures['nav_ratio']:>8}     target <= 2")
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
