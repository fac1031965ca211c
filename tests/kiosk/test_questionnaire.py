"""The shipped questionnaire: FHIR-valid, exactly the spec's items, and the loader's checks."""

from __future__ import annotations

import copy
import json
import re

import jsonschema
import pytest

from kiosk.questionnaire import QuestionnaireError, load_questionnaire, parse_questionnaire
from kiosk.resources import DEFAULT_QUESTIONNAIRE, resource
from tests.conftest import FHIR_SCHEMA, SHARED

MODALITIES = ["nsaid", "acetaminophen", "other_med", "pt", "exercise", "chiro", "acupuncture"]


def spec_rows() -> dict[str, list[str]]:
    """linkId -> table cells, read from intake-items.md (care.<m> and odi/ndi expanded)."""
    rows: dict[str, list[str]] = {}
    for line in (SHARED / "spec" / "intake-items.md").read_text().splitlines():
        m = re.match(r"\|\s*`([a-z][a-z0-9_.<>]*)`( \.\. `[a-z0-9.]+`)?\s*\|(.*)", line)
        if not m:
            continue
        link, cells = m.group(1), [c.strip() for c in m.group(3).split("|")]
        if "<m>" in link:
            for mod in MODALITIES:
                rows[link.replace("<m>", mod)] = cells
        elif m.group(2):
            prefix = link.rsplit(".", 1)[0]
            for n in range(1, 11):
                rows[f"{prefix}.{n}"] = cells
        else:
            rows[link] = cells
    return rows


def raw_questionnaire() -> dict:  # type: ignore[type-arg]
    return json.loads(resource(*DEFAULT_QUESTIONNAIRE).read_text())  # type: ignore[no-any-return]


def test_questionnaire_is_valid_fhir_r4() -> None:
    schema = json.loads(FHIR_SCHEMA.read_text())
    validator = jsonschema.Draft6Validator({"$ref": "#/definitions/Questionnaire", "definitions": schema["definitions"]})
    errors = [f"{list(e.path)}: {e.message[:120]}" for e in validator.iter_errors(raw_questionnaire())]
    assert errors == []


# Items the kiosk adds to intake-items.md (it adds, never renames; docs/fhir.md): the patient
# number from the front desk's slip, asked only when the clinic turns it on.
ADDED = {"patient.number"}


def test_holds_exactly_the_spec_items(questionnaire) -> None:
    spec = spec_rows()
    ours = {i.link_id for i in questionnaire.answerable()}
    assert ours == set(spec) | ADDED
    assert not ADDED & set(spec)
    assert all(questionnaire.items[k].clinic_option and not questionnaire.items[k].required for k in ADDED)


def test_codes_match_the_spec(questionnaire) -> None:
    spec = spec_rows()
    for link_id, cells in spec.items():
        item = questionnaire.items[link_id]
        codes_in_spec = re.findall(r"`([a-z0-9_]+)`", cells[1]) if len(cells) > 1 else []
        if cells[0].startswith("yn") or (link_id.startswith("rf.") and item.type == "choice"):
            assert item.option_codes() == ("yes", "no", "unsure"), link_id
        elif item.type == "choice" and link_id not in ("pain.map",) and codes_in_spec and not link_id.startswith("care."):
            assert set(item.option_codes()) == set(codes_in_spec), link_id
    body_codes = re.findall(r"`([a-z_]+)`", (SHARED / "spec" / "intake-items.md").read_text()
                            .split("Body-map codes")[1].split("Limb areas")[0])
    assert questionnaire.items["pain.map"].option_codes() == tuple(body_codes)
    for mod in MODALITIES:
        assert questionnaire.items[f"care.{mod}"].option_codes() == ("yes", "no", "not_tolerated", "unsure")
        assert questionnaire.items[f"care.{mod}.relief"].option_codes() == ("none", "little", "some", "lot")


def test_ranges_and_required_match_the_spec(questionnaire) -> None:
    for link_id, cells in spec_rows().items():
        item = questionnaire.items[link_id]
        rng = re.search(r"(\d+)-(\d+)", " ".join(cells[:2]))
        if item.type == "integer":
            assert rng, link_id
            assert (item.min_value, item.max_value) == (int(rng.group(1)), int(rng.group(2))), link_id
        if item.instrument:
            assert not item.required  # required only when the licensed pack is installed
    required_no = {"pain.nrs.worst", "pain.worse_with", "safety.anticoag.which", "patient.number"} | {
        f"care.{m}.relief" for m in MODALITIES}
    for item in questionnaire.answerable():
        if item.instrument:
            continue
        assert item.required == (item.link_id not in required_no), item.link_id
    assert questionnaire.items["pain.map"].repeats and questionnaire.items["dx"].repeats
    assert questionnaire.items["patient.birthdate"].age_range == (18, 110)
    assert questionnaire.items["patient.given"].max_length == 60


def test_every_patient_string_has_spanish(questionnaire) -> None:
    missing = []
    for item in questionnaire.items.values():
        if "es" not in item.text.other:
            missing.append(item.link_id)
        missing += [f"{item.link_id}:{o.code}" for o in item.options if "es" not in o.display.other]
        if item.anchors:
            missing += [f"{item.link_id}:anchors" for a in item.anchors if "es" not in a.other]
    assert missing == []


def test_no_licensed_instrument_text_is_shipped(questionnaire) -> None:
    text = resource(*DEFAULT_QUESTIONNAIRE).read_text().lower()
    # Signature phrases of the ODI and NDI item stems must never be in the repository.
    for phrase in ("pain intensity", "personal care (washing, dressing", "lifting", "sex life", "concentration"):
        assert phrase not in text
    assert all(i.text.en.endswith("licensed instrument pack)") for i in questionnaire.answerable() if i.instrument)


def test_enable_when_matches_the_spec(questionnaire) -> None:
    from kiosk.answers import enablement

    def on(answers: dict) -> set[str]:  # type: ignore[type-arg]
        return {k for k, v in enablement(questionnaire, answers).items() if v is True}

    assert "pain.numbness" in on({"pain.map": ["low_back", "thigh_l"]})
    assert "pain.numbness" not in on({"pain.map": ["low_back", "upper_back"]})
    assert "pain.claudication" in on({"pain.region": "lowback"})
    assert "pain.claudication" not in on({"pain.region": "neck"})
    assert {"rf.hands_gait", "rf.neck_vascular"} <= on({"pain.region": "neck"})
    assert "rf.legs_at_rest" in on({"pain.region": "midback"}) - on({"pain.region": "neck"})
    assert "safety.pregnant" in on({"patient.sex": "decline"})
    assert "safety.pregnant" not in on({"patient.sex": "male"})
    assert "safety.sugar_high" in on({"safety.diabetes": "yes_insulin"})
    assert "safety.sugar_high" not in on({"safety.diabetes": "no"})
    assert "care.total_weeks" in on({"care.chiro": "yes"})
    assert "care.total_weeks" not in on({"care.chiro": "not_tolerated"})
    inj = on({"inj.any": "yes", "inj.mbb.count": 1, "inj.rfa.ever": "yes"})
    assert {"inj.mbb.last_relief", "inj.mbb.last_days", "inj.rfa.months_ago"} <= inj
    assert "inj.mbb.prev_relief" not in inj
    assert "inj.mbb.last_relief" not in on({"inj.any": "no", "inj.mbb.count": 3})  # chain: parent disabled
    assert {f"odi.{n}" for n in range(1, 11)} <= on({"pain.region": "lowback"})
    assert not {f"ndi.{n}" for n in range(1, 11)} & on({"pain.region": "lowback"})


def _broken(mutate) -> QuestionnaireError:  # type: ignore[no-untyped-def]
    data = copy.deepcopy(raw_questionnaire())
    mutate(data)
    with pytest.raises(QuestionnaireError) as info:
        parse_questionnaire(data, "broken.json")
    return info.value


def _item(data: dict, link_id: str) -> dict:  # type: ignore[type-arg]
    for group in data["item"]:
        for item in group["item"]:
            if item["linkId"] == link_id:
                return item  # type: ignore[no-any-return]
    raise KeyError(link_id)


def test_duplicate_link_id_is_named() -> None:
    err = _broken(lambda d: _item(d, "pain.nrs.now").update(linkId="pain.nrs.avg"))
    assert any("pain.nrs.avg" in p and "more than once" in p for p in err.problems)


def test_enable_when_to_unknown_target_is_named() -> None:
    err = _broken(lambda d: _item(d, "pain.claudication")["enableWhen"][0].update(question="pain.nope"))
    assert any(p.startswith("pain.claudication:") and "pain.nope" in p for p in err.problems)


def test_choice_without_options_is_named() -> None:
    err = _broken(lambda d: _item(d, "surgery").pop("answerOption"))
    assert "surgery: choice item has no answer options" in err.problems


def test_group_without_children_is_named() -> None:
    err = _broken(lambda d: d["item"][2].update(item=[]))
    assert any(p.startswith("function:") and "no items" in p for p in err.problems)


def test_not_a_questionnaire_and_bad_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QuestionnaireError, match="not a FHIR Questionnaire"):
        parse_questionnaire({"resourceType": "Patient"})
    bad = tmp_path / "q.json"
    bad.write_text("{oops")
    with pytest.raises(QuestionnaireError, match="not valid JSON"):
        load_questionnaire(bad)
    with pytest.raises(QuestionnaireError, match="cannot read"):
        load_questionnaire(tmp_path / "missing.json")


def test_help_and_scale_ends_travel_as_sdc_display_items_in_both_languages(questionnaire) -> None:  # type: ignore[no-untyped-def]
    """SDC carries them (display children with itemControl help, lower, upper), so other renderers
    show them too; the kiosk reads them from there, with their translations."""
    text = resource(*DEFAULT_QUESTIONNAIRE).read_text()
    assert "StructureDefinition/help" not in text and "StructureDefinition/scale-anchors" not in text
    helped = {i.link_id for i in questionnaire.items.values() if i.help}
    assert helped == {"consent", "care.nsaid", "care.pt", "patient.number"}
    assert all(questionnaire.items[k].help.get("es") != questionnaire.items[k].help.en for k in helped)
    scales = {i.link_id: i.anchors for i in questionnaire.items.values() if i.anchors}
    assert set(scales) == {"pain.nrs.now", "pain.nrs.avg", "pain.nrs.worst", "peg.enjoyment", "peg.activity"}
    assert scales["pain.nrs.now"][0].get("es") == "Sin dolor"
    assert not any(k.endswith((".help", ".lower", ".upper")) for k in questionnaire.items)  # never questions


def test_the_python_fhir_models_read_the_questionnaire() -> None:
    """fhir.resources (its R4B models; R4's Questionnaire is the same here) refused translations
    inside extensions (its issue #204): the help texts and scale ends now travel as display items."""
    from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire

    parsed = FhirQuestionnaire.model_validate(json.loads(resource(*DEFAULT_QUESTIONNAIRE).read_text()))
    assert parsed.url.endswith("/Questionnaire/facet-intake") and parsed.item


def test_every_item_says_how_other_renderers_should_show_it() -> None:
    """SDC itemControl on every choice (radio buttons, check boxes) and 0-10 scale (a slider in
    steps of 1), entryFormat on the date of birth."""
    raw = json.loads(resource(*DEFAULT_QUESTIONNAIRE).read_text())
    controls: dict[str, str] = {}
    formats: dict[str, str] = {}

    def walk(items: list[dict[str, object]]) -> None:
        for item in items:
            for ext in item.get("extension", []):  # type: ignore[attr-defined]
                if ext["url"].endswith("questionnaire-itemControl"):
                    controls[str(item["linkId"])] = ext["valueCodeableConcept"]["coding"][0]["code"]
                if ext["url"].endswith("entryFormat"):
                    formats[str(item["linkId"])] = ext["valueString"]
            walk(item.get("item", []))  # type: ignore[arg-type]

    walk(raw["item"])
    q = load_questionnaire()
    for item in q.items.values():
        if item.type == "choice":
            assert controls[item.link_id] == ("check-box" if item.repeats else "radio-button"), item.link_id
        if item.anchors:
            assert controls[item.link_id] == "slider", item.link_id
    assert formats == {"patient.birthdate": "YYYY-MM-DD"}


def test_the_kiosks_checks_travel_as_sdc_regex_and_constraints(questionnaire) -> None:  # type: ignore[no-untyped-def]
    text = resource(*DEFAULT_QUESTIONNAIRE).read_text()
    for gone in ("must-be-true", "allowed-characters", "age-range", "StructureDefinition/help", "scale-anchors"):
        assert f"facet-intake/{gone}" not in text and f"StructureDefinition/{gone}\"" not in text
    own = set(re.findall(r"facet-kiosk\.example\.org/fhir/StructureDefinition/([a-z-]+)", text))
    assert own == {"red-flag", "red-flag-tone", "body-map", "instrument", "clinic-option"}  # no SDC carrier for these
    assert questionnaire.items["consent"].must_be_true
    assert questionnaire.items["patient.birthdate"].age_range == (18, 110)
    assert questionnaire.items["patient.family"].allowed_characters == "name"


def test_a_constraint_the_kiosk_cannot_check_is_refused_not_ignored() -> None:
    data = json.loads(resource(*DEFAULT_QUESTIONNAIRE).read_text())
    consent = data["item"][0]["item"][0] if data["item"][0]["item"][0]["linkId"] == "consent" else None
    assert consent is not None
    for ext in consent["extension"]:
        if ext["url"].endswith("questionnaire-constraint"):
            ext["extension"][2]["valueString"] = "answer.value.exists()"
    with pytest.raises(QuestionnaireError, match="not one the kiosk can check"):
        parse_questionnaire(data)


def test_the_peg_score_is_worked_out_never_asked(questionnaire) -> None:  # type: ignore[no-untyped-def]
    score = questionnaire.calculated["peg.score"]
    assert (score.parent, score.after, score.score) == ("function", "peg.activity", "peg")
    assert score.codes == (("http://loinc.org", "91147-9"),) and score.observation
    assert "peg.score" not in questionnaire.items  # no page, no answer check, no required answer
    assert "es" in score.text.other


def test_a_calculation_the_kiosk_cannot_make_is_refused_not_ignored() -> None:
    def mutate(d: dict) -> None:  # type: ignore[type-arg]
        for ext in _item(d, "peg.score")["extension"]:
            if ext["url"].endswith("calculatedExpression"):
                ext["valueExpression"]["expression"] = "%resource.item.count()"
    err = _broken(mutate)
    assert any(p.startswith("peg.score:") and "not one the kiosk can make" in p for p in err.problems)


def test_a_calculated_item_a_renderer_would_show_or_let_be_typed_is_refused() -> None:
    shown = _broken(lambda d: _item(d, "peg.score").update(
        extension=[e for e in _item(d, "peg.score")["extension"] if not e["url"].endswith("questionnaire-hidden")]))
    typed = _broken(lambda d: _item(d, "peg.score").update(readOnly=False))
    for err in (shown, typed):
        assert any(p.startswith("peg.score:") and "hidden, read-only" in p for p in err.problems)
    twice = _broken(lambda d: _item(d, "peg.score").update(linkId="peg.activity"))
    assert any(p.startswith("peg.activity:") and "more than once" in p for p in twice.problems)


def test_a_pattern_the_kiosk_cannot_check_is_refused_not_ignored() -> None:
    def mutate(d: dict) -> None:  # type: ignore[type-arg]
        for ext in _item(d, "patient.number")["extension"]:
            if ext["url"].endswith("/regex"):
                ext["valueString"] = "^[A-Z]{3}$"
    err = _broken(mutate)
    assert any(p.startswith("patient.number:") and "not one the kiosk can check" in p for p in err.problems)
