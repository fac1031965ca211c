"""Every kiosk figure in one command: prints a table (each figure beside its target) and
writes the figures as JSON.

    python tests/bench/run.py --out FILE.json [--quick]

Keys: startup_ratio, first_question_ratio, nav_ratio, nav_p95_ms, save_p95_ms, submit_p95_ms, assess_per_s,
queue_first_page_ms, queue_filter_ms, rss_mb (plus a few supporting figures). Takes about
70 seconds on a 2-core machine; ``--quick`` trims the repetitions for a smoke run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT)]

TARGETS = {  # key: (target, "max" when the figure must stay at or below it, "min" when at or above)
    "startup_ratio": (1.5, "max"), "first_question_ratio": (3.0, "max"), "nav_ratio": (2.0, "max"),
    "nav_p95_ms": (50, "max"), "save_p95_ms": (5, "max"),
    "submit_p95_ms": (50, "max"), "assess_per_s": (5000, "min"), "queue_first_page_ms": (300, "max"),
    "queue_filter_ms": (100, "max"), "rss_mb": (200, "max"),
}

RSS_CHILD = """
import os, sys, tempfile
from pathlib import Path
sys.path.insert(0, sys.argv[1])
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication
app = QApplication([])
from kiosk.demo import sample_answers
from ui.app import create_kiosk_window

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

with tempfile.TemporaryDirectory() as tmp:
    window = create_kiosk_window(Path(tmp) / "rss.db", fullscreen=False, idle_warn_s=3600, done_s=3600)
    window.resize(1280, 800)
    window.show()
    answers = sample_answers()
    marks = {}
    for n in range(1, int(sys.argv[2]) + 1):
        window.start()
        for link_id, value in answers.items():
            window.session.answer(link_id, value)
        window.show_section(window.page)  # the first page again, now showing its answers
        app.processEvents()
        for _ in range(100):  # then page by page to the review, as a patient turns them
            if window.page is None:
                break
            window.next()
            app.processEvents()
        assert window.page is None, "the sample answers stopped at a page"
        window._submit()
        app.processEvents()
        window.reset()
        app.processEvents()
        # what the event loop does between two patients: free the widgets deleteLater() released
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        if n in (10, int(sys.argv[2])):
            marks[n] = rss_mb()
    window.shutdown()
    print(marks[10], marks[int(sys.argv[2])])
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def save_and_submit(patients: int) -> dict[str, float]:
    """One answer validated and saved (its own durable transaction); one submit with its
    assessment, as the kiosk does them."""
    from kiosk.demo import sample_answers
    from kiosk.questionnaire import default_questionnaire
    from kiosk.rules import load_rulepack
    from kiosk.session import IntakeSession
    from kiosk.store import Store

    q = default_questionnaire()
    pack = load_rulepack(questionnaire=q)
    saves, submits = [], []
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "save.db") as store:
        for _ in range(patients):
            session = IntakeSession(store, q, pack)
            session.start()
            for link_id, value in sample_answers().items():
                t0 = time.perf_counter()
                assert session.answer(link_id, value) is None
                saves.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            session.submit()
            submits.append(time.perf_counter() - t0)
    return {"save_median_ms": round(statistics.median(saves) * 1000, 2), "save_p95_ms": round(pct(saves, .95) * 1000, 2),
            "submit_median_ms": round(statistics.median(submits) * 1000, 2),
            "submit_p95_ms": round(pct(submits, .95) * 1000, 2)}


def rss(patients: int) -> dict[str, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", RSS_CHILD, str(ROOT), str(patients)], capture_output=True, text=True,
                          env=env, check=True)
    after_10, after_all = (float(v) for v in done.stdout.split()[-2:])
    return {"rss_mb": round(after_all, 1), "rss_growth_10_to_end_mb": round(after_all - after_10, 1),
            "rss_patients": patients}


def queue(rows: int, runs: int) -> dict[str, float]:
    import bench_queue

    with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
        db = Path(tmp) / "kiosk.db"
        bench_queue.build(db, rows)
        bare_first, bare_filter = bench_queue.bare(db, runs)
        figures = bench_queue.staff(db, runs)
    return {"queue_rows": rows, "bare_first_page_ms": bare_first, "bare_filter_ms": bare_filter, **figures}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run, not for the README)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import bench_rules
    import bench_wizard

    t0 = time.perf_counter()
    quick = args.quick
    figures: dict[str, object] = {}
    figures.update(bench_wizard.measure(runs=3 if quick else 10, rounds=2 if quick else 5))
    figures.update(save_and_submit(5 if quick else 30))
    figures.update(bench_rules.measure(1.0 if quick else 3.0))
    figures.update(queue(20_000 if quick else 100_000, 3 if quick else 15))
    figures.update(rss(20 if quick else 100))
    figures["machine"] = f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}, Python " \
                         f"{platform.python_version()}"
    figures["date"] = time.strftime("%Y-%m-%d")
    figures["seconds"] = round(time.perf_counter() - t0, 1)
    print(f"\n{'figure':<22}{'measured':>12}  target")
    for key, (target, kind) in TARGETS.items():
        value = figures[key]
        ok = value <= target if kind == "max" else value >= target  # type: ignore[operator]
        sign = "<=" if kind == "max" else ">="
        print(f"{key:<22}{value:>12}  {sign} {target}  {'ok' if ok else 'MISSED'}")
    print(f"({figures['machine']}; {figures['seconds']} s)")
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
