"""What the staff station shows and records: queue labels, review decisions, and the intake
report (answers in plain words, the assessment with every finding and its source, the
re-assessment under the current rule pack, the reviews). The detail screen and the PDF are
both built from ``IntakeReport``; every patient-typed string is escaped in ``report_html``.

Wording: staff see "meets configured criteria for clinician review", never "diagnosis",
"indicated" or "approved".
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kiosk.answers import enabled_answers
from kiosk.questionnaire import Item, Questionnaire
from kiosk.rules import RulePack, assess
from kiosk.store import Intake, QueueFilter, QueueRow, Store, StoreError

DECISIONS = {
    "schedule_evaluation": "Schedule an evaluation",
    "not_appropriate": "Not appropriate at this time",
    "urgent_handled": "Urgent concern handled",
    "needs_follow_up": "Needs follow-up",
}
OUTCOMES = {
    "URGENT_REVIEW": "Urgent review",
    "NOT_CANDIDATE": "Not a candidate",
    "NOT_YET": "Not yet",
    "CANDIDATE_WITH_PRECAUTIONS": "With precautions",
    "LIKELY_CANDIDATE": "Meets criteria",
    "ABANDONED": "Not finished",
}
OUTCOME_SENTENCES = {
    "URGENT_REVIEW": "Urgent review: a red-flag answer needs a clinician today.",
    "NOT_CANDIDATE": "Does not meet the configured criteria: an exclusion applies.",
    "NOT_YET": "Not yet: timing or missing information keeps this intake from the configured criteria.",
    "CANDIDATE_WITH_PRECAUTIONS": "Meets configured criteria for clinician review, with precautions to plan for.",
    "LIKELY_CANDIDATE": "Meets configured criteria for clinician review.",
}
NEXT_STEPS = {
    "first_diagnostic_block": "First diagnostic block",
    "confirmatory_block": "Confirmatory diagnostic block",
    "rfa_workup": "Radiofrequency ablation work-up",
    "repeat_rfa": "Repeat radiofrequency ablation",
    "repeat_steroid": "Repeat steroid injection",
}
REGIONS = {"cervical": "Neck (cervical)", "thoracic": "Mid back (thoracic)", "lumbar": "Low back (lumbar)",
           "neck": "Neck (cervical)", "midback": "Mid back (thoracic)", "lowback": "Low back (lumbar)"}
REVIEW_FILTERS = {"unreviewed": "Not reviewed", "reviewed": "Reviewed"} | DECISIONS
GROUPS = (("red_flag", "Red flags"), ("safety", "Precautions (safety)"), ("inclusion", "Inclusion criteria"),
          ("exclusion", "Exclusions"), ("timing", "Timing and missing information"))
STATUS_WORDS = {"met": "met", "not_met": "not met", "unknown": "unknown (answer missing)"}
SCORE_LABELS = {"peg": "PEG (0-10)", "peg_interference": "PEG interference (0-10)", "odi_percent": "ODI (%)",
                "ndi_score": "NDI (0-50)"}
NOTE_MAX = 2000
JUDGEMENT = ("The sorting applies the clinic's configured criteria for clinician review. It supports, and does "
             "not replace, clinical judgement.")
FORBIDDEN_WORDS = ("diagnosis", "indicated", "approved")  # never on staff screens or exports


class ReviewError(ValueError):
    pass


def check_review(decision: str, note: str, disagree: bool, reason: str) -> str | None:
    if decision not in DECISIONS:
        return "Choose a decision."
    if len(note) > NOTE_MAX or len(reason) > NOTE_MAX:
        return f"Notes are limited to {NOTE_MAX} characters."
    if disagree and not reason.strip():
        return "Say why you disagree with the sorting."
    return None


def record_review(store: Store, intake_id: int, staff_id: int, decision: str, note: str = "",
                  disagree: bool = False, reason: str = "") -> int:
    problem = check_review(decision, note, disagree, reason)
    if problem:
        raise ReviewError(problem)
    return store.add_review(intake_id, staff_id, decision, note.strip(), disagree,
                            reason.strip() if disagree else "")


# -- time and filters ----------------------------------------------------------------------

def local_time(iso: str | None, with_date: bool = True) -> str:
    if not iso:
        return ""
    when = dt.datetime.fromisoformat(iso).astimezone()
    return when.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")


def day_bounds(first: dt.date | None, last: dt.date | None) -> tuple[str | None, str | None]:
    """UTC ISO bounds for local calendar days ``first`` to ``last`` inclusive."""
    def start(day: dt.date) -> str:
        local = dt.datetime.combine(day, dt.time()).astimezone()
        return local.astimezone(dt.UTC).isoformat(timespec="milliseconds")
    return (start(first) if first else None, start(last + dt.timedelta(days=1)) if last else None)


def queue_filter(outcome: str | None = None, review: str | None = None, first: dt.date | None = None,
                 last: dt.date | None = None, search: str | None = None) -> QueueFilter:
    since, until = day_bounds(first, last)
    return QueueFilter(outcome=outcome or None, review=review or None, since=since, until=until,
                       search=(search or "").strip() or None)


def outcome_label(row: QueueRow) -> str:
    if row.status == "abandoned":
        return OUTCOMES["ABANDONED"]
    return OUTCOMES.get(row.outcome or "", row.outcome or "")


SHORT_REGIONS = {"cervical": "Neck", "thoracic": "Mid back", "lumbar": "Low back", "neck": "Neck",
                 "midback": "Mid back", "lowback": "Low back"}
SHORT_DECISIONS = {"schedule_evaluation": "Evaluation", "not_appropriate": "Not appropriate",
                   "urgent_handled": "Urgent handled", "needs_follow_up": "Follow-up"}


def queue_time(iso: str | None, today: dt.date | None = None) -> str:
    """Short local time for the queue: "14:05" today, "Nov 20 14:05" this year, else the date."""
    if not iso:
        return ""
    when = dt.datetime.fromisoformat(iso).astimezone()
    today = today or dt.date.today()
    if when.date() == today:
        return when.strftime("%H:%M")
    return when.strftime("%b %d %H:%M" if when.year == today.year else "%Y-%m-%d")


def review_label(row: QueueRow) -> str:
    return DECISIONS.get(row.review_decision or "", "Not reviewed")


def patient_name(row: QueueRow) -> str:
    """"Family, Given" as staff file it."""
    given, family = row.given_name, row.family_name
    name = f"{family or ''}, {given or ''}".strip(", ")
    return name or "(no name given)"


# -- the report -----------------------------------------------------------------------------

@dataclass
class IntakeReport:
    intake: Intake
    row: QueueRow
    answers: list[tuple[str, list[tuple[str, str]]]]
    assessment: dict[str, Any] | None
    reassessment: dict[str, Any] | None = None
    reassess_reason: str = ""
    reviews: list[dict[str, Any]] = field(default_factory=list)
    sources: Mapping[str, str] = field(default_factory=dict)


def answer_words(item: Item, value: Any) -> str:
    if item.type == "boolean":
        return "Yes" if value else "No"
    if item.type == "choice":
        codes = value if isinstance(value, list) else [value]
        return ", ".join((item.option(c).display.en if item.option(c) else str(c)) for c in codes)  # type: ignore[union-attr]
    return str(value)


def _leaves(items: tuple[Item, ...]) -> Iterator[Item]:
    for item in items:
        if not item.is_group:
            yield item
        yield from _leaves(item.children)


STAFF_LABELS = {"consent": "Patient acknowledged that answers go to clinic staff for review"}


def answers_by_section(q: Questionnaire, answers: Mapping[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    kept = enabled_answers(q, answers)
    out = []
    for section in q.sections:
        rows = [(STAFF_LABELS.get(item.link_id, item.text.en), answer_words(item, kept[item.link_id]))
                for item in _leaves(section.children)
                if kept.get(item.link_id) not in (None, [], "")]
        if rows:
            out.append((section.text.en, rows))
    unknown = sorted(k for k in answers if k not in q.items)
    if unknown:  # answers to items the current questionnaire no longer has: shown, never dropped
        out.append(("Other answers", [(k, str(answers[k])) for k in unknown]))
    return out


def build_report(store: Store, q: Questionnaire, pack: RulePack, intake_id: int, mode: str) -> IntakeReport:
    intake, row = store.intake(intake_id), store.queue_row(intake_id)
    if intake is None or row is None or intake.status == "draft":
        raise StoreError("not_found", f"Intake {intake_id} is not in the review queue.")
    answers = store.answers(intake_id)
    stored = store.latest_assessment(intake_id)
    report = IntakeReport(intake, row, answers_by_section(q, answers), stored, reviews=store.reviews(intake_id),
                          sources=pack.sources)
    if stored is not None:
        used = stored.get("rulepack", {})
        reasons = []
        if used.get("sha256") != pack.sha256:
            reasons.append(f"the rule pack changed ({used.get('id')} {used.get('version')} was used; "
                           f"{pack.id} {pack.version} is current)")
        if used.get("mode") != mode:
            reasons.append(f"the clinic's rule mode is now {mode} (this intake was sorted in {used.get('mode')})")
        if reasons:
            report.reassessment = assess(pack, q, answers, mode).to_json()
            report.reassess_reason = "; ".join(reasons)
    return report


# -- HTML (screen and PDF) ------------------------------------------------------------------

def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _inputs(inputs: Mapping[str, Any]) -> str:
    return "; ".join(f"{k} = {v if not isinstance(v, list) else ', '.join(map(str, v))}" for k, v in inputs.items())


def _source(tag: str, sources: Mapping[str, str]) -> str:
    parts = [p.strip() for p in (tag or "").split(";") if p.strip()]
    return "<br>".join(f"<b>{_e(p)}</b>: {_e(sources[p])}" if p in sources else _e(p) for p in parts)


def _assessment_html(a: Mapping[str, Any], compact: bool) -> str:
    outcome = a.get("outcome", "")
    rp = a.get("rulepack", {})
    out = [f"<p class='outcome {outcome.lower()}'><b>{_e(OUTCOME_SENTENCES.get(outcome, outcome))}</b></p>"]
    facts = [("Next step evaluated", NEXT_STEPS.get(a.get("next_step") or "", a.get("next_step") or "none")),
             ("Region", REGIONS.get(a.get("region") or "", a.get("region") or "not given"))]
    scores = a.get("scores", {})
    facts += [(SCORE_LABELS.get(k, k), "not asked" if v is None else f"{v:g}") for k, v in scores.items()]
    facts.append(("Rule pack", f"{rp.get('id')} {rp.get('version')}, mode {rp.get('mode')}, "
                               f"sha256 {str(rp.get('sha256', ''))[:12]}"))
    out.append("<table class='facts'>" + "".join(f"<tr><td>{_e(k)}</td><td><b>{_e(v)}</b></td></tr>"
                                                 for k, v in facts) + "</table>")
    for note in a.get("notes", []):
        out.append(f"<p class='note'>Note: {_e(note.get('text', ''))}</p>")
    findings = a.get("findings", [])
    for group, title in GROUPS:
        rows = [f for f in findings if f.get("group") == group]
        if not rows:
            continue
        count = f"{sum(1 for f in rows if f.get('status') == 'met')} met of {len(rows)}"
        # print keeps to two pages: findings that are met or unknown (inclusion always in full)
        shown = [f for f in rows if f.get("status") != "not_met" or group == "inclusion" or not compact]
        out.append(f"<h3>{_e(title)}: {count}</h3>")
        for f in sorted(shown, key=lambda f: f.get("status") == "not_met"):  # met and unknown first
            status = f.get("status", "")
            mark = "alert" if status == "met" and group in ("red_flag", "safety") else \
                ("unknown" if status == "unknown" else ("quiet" if status == "not_met" else "met"))
            inputs = f" Answers: {_e(_inputs(f['inputs']))}." if f.get("inputs") else ""
            out.append(f"<p class='finding {mark}'><b>{_e(f.get('rule'))} {_e(f.get('title', ''))}</b> "
                       f"({_e(STATUS_WORDS.get(status, status))}): {_e(f.get('text', ''))}."
                       f"<span class='inputs'>{inputs} [{_e(f.get('source', ''))}]</span></p>")
    return "\n".join(out)


STYLE = """
<style>
body { font-family: 'DejaVu Sans', sans-serif; }
h1 { font-size: 150%; } h2 { font-size: 125%; margin-top: 14px; } h3 { font-size: 110%; margin-top: 10px; }
p.finding { margin: 2px 0 4px 12px; }
p.alert { background: #FFE1E1; } p.unknown { background: #FFF3CD; } p.quiet { color: #45433F; }
.inputs { color: #45433F; }
.outcome { font-size: 115%; }
.urgent_review { color: #9E0019; }
.banner { background: #FFF3CD; border: 2px solid #9E0019; padding: 6px; }
.muted { color: #45433F; }
</style>
"""


PRINT_STYLE = """
<style>
h1 { font-size: 140%; margin: 0; } h2 { font-size: 115%; margin-top: 8px; margin-bottom: 2px; }
h3 { font-size: 100%; margin-top: 4px; margin-bottom: 0; } p { margin-top: 1px; margin-bottom: 1px; }
</style>
"""


def report_html(r: IntakeReport, *, for_print: bool = False) -> str:
    row = r.row
    status = "Submitted" if row.status == "submitted" else "Not finished (the patient left before submitting)"
    out = [STYLE + (PRINT_STYLE if for_print else ""), f"<h1>{_e(patient_name(row))}</h1>",
           f"<p>Date of birth <b>{_e(row.birth_date or 'not given')}</b> · {_e(status)} "
           f"{_e(local_time(row.closed_at))} · Language {_e(row.language)} · Intake {_e(row.uuid)}</p>"]
    a = r.assessment
    alerts = []
    if row.red_flags:
        alerts.append(f"RED FLAG: {row.red_flags} red-flag answer{'s' if row.red_flags != 1 else ''}. "
                      "Ask about it in person today.")
    if a is not None:
        precautions = [f.get("title", "") for f in a.get("findings", [])
                       if f.get("group") == "safety" and f.get("status") == "met"]
        if precautions:
            alerts.append("PRECAUTIONS: " + ", ".join(precautions) + ".")
    for alert in alerts:
        out.append(f"<p class='banner'><b>{_e(alert)}</b></p>")
    out.append("<h2>Sorting</h2>")
    if a is None:
        out.append("<p>This intake was not submitted, so it was not sorted. Its answers are below.</p>")
    else:
        out.append(_assessment_html(a, compact=for_print))
    if r.reassessment is not None:
        re_a = r.reassessment
        out.append(f"<h2>Re-assessment with the current rule pack</h2><p class='muted'>Shown because "
                   f"{_e(r.reassess_reason)}. The stored sorting above is kept unchanged.</p>")
        out.append(_assessment_html(re_a, compact=True))
    if r.reviews:
        out.append("<h2>Reviews</h2><ul>")
        for rv in r.reviews:
            line = (f"{_e(local_time(rv['at']))}, {_e(rv['staff_name'])}: "
                    f"<b>{_e(DECISIONS.get(rv['decision'], rv['decision']))}</b>")
            if rv.get("note"):
                line += f". Note: {_e(rv['note'])}"
            if rv.get("disagree"):
                line += f". <b>Disagrees with the sorting</b>: {_e(rv.get('disagree_reason', ''))}"
            out.append(f"<li>{line}</li>")
        out.append("</ul>")
    out.append("<h2>Answers</h2>")
    for section, rows in r.answers:
        out.append(f"<h3>{_e(section)}</h3><table width='100%' cellpadding='{1 if for_print else 3}'>")
        if for_print:  # two answers a line keeps the summary to two pages
            for n in range(0, len(rows), 2):
                cells = "".join(f"<td width='32%'>{_e(q)}</td><td width='18%'><b>{_e(v)}</b></td>"
                                for q, v in rows[n:n + 2])
                out.append(f"<tr>{cells}</tr>")
        else:
            out += [f"<tr><td width='60%'>{_e(q)}</td><td><b>{_e(v)}</b></td></tr>" for q, v in rows]
        out.append("</table>")
    if not for_print:
        tags = sorted({t.strip() for a2 in (a, r.reassessment) if a2 for f in a2.get("findings", [])
                       for t in str(f.get("source", "")).split(";") if t.strip()})
        if tags:
            out.append("<h2>Sources</h2>")
            out += [f"<p class='finding'>{_source(tag, r.sources)}</p>" for tag in tags]
    out.append(f"<p class='muted'>{_e(JUDGEMENT)}</p>")
    return "\n".join(out)
