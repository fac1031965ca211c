"""Soak: simulated patients through the real wizard off screen (taps and typing on the
contract's widgets, as in the tests), then checks and figures.

    python tests/bench/soak.py [--patients 500] [--out soak.json]

Checks every intake is stored with the assessment ``assess`` gives for the same answers,
and reports resident memory growth (after 50 patients to the end; aim under 20 MB) and the
widget and timer counts of the kiosk window before and after (no leaks: equal).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class Bot:
    """The three qtbot calls the test walker uses, done with QTest directly."""

    def mouseClick(self, widget, button, pos=None):  # type: ignore[no-untyped-def]
        from PySide6.QtTest import QTest

        if pos is None:
            QTest.mouseClick(widget, button)
        else:
            QTest.mouseClick(widget, button, pos=pos)

    def keyClicks(self, widget, text):  # type: ignore[no-untyped-def]
        from PySide6.QtTest import QTest

        QTest.keyClicks(widget, text)

    def keyClick(self, widget, key):  # type: ignore[no-untyped-def]
        from PySide6.QtTest import QTest

        QTest.keyClick(widget, key)


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    from PySide6.QtCore import QCoreApplication, QEvent, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from kiosk.answers import validate_answers
    from kiosk.rules import assess
    from kiosk.store import Store
    from tests.conftest import load_example
    from tests.ui.conftest import walk
    from tests.ui.test_wizard import WALKED
    from ui.app import create_kiosk_window

    app = QApplication.instance() or QApplication([])
    bot = Bot()
    names = [*WALKED, "s5_daily_aspirin"]  # the examples a patient can complete (the others stop short)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        db = Path(tmp) / "soak.db"
        window = create_kiosk_window(db, fullscreen=False, idle_warn_s=3600, done_s=3600)
        window.resize(1280, 800)
        window.show()
        window.activateWindow()
        app.processEvents()
        loaded = window.make_session("en")
        before = (0, 0)
        rss_at, expected = {}, {}
        for n in range(args.patients):
            name = names[n % len(names)]
            answers = load_example(name)
            walk(bot, window, answers)
            expected[window.session.intake_id] = name  # type: ignore[union-attr]
            window.reset()
            app.processEvents()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # as the event loop does
            if n == 0:  # overlays and keyboard are built on first use: count from here
                before = (len(window.findChildren(QWidget)), len(window.findChildren(QTimer)))
            if (n + 1) % 50 == 0:
                print(f"{n + 1} patients, {rss_mb():.1f} MB", file=sys.stderr, flush=True)
            if n + 1 in (50, args.patients):
                rss_at[n + 1] = rss_mb()
        after = (len(window.findChildren(QWidget)), len(window.findChildren(QTimer)))
        window.shutdown()
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        wrong = 0
        with Store(db) as store:
            for intake_id, name in expected.items():
                clean, _ = validate_answers(loaded.q, load_example(name))
                want = assess(loaded.pack, loaded.q, clean, loaded.mode).to_json()
                got = store.latest_assessment(intake_id)
                wrong += got is None or got["outcome"] != want["outcome"] or got["findings"] != want["findings"]
            stored = len(store.intakes("submitted"))
    result = {"patients": args.patients, "stored": stored, "wrong_assessments": wrong,
              "rss_after_50_mb": round(rss_at.get(50, 0), 1), "rss_end_mb": round(rss_at[args.patients], 1),
              "rss_growth_mb": round(rss_at[args.patients] - rss_at.get(50, rss_at[args.patients]), 1),
              "widgets_before_after": before[0:1] + after[0:1], "timers_before_after": before[1:] + after[1:],
              "seconds": round(time.perf_counter() - t0, 1)}
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    ok = stored == args.patients and wrong == 0 and result["rss_growth_mb"] < 20 and before == after
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
