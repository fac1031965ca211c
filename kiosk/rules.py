"""The candidacy rules engine: interprets a declarative rule pack from ``resources/rules/``.

A rule pack is JSON: parameters per mode (thresholds), named facts, rules (each a condition
in a small expression language plus staff-facing sentences and a source tag), the outcome
priority and the next-step order. This module knows no threshold and no rule: a clinic
changes them in the pack, and every assessment records the pack's id, version, mode and the
SHA-256 of its bytes.

Expressions use three-valued logic: True, False, or None (an answer it needs is missing).
``NA`` marks a value that does not apply (a question that is not asked for this patient,
or a parameter set to null such as "no cap"); every comparison with ``NA`` is False.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from kiosk import scoring
from kiosk.answers import enablement
from kiosk.codes import FindingGroup, FindingStatus, NextStep, Outcome, Region, RuleMode, values
from kiosk.labels import NEXT_STEP_LABELS
from kiosk.questionnaire import Questionnaire
from kiosk.resources import DEFAULT_RULEPACK, read_json, resource

OUTCOMES = values(Outcome)
NEXT_STEPS = values(NextStep)
STATUSES = values(FindingStatus)
UNSURE = "unsure"
COMPARATORS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<", "eq": "="}


class _NA:
    def __repr__(self) -> str:
        return "NA"

    def __bool__(self) -> bool:
        return False


NA: Any = _NA()


class RulePackError(ValueError):
    """A rule pack that cannot be used; ``problems`` names each rule or field and its fault."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class _Ctx:
    """Everything one assessment reads, with memoised facts and the inputs each one touched."""

    __slots__ = ("answers", "fact_inputs", "facts", "inputs", "pack", "params", "q", "rule_missing", "rules",
                 "state", "texts")

    def __init__(self, pack: RulePack, answers: Mapping[str, Any], state: Mapping[str, bool | None],
                 params: Mapping[str, Any], questionnaire: Questionnaire | None = None) -> None:
        self.pack = pack
        self.q = questionnaire or pack.questionnaire
        self.answers = answers
        self.state = state
        self.params = params
        self.facts: dict[str, Any] = {}
        self.fact_inputs: dict[str, dict[str, Any]] = {}
        self.rules: dict[str, bool | None] = {}
        self.rule_missing: dict[str, dict[str, Any]] = {}  # the unanswered questions behind each rule
        self.texts: dict[str, tuple[str, str]] = {}  # rule id -> (status, sentence), for {unmet:...}
        self.inputs: dict[str, Any] = {}

    def answer(self, link_id: str) -> Any:
        st = self.state.get(link_id)
        if st is False:
            return NA
        if st is None:
            self.inputs.setdefault(link_id, None)
            return None
        value = self.answers.get(link_id)
        self.inputs[link_id] = value
        return value

    def fact(self, name: str) -> Any:
        if name not in self.facts:
            outer = self.inputs
            self.inputs = {}
            fn = self.pack.fact_fns.get(name) or BUILTIN_FACTS[name]
            self.facts[name] = fn(self)
            self.fact_inputs[name] = self.inputs
            self.inputs = outer
        self.inputs.update(self.fact_inputs[name])
        return self.facts[name]


Fn = Callable[[_Ctx], Any]


def _real(v: Any) -> bool:
    return v is not None and v is not NA


def _meets(value: Any, spec: Any) -> bool | None:
    if value is None or spec is None:
        return None
    if value is NA or spec is NA:
        return False
    (op, limit), = spec.items()
    if op == "ge":
        return bool(value >= limit)
    if op == "gt":
        return bool(value > limit)
    if op == "le":
        return bool(value <= limit)
    if op == "lt":
        return bool(value < limit)
    return bool(value == limit)


def _compare(op: str) -> Callable[[Any, Any], bool | None]:
    def cmp(a: Any, b: Any) -> bool | None:
        if a is None or b is None:
            return None
        if a is NA or b is NA:
            return False
        try:
            return _meets(a, {op: b})
        except TypeError:
            return False
    return cmp


def _const(value: Any) -> Fn:
    return lambda ctx: value


class _Compiler:
    """Turns the pack's JSON expressions into closures, collecting every problem on the way."""

    def __init__(self, pack_params: Mapping[str, Mapping[str, Any]], facts: set[str], rules: set[str],
                 questionnaire: Questionnaire | None) -> None:
        self.params = pack_params
        self.facts = facts
        self.rules = rules
        self.q = questionnaire
        self.problems: list[str] = []
        self.where = ""
        self.read: set[str] = set()  # every linkId an expression reads (each needs a staff label)
        self.referenced: set[str] = set()  # rules other rules read (their missing questions are kept)

    def fail(self, msg: str) -> Fn:
        self.problems.append(f"{self.where}: {msg}")
        return lambda ctx: None

    def compile(self, expr: Any) -> Fn:
        if isinstance(expr, (bool, int, float, str)) or expr is None:
            return _const(expr)
        if isinstance(expr, list):
            if not all(isinstance(x, (str, int, float)) for x in expr):
                return self.fail("a list may hold only literal codes or numbers")
            return _const(tuple(expr))
        if not isinstance(expr, dict) or len(expr) not in (1, 2):
            return self.fail(f"cannot read expression {json.dumps(expr)[:80]}")
        if "param" in expr:
            return self._param(expr)
        if len(expr) != 1:
            return self.fail(f"cannot read expression {json.dumps(expr)[:80]}")
        (op, arg), = expr.items()
        handler = getattr(self, "op_" + op, None)
        if handler is None:
            return self.fail(f"unknown operation {op!r}")
        return handler(arg)  # type: ignore[no-any-return]

    def _args(self, arg: Any, n: int | None = None) -> list[Fn]:
        if not isinstance(arg, list) or (n is not None and len(arg) != n):
            self.fail(f"expected {n if n else 'a list of'} arguments")
            return [lambda ctx: None] * (n or 0)
        return [self.compile(a) for a in arg]

    def _param(self, expr: Mapping[str, Any]) -> Fn:
        name = expr["param"]
        for mode, params in self.params.items():
            if name not in params:
                return self.fail(f"parameter {name!r} is not set for mode {mode!r}")
        if "key" not in expr:
            return lambda ctx: NA if ctx.params[name] is None else ctx.params[name]
        key = self.compile(expr["key"])

        def keyed(ctx: _Ctx) -> Any:
            k = key(ctx)
            if k is None:
                return None
            table = ctx.params[name]
            if _is_spec(table):  # one threshold for every key (a mode that does not vary by region)
                return table
            if k is NA or not isinstance(table, dict) or table.get(k) is None:
                return NA
            return table[k]
        return keyed

    def op_answer(self, link_id: Any) -> Fn:
        if not isinstance(link_id, str):
            return self.fail("'answer' takes a linkId")
        if self.q is not None and (self.q.get(link_id) is None or self.q.items[link_id].is_group):
            return self.fail(f"'answer' refers to {link_id!r}, which is not a question of the questionnaire")
        self.read.add(link_id)
        return lambda ctx: ctx.answer(link_id)

    def op_fact(self, name: Any) -> Fn:
        if name not in self.facts and name not in BUILTIN_FACTS:
            return self.fail(f"unknown fact {name!r}")
        return lambda ctx: ctx.fact(name)

    def op_rule(self, rule_id: Any) -> Fn:
        if rule_id not in self.rules:
            return self.fail(f"refers to unknown rule {rule_id!r}")
        self.referenced.add(rule_id)

        def earlier(ctx: _Ctx) -> bool | None:
            # a rule that depends on another inherits the questions that one is missing, so
            # NT5 can name them
            ctx.inputs.update(ctx.rule_missing.get(rule_id, {}))
            return ctx.rules[rule_id]
        return earlier

    def op_asked(self, link_id: Any) -> Fn:
        """True when the question is asked of this patient, False when not, None when that is not known yet."""
        self.op_answer(link_id)
        return lambda ctx: ctx.state.get(link_id)

    def op_all(self, arg: Any) -> Fn:
        fns = self._args(arg)

        def all_(ctx: _Ctx) -> bool | None:
            unknown = False
            for f in fns:
                v = f(ctx)
                if v is False or v is NA:
                    return False  # False decides, whatever the rest would say
                if v is None:
                    unknown = True
            return None if unknown else True
        return all_

    def op_any(self, arg: Any) -> Fn:
        fns = self._args(arg)

        def any_(ctx: _Ctx) -> bool | None:
            unknown = False
            for f in fns:
                v = f(ctx)
                if v is True:
                    return True
                if v is None:
                    unknown = True
            return None if unknown else False
        return any_

    def op_not(self, arg: Any) -> Fn:
        f = self.compile(arg)

        def neg(ctx: _Ctx) -> bool | None:
            v = f(ctx)
            return None if v is None else v is not True
        return neg

    def _binary(self, arg: Any, op: str) -> Fn:
        a, b = self._args(arg, 2)
        cmp = _compare(op)
        return lambda ctx: cmp(a(ctx), b(ctx))

    def op_eq(self, arg: Any) -> Fn:
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], str):
            # the commonest test, an answer against a code: one comparison, no threshold dict
            a, code = self.compile(arg[0]), arg[1]

            def eq_code(ctx: _Ctx) -> bool | None:
                v = a(ctx)
                if v is None:
                    return None
                return v is not NA and v == code
            return eq_code
        return self._binary(arg, "eq")

    def op_ge(self, arg: Any) -> Fn:
        return self._binary(arg, "ge")

    def op_gt(self, arg: Any) -> Fn:
        return self._binary(arg, "gt")

    def op_le(self, arg: Any) -> Fn:
        return self._binary(arg, "le")

    def op_lt(self, arg: Any) -> Fn:
        return self._binary(arg, "lt")

    def op_meets(self, arg: Any) -> Fn:
        a, spec = self._args(arg, 2)

        def meets(ctx: _Ctx) -> bool | None:
            try:
                return _meets(a(ctx), spec(ctx))
            except (TypeError, ValueError, AttributeError):
                return False
        return meets

    def op_in(self, arg: Any) -> Fn:
        a, options = self._args(arg, 2)

        def member(ctx: _Ctx) -> bool | None:
            v, opts = a(ctx), options(ctx)
            if v is None or opts is None:
                return None
            if v is NA or opts is NA:
                return False
            return v in opts
        return member

    def op_has_any(self, arg: Any) -> Fn:
        a, options = self._args(arg, 2)

        def overlap(ctx: _Ctx) -> bool | None:
            v, opts = a(ctx), options(ctx)
            if v is None or opts is None:
                return None
            if v is NA or opts is NA:
                return False
            values = v if isinstance(v, (list, tuple)) else [v]
            return any(x in opts for x in values)
        return overlap

    def op_has_value(self, arg: Any) -> Fn:
        f = self.compile(arg)
        return lambda ctx: _real(f(ctx))

    def op_known(self, arg: Any) -> Fn:
        f = self.compile(arg)
        return lambda ctx: f(ctx) is not None

    def op_lookup(self, arg: Any) -> Fn:
        if not isinstance(arg, list) or len(arg) != 2 or not isinstance(arg[1], dict):
            return self.fail("'lookup' takes [value, {code: result}]")
        f, table = self.compile(arg[0]), dict(arg[1])

        def look(ctx: _Ctx) -> Any:
            v = f(ctx)
            if v is None or v is NA:
                return v
            return table.get(v, NA)
        return look

    def op_first_known(self, arg: Any) -> Fn:
        fns = self._args(arg)

        def first(ctx: _Ctx) -> Any:
            values = [f(ctx) for f in fns]
            for v in values:
                if _real(v):
                    return v
            return None if any(v is None for v in values) else NA
        return first

    def op_max(self, arg: Any) -> Fn:
        fns = self._args(arg)

        def biggest(ctx: _Ctx) -> Any:
            values = [f(ctx) for f in fns]
            real = [v for v in values if _real(v)]
            if real:
                return max(real)
            return None if any(v is None for v in values) else NA
        return biggest

    def op_count_true(self, arg: Any) -> Fn:
        fns = self._args(arg)

        def count(ctx: _Ctx) -> int | None:
            values = [f(ctx) for f in fns]
            return None if any(v is None for v in values) else sum(1 for v in values if v is True)
        return count

    def op_at_least(self, arg: Any) -> Fn:
        if not isinstance(arg, list) or len(arg) != 2 or not isinstance(arg[1], list):
            return self.fail("'at_least' takes [threshold, [conditions...]]")
        spec, fns = self.compile(arg[0]), self._args(arg[1])

        def at_least(ctx: _Ctx) -> bool | None:
            values = [f(ctx) for f in fns]
            s = spec(ctx)
            yes = sum(1 for v in values if v is True)
            maybe = sum(1 for v in values if v is None)
            if _meets(yes, s) is True:
                return True
            if maybe and _meets(yes + maybe, s) is True:
                return None
            return False
        return at_least

    def op_cond(self, arg: Any) -> Fn:
        if not isinstance(arg, list) or not all(isinstance(b, list) and len(b) == 2 for b in arg):
            return self.fail("'cond' takes a list of [test, value] pairs")
        branches = [(self.compile(t), self.compile(v)) for t, v in arg]

        def cond(ctx: _Ctx) -> Any:
            for test, value in branches:
                t = test(ctx)
                if t is None:
                    return None
                if t is True:
                    return value(ctx)
            return NA
        return cond

    def op_unresolved(self, arg: Any) -> Fn:
        """True if any listed question that is (or may be) asked is unanswered or has one of the codes."""
        if not isinstance(arg, list) or len(arg) != 2 or not all(isinstance(a, list) for a in arg):
            return self.fail("'unresolved' takes [[linkIds...], [codes...]]")
        link_ids, codes = list(arg[0]), set(arg[1])
        for link_id in link_ids:
            self.op_answer(link_id)

        def unresolved(ctx: _Ctx) -> bool:
            hit = False
            for link_id in link_ids:
                v = ctx.answer(link_id)
                if v is NA:
                    continue
                if v is None or v in codes:
                    hit = True
            return hit
        return unresolved


def _enabled_only(ctx: _Ctx, prefix: str) -> dict[str, Any]:
    """The answered, enabled items of an instrument (unanswered slots are not inputs: most
    clinics have no licensed pack, and the instrument is optional)."""
    out = {}
    for n in range(1, scoring.ITEMS + 1):
        link_id = f"{prefix}.{n}"
        if ctx.state.get(link_id) is True and link_id in ctx.answers:
            out[link_id] = ctx.answer(link_id)
    return out


def _score_or_na(value: float | None) -> Any:
    return NA if value is None else value


BUILTIN_FACTS: dict[str, Fn] = {
    "peg": lambda ctx: _peg(ctx, scoring.peg, ("pain.nrs.avg", "peg.enjoyment", "peg.activity")),
    "peg_interference": lambda ctx: _peg(ctx, scoring.peg_interference, ("peg.enjoyment", "peg.activity")),
    "odi_percent": lambda ctx: _score_or_na(scoring.odi_percent(_enabled_only(ctx, "odi"))),
    "ndi_score": lambda ctx: _score_or_na(scoring.ndi_score(_enabled_only(ctx, "ndi"))),
    "odi_answered": lambda ctx: len(_enabled_only(ctx, "odi")),
    "ndi_answered": lambda ctx: len(_enabled_only(ctx, "ndi")),
}


def _peg(ctx: _Ctx, fn: Callable[[Mapping[str, Any]], float | None], link_ids: tuple[str, ...]) -> Any:
    values = {k: ctx.answer(k) for k in link_ids}
    if any(v is NA for v in values.values()):
        return NA
    return fn(values)


@dataclass(frozen=True)
class Rule:
    id: str
    group: str
    title: str
    source: str
    # per status, the sentence cases in order: (condition or None for "always", compiled sentence)
    texts: Mapping[str, tuple[tuple[Fn | None, Render], ...]] = field(repr=False, compare=False)
    fn: Fn = field(repr=False, compare=False)
    # the queue's few words when the rule decides the outcome (cases as in ``texts``)
    short: tuple[tuple[Fn | None, Render], ...] = field(default=(), repr=False, compare=False)


@dataclass(frozen=True)
class RulePack:
    id: str
    version: str
    sha256: str
    title: str
    intended_use: str
    default_mode: str
    params: Mapping[str, Mapping[str, Any]]
    rules: tuple[Rule, ...]
    outcomes: tuple[Mapping[str, Any], ...]
    default_outcome: str
    next_step_fact: str
    notes: tuple[tuple[str, str, Fn], ...]
    sources: Mapping[str, str]
    fact_fns: Mapping[str, Fn] = field(repr=False, compare=False)
    questionnaire: Questionnaire | None = field(default=None, repr=False, compare=False)
    wording: Wording = field(default_factory=lambda: Wording({}, {}), repr=False, compare=False)
    referenced: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    mode_descriptions: Mapping[str, str] = field(default_factory=dict)

    @property
    def modes(self) -> tuple[str, ...]:
        return tuple(self.params)


class Finding(NamedTuple):
    """One rule's result (a named tuple: assess makes 34 a run, and a frozen dataclass is slow to build)."""

    rule: str
    status: str
    text: str
    inputs: Mapping[str, Any]
    source: str
    group: str
    title: str
    short: str = ""  # a few words for the queue's "Why" column, stating the same answers

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "status": self.status, "text": self.text, "inputs": dict(self.inputs),
                "source": self.source, "group": self.group, "title": self.title, "short": self.short or self.title}


@dataclass(frozen=True)
class Assessment:
    outcome: str
    next_step: str | None
    region: str | None
    rulepack: Mapping[str, str]
    findings: tuple[Finding, ...]
    scores: Mapping[str, float | None]
    notes: tuple[Mapping[str, str], ...] = ()
    # the findings that decided the outcome (in rule order) and one plain line saying why
    deciding: tuple[str, ...] = ()
    why: str = ""

    def fired(self) -> list[str]:
        return [f.rule for f in self.findings if f.status == "met"]

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "next_step": self.next_step,
            "region": self.region,
            "rulepack": dict(self.rulepack),
            "findings": [f.to_json() for f in self.findings],
            "scores": dict(self.scores),
            "notes": [dict(n) for n in self.notes],
            "summary": {"deciding": list(self.deciding), "why": self.why},
        }


# --- loading -----------------------------------------------------------------------------

def _units(n: Any, unit: str | None, units: str | None) -> str:
    if unit is None or units is None or isinstance(n, bool) or not isinstance(n, (int, float)):
        return _fmt(n)
    text = _fmt(n)
    return f"{text} {unit if n == 1 else units}" if unit not in ("%", "") else f"{text}{' ' if unit else ''}{unit}"


def _spec_words(spec: Any, unit: str | None = None, units: str | None = None) -> str:
    if spec is None or spec is NA:
        return "no limit"
    if isinstance(spec, dict) and len(spec) == 1:
        (op, value), = spec.items()
        word = {"ge": "{} or more", "gt": "more than {}", "le": "{} or less", "lt": "less than {}", "eq": "{}"}[op]
        return word.format(_units(value, unit, units))
    if isinstance(spec, (list, tuple)):
        return ", ".join(_fmt(v) for v in spec)
    return _fmt(spec)


def _fmt(value: Any) -> str:
    if value is None:
        return "not answered"
    if value is NA:
        return "not asked"
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value) or "none"
    if isinstance(value, dict):
        return _spec_words(value)
    if value in NEXT_STEPS:
        return NEXT_STEP_LABELS[NextStep(value)].lower()
    return str(value)


# {kind:argument@key|unit|units}; see docs/rules.md, "Sentences"
_PLACEHOLDER = re.compile(r"\{(answer|answers|fact|param|limit|label|missing|gaps|yes|unsure|unmet)(?::([A-Za-z0-9_.,]+))?"
                          r"(?:@([A-Za-z0-9_]+))?(?:\|([^{}|]*)\|([^{}|]*))?\}")
_NEEDS_ARG = {"answer", "answers", "fact", "param", "limit", "label", "yes", "unsure", "unmet"}


def _lower_first(text: str) -> str:
    """"Lower back" -> "lower back" inside a sentence; "MRI" and "X-ray" keep their capitals."""
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


class Wording:
    """Plain words for answers in staff sentences: the pack's ``labels`` (a short staff name per
    question) and ``words`` (per question, then for every question under ``"*"``), falling back
    to the questionnaire's own English option text. Every sentence states what the patient
    answered: "answered not sure" for ``unsure``, "not asked for this region" for a question
    the region switched off, "not answered" for a gap."""

    def __init__(self, labels: Mapping[str, str], words: Mapping[str, Mapping[str, str]],
                 region_question: str | None = None) -> None:
        self.labels = labels
        self.words = words
        self.region_question = region_question  # the question the pack's region fact reads
        self._codes: dict[tuple[str, str, str], str] = {}  # (questionnaire hash, linkId, code) -> words, found once

    def label(self, link_id: str) -> str:
        return self.labels.get(link_id, link_id)

    def value(self, q: Questionnaire | None, link_id: str, value: Any, state: bool | None = True,
              unit: str | None = None, units: str | None = None) -> str:
        if state is False or value is NA:
            return self.not_asked(q, link_id)
        if state is None or value is None:
            return "not answered"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return ", ".join(self.code(q, link_id, v) for v in value) or "none"
        if isinstance(value, str):
            return self.code(q, link_id, value)
        return _units(value, unit, units)

    def code(self, q: Questionnaire | None, link_id: str, code: str) -> str:
        key = (q.sha256 if q is not None else "", link_id, code)
        found = self._codes.get(key)
        if found is None:
            found = self._codes[key] = self._find_code(q, link_id, code)
        return found

    def _find_code(self, q: Questionnaire | None, link_id: str, code: str) -> str:
        own = self.words.get(link_id, {})
        if code in own:
            return own[code]
        shared = self.words.get("*", {})
        if code in shared:
            return shared[code]
        item = q.get(link_id) if q is not None else None
        option = item.option(code) if item is not None else None
        if option is None:
            return code
        return _lower_first(option.display.en)

    def not_asked(self, q: Questionnaire | None, link_id: str) -> str:
        item = q.get(link_id) if q is not None else None
        by_region = item is not None and any(c.question == self.region_question for c in item.enable_when)
        return "not asked for this region" if by_region else "not asked"


def _check_params(raw: Any, problems: list[str]) -> dict[str, dict[str, Any]]:
    modes = raw.get("modes")
    constants = raw.get("constants", {}) or {}
    if not isinstance(modes, dict) or not modes:
        problems.append("modes: the pack defines no modes")
        return {}
    out: dict[str, dict[str, Any]] = {}
    for mode, params in modes.items():
        if not isinstance(params, dict):
            problems.append(f"modes.{mode}: must be an object of parameters")
            continue
        merged = {**constants, **params}
        for name, value in merged.items():
            if not isinstance(value, dict) or _is_spec(value):
                continue
            # Not a threshold itself: a table keyed by region or instrument, whose entries are
            # thresholds, lists of codes or null.
            if not all(_is_spec(v) or v is None or isinstance(v, list) for v in value.values()):
                problems.append(f"modes.{mode}.{name}: a threshold must look like {{\"ge\": 5}}, "
                                "or a table of such thresholds")
        out[mode] = merged
    names = [set(p) for p in out.values()]
    if names and any(n != names[0] for n in names):
        problems.append("modes: every mode must set the same parameters")
    return out


def _is_spec(value: Any) -> bool:
    return (isinstance(value, dict) and len(value) == 1 and next(iter(value)) in COMPARATORS
            and isinstance(next(iter(value.values())), (int, float)))


def parse_rulepack(raw: Any, source: str, sha256: str, questionnaire: Questionnaire | None) -> RulePack:
    """Build and check a rule pack, or raise RulePackError listing every problem found."""
    try:
        return _parse_rulepack(raw, source, sha256, questionnaire)
    except RulePackError:
        raise
    except (AttributeError, TypeError, ValueError, KeyError, RecursionError) as exc:
        # a value of the wrong JSON type where the checks above did not look
        raise RulePackError(source, [f"malformed value in the rule pack ({type(exc).__name__}: {exc})"]) from None


def _parse_rulepack(raw: Any, source: str, sha256: str, questionnaire: Questionnaire | None) -> RulePack:
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise RulePackError(source, ["a rule pack must be a JSON object"])
    for key in ("id", "version", "default_mode", "intended_use"):
        if not isinstance(raw.get(key), str) or not raw.get(key):
            problems.append(f"{key}: missing or not text")
    params = _check_params(raw, problems)
    if raw.get("default_mode") not in params:
        problems.append(f"default_mode: {raw.get('default_mode')!r} is not one of the modes")
    raw_rules = raw.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulePackError(source, problems + ["rules: the pack has no rules"])
    rule_ids = [r.get("id") for r in raw_rules if isinstance(r, dict)]
    if len(rule_ids) != len(set(rule_ids)) or len(rule_ids) != len(raw_rules):
        problems.append("rules: every rule needs an id, used once")
    raw_facts = raw.get("facts", {}) or {}
    comp = _Compiler(params, set(raw_facts), set(), questionnaire)
    fact_fns: dict[str, Fn] = {}
    for name, expr in raw_facts.items():
        comp.where = f"facts.{name}"
        fact_fns[name] = comp.compile(expr)
    rules = []
    sources = raw.get("sources", {}) or {}
    for r in raw_rules:
        if not isinstance(r, dict):
            continue
        comp.where = f"rule {r.get('id')}"
        fn = comp.compile(r.get("when"))
        comp.rules.add(str(r.get("id")))  # later rules may refer to earlier ones only
        texts = _compile_texts(comp, r.get("text"), raw_facts, params, questionnaire)
        short = _compile_texts(comp, {"met": r["short"]}, raw_facts, params, questionnaire)["met"] \
            if "short" in r else ()
        if r.get("group") not in values(FindingGroup):
            problems.append(f"{comp.where}: group {r.get('group')!r} is not one of {', '.join(values(FindingGroup))}")
        tag = r.get("source", "")
        if not tag:
            problems.append(f"{comp.where}: no source")
        rules.append(Rule(str(r.get("id")), str(r.get("group", "")), str(r.get("title", r.get("id"))),
                          str(tag), texts, fn, short))
    outcomes = raw.get("outcomes")
    if not isinstance(outcomes, list) or not outcomes:
        problems.append("outcomes: the pack lists no outcomes")
        outcomes = []
    for o in outcomes:
        if not isinstance(o, dict) or o.get("outcome") not in OUTCOMES:
            problems.append(f"outcomes: {o!r} is not one of {', '.join(OUTCOMES)}")
            continue
        for key in ("any_met", "all_met"):
            for rid in o.get(key, []):
                if rid not in comp.rules:
                    problems.append(f"outcomes.{o['outcome']}: unknown rule {rid!r}")
    if raw.get("default_outcome") not in OUTCOMES:
        problems.append("default_outcome: missing or not an outcome")
    next_step = raw.get("next_step_fact", "next_step")
    if next_step not in raw_facts:
        problems.append(f"next_step_fact: no fact named {next_step!r}")
    notes = []
    for n in raw.get("notes", []) or []:
        comp.where = f"note {n.get('id') if isinstance(n, dict) else n!r}"
        if not isinstance(n, dict) or not n.get("id") or not n.get("text"):
            problems.append(f"{comp.where}: needs id, text and when")
            continue
        _check_template(comp, str(n["text"]), raw_facts, params, questionnaire)
        notes.append((str(n["id"]), str(n["text"]), comp.compile(n.get("when"))))
    labels, words = raw.get("labels", {}) or {}, raw.get("words", {}) or {}
    _check_wording(labels, words, comp, questionnaire, problems)
    _check_codes(raw, params, next_step, problems)
    problems.extend(comp.problems)
    if problems:
        raise RulePackError(source, problems)
    return RulePack(
        id=raw["id"], version=raw["version"], sha256=sha256, title=str(raw.get("title", raw["id"])),
        intended_use=raw["intended_use"], default_mode=raw["default_mode"], params=params,
        rules=tuple(rules), outcomes=tuple(outcomes), default_outcome=raw["default_outcome"],
        next_step_fact=next_step, notes=tuple(notes),
        sources=sources, fact_fns=fact_fns, questionnaire=questionnaire,
        wording=Wording(labels, words, _region_question(raw_facts.get("region"))),
        mode_descriptions=dict(raw.get("mode_descriptions", {}) or {}),
        referenced=frozenset(comp.referenced),
    )


def _region_question(expr: Any) -> str | None:
    """The linkId the region fact looks up (``{"lookup": [{"answer": ...}, {...}]}``), if it does."""
    if isinstance(expr, dict) and isinstance(expr.get("lookup"), list) and expr["lookup"]:
        first = expr["lookup"][0]
        if isinstance(first, dict) and isinstance(first.get("answer"), str):
            return str(first["answer"])
    return None


def _compile_texts(comp: _Compiler, raw: Any, facts: Mapping[str, Any], params: Mapping[str, Any],
                   questionnaire: Questionnaire | None) -> dict[str, tuple[tuple[Fn | None, Render], ...]]:
    """``text`` is one sentence per status, or a list of cases ``{"when": condition, "text": ...}``
    whose last one has no condition (so a sentence is always found)."""
    if not isinstance(raw, dict) or set(raw) - set(STATUSES) or "met" not in raw:
        comp.fail("'text' needs sentences keyed met / not_met / unknown")
        return {}
    out: dict[str, tuple[tuple[Fn | None, Render], ...]] = {}
    for status, spec in raw.items():
        cases = [{"text": spec}] if isinstance(spec, str) else spec
        if (not isinstance(cases, list) or not cases or not all(isinstance(c, dict) and isinstance(c.get("text"), str)
                                                                 for c in cases) or "when" in cases[-1]):
            comp.fail(f"text.{status}: a sentence, or a list of cases whose last one has no 'when'")
            continue
        compiled = []
        for case in cases:
            _check_template(comp, case["text"], facts, params, questionnaire)
            compiled.append((comp.compile(case["when"]) if "when" in case else None, compile_template(case["text"])))
        out[status] = tuple(compiled)
    return out


def _check_template(comp: _Compiler, sentence: str, facts: Mapping[str, Any], params: Mapping[str, Any],
                    questionnaire: Questionnaire | None) -> None:
    if sentence.count("{") != len(_PLACEHOLDER.findall(sentence)):
        comp.fail(f"text {sentence[:60]!r} has a placeholder that cannot be read")
    for kind, arg, key, _unit, _units in _PLACEHOLDER.findall(sentence):
        names = arg.split(",") if arg else []
        if kind in _NEEDS_ARG and not names:
            comp.fail(f"text placeholder {{{kind}}} needs a name")
        if key and key not in facts and key not in BUILTIN_FACTS:
            comp.fail(f"text keys a parameter by unknown fact {key!r}")
        for name in names:
            if kind in ("answer", "answers", "label", "yes", "unsure"):
                if questionnaire is not None and questionnaire.get(name) is None:
                    comp.fail(f"text names unknown linkId {name!r}")
                comp.read.add(name)
            elif kind == "fact" and name not in facts and name not in BUILTIN_FACTS:
                comp.fail(f"text names unknown fact {name!r}")
            elif kind in ("param", "limit") and params and name not in next(iter(params.values())):
                comp.fail(f"text names unknown parameter {name!r}")
            elif kind == "unmet" and name not in comp.rules:
                comp.fail(f"text names unknown or later rule {name!r}")


def _check_wording(labels: Any, words: Any, comp: _Compiler, questionnaire: Questionnaire | None,
                   problems: list[str]) -> None:
    """Every question a rule reads has a staff label, and every label and word names a real question."""
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        problems.append("labels: must map linkIds to staff wording")
        return
    if not isinstance(words, dict) or not all(isinstance(v, dict) for v in words.values()):
        problems.append("words: must map linkIds (or \"*\") to {code: staff wording}")
        return
    if questionnaire is None:
        return
    for link_id in sorted(set(labels) | (set(words) - {"*"})):
        if questionnaire.get(link_id) is None:
            problems.append(f"labels/words: {link_id!r} is not a question of the questionnaire")
    if labels:
        unlabelled = sorted(comp.read - set(labels))
        if unlabelled:
            problems.append("labels: no staff label for " + ", ".join(unlabelled))


def _walk(expr: Any) -> Iterator[Any]:
    yield expr
    if isinstance(expr, dict):
        for v in expr.values():
            yield from _walk(v)
    elif isinstance(expr, list):
        for v in expr:
            yield from _walk(v)


def _cond_results(expr: Any) -> Iterator[Any]:
    """The values a ``cond`` expression can produce (nested conds followed)."""
    if isinstance(expr, dict) and set(expr) == {"cond"} and isinstance(expr["cond"], list):
        for branch in expr["cond"]:
            if isinstance(branch, list) and len(branch) == 2:
                yield from _cond_results(branch[1])
    else:
        yield expr


def _check_codes(raw: Mapping[str, Any], params: Mapping[str, Mapping[str, Any]], next_step: str,
                 problems: list[str]) -> None:
    """The pack's modes, next steps and regions are the product's codes (``kiosk.codes``), so no
    label table can miss one and no typo sorts an intake into a step nobody knows."""
    for mode in params:
        if mode not in values(RuleMode):
            problems.append(f"modes: {mode!r} is not one of {', '.join(values(RuleMode))}")
    steps, regions = set(values(NextStep)), set(values(Region))
    facts = raw.get("facts", {}) or {}
    for value in _cond_results(facts.get(next_step)):
        if isinstance(value, str) and value not in steps:
            problems.append(f"facts.{next_step}: {value!r} is not a next step ({', '.join(sorted(steps))})")
    region = facts.get("region")
    if isinstance(region, dict) and isinstance(region.get("lookup"), list) and len(region["lookup"]) == 2:
        for value in (region["lookup"][1] or {}).values():
            if value not in regions:
                problems.append(f"facts.region: {value!r} is not a region ({', '.join(sorted(regions))})")
    everything = [facts, raw.get("rules"), raw.get("notes")]
    for node in _walk(everything):
        if not isinstance(node, dict):
            continue
        for op in ("eq", "in"):
            arg = node.get(op)
            if isinstance(arg, list) and len(arg) == 2 and arg[0] == {"fact": next_step}:
                codes = arg[1] if isinstance(arg[1], list) else [arg[1]]
                for code in codes:
                    if code not in steps:
                        problems.append(f"{op} compares the next step with {code!r}, which is not a next step")
        if "param" in node and node.get("key") == {"fact": "region"}:
            for mode, mode_params in params.items():
                table = mode_params.get(node["param"])
                if isinstance(table, dict) and not _is_spec(table):
                    for k in table:
                        if k not in regions:
                            problems.append(f"modes.{mode}.{node['param']}: {k!r} is not a region")


def load_rulepack(path: Path | str | None = None, questionnaire: Questionnaire | None = None) -> RulePack:
    """Load and check a rule pack (the shipped one when ``path`` is None)."""
    p = Path(path) if path is not None else resource(*DEFAULT_RULEPACK)
    try:
        raw, sha256 = read_json(p)
    except ValueError as exc:
        raise RulePackError(str(p), [str(exc)]) from None
    return parse_rulepack(raw, str(p), sha256, questionnaire)


# --- assessing ---------------------------------------------------------------------------

Render = Callable[[_Ctx], str]


@cache
def compile_template(template: str) -> Render:
    """A sentence turned once into a function of the assessment: its literal text and one small
    getter per placeholder, chosen here rather than on every render (assess renders 34 a run)."""
    getters: list[Callable[[_Ctx], str]] = []
    at = 0
    for m in _PLACEHOLDER.finditer(template):
        if m.start() > at:
            getters.append(_literal(template[at:m.start()]))
        kind, arg, key, unit, units = m.groups()
        getters.append(_getter(kind, arg or "", key or "", unit, units))
        at = m.end()
    if at < len(template):
        getters.append(_literal(template[at:]))
    if "{" not in template:
        return _literal(template)
    return lambda ctx: "".join([g(ctx) for g in getters])


def _literal(text: str) -> Render:
    return lambda ctx: text


def _render(template: str, ctx: _Ctx) -> str:
    return compile_template(template)(ctx)


def _answer_words(ctx: _Ctx, link_id: str, unit: str | None = None, units: str | None = None) -> str:
    st = ctx.state.get(link_id)
    return ctx.pack.wording.value(ctx.q, link_id, ctx.answers.get(link_id) if st else None, st, unit, units)


def _gaps(ctx: _Ctx) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in ctx.inputs.items() if v is None or v == UNSURE]


def _getter(kind: str, arg: str, key: str, unit: str | None, units: str | None) -> Callable[[_Ctx], str]:
    ids = arg.split(",")
    if kind == "answer":
        return lambda ctx: _answer_words(ctx, arg, unit, units)
    if kind == "answers":
        return lambda ctx: "; ".join([f"{ctx.pack.wording.label(i)}: {_answer_words(ctx, i)}" for i in ids])
    if kind == "label":
        return lambda ctx: ctx.pack.wording.label(arg)
    if kind in ("yes", "unsure"):
        return lambda ctx: ", ".join([ctx.pack.wording.label(i) for i in ids
                                      if ctx.state.get(i) and ctx.answers.get(i) == kind]) or "none"
    if kind == "gaps":  # the same questions as {missing}, names only (the queue's short line)
        return lambda ctx: ", ".join([ctx.pack.wording.label(k) for k, _v in _gaps(ctx)]) or "none"
    if kind == "missing":
        return lambda ctx: "; ".join([f"{ctx.pack.wording.label(k)} "
                                      f"({'answered not sure' if v == UNSURE else 'not answered'})"
                                      for k, v in _gaps(ctx)]) or "none"
    if kind == "unmet":
        return lambda ctx: "; ".join([_lower_first(ctx.texts[i][1]) for i in ids
                                      if ctx.texts.get(i, ("", ""))[0] == "not_met"]) or "none"
    if kind == "fact":
        def fact(ctx: _Ctx) -> str:
            value = ctx.fact(arg)
            if value is NA and unit is not None:
                return "none recorded"
            return _units(value, unit, units)
        return fact

    def threshold(ctx: _Ctx) -> str:
        value = ctx.params.get(arg)
        if key:
            k = ctx.fact(key)
            if not _is_spec(value):
                value = value.get(k) if isinstance(value, dict) and _real(k) else None
            if value is None:
                return "unknown until the answers are complete"
        if kind == "limit":  # the bare number of a threshold: "8 of 12 weeks"
            return _fmt(next(iter(value.values()))) if value is not None and _is_spec(value) else "no limit"
        return _spec_words(value, unit, units)
    return threshold


def _first_case(cases: tuple[tuple[Fn | None, Render], ...], ctx: _Ctx) -> str:
    """The first case whose condition holds (a case without one always does)."""
    for when, render in cases:
        if when is None or when(ctx) is True:
            return render(ctx)
    return ""


CANDIDATE_OUTCOMES = (Outcome.CANDIDATE_WITH_PRECAUTIONS, Outcome.LIKELY_CANDIDATE)


def _why(outcome: str, step: Any, deciding: list[Finding]) -> str:
    """The queue's one line: the red flag, exclusion or missing criterion named, or for a
    candidate the next step and the precautions to plan for."""
    if outcome in CANDIDATE_OUTCOMES:
        parts = [NEXT_STEP_LABELS[NextStep(step)].lower() if step in NEXT_STEPS else "next step not decided"]
        parts += [_lower_first(f.short) for f in deciding if f.group == FindingGroup.SAFETY]
        return "Meets configured criteria: " + "; ".join(parts)
    parts = [f.short for f in deciding if f.short]
    line = "; ".join(parts[:1] + [_lower_first(p) for p in parts[1:]])
    return line[:1].upper() + line[1:]


def _sentence(rule: Rule, status: str, ctx: _Ctx) -> str:
    """The rule's sentence for the status; a pack that has none says only what is true."""
    text = _first_case(rule.texts.get(status, ()), ctx)
    if text:
        return text
    if status == "unknown":
        return _render(f"{rule.title}: cannot be judged yet; not answered: {{missing}}", ctx)
    return rule.title if status == "met" else f"{rule.title}: not met"  # never the met sentence for a rule not met


def assess(pack: RulePack, questionnaire: Questionnaire, answers: Mapping[str, Any],
           mode: str | None = None) -> Assessment:
    """Assess validated answers (see ``kiosk.answers.validate_answers``) with one mode of the pack.

    A pack whose logic fails on these answers (a value of the wrong type that loading could
    not see) raises RulePackError naming the pack, never a bare TypeError."""
    try:
        return _assess(pack, questionnaire, answers, mode)
    except (TypeError, AttributeError, KeyError, IndexError, ZeroDivisionError, RecursionError) as exc:
        raise RulePackError(f"rule pack {pack.id} {pack.version}",
                            [f"fails while assessing ({type(exc).__name__}: {exc})"]) from None


def _assess(pack: RulePack, questionnaire: Questionnaire, answers: Mapping[str, Any],
            mode: str | None = None) -> Assessment:
    mode = mode or pack.default_mode
    if mode not in pack.params:
        raise ValueError(f"unknown mode {mode!r}; this rule pack has {', '.join(pack.modes)}")
    state = enablement(questionnaire, answers)
    ctx = _Ctx(pack, answers, state, pack.params[mode], questionnaire)
    findings = []
    status_of: dict[str, str] = {}
    for rule in pack.rules:
        ctx.inputs = {}
        value = rule.fn(ctx)
        ctx.rules[rule.id] = value if value is None else value is True
        status = "unknown" if value is None else ("met" if value is True else "not_met")
        status_of[rule.id] = status
        text = _sentence(rule, status, ctx)
        short = (_first_case(rule.short, ctx) if rule.short else rule.title) if status == "met" else ""
        ctx.texts[rule.id] = (status, text)
        if rule.id in pack.referenced:
            ctx.rule_missing[rule.id] = {k: None for k, v in ctx.inputs.items() if v is None}
        inputs = {k: v for k, v in ctx.inputs.items() if v is not NA}
        findings.append(Finding(rule.id, status, text, inputs, rule.source, rule.group, rule.title, short))
    ctx.inputs = {}
    outcome, deciding = None, []
    for o in pack.outcomes:
        need_all = o.get("all_met", [])
        need_any = o.get("any_met", [])
        if all(status_of[r] == "met" for r in need_all) and (not need_any or any(status_of[r] == "met" for r in need_any)):
            outcome = o["outcome"]
            deciding = [r.id for r in pack.rules if r.id in need_all or (r.id in need_any and status_of[r.id] == "met")]
            break
    step = ctx.fact(pack.next_step_fact)
    region = ctx.fact("region") if "region" in pack.fact_fns else None
    notes = []
    for note_id, text, fn in pack.notes:
        if fn(ctx) is True:
            notes.append({"id": note_id, "text": _render(text, ctx)})
    scores: dict[str, float | None] = {
        "peg": scoring.rounded(_none(ctx, "peg")),
        "peg_interference": scoring.rounded(_none(ctx, "peg_interference")),
        "odi_percent": scoring.rounded(_none(ctx, "odi_percent")),
        "ndi_score": scoring.rounded(_none(ctx, "ndi_score")),
    }
    return Assessment(
        deciding=tuple(deciding),
        why=_why(outcome or pack.default_outcome, step, [f for f in findings if f.rule in deciding]),
        outcome=outcome or pack.default_outcome,
        next_step=step if isinstance(step, str) else None,
        region=region if isinstance(region, str) else None,
        rulepack={"id": pack.id, "version": pack.version, "sha256": pack.sha256, "mode": mode},
        findings=tuple(findings),
        scores=scores,
        notes=tuple(notes),
    )


def _none(ctx: _Ctx, fact: str) -> float | None:
    v = ctx.fact(fact)
    return v if _real(v) else None
