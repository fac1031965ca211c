"""Rules engine throughput: assessments per second over the shared examples, on one core.

    python tests/bench/bench_rules.py [--seconds 3] [--out bench-rules.json]

Prints the figures and writes them as JSON. ``assess_per_s`` times the engine on already
validated answers (what submit does after each answer was checked as it was given);
``validate_and_assess_per_s`` adds parsing the flat answers map.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kiosk.answers import validate_answers  # noqa: E402
from kiosk.questionnaire import default_questionnaire  # noqa: E402
from kiosk.rules import assess, load_rulepack  # noqa: E402

EXAMPLES = ROOT.parent / "shared" / "spec" / "examples"


def rate(fn, cases, seconds: float) -> float:  # type: ignore[no-untyped-def]
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for case in cases:
            fn(case)
        done += len(cases)
    return done / (time.perf_counter() - start)


def measure(seconds: float = 3.0) -> dict[str, float]:
    q = default_questionnaire()
    pack = load_rulepack(questionnaire=q)
    raw = [json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("s*.json"))]
    clean = [validate_answers(q, a)[0] for a in raw]
    for a in clean:  # warm up
        assess(pack, q, a)
    return {
        "assess_per_s": round(rate(lambda a: assess(pack, q, a), clean, seconds)),
        "validate_and_assess_per_s": round(rate(lambda a: assess(pack, q, validate_answers(q, a)[0]), raw, seconds)),
        "examples": len(raw),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=Path("bench-rules.json"))
    args = parser.parse_args()
    figures = measure(args.seconds)
    figures["python"] = platform.python_version()  # type: ignore[assignment]
    figures["machine"] = platform.machine()  # type: ignore[assignment]
    print(f"assess_per_s               {figures['assess_per_s']:>8}   target >= 5000")
    print(f"validate_and_assess_per_s  {figures['validate_and_assess_per_s']:>8}")
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
