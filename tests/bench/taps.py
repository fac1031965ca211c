"""How many screens and taps a patient needs, from Start to the review page, for each complete
public example: a patient who only taps (answers, quick choices, date choices, each typed letter on
the on-screen keyboard, Done, Next), as tests/ui/patient.py does at the glass.

    python tests/bench/taps.py [--size 1280x800] [--out taps.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT.parent / "shared" / "spec" / "examples"


def count(size: str) -> dict[str, dict[str, int]]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from kiosk.clock import FakeClock
    from kiosk.flow import Flow
    from kiosk.questionnaire import default_questionnaire
    from tests.ui.patient import TappingPatient
    from ui.app import create_kiosk_window

    app = QApplication.instance() or QApplication([])
    width, height = (int(n) for n in size.split("x"))
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        flow = Flow(default_questionnaire())
        for path in sorted(EXAMPLES.glob("s*.json")):
            answers = json.loads(path.read_text())
            if flow.first_incomplete(answers) is not None:
                continue  # an example with answers missing on purpose cannot reach the review
            window = create_kiosk_window(Path(tmp) / f"{path.stem}.db", fullscreen=False, clock=FakeClock(),
                                         idle_warn_s=3600)
            window.resize(width, height)
            window.show()
            QTest.qWaitForWindowExposed(window)
            window.activateWindow()
            walk = TappingPatient(window, answers).to_review()
            out[path.stem] = {"screens": walk.screens, "taps": walk.taps, "typed": walk.typed}
            window.shutdown()
            window.deleteLater()
            app.processEvents()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--out", type=Path, default=Path("taps.json"))
    args = parser.parse_args()
    figures = count(args.size)
    print(f"{'example':34} {'screens':>8} {'taps':>6} {'typed':>6}")
    for name, f in figures.items():
        print(f"{name:34} {f['screens']:>8} {f['taps']:>6} {f['typed']:>6}")
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
