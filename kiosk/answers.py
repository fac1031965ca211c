"""One intake's answers: validation, enableWhen evaluation and FHIR QuestionnaireResponse conversion.

Answers travel as a flat map ``{linkId: value}``; a value is a code (``choice``), a list of
codes (``choice`` with repeats), an int, a bool, a str or an ISO date string. An absent
linkId is unanswered.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk import scoring
from kiosk.codes import RuleMode, values
from kiosk.questionnaire import SYSTEM_FALLBACK, Condition, Item, Questionnaire

Answers = dict[str, Any]

# Characters a name may hold besides letters (accents included): space, hyphen, apostrophes.
NAME_EXTRA = set(" -'\u2019")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one answer. ``code`` is stable (the wizard words it per language)."""

    link_id: str
    code: str
    message: str
    params: Mapping[str, Any] | None = None

    def __str__(self) -> str:
        return f"{self.link_id}: {self.message}"


# --- enableWhen -----------------------------------------------------------------------

def _holds(cond: Condition, state: bool | None, value: Any) -> bool | None:
    """Evaluate one enableWhen. None: it depends on a question that is not answered yet."""
    answered = state is True and value is not None
    if cond.operator == "exists":
        if state is None:
            return None
        return answered == bool(cond.answer)
    if state is False:
        return False
    if not answered:
        return None
    values = value if isinstance(value, list) else [value]
    target = cond.answer
    op = cond.operator
    try:
        if op == "=":
            return any(v == target for v in values)
        if op == "!=":
            return all(v != target for v in values)
        if op == ">":
            return any(v > target for v in values)
        if op == "<":
            return any(v < target for v in values)
        if op == ">=":
            return any(v >= target for v in values)
        if op == "<=":
            return any(v <= target for v in values)
    except TypeError:
        return False
    return False


def enablement(q: Questionnaire, answers: Mapping[str, Any]) -> dict[str, bool | None]:
    """Each item's state: True enabled, False disabled, None undetermined.

    Undetermined means its enableWhen depends on an enabled question that has no answer yet;
    the wizard treats it as hidden and the rules engine as "not known yet". enableWhen may
    only point backwards (the loader checks), so one pass in document order is enough.
    """
    state: dict[str, bool | None] = {}
    for item in q.items.values():
        parent_state = state[item.parent] if item.parent is not None else True
        if parent_state is not True or not item.enable_when:
            state[item.link_id] = parent_state
            continue
        if item.equals_any is not None:
            question, codes = item.equals_any
            st = state.get(question)
            value = answers.get(question)
            if st is False:
                state[item.link_id] = False
            elif st is None or value is None:
                state[item.link_id] = None
            elif isinstance(value, list):
                state[item.link_id] = not codes.isdisjoint(value)
            else:
                state[item.link_id] = value in codes
            continue
        results = [_holds(c, state.get(c.question), answers.get(c.question)) for c in item.enable_when]
        if item.enable_behavior == "any":
            verdict: bool | None = True if True in results else (None if None in results else False)
        else:
            verdict = False if False in results else (None if None in results else True)
        state[item.link_id] = verdict
    return state


def enabled_answers(q: Questionnaire, answers: Mapping[str, Any]) -> Answers:
    """The answers that count: those to items that are enabled (answers to others are dropped)."""
    state = enablement(q, answers)
    return {k: v for k, v in answers.items() if state.get(k) is True}


def missing_required(q: Questionnaire, answers: Mapping[str, Any], link_ids: Any = None,
                     state: Mapping[str, bool | None] | None = None) -> list[str]:
    """Enabled, required items with no answer (optionally only among ``link_ids``).

    ``state`` is ``enablement(q, answers)`` when the caller already has it.
    """
    state = enablement(q, answers) if state is None else state
    wanted = q.items if link_ids is None else link_ids
    return [link_id for link_id in wanted
            if q.items[link_id].required and not q.items[link_id].is_group
            and state.get(link_id) is True and _empty(answers.get(link_id))]


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == ""


# --- validation of single values ----------------------------------------------------------

def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _mark_on_a_letter(text: str, n: int) -> bool:
    """A combining mark (a Hindi vowel sign, a Tamil virama, an accent NFC has no single letter
    for) that sits on a letter, possibly after other marks. Emoji, RLO and other format
    characters are not marks."""
    if unicodedata.category(text[n]) not in ("Mn", "Mc"):
        return False
    while n > 0 and unicodedata.category(text[n - 1]) in ("Mn", "Mc"):
        n -= 1
    return n > 0 and text[n - 1].isalpha()


def check_value(item: Item, value: Any, today: dt.date | None = None) -> tuple[Any, Problem | None]:
    """Normalise one answer for ``item`` or say what is wrong with it."""
    lid = item.link_id

    def bad(code: str, message: str, **params: Any) -> tuple[Any, Problem]:
        return None, Problem(lid, code, message, params or None)

    if item.is_group:
        return bad("group", "is a section heading and takes no answer")
    if item.type == "choice":
        codes = item.option_codes()
        if item.repeats:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return bad("type", "must be a list of answer codes")
            if not value:
                return bad("required", "needs at least one answer")
            unknown = [v for v in value if v not in codes]
            if unknown:
                return bad("choice", f"{', '.join(map(repr, unknown))} is not one of {', '.join(codes)}",
                           allowed=codes)
            return list(dict.fromkeys(value)), None
        if not isinstance(value, str):
            return bad("type", "must be one answer code (a string)")
        if value not in codes:
            return bad("choice", f"{value!r} is not one of {', '.join(codes)}", allowed=codes)
        return value, None
    if item.type == "integer":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return bad("type", "must be a whole number")
        if isinstance(value, float):
            if not value.is_integer():
                return bad("type", "must be a whole number")
            value = int(value)
        if (item.min_value is not None and value < item.min_value) or (item.max_value is not None and value > item.max_value):
            return bad("range", f"{value} is out of range {item.min_value}-{item.max_value}",
                       min=item.min_value, max=item.max_value)
        return value, None
    if item.type == "boolean":
        if not isinstance(value, bool):
            return bad("type", "must be true or false")
        return value, None
    if item.type in ("string", "text"):
        if not isinstance(value, str):
            return bad("type", "must be text")
        if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in value):
            return bad("characters", "holds control characters (such as a line break)")
        text = unicodedata.normalize("NFC", " ".join(value.split()))  # é typed as e + accent is é
        if not text:
            return bad("required", "is empty")
        limit = item.max_length
        if limit is not None and len(text) > limit:
            return bad("length", f"is longer than {limit} characters", max=limit)
        if item.allowed_characters == "digits" and not (text.isascii() and text.isdigit() and 4 <= len(text) <= 20):
            return bad("digits", "must be 4 to 20 digits, 0-9")
        if item.allowed_characters == "name":
            wrong = sorted({ch for n, ch in enumerate(text)
                            if not (ch.isalpha() or ch in NAME_EXTRA or _mark_on_a_letter(text, n))})
            if wrong:
                return bad("characters", "may hold only letters, spaces, hyphens and apostrophes",
                           characters="".join(wrong))
        return text, None
    if item.type == "date":
        if not isinstance(value, str):
            return bad("type", "must be a date written YYYY-MM-DD")
        try:
            if len(value) != 10:
                raise ValueError
            day = dt.date.fromisoformat(value)
        except ValueError:
            return bad("date_format", f"{value!r} is not a date written YYYY-MM-DD")
        today = today or dt.date.today()
        if day > today:
            return bad("date_future", "is in the future")
        if item.age_range:
            lo, hi = item.age_range
            age = age_on(day, today)
            if age < lo:
                return bad("age_under", f"gives an age of {age}, under {lo}", min=lo)
            if age > hi:
                return bad("age_over", f"gives an age of {age}, over {hi}", max=hi)
        return day.isoformat(), None
    return bad("type", f"has unsupported type {item.type}")


def validate_answers(q: Questionnaire, answers: Mapping[str, Any],
                     today: dt.date | None = None) -> tuple[Answers, list[Problem]]:
    """Check every answer; return the enabled, normalised ones and every problem found.

    Unknown linkIds, wrong types and out-of-range values are problems. Answers to items that
    are not enabled are dropped silently, exactly as the wizard drops them.
    """
    clean: Answers = {}
    problems: list[Problem] = []
    for link_id, value in answers.items():
        item = q.get(link_id)
        if link_id in q.calculated:
            continue  # worked out from the answers, never taken from them
        if item is None:
            problems.append(Problem(str(link_id), "unknown", "unknown linkId (not a question of this questionnaire)"))
            continue
        if value is None:
            continue
        norm, problem = check_value(item, value, today)
        if problem:
            problems.append(problem)
        else:
            clean[link_id] = norm
    order = {k: n for n, k in enumerate(q.items)}
    kept = enabled_answers(q, clean)
    return dict(sorted(kept.items(), key=lambda kv: order[kv[0]])), problems


# --- FHIR QuestionnaireResponse ------------------------------------------------------------

_VALUE_KEY = {"integer": "valueInteger", "boolean": "valueBoolean", "string": "valueString",
              "text": "valueString", "date": "valueDate", "decimal": "valueDecimal"}


def _fhir_answers(item: Item, value: Any, lang: str) -> list[dict[str, Any]]:
    if item.type == "choice":
        out = []
        for code in value if isinstance(value, list) else [value]:
            opt = item.option(code)
            coding: dict[str, Any] = {"system": opt.system if opt else SYSTEM_FALLBACK, "code": code}
            if opt is not None:
                coding["display"] = opt.display.get(lang)
            out.append({"valueCoding": coding})
        return out
    return [{_VALUE_KEY[item.type]: value}]


def calculated_values(q: Questionnaire, kept: Mapping[str, Any]) -> dict[str, float]:
    """The questionnaire's calculated items (``peg.score``) worked out from the enabled answers,
    to one decimal; one whose inputs are not all answered is left out."""
    out = {}
    for c in q.calculated.values():
        value = scoring.rounded(scoring.CALCULATED[c.score](kept))
        if value is not None:
            out[c.link_id] = value
    return out


def to_questionnaire_response(q: Questionnaire, answers: Mapping[str, Any], *, status: str = "completed",
                              resource_id: str | None = None, authored: str | None = None,
                              language: str | None = None, calculated: bool = True) -> dict[str, Any]:
    """A FHIR R4 QuestionnaireResponse holding the enabled answers, nested as the questionnaire,
    with its calculated items unless ``calculated`` is false (a response for an older version of
    the questionnaire, which had none)."""
    kept = enabled_answers(q, answers)

    lang = language or "en"  # the item texts and answer displays in the patient's language

    worked_out = calculated_values(q, kept) if calculated else {}

    def calculated_after(parent: str | None, after: str | None) -> list[dict[str, Any]]:
        return [{"linkId": c.link_id, "text": c.text.get(lang), "answer": [{"valueDecimal": worked_out[c.link_id]}]}
                for c in q.calculated.values() if c.parent == parent and c.after == after and c.link_id in worked_out]

    def build(items: tuple[Item, ...], parent: str | None = None) -> list[dict[str, Any]]:
        out = calculated_after(parent, None) if parent else []
        for item in items:
            node: dict[str, Any] = {"linkId": item.link_id, "text": item.text.get(lang)}
            if item.is_group:
                children = build(item.children, item.link_id)
                if children:
                    node["item"] = children
                    out.append(node)
            elif not _empty(kept.get(item.link_id)):
                node["answer"] = _fhir_answers(item, kept[item.link_id], lang)
                children = build(item.children, item.link_id)
                if children:
                    node["item"] = children
                out.append(node)
            if parent:
                out += calculated_after(parent, item.link_id)
        return out

    qr: dict[str, Any] = {"resourceType": "QuestionnaireResponse"}
    if resource_id:
        qr["id"] = resource_id
    if language:
        qr["language"] = language
    qr["questionnaire"] = q.canonical
    qr["status"] = status
    if authored:
        qr["authored"] = authored
    qr["item"] = build(q.sections)
    return qr


def from_questionnaire_response(q: Questionnaire, data: Mapping[str, Any]) -> tuple[Answers, list[Problem]]:
    """The flat answers map of a QuestionnaireResponse (not yet validated), and its structural problems."""
    answers: Answers = {}
    problems: list[Problem] = []

    def walk(nodes: Any, where: str) -> None:
        if nodes is None:
            return
        if not isinstance(nodes, list):
            problems.append(Problem(where, "structure", "'item' must be a list"))
            return
        for node in nodes:
            if not isinstance(node, dict):
                problems.append(Problem(where, "structure", "an item must be an object"))
                continue
            link_id = node.get("linkId")
            if not isinstance(link_id, str):
                problems.append(Problem(where, "structure", "an item has no linkId"))
                continue
            raw = node.get("answer")
            if raw is not None:
                read(link_id, raw)
                for ans in raw if isinstance(raw, list) else []:
                    if isinstance(ans, dict):
                        walk(ans.get("item"), link_id)
            walk(node.get("item"), link_id)

    def read(link_id: str, raw: Any) -> None:
        item = q.get(link_id)
        if link_id in q.calculated:
            return  # worked out from the answers again, never taken from the file
        if item is None:
            problems.append(Problem(link_id, "unknown", "unknown linkId (not a question of this questionnaire)"))
            return
        if item.is_group:
            problems.append(Problem(link_id, "group", "is a section heading and takes no answer"))
            return
        if not isinstance(raw, list) or not raw:
            problems.append(Problem(link_id, "structure", "'answer' must be a non-empty list"))
            return
        values = []
        for ans in raw:
            keys = [k for k in (ans if isinstance(ans, dict) else {}) if k.startswith("value")]
            if len(keys) != 1:
                problems.append(Problem(link_id, "structure", "each answer needs exactly one value[x]"))
                return
            key = keys[0]
            val = ans[key]
            if val is None:  # FHIR has no null values: an answer left out is absent, not null
                problems.append(Problem(link_id, "type", f"{key} is null; leave the answer out instead"))
                return
            if item.type == "choice" and key == "valueCoding" and isinstance(val, dict):
                opt = item.option(str(val.get("code")))
                system = val.get("system")
                if opt is not None and system is not None and system != opt.system:
                    problems.append(Problem(link_id, "system", f"the coding's system {system} is not this "
                                            f"questionnaire's ({opt.system})"))
                    return
                values.append(val.get("code"))
            elif item.type == "choice" and key == "valueString":
                values.append(val)
            elif key == _VALUE_KEY.get(item.type):
                values.append(val)
            else:
                problems.append(Problem(link_id, "type", f"{key} does not fit a {item.type} question"))
                return
        if link_id in answers:
            problems.append(Problem(link_id, "structure", "is answered twice"))
            return
        if item.repeats:
            answers[link_id] = values
        elif len(values) > 1:
            problems.append(Problem(link_id, "repeats", "takes one answer, not several"))
        else:
            answers[link_id] = values[0]

    walk(data.get("item"), "QuestionnaireResponse")
    return answers, problems


MODES_KEY = "_mode"
READABLE_STATUSES = ("completed", "in-progress", "amended")


def _response_header_problems(q: Questionnaire, data: Mapping[str, Any]) -> list[Problem]:
    """A response for another questionnaire, or one withdrawn or never finished (``entered-in-error``,
    ``stopped``), is refused whole: its answers mean something else."""
    out = []
    canonical = data.get("questionnaire")
    if canonical is not None and (not isinstance(canonical, str) or canonical.split("|", 1)[0] != q.url):
        out.append(Problem("questionnaire", "questionnaire", f"{canonical!r} is another questionnaire, not {q.url}"))
    status = data.get("status")
    if status not in READABLE_STATUSES:
        out.append(Problem("status", "status", f"{status!r}: only a completed, in-progress or amended response is read"))
    return out


def parse_answers_document(q: Questionnaire, data: Any, today: dt.date | None = None,
                           clinic_url: str = "") -> tuple[Answers, str | None, list[Problem]]:
    """Read an answers file's JSON: a QuestionnaireResponse or a flat answers map.

    Returns the validated, enabled answers, the ``_mode`` it asks for (flat maps only) and
    every problem found. A response written under the clinic's address (``clinic_url``, as
    exports and deliveries are) reads as one under the shipped addresses.
    """
    if clinic_url and isinstance(data, dict) and data.get("resourceType") == "QuestionnaireResponse":
        from kiosk.fhirdefs import shipped_form

        data = shipped_form(data, clinic_url)
    if not isinstance(data, dict):
        return {}, None, [Problem("file", "structure", "must hold a JSON object: a flat answers map or a "
                                  "FHIR QuestionnaireResponse")]
    mode = None
    if "resourceType" in data:
        if data.get("resourceType") != "QuestionnaireResponse":
            return {}, None, [Problem("resourceType", "structure",
                                      f"{data.get('resourceType')!r} is not a QuestionnaireResponse")]
        raw, problems = from_questionnaire_response(q, data)
        problems = _response_header_problems(q, data) + problems
    else:
        raw = dict(data)
        problems = []
        if MODES_KEY in raw:
            mode = raw.pop(MODES_KEY)
            if mode not in values(RuleMode):
                problems.append(Problem(MODES_KEY, "choice", "must be " + " or ".join(f"'{m}'" for m in values(RuleMode))))
                mode = None
    answers, more = validate_answers(q, raw, today)
    return answers, mode, problems + more
