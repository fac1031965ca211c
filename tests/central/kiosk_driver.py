"""A kiosk for the end-to-end test, as a process of its own: it starts as the kiosk does (the
one-kiosk-per-database lock, drafts left by a crash abandoned), then patients answer one
question at a time through the same IntakeSession the wizard uses, and submit.

    python tests/central/kiosk_driver.py DB COUNT SEED [PAUSE_S]

Prints "answering N" before each intake, so the test can kill it in the middle of one.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kiosk.instance import InstanceLock  # noqa: E402
from kiosk.questionnaire import default_questionnaire  # noqa: E402
from kiosk.rules import load_rulepack  # noqa: E402
from kiosk.session import IntakeSession  # noqa: E402
from kiosk.store import Store  # noqa: E402

EXAMPLES = ROOT.parent / "shared" / "spec" / "examples"
NAMES = ["s1_fibromyalgia", "s2_thoracic_short_care", "s4_pacemaker_rfa_workup", "s5_daily_aspirin",
         "s6_cervical_arm_pain", "s7_fever_unsure", "s8_rfa_30_months_ago"]


def main(db: str, count: int, seed: int, pause: float) -> int:
    rng = random.Random(seed)
    q = default_questionnaire()
    pack = load_rulepack(questionnaire=q)
    lock = InstanceLock(db)
    with Store(db) as store:
        lock.acquire()
        store.abandon_stale_drafts("restart")
        for n in range(count):
            answers = json.loads((EXAMPLES / f"{rng.choice(NAMES)}.json").read_text())
            answers.pop("_mode", None)
            session = IntakeSession(store, q, pack, language=rng.choice(["en", "es"]))
            print(f"answering {n}", flush=True)
            for link_id, value in answers.items():
                if session.answer(link_id, value) is None:
                    time.sleep(pause)  # a patient reading the next question
            session.submit()
            print(f"submitted {n}", flush=True)
    lock.release()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) > 4 else 0.003))
