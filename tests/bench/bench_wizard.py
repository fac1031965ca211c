"""Wizard benchmarks: start-up to the welcome screen shown, against a bare PySide6 window
shown in the same run, and page-to-page navigation time.

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


def startup(code: str, runs: int, db: str) -> list[float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed kiosk has its bytecode cached
    out = []
    for _ in range(runs + 1):  # the first run warms the file cache (and bytecode) and is dropped
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code, repr(t0), db, str(ROOT)], capture_output=True,
                              text=True, env=env, check=True)
        out.append(float(done.stdout.strip().splitlines()[-1]))
    return out[1:]


def navigation(rounds: int) -> list[float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication

    from kiosk.demo import sample_answers
    from ui.app import create_kiosk_window

    app = QApplication.instance() or QApplication([])
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        window = create_kiosk_window(Path(tmp) / "nav.db", fullscreen=False, idle_warn_s=3600)
        window.resize(1280, 800)
        window.show()
        answers = sample_answers()
        for _ in range(rounds):
            window.start()
            for link_id, value in answers.items():
                window.session.answer(link_id, value)
            while window.stack.currentWidget() is window.section_page:
                t0 = time.perf_counter()
                window.next()
                app.processEvents()
                times.append(time.perf_counter() - t0)
            window.reset()
        window.shutdown()
    return times


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(runs: int = 10, rounds: int = 5) -> dict[str, float]:
    # As installed: byte-compiled (an editable checkout with PYTHONDONTWRITEBYTECODE has no .pyc)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "kiosk"), str(ROOT / "ui")], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        bare = startup(BARE, runs, str(Path(tmp) / "a.db"))
        kiosk = startup(KIOSK, runs, str(Path(tmp) / "b.db"))
    nav = navigation(rounds)
    return {
        "bare_window_ms": round(statistics.median(bare) * 1000, 1),
        "kiosk_welcome_ms": round(statistics.median(kiosk) * 1000, 1),
        "startup_ratio": round(statistics.median(kiosk) / statistics.median(bare), 2),
        "nav_median_ms": round(statistics.median(nav) * 1000, 2),
        "nav_p95_ms": round(pct(nav, 0.95) * 1000, 2),
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
    print(f"nav_median_ms               {figures['nav_median_ms']:>8}")
    print(f"nav_p95_ms                  {figures['nav_p95_ms']:>8}     target < 50")
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
