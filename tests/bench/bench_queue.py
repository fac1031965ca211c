"""Staff queue benchmark with 100,000 intakes: the first page shown and a filter change,
against a bare ``sqlite3`` query for the same page in the same run.

    python tests/bench/bench_queue.py [--rows 100000] [--runs 15] [--out bench-queue.json]

"Shown" means the staff queue page was asked for (sign-in done) and the table has
processed its events and painted once. Aims: first page under 300 ms, filter under 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def build(db: Path, rows: int) -> float:
    from kiosk.demo import seed
    from kiosk.questionnaire import default_questionnaire
    from kiosk.rules import load_rulepack
    from kiosk.staff import Accounts
    from kiosk.store import QueueFilter, Store
    from tests.loadgen import clone_for_load_test

    t0 = time.perf_counter()
    q = default_questionnaire()
    with Store(db) as store:
        seed(store, q, load_rulepack(questionnaire=q))
        clone_for_load_test(store, rows - store.queue_count(QueueFilter()))
        Accounts(store).add("Bench", "nurse", "482916", "bench")
    return time.perf_counter() - t0


def bare(db: Path, runs: int) -> tuple[float, float]:
    from kiosk.store import QUEUE_COLUMNS

    con = sqlite3.connect(db)
    first = ("SELECT " + QUEUE_COLUMNS + " FROM intakes WHERE queue_rank IS NOT NULL"
             " ORDER BY queue_rank, queue_key, id LIMIT 100")
    filtered = ("SELECT " + QUEUE_COLUMNS + " FROM intakes WHERE queue_rank IS NOT NULL AND outcome = ?"
                " ORDER BY queue_rank, queue_key, id LIMIT 100")
    a, b = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        con.execute(first).fetchall()
        a.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        con.execute(filtered, ("NOT_YET",)).fetchall()
        b.append(time.perf_counter() - t0)
    con.close()
    return median_ms(a), median_ms(b)


def staff(db: Path, runs: int) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication

    from ui.app import create_staff_window

    app = QApplication.instance() or QApplication([])
    window = create_staff_window(db)
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    window.signin.name.setText("Bench")
    for d in "482916":
        window.signin.digit(d)
    first, filters, searches = [], [], []
    combo = window.queue.outcome
    for n in range(runs + 1):
        t0 = time.perf_counter()
        if n == 0:
            window.signin.submit()  # sign-in opens the queue
        else:
            window.show_queue()
        app.processEvents()
        window.queue.table.viewport().repaint()
        first.append(time.perf_counter() - t0)
        assert window.queue.model.rowCount() >= 100
        for code in ("NOT_YET", "LIKELY_CANDIDATE", ""):
            t0 = time.perf_counter()
            combo.setCurrentIndex(combo.findData(code))
            app.processEvents()
            window.queue.table.viewport().repaint()
            filters.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        window.queue.search.setText("lopez-b")
        window.queue.apply_filter()
        app.processEvents()
        window.queue.table.viewport().repaint()
        searches.append(time.perf_counter() - t0)
        window.queue.clear_filters()
    window.close()
    window.deleteLater()
    app.processEvents()
    return {"queue_first_page_ms": median_ms(first[1:]), "queue_first_page_cold_ms": round(first[0] * 1000, 2),
            "queue_filter_ms": median_ms(filters), "queue_filter_p95_ms": round(
                sorted(filters)[int(0.95 * (len(filters) - 1))] * 1000, 2),
            "queue_search_ms": median_ms(searches)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
        db = Path(tmp) / "kiosk.db"
        seconds = build(db, args.rows)
        bare_first, bare_filter = bare(db, args.runs)
        result = {"rows": args.rows, "build_s": round(seconds, 1), "bare_first_page_ms": bare_first,
                  "bare_filter_ms": bare_filter, **staff(db, args.runs)}
    result["aims"] = {"queue_first_page_ms": 300, "queue_filter_ms": 100}
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
