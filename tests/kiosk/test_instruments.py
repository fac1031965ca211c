"""Instrument packs: a clinic's licensed wording loads into the item slots; a bad pack is
reported and ignored. The wording here is made up: no licensed text is in the repository."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kiosk.flow import Flow
from kiosk.instruments import InstrumentPackError, apply_packs, load_packs, parse_pack


def fake_pack(instrument: str = "odi") -> dict[str, Any]:
    return {"instrument": instrument, "licence": "Test clinic, test licence",
            "items": {f"{instrument}.{n}": {"text": {"en": f"Made-up question {n}", "es": f"Pregunta inventada {n}"},
                                            "answers": [{"en": f"Made-up answer {v}"} for v in range(6)]}
                      for n in range(1, 11)}}


def write_pack(folder: Path, data: dict[str, Any], name: str = "odi.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(data))
    return path


def test_a_pack_fills_the_slots_and_makes_them_required(questionnaire, tmp_path) -> None:
    write_pack(tmp_path, fake_pack())
    packs, errors = load_packs(tmp_path)
    assert errors == [] and [p.instrument for p in packs] == ["odi"]
    q = apply_packs(questionnaire, packs)
    item = q.items["odi.3"]
    assert item.text.get("es") == "Pregunta inventada 3" and item.required and len(item.value_labels) == 6
    assert q.items["ndi.3"].required is False  # no NDI pack
    assert questionnaire.items["odi.3"].required is False  # the shipped model is untouched
    flow = Flow(q, instruments=("odi",))
    answers = {"pain.region": "lowback"}
    page = flow.page_at("odi.2", answers)
    assert page is not None and page.items[0] == "odi.2"
    assert flow.page_problems(page, answers) == {i: "required" for i in flow.visible(page, answers)}


@pytest.mark.parametrize(("mutate", "fragment"), [
    (lambda d: d.update(instrument="sf36"), "instrument"),
    (lambda d: d.pop("licence"), "licence"),
    (lambda d: d["items"].pop("odi.4"), "odi.4: missing"),
    (lambda d: d["items"]["odi.2"]["answers"].pop(), "odi.2.answers"),
    (lambda d: d["items"]["odi.5"].update(text={"es": "solo español"}), "odi.5.text"),
    (lambda d: d["items"].update({"odi.11": {}}), "odi.11"),
])
def test_bad_packs_name_the_problem(mutate, fragment) -> None:
    data = fake_pack()
    mutate(data)
    with pytest.raises(InstrumentPackError) as info:
        parse_pack(data, "clinic.json")
    assert any(fragment in p for p in info.value.problems), info.value.problems


def test_a_broken_file_is_reported_and_the_good_one_kept(tmp_path) -> None:
    write_pack(tmp_path, fake_pack("ndi"), "ndi.json")
    (tmp_path / "odi.json").write_text("{broken")
    packs, errors = load_packs(tmp_path)
    assert [p.instrument for p in packs] == ["ndi"]
    assert len(errors) == 1 and "odi.json" in str(errors[0])
    assert load_packs(tmp_path / "missing") == ([], [])


def test_a_deeply_nested_pack_is_reported_and_intakes_still_start(tmp_path, questionnaire) -> None:
    (tmp_path / "deep.json").write_text("[" * 5000 + "]" * 5000)
    packs, errors = load_packs(tmp_path)
    assert packs == [] and len(errors) == 1
    assert "nested more than 64 levels deep" in str(errors[0]) and "deep.json" in str(errors[0])
    assert apply_packs(questionnaire, packs) is not None  # the kiosk goes on with PEG only
