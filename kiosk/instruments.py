"""Licensed instrument packs (ODI, NDI): the clinic's own copy of the item wording.

The repository ships only the scoring and the item slots ``odi.1``..``odi.10`` and
``ndi.1``..``ndi.10``. A clinic that holds a licence puts a pack file in its instruments
folder (``KIOSK_INSTRUMENTS``, else ``instruments/`` beside the database). A pack is JSON::

    {"instrument": "odi", "licence": "who licensed it, to whom",
     "items": {"odi.1": {"text": {"en": "...", "es": "..."},
                         "answers": [{"en": "...", "es": "..."}, ... six, for 0 to 5]}, ...}}

With a pack, the wizard asks that instrument (required, as the rules expect); without one it
asks PEG only. A pack that cannot be used is reported and ignored: the kiosk still runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kiosk.questionnaire import Questionnaire, Text, index_items
from kiosk.resources import read_json

INSTRUMENTS = ("odi", "ndi")
ITEMS = 10
VALUES = 6  # answers 0 to 5


class InstrumentPackError(ValueError):
    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclasses.dataclass(frozen=True)
class InstrumentPack:
    instrument: str
    licence: str
    items: Mapping[str, tuple[Text, tuple[Text, ...]]]


def _text(raw: Any, where: str, problems: list[str]) -> Text:
    if not isinstance(raw, dict) or not isinstance(raw.get("en"), str) or not raw["en"].strip():
        problems.append(f"{where}: needs an English text ('en')")
        return Text("")
    other = {k: v for k, v in raw.items() if k != "en" and isinstance(v, str) and v.strip()}
    return Text(raw["en"], other)


def parse_pack(data: Any, source: str = "pack") -> InstrumentPack:
    problems: list[str] = []
    if not isinstance(data, dict) or data.get("instrument") not in INSTRUMENTS:
        raise InstrumentPackError(source, [f"'instrument' must be one of {', '.join(INSTRUMENTS)}"])
    name = data["instrument"]
    if not isinstance(data.get("licence"), str) or not data["licence"].strip():
        problems.append("'licence' must say who holds the licence")
    raw_items = data.get("items")
    if not isinstance(raw_items, dict):
        raise InstrumentPackError(source, problems + ["'items' must be an object keyed by linkId"])
    items = {}
    for n in range(1, ITEMS + 1):
        link_id = f"{name}.{n}"
        raw = raw_items.get(link_id)
        if not isinstance(raw, dict):
            problems.append(f"{link_id}: missing")
            continue
        text = _text(raw.get("text"), f"{link_id}.text", problems)
        answers = raw.get("answers")
        if not isinstance(answers, list) or len(answers) != VALUES:
            problems.append(f"{link_id}.answers: needs {VALUES} answers, for 0 to 5")
            continue
        items[link_id] = (text, tuple(_text(a, f"{link_id}.answers[{i}]", problems) for i, a in enumerate(answers)))
    unknown = sorted(set(raw_items) - {f"{name}.{n}" for n in range(1, ITEMS + 1)})
    if unknown:
        problems.append(f"unknown items {', '.join(unknown)}")
    if problems:
        raise InstrumentPackError(source, problems)
    return InstrumentPack(name, data["licence"], items)


def load_packs(folder: Path | str | None) -> tuple[list[InstrumentPack], list[InstrumentPackError]]:
    """Every usable pack in ``folder`` and the errors of the others (a missing folder: none)."""
    packs: list[InstrumentPack] = []
    errors: list[InstrumentPackError] = []
    if folder is None or not Path(folder).is_dir():
        return packs, errors
    for path in sorted(Path(folder).glob("*.json")):
        try:
            data, _ = read_json(path)
            packs.append(parse_pack(data, str(path)))
        except InstrumentPackError as exc:
            errors.append(exc)
        except ValueError as exc:  # unreadable or not JSON
            errors.append(InstrumentPackError(str(path), [str(exc)]))
    return packs, errors


def apply_packs(q: Questionnaire, packs: list[InstrumentPack]) -> Questionnaire:
    """The questionnaire with the packs' wording in their item slots, now required."""
    items = dict(q.items)
    for pack in packs:
        for link_id, (text, labels) in pack.items.items():
            items[link_id] = dataclasses.replace(items[link_id], text=text, required=True, value_labels=labels)

    def rebuild(item: Any) -> Any:
        if item.children:
            return dataclasses.replace(items[item.link_id], children=tuple(rebuild(c) for c in item.children))
        return items[item.link_id]

    sections = tuple(rebuild(s) for s in q.sections)
    return dataclasses.replace(q, sections=sections, items=index_items(sections))
