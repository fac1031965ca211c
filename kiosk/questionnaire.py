"""Load the FHIR R4 Questionnaire into a small typed model and check what the schema cannot.

The model is what every other part reads: the wizard builds its pages from it, the answer
validator checks values against it and the rules engine asks it which items are enabled.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.codes import Language, values
from kiosk.resources import DEFAULT_QUESTIONNAIRE, read_json, resource

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
OPTION_EXCLUSIVE = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"  # SDC: a UCUM coding
RED_FLAG_TONES = ("now", "nurse")  # tell the front desk now / a nurse will talk with you
EXT = "https://facet-kiosk.example.org/fhir/StructureDefinition/"
SYSTEM_FALLBACK = "https://facet-kiosk.example.org/fhir/CodeSystem/facet-intake"

ANSWER_TYPES = {"choice", "integer", "boolean", "string", "date", "decimal", "text"}
OPERATORS = {"exists", "=", "!=", ">", "<", ">=", "<="}
LANGUAGES = values(Language)


class QuestionnaireError(ValueError):
    """A questionnaire file that cannot be used. ``problems`` names each linkId and fault."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class Text:
    """A patient-facing string with its translations (``en`` is the FHIR ``text`` itself)."""

    en: str
    other: Mapping[str, str] = field(default_factory=dict)

    def get(self, lang: str) -> str:
        return self.other.get(lang) or self.en


@dataclass(frozen=True)
class Option:
    code: str
    display: Text
    exclusive: bool = False
    system: str = SYSTEM_FALLBACK


@dataclass(frozen=True)
class Condition:
    """One FHIR ``enableWhen``: ``question`` ``operator`` ``answer``."""

    question: str
    operator: str
    answer: Any


@dataclass(frozen=True)
class Item:
    link_id: str
    type: str
    text: Text
    required: bool = False
    repeats: bool = False
    options: tuple[Option, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None
    enable_when: tuple[Condition, ...] = ()
    enable_behavior: str = "all"
    children: tuple[Item, ...] = ()
    parent: str | None = None
    section: str = ""
    red_flag: bool = False
    instrument: str | None = None
    body_map: bool = False
    allowed_characters: str | None = None
    age_range: tuple[int, int] | None = None
    help: Text | None = None
    anchors: tuple[Text, Text] | None = None
    # (question, codes) when every enableWhen is "question = code" joined by "any": the
    # common shape, evaluated as one set lookup.
    equals_any: tuple[str, frozenset[Any]] | None = None
    must_be_true: bool = False  # a boolean the patient must confirm to go on (consent)
    value_labels: tuple[Text, ...] = ()  # words for each integer value (a licensed instrument pack)
    unit: str | None = None  # UCUM code of an integer's unit: wk, mo, d, %
    red_flag_tone: str = "now"  # how the patient is told: RED_FLAG_TONES
    codes: tuple[tuple[str, str], ...] = ()  # item.code as (system, code): LOINC where one exists
    observation: bool = False  # SDC observationExtract: delivered to the EHR as an Observation too
    clinic_option: str | None = None  # asked only when the clinic turns this option on (kiosk.settings)

    @property
    def is_group(self) -> bool:
        return self.type == "group"

    def option_codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)

    def option(self, code: str) -> Option | None:
        for o in self.options:
            if o.code == code:
                return o
        return None


@dataclass(frozen=True)
class Calculated:
    """An item the kiosk works out rather than asks (SDC ``calculatedExpression``, hidden and
    read-only): never shown to the patient, never taken from an answers file, written into every
    response from the patient's own answers. ``score`` names the ``kiosk.scoring`` function."""

    link_id: str
    parent: str
    after: str | None  # the sibling it follows in the questionnaire (None: the group's first)
    text: Text
    score: str
    codes: tuple[tuple[str, str], ...] = ()
    observation: bool = False


@dataclass(frozen=True)
class Questionnaire:
    url: str
    version: str
    title: Text
    sections: tuple[Item, ...]
    items: Mapping[str, Item]
    sha256: str = ""
    calculated: Mapping[str, Calculated] = field(default_factory=dict)

    @property
    def canonical(self) -> str:
        return f"{self.url}|{self.version}"

    def answerable(self) -> Iterator[Item]:
        """Every non-group item, in document order."""
        for item in self.items.values():
            if not item.is_group:
                yield item

    def get(self, link_id: str) -> Item | None:
        return self.items.get(link_id)


def _text(node: Mapping[str, Any], key: str) -> Text:
    en = node.get(key) or ""
    other: dict[str, str] = {}
    for ext in (node.get("_" + key) or {}).get("extension", []):
        if ext.get("url") != TRANSLATION:
            continue
        parts = {e.get("url"): e for e in ext.get("extension", [])}
        lang = parts.get("lang", {}).get("valueCode")
        content = parts.get("content", {}).get("valueString")
        if lang and content:
            other[lang] = content
    return Text(en, other)


def _ext(node: Mapping[str, Any], url: str) -> Mapping[str, Any] | None:
    for ext in node.get("extension", []) or []:
        if ext.get("url") == url:
            return ext  # type: ignore[no-any-return]
    return None


ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
CONSTRAINT = "http://hl7.org/fhir/StructureDefinition/questionnaire-constraint"
REGEX = "http://hl7.org/fhir/StructureDefinition/regex"
# The kiosk's name check (letters of any script, marks on them, spaces, hyphens, apostrophes) as
# the SDC regex other renderers apply; the kiosk recognises this pattern and runs its own check.
NAME_REGEX = "^[\\p{L}\\p{M}' .-]+$"
# A patient number from the front desk's slip: 4 to 20 digits (the kiosk's digit keypad).
NUMBER_REGEX = "^[0-9]{4,20}$"
ALLOWED = {NAME_REGEX: "name", NUMBER_REGEX: "digits"}
HIDDEN = "http://hl7.org/fhir/StructureDefinition/questionnaire-hidden"
CALCULATED_EXPRESSION = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
OBSERVATION_EXTRACT = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observationExtract"


def _answer_of(link_id: str) -> str:
    return f"%resource.repeat(item).where(linkId='{link_id}').answer.value.first()"


# The calculations the kiosk makes itself, by the exact FHIRPath it ships with (other renderers
# evaluate the expression; the kiosk runs its own scoring function of the same rule).
CALCULATIONS = {
    "((" + " + ".join(_answer_of(k) for k in ("pain.nrs.avg", "peg.enjoyment", "peg.activity")) + ") / 3).round(1)":
        "peg",
}
# The SDC constraints the kiosk enforces itself, by the exact FHIRPath it ships with.
_AGE_RANGE = re.compile(r"answer\.value <= today\(\) - (\d+) years and answer\.value >= today\(\) - (\d+) years")


def _checks(node: Mapping[str, Any], link_id: str, problems: list[str]) -> dict[str, Any]:
    """The item's questionnaire-constraints the kiosk knows: ``must-be-true`` (``answer.value =
    true``) and ``age-range`` (an age from/to, in years, of a date). Any other expression is a
    problem: a check the kiosk would silently not make."""
    found: dict[str, Any] = {}
    for ext in node.get("extension", []) or []:
        if ext.get("url") != CONSTRAINT:
            continue
        parts = {e.get("url"): e for e in ext.get("extension", [])}
        expression = str((parts.get("expression") or {}).get("valueString", ""))
        age = _AGE_RANGE.fullmatch(expression)
        if expression == "answer.value = true":
            found["must-be-true"] = True
        elif age:
            found["age-range"] = (int(age.group(1)), int(age.group(2)) - 1)
        else:
            problems.append(f"{link_id}: the constraint {expression!r} is not one the kiosk can check")
    return found


def _control(node: Mapping[str, Any]) -> str | None:
    """The SDC itemControl code of an item (``help``, ``lower``, ``upper``, ...), if any."""
    ext = _ext(node, ITEM_CONTROL)
    codings = ((ext or {}).get("valueCodeableConcept") or {}).get("coding") or []
    return str(codings[0].get("code")) if codings else None


def _condition(raw: Mapping[str, Any]) -> Condition:
    answer: Any = None
    for key, value in raw.items():
        if key.startswith("answer"):
            answer = value.get("code") if key == "answerCoding" else value
    return Condition(str(raw.get("question", "")), str(raw.get("operator", "")), answer)


def _codes(raw: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(c.get("system", "")), str(c.get("code", ""))) for c in raw.get("code", []) or [])


def _calculated(raw: Mapping[str, Any], parent: str, after: str | None, problems: list[str]) -> Calculated:
    link_id = str(raw.get("linkId") or f"<missing under {parent}>")
    expression = str(((_ext(raw, CALCULATED_EXPRESSION) or {}).get("valueExpression") or {}).get("expression", ""))
    score = CALCULATIONS.get(expression)
    if score is None:
        problems.append(f"{link_id}: the calculation {expression!r} is not one the kiosk can make")
    hidden = (_ext(raw, HIDDEN) or {}).get("valueBoolean") is True
    if raw.get("type") != "decimal" or raw.get("readOnly") is not True or raw.get("required") or not hidden:
        problems.append(f"{link_id}: a calculated item must be a hidden, read-only, optional decimal")
    return Calculated(link_id, parent, after, _text(raw, "text"), score or "", _codes(raw),
                      bool((_ext(raw, OBSERVATION_EXTRACT) or {}).get("valueBoolean")))


def _build(raw: Mapping[str, Any], parent: str | None, section: str, problems: list[str],
           calculated: list[Calculated]) -> Item:
    link_id = raw.get("linkId")
    if not isinstance(link_id, str) or not link_id:
        problems.append(f"an item under {parent or 'the root'} has no linkId")
        link_id = f"<missing under {parent}>"
    section = section or link_id
    typ = raw.get("type", "")
    shown = {}  # SDC display children: the help text and the scale's two ends (itemControl help/lower/upper)
    kids = []
    after = None
    for child in raw.get("item", []) or []:
        control = _control(child) if child.get("type") == "display" else None
        if control in ("help", "lower", "upper"):
            shown[control] = _text(child, "text")
        elif _ext(child, CALCULATED_EXPRESSION) is not None:
            calculated.append(_calculated(child, link_id, after, problems))
        else:
            kids.append(child)
            after = child.get("linkId")
    children = tuple(_build(c, link_id, section, problems, calculated) for c in kids)
    options = []
    for o in raw.get("answerOption", []) or []:
        coding = o.get("valueCoding")
        if coding is not None:
            code, display = coding.get("code", ""), _text(coding, "display")
            system = coding.get("system") or SYSTEM_FALLBACK
        elif "valueString" in o:
            code, display = o["valueString"], Text(o["valueString"])
            system = SYSTEM_FALLBACK
        else:
            problems.append(f"{link_id}: an answerOption has no valueCoding or valueString")
            continue
        exclusive = bool((_ext(o, OPTION_EXCLUSIVE) or {}).get("valueBoolean"))
        options.append(Option(code, display, exclusive, system))
    for o in options:
        if not isinstance(o.code, str) or not o.code:
            problems.append(f"{link_id}: an answer code is not a text code")
    lo = _ext(raw, MIN_VALUE)
    hi = _ext(raw, MAX_VALUE)
    for name, ext in (("minValue", lo), ("maxValue", hi)):
        if ext is not None and not isinstance(ext.get("valueInteger"), int):
            problems.append(f"{link_id}: {name} is not a whole number")
            lo, hi = (None, hi) if name == "minValue" else (lo, None)
    checks = _checks(raw, link_id, problems)
    age_range = checks.get("age-range")
    anchors = (shown["lower"], shown["upper"]) if "lower" in shown and "upper" in shown else None
    enable_when = tuple(_condition(c) for c in raw.get("enableWhen", []) or [])
    behavior = raw.get("enableBehavior", "all")
    equals_any = None
    if enable_when and all(c.operator == "=" and c.question == enable_when[0].question for c in enable_when) \
            and (behavior == "any" or len(enable_when) == 1):
        equals_any = (enable_when[0].question, frozenset(c.answer for c in enable_when))
    return Item(
        link_id=link_id,
        type=typ,
        text=_text(raw, "text"),
        required=bool(raw.get("required", False)),
        repeats=bool(raw.get("repeats", False)),
        options=tuple(options),
        min_value=lo.get("valueInteger") if lo else None,
        max_value=hi.get("valueInteger") if hi else None,
        max_length=raw.get("maxLength"),
        enable_when=enable_when,
        enable_behavior=behavior,
        equals_any=equals_any,
        must_be_true="must-be-true" in checks,
        children=children,
        parent=parent,
        section=section,
        red_flag=bool((_ext(raw, EXT + "red-flag") or {}).get("valueBoolean")),
        instrument=(_ext(raw, EXT + "instrument") or {}).get("valueCode"),
        body_map=bool((_ext(raw, EXT + "body-map") or {}).get("valueBoolean")),
        allowed_characters=_allowed(link_id, raw, problems),
        clinic_option=(_ext(raw, EXT + "clinic-option") or {}).get("valueCode"),
        age_range=age_range,
        help=shown.get("help"),
        anchors=anchors,
        unit=((_ext(raw, UNIT) or {}).get("valueCoding") or {}).get("code"),
        red_flag_tone=_tone(link_id, raw, problems),
        codes=_codes(raw),
        observation=bool((_ext(raw, OBSERVATION_EXTRACT) or {}).get("valueBoolean")),
    )


def _allowed(link_id: str, raw: Mapping[str, Any], problems: list[str]) -> str | None:
    """The kiosk's own check for an SDC regex it knows; any other pattern is a check it would not make."""
    ext = _ext(raw, REGEX)
    if ext is None:
        return None
    allowed = ALLOWED.get(str(ext.get("valueString")))
    if allowed is None:
        problems.append(f"{link_id}: the pattern {ext.get('valueString')!r} is not one the kiosk can check")
    return allowed


def _tone(link_id: str, raw: Mapping[str, Any], problems: list[str]) -> str:
    tone = (_ext(raw, EXT + "red-flag-tone") or {}).get("valueCode", "now")
    if tone not in RED_FLAG_TONES:
        problems.append(f"{link_id}: red-flag-tone must be one of {', '.join(RED_FLAG_TONES)}, not {tone!r}")
        return "now"
    return str(tone)


def index_items(sections: tuple[Item, ...]) -> dict[str, Item]:
    """Every item by linkId, in document order."""
    out: dict[str, Item] = {}
    _flatten(sections, out, [])
    return out


def _flatten(items: tuple[Item, ...], out: dict[str, Item], problems: list[str]) -> None:
    for item in items:
        if item.link_id in out:
            problems.append(f"{item.link_id}: linkId is used more than once")
        out[item.link_id] = item
        _flatten(item.children, out, problems)


def _check(items: Mapping[str, Item], problems: list[str]) -> None:
    order = {link_id: n for n, link_id in enumerate(items)}
    for item in items.values():
        where = item.link_id
        if item.is_group:
            if not item.children:
                problems.append(f"{where}: group has no items")
        elif item.type not in ANSWER_TYPES:
            problems.append(f"{where}: unsupported type {item.type!r}")
        if item.type == "choice":
            if not item.options:
                problems.append(f"{where}: choice item has no answer options")
            codes = item.option_codes()
            if len(set(codes)) != len(codes):
                problems.append(f"{where}: an answer code is listed twice")
        if item.min_value is not None and item.max_value is not None and item.min_value > item.max_value:
            problems.append(f"{where}: minValue is above maxValue")
        if item.enable_behavior not in ("all", "any"):
            problems.append(f"{where}: enableBehavior must be 'all' or 'any'")
        for cond in item.enable_when:
            target = items.get(cond.question)
            if target is None:
                problems.append(f"{where}: enableWhen refers to unknown linkId {cond.question!r}")
                continue
            if cond.operator not in OPERATORS:
                problems.append(f"{where}: enableWhen operator {cond.operator!r} is not allowed")
            if cond.question == where:
                problems.append(f"{where}: enableWhen refers to the item itself")
            if order[cond.question] > order[where]:
                problems.append(f"{where}: enableWhen refers to {cond.question}, which comes later")
            if target.type == "choice" and cond.operator != "exists" and cond.answer not in target.option_codes():
                problems.append(f"{where}: enableWhen answer {cond.answer!r} is not a code of {cond.question}")


def parse_questionnaire(data: Any, source: str = "questionnaire", sha256: str = "") -> Questionnaire:
    """Build the model from parsed JSON, or raise QuestionnaireError listing every problem."""
    try:
        return _parse_questionnaire(data, source, sha256)
    except QuestionnaireError:
        raise
    except (AttributeError, TypeError, ValueError, KeyError, RecursionError) as exc:
        # a value of the wrong JSON type where the checks did not look
        raise QuestionnaireError(source, [f"malformed value ({type(exc).__name__}: {exc})"]) from None


def _parse_questionnaire(data: Any, source: str, sha256: str) -> Questionnaire:
    if not isinstance(data, dict) or data.get("resourceType") != "Questionnaire":
        raise QuestionnaireError(source, ["not a FHIR Questionnaire (resourceType must be 'Questionnaire')"])
    problems: list[str] = []
    for key in ("url", "version"):
        if not isinstance(data.get(key), str) or not data.get(key):
            problems.append(f"the questionnaire has no {key}")
    raw_items = data.get("item")
    if not isinstance(raw_items, list) or not raw_items:
        raise QuestionnaireError(source, problems + ["the questionnaire has no items"])
    found: list[Calculated] = []
    try:
        sections = tuple(_build(raw, None, "", problems, found) for raw in raw_items)
    except (AttributeError, TypeError, ValueError) as exc:
        raise QuestionnaireError(source, problems + [f"malformed item structure ({exc})"]) from None
    items: dict[str, Item] = {}
    try:
        _flatten(sections, items, problems)
        _check(items, problems)
    except (AttributeError, TypeError, ValueError) as exc:  # a value of the wrong JSON type somewhere
        raise QuestionnaireError(source, problems + [f"malformed item values ({exc})"]) from None
    calculated: dict[str, Calculated] = {}
    for c in found:
        if c.link_id in items or c.link_id in calculated:
            problems.append(f"{c.link_id}: linkId is used more than once")
        calculated[c.link_id] = c
    if problems:
        raise QuestionnaireError(source, problems)
    return Questionnaire(
        url=data["url"], version=data["version"], title=_text(data, "title"),
        sections=sections, items=items, sha256=sha256, calculated=calculated,
    )


def load_questionnaire(path: Path | str | None = None) -> Questionnaire:
    """Load and check a questionnaire file (the default one when ``path`` is None)."""
    p = Path(path) if path is not None else resource(*DEFAULT_QUESTIONNAIRE)
    try:
        data, sha256 = read_json(p)
    except ValueError as exc:
        raise QuestionnaireError(str(p), [str(exc)]) from None
    return parse_questionnaire(data, str(p), sha256)


_default: Questionnaire | None = None


def default_questionnaire() -> Questionnaire:
    """The shipped questionnaire, loaded once per process."""
    global _default
    if _default is None:
        _default = load_questionnaire()
    return _default
