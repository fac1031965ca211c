"""PEG, ODI and NDI scores from the flat answers map.

ODI and NDI are scored only from answered items and only when at least ``MIN_ITEMS`` of
the ten are answered (the instruments' own convention; ``odi.8`` may be skipped).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MIN_ITEMS = 8
ITEMS = 10


def _ints(answers: Mapping[str, Any], link_ids: list[str]) -> list[int] | None:
    values = [answers.get(k) for k in link_ids]
    if any(not isinstance(v, int) or isinstance(v, bool) for v in values):
        return None
    return values  # type: ignore[return-value]


def peg(answers: Mapping[str, Any]) -> float | None:
    """The 3-item PEG: mean of average pain, enjoyment and activity interference (0-10)."""
    values = _ints(answers, ["pain.nrs.avg", "peg.enjoyment", "peg.activity"])
    return sum(values) / 3 if values else None


def peg_interference(answers: Mapping[str, Any]) -> float | None:
    """Mean of the two PEG interference items (enjoyment, general activity)."""
    values = _ints(answers, ["peg.enjoyment", "peg.activity"])
    return sum(values) / 2 if values else None


# The questionnaire's calculated items by the name the loader gives them (``peg.score``).
CALCULATED = {"peg": peg}


def instrument_values(answers: Mapping[str, Any], prefix: str) -> list[int]:
    out = []
    for n in range(1, ITEMS + 1):
        v = answers.get(f"{prefix}.{n}")
        if isinstance(v, int) and not isinstance(v, bool):
            out.append(v)
    return out


def odi_percent(answers: Mapping[str, Any]) -> float | None:
    """Oswestry: sum / (5 x answered) x 100, with at least MIN_ITEMS answered."""
    values = instrument_values(answers, "odi")
    if len(values) < MIN_ITEMS:
        return None
    return sum(values) / (5 * len(values)) * 100


def ndi_score(answers: Mapping[str, Any]) -> float | None:
    """Neck Disability Index raw score 0-50, prorated (mean x 10) when 8 or 9 items are answered."""
    values = instrument_values(answers, "ndi")
    if len(values) < MIN_ITEMS:
        return None
    return float(sum(values)) if len(values) == ITEMS else sum(values) / len(values) * ITEMS


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value + 0.0, digits)
