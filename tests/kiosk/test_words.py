"""Issue 10, item 7: the words a patient reads. Spanish as a native speaker writes it (no English
left, gender-neutral or agreeing, commas after "Por favor" and "por ejemplo"); English without
unexplained jargon; brand names beside generic blood thinners."""

from __future__ import annotations

import re

import pytest

from kiosk.i18n import catalog
from kiosk.picks import COUNTS, DAYS, MONTHS, PERCENT, WEEKS, answer_words, quick_choices
from kiosk.questionnaire import Item, Questionnaire

# strings that are the same in both languages on purpose
SAME = {"lang.en", "lang.es", "text.normal", "text.large", "text.largest", "welcome.language", "bool.false",
        "entry.date_placeholder"}


def patient_texts(q: Questionnaire, lang: str) -> dict[str, str]:
    """Every questionnaire string a patient can see, by where it is (instrument slots excluded:
    their words come from the clinic's licensed pack)."""
    out = {}
    for item in q.items.values():
        if item.instrument:
            continue
        out[item.link_id] = item.text.get(lang)
        if item.help:
            out[f"{item.link_id} help"] = item.help.get(lang)
        for n, end in enumerate(item.anchors or ()):
            out[f"{item.link_id} anchor {n}"] = end.get(lang)
        for option in item.options:
            out[f"{item.link_id}:{option.code}"] = option.display.get(lang)
    return out


def test_no_english_is_left_in_spanish(questionnaire) -> None:
    en, es = catalog("en"), catalog("es")
    assert set(en) == set(es)
    same = sorted(k for k in en if en[k] == es[k] and k not in SAME)
    assert same == []
    english, spanish = patient_texts(questionnaire, "en"), patient_texts(questionnaire, "es")
    untranslated = [k for k, v in spanish.items() if v == english[k] and v not in ("No",) and not k.startswith("ndi")]
    assert untranslated == []


@pytest.mark.parametrize("lang", ["es"])
def test_spanish_reads_as_a_native_speaker_writes_it(questionnaire, lang) -> None:
    texts = list(catalog(lang).values()) + list(patient_texts(questionnaire, lang).values())
    for text in texts:
        assert not re.search(r"\bPor favor [^,]", text), text  # "Por favor, ..."
        assert not re.search(r"\bpor ejemplo [^,]", text), text  # "por ejemplo, ..."
        for clumsy in ("No estoy seguro", "Bienvenido", "Es alérgico", "acostado", "sentado", "enfermeras"):
            assert clumsy not in text, text  # gendered where a neutral phrase reads as well
    words = patient_texts(questionnaire, lang)
    assert all(words[f"{i.link_id}:unsure"] == "No sé" for i in questionnaire.items.values() if i.option("unsure"))
    for link_id in ("care.nsaid", "care.other_med", "care.pt", "care.chiro", "care.acupuncture"):
        assert "¿la ha probado" in words[link_id], words[link_id]  # feminine nouns
    for link_id in ("care.acetaminophen", "care.exercise"):
        assert "¿lo ha probado" in words[link_id], words[link_id]
    assert catalog(lang)["welcome.title"] == "Le damos la bienvenida"
    assert "control de la orina o de las heces" in words["rf.bladder_bowel"]
    assert catalog(lang)["entry.date_placeholder"] == "AAAA-MM-DD"


def test_english_explains_its_medical_words(questionnaire) -> None:
    words = patient_texts(questionnaire, "en")
    plain = {"cirrhosis": "liver disease", "dialysis": "cleans your blood", "ablation": "treated with heat",
             "stenosis": "too narrow"}
    for jargon, explained in plain.items():
        uses = [text for text in words.values() if jargon in text.lower()]
        assert uses, jargon
        assert all(explained in text for text in uses), uses


def test_generic_blood_thinners_name_their_brands(questionnaire) -> None:
    which = questionnaire.items["safety.anticoag.which"]
    for code in ("warfarin", "doac", "heparin", "antiplatelet"):
        for lang in ("en", "es"):
            display = which.option(code).display.get(lang)  # type: ignore[union-attr]
            generics = re.split(r",| or | o ", re.sub(r"\([^)]*\)", "", display).replace("injections", "")
                                .replace("Inyecciones de", ""))
            named = [g.strip() for g in generics if g.strip()]
            assert display.count("(") >= len(named) - (1 if code == "heparin" else 0), display


def test_quick_choices_hold_every_rule_threshold(questionnaire) -> None:
    """A quick answer never lands on the wrong side of a rule: 6 and 12 weeks, 14 days, 3, 6 and
    24 months, 30, 50 and 80 % are all choices of their own (rules.md)."""
    assert {6, 12} <= set(WEEKS) and 14 in DAYS and {3, 6, 24} <= set(MONTHS) and {30, 50, 80} <= set(PERCENT)
    assert {0, 1, 2, 4} <= set(COUNTS)
    for item in questionnaire.items.values():
        if item.type == "integer" and item.unit is not None:
            values = [p.value for p in quick_choices(item, "en")]
            assert values and all(item.min_value <= v <= item.max_value for v in values), item.link_id  # type: ignore[operator]


def test_the_review_says_answers_in_words(questionnaire: Questionnaire) -> None:
    items: dict[str, Item] = questionnaire.items
    assert answer_words(items["care.pt.weeks"], 12, "en") == "12 weeks"
    assert answer_words(items["care.pt.weeks"], 1, "es") == "1 semana"
    assert answer_words(items["inj.mbb.last_relief"], 60, "en") == "60%"
    assert answer_words(items["inj.mbb.last_relief"], 60, "es") == "60 %"
    assert answer_words(items["patient.birthdate"], "1962-01-01", "en") == "January 1, 1962"
    assert answer_words(items["patient.birthdate"], "1962-01-01", "es") == "1 de enero de 1962"
    assert answer_words(items["pain.map"], ["low_back", "buttock_l"], "es") == "Parte baja de la espalda, Nalga izquierda"
    assert answer_words(items["consent"], None, "en") == "Not answered"
