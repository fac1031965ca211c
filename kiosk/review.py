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
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kiosk.answers import enabled_answers
from kiosk.codes import FindingGroup, FindingStatus, IntakeStatus, Outcome, Region
from kiosk.labels import (
    DECISION_LABELS,
    GROUP_LABELS,
    INTAKE_STATUS_LABELS,
    MODE_LABELS,
    NEXT_STEP_LABELS,
    OUTCOME_LABELS,
    OUTCOME_SENTENCES,
    REGION_LABELS,
    SHORT_DECISION_LABELS,
    SHORT_REGION_LABELS,
    label,
)
from kiosk.questionnaire import Item, Questionnaire
from kiosk.rules import RulePack, Wording, assess
from kiosk.store import Intake, NotFound, QueueFilter, QueueRow, StaffStore

# code -> label, in the order the review form shows them
DECISIONS: Mapping[str, str] = {code.value: text for code, text in DECISION_LABELS.items()}
REVIEW_FILTERS = {"unreviewed": "Not reviewed", "reviewed": "Reviewed"} | dict(DECISIONS)
# the queue's sorting filter: every outcome, plus intakes left before submit
OUTCOME_FILTERS = dict(OUTCOME_LABELS) | {"ABANDONED": INTAKE_STATUS_LABELS[IntakeStatus.ABANDONED]}
# pain.region answers of intakes that were never assessed (the rule pack maps them the same way)
REGION_OF_ANSWER = {"neck": Region.CERVICAL, "midback": Region.THORACIC, "lowback": Region.LUMBAR}
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


def record_review(store: StaffStore, intake_id: int, staff_id: int, decision: str, note: str = "",
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
    if row.status == IntakeStatus.ABANDONED:
        return INTAKE_STATUS_LABELS[IntakeStatus.ABANDONED]
    return label(OUTCOME_LABELS, row.outcome)


def region_label(code: str | None, short: bool = False) -> str:
    """A Region code, or the pain.region answer of an intake that was never assessed."""
    region = REGION_OF_ANSWER.get(code or "", code)
    return label(SHORT_REGION_LABELS if short else REGION_LABELS, region, "")


def queue_time(iso: str | None, today: dt.date | None = None) -> str:
    """Local time with its day, short: "today 14:05", "yesterday 09:10", "Nov 20 14:05", "2025-11-20 14:05"."""
    if not iso:
        return ""
    when = dt.datetime.fromisoformat(iso).astimezone()
    today = today or dt.date.today()
    if when.date() == today:
        return when.strftime("today %H:%M")
    if when.date() == today - dt.timedelta(days=1):
        return when.strftime("yesterday %H:%M")
    return when.strftime("%b %d %H:%M" if when.year == today.year else "%Y-%m-%d %H:%M")


def queue_why(row: QueueRow, name_of: Callable[[str], str] = str) -> str:
    """The queue's "Why" column: the assessment's one line, or for an intake left before submit
    the red-flag questions answered yes (``name_of`` gives each question's staff name)."""
    if row.why:
        return row.why
    items = json.loads(row.red_flag_items) if row.red_flag_items else []
    if items:
        names = [name_of(i) for i in items]
        return "Red flag before leaving: " + "; ".join(names)
    if row.status == IntakeStatus.ABANDONED:
        return ""  # the Sorting column already says "Not finished": once, not as noise
    return label(OUTCOME_SENTENCES, row.outcome)


def review_label(row: QueueRow) -> str:
    return DECISIONS.get(row.review_decision or "", "Not reviewed")


def short_review_label(row: QueueRow) -> str:
    if not row.review_decision:
        return "Not reviewed"
    return f"{label(SHORT_DECISION_LABELS, row.review_decision)} ({row.reviewed_by})"


def patient_name(row: QueueRow) -> str:
    """"Family, Given" as staff file it."""
    given, family = row.given_name, row.family_name
    name = f"{family or ''}, {given or ''}".strip(", ")
    return name or "(no name given)"


def mode_label(mode: str | None) -> str:
    return label(MODE_LABELS, mode, "not recorded")


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
    wording: Wording = field(default_factory=lambda: Wording({}, {}))
    questionnaire: Questionnaire | None = None
    red_flag_items: tuple[str, ...] = ()  # answered yes before an intake was left unsubmitted


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


def build_report(store: StaffStore, q: Questionnaire, pack: RulePack, intake_id: int, mode: str) -> IntakeReport:
    intake, row = store.intake(intake_id), store.queue_row(intake_id)
    if intake is None or row is None or intake.status == "draft":
        raise NotFound(f"Intake {intake_id} is not in the review queue.")
    answers = store.answers(intake_id)
    stored = store.latest_assessment(intake_id)
    report = IntakeReport(intake, row, answers_by_section(q, answers), stored, reviews=store.reviews(intake_id),
                          sources=pack.sources, wording=pack.wording, questionnaire=q,
                          red_flag_items=tuple(json.loads(row.red_flag_items or "[]")))
    if stored is not None:
        used = stored.get("rulepack", {})
        reasons = []
        if used.get("sha256") != pack.sha256:
            reasons.append(f"the rule pack changed ({used.get('id')} {used.get('version')} was used; "
                           f"{pack.id} {pack.version} is current)")
        if used.get("mode") != mode:
            reasons.append(f"the clinic's criteria are now {mode_label(mode)} (this intake was sorted with "
                           f"{mode_label(used.get('mode'))})")
        if reasons:
            report.reassessment = assess(pack, q, answers, mode).to_json()
            report.reassess_reason = "; ".join(reasons)
    return report


# -- HTML (screen and PDF) ------------------------------------------------------------------
#
# Order, on screen and on paper: who; the red flags and precautions named; why (the outcome in
# the required wording, the findings that decided it with the answers behind them, the next
# step, the criteria used); the other criteria met; the not-met ones folded away; reviews;
# answers; sources; identifiers and hashes last.

SHOW_ALL = "show-all-criteria"  # the link that unfolds the criteria that were not met


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _answers_behind(f: Mapping[str, Any], r: IntakeReport) -> str:
    words, q = r.wording, r.questionnaire
    return "; ".join(f"{words.label(k)}: {words.value(q, k, v)}" for k, v in (f.get("inputs") or {}).items())


def _source(tag: str, sources: Mapping[str, str]) -> str:
    parts = [p.strip() for p in (tag or "").split(";") if p.strip()]
    return "<br>".join(f"<b>{_e(p)}</b>: {_e(sources[p])}" if p in sources else _e(p) for p in parts)


def _finding(f: Mapping[str, Any], r: IntakeReport) -> str:
    status, group = f.get("status", ""), f.get("group", "")
    mark = "alert" if status == FindingStatus.MET and group in (FindingGroup.RED_FLAG, FindingGroup.SAFETY) else \
        {"unknown": "unknown", "not_met": "quiet"}.get(status, "met")
    answers = _answers_behind(f, r)
    behind = f"<br><span class='inputs'>Answers: {_e(answers)}</span>" if answers else ""
    title, text = str(f.get("title", "")), str(f.get("text", ""))
    head = f"<b>{_e(text)}</b>" if text.lower().startswith(title.lower()) else f"<b>{_e(title)}</b>: {_e(text)}"
    return (f"<p class='finding {mark}'>{head}."
            f"{behind}<span class='inputs'> [{_e(f.get('rule'))}; {_e(f.get('source', ''))}]</span></p>")


def _deciding(a: Mapping[str, Any]) -> list[str]:
    summary = a.get("summary") or {}
    if summary.get("deciding"):
        return list(summary["deciding"])
    # an assessment stored before rule pack 1.1 has no summary: the met findings of the outcome's group
    group = {Outcome.URGENT_REVIEW: "red_flag", Outcome.NOT_CANDIDATE: "exclusion", Outcome.NOT_YET: "timing"}.get(
        a.get("outcome", ""), "safety")
    return [f["rule"] for f in a.get("findings", []) if f.get("group") == group and f.get("status") == "met"]


def _assessment_html(a: Mapping[str, Any], r: IntakeReport, *, for_print: bool, show_all: bool,
                     title: str = "Why") -> str:
    outcome = a.get("outcome", "")
    rp = a.get("rulepack", {})
    findings = a.get("findings", [])
    deciding = _deciding(a)
    out = [f"<h2>{_e(title)}</h2>",
           f"<p class='outcome {outcome.lower()}'><b>{_e(label(OUTCOME_SENTENCES, outcome))}</b></p>"]
    step = a.get("next_step")
    out.append(f"<p>Next step evaluated: <b>{_e(label(NEXT_STEP_LABELS, step, 'not decided yet (answers missing)'))}"
               f"</b> · Region: <b>{_e(region_label(a.get('region')) or 'not given')}</b> · "
               f"Criteria: <b>{_e(mode_label(rp.get('mode')))}</b></p>")
    decided = [f for f in findings if f.get("rule") in deciding]
    # for a candidate the precautions come first: they are what the nurse must act on
    decided.sort(key=lambda f: f.get("group") != FindingGroup.SAFETY)
    out += [_finding(f, r) for f in decided]
    for note in a.get("notes", []):
        out.append(f"<p class='note'>Note: {_e(note.get('text', ''))}</p>")
    rest = [f for f in findings if f.get("rule") not in deciding]
    met = [f for f in rest if f.get("status") == FindingStatus.MET]
    unknown = [f for f in rest if f.get("status") == FindingStatus.UNKNOWN]
    not_met = [f for f in rest if f.get("status") == FindingStatus.NOT_MET]
    if met:
        out.append("<h3>Also met</h3>")
        out += [_finding(f, r) for f in met]
    if unknown:
        out.append("<h3>Could not be judged (an answer is missing)</h3>")
        out += [_finding(f, r) for f in unknown]
    if not_met and for_print:  # paper keeps to two pages: the rules by id, their sentences on screen
        out.append(f"<p class='quiet'><b>Not met ({len(not_met)}):</b> "
                   + _e(", ".join(f"{f.get('rule')} {f.get('title', '')}" for f in not_met)) + ".</p>")
    elif not_met and not show_all:
        out.append(f"<p><a href='{SHOW_ALL}'>Show all criteria ({len(not_met)} not met)</a></p>")
    elif not_met:
        out.append(f"<h3>Not met ({len(not_met)})</h3>")
        for group in FindingGroup:
            rows = [f for f in not_met if f.get("group") == group]
            if rows:
                out.append(f"<p class='muted'><b>{_e(label(GROUP_LABELS, group))}</b></p>")
                out += [_finding(f, r) for f in rows]
    return "\n".join(out)


STYLE = """
<style>
body { font-family: 'DejaVu Sans', sans-serif; }
h1 { font-size: 150%; } h2 { font-size: 125%; margin-top: 14px; } h3 { font-size: 110%; margin-top: 10px; }
p.finding { margin: 2px 0 6px 12px; }
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


def _banners(r: IntakeReport) -> list[str]:
    """The red flags and precautions named, above everything else."""
    a = r.assessment
    out = []
    if a is not None:
        flags = [f.get("short") or f.get("title", "") for f in a.get("findings", [])
                 if f.get("group") == FindingGroup.RED_FLAG and f.get("status") == FindingStatus.MET]
        cautions = [f.get("short") or f.get("title", "") for f in a.get("findings", [])
                    if f.get("group") == FindingGroup.SAFETY and f.get("status") == FindingStatus.MET]
    else:
        flags = [r.wording.label(i) for i in r.red_flag_items]
        cautions = []
    if flags:
        out.append("RED FLAG: " + "; ".join(_upper_first(f) for f in flags) + ". Ask about it in person today.")
    if cautions:
        out.append("PRECAUTIONS: " + "; ".join(_upper_first(c) for c in cautions) + ".")
    return [f"<p class='banner'><b>{_e(text)}</b></p>" for text in out]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def report_html(r: IntakeReport, *, for_print: bool = False, show_all: bool = False) -> str:
    row = r.row
    status = "Submitted" if row.status == IntakeStatus.SUBMITTED else \
        "Not finished (the patient left before submitting)"
    out = [STYLE + (PRINT_STYLE if for_print else ""), f"<h1>{_e(patient_name(row))}</h1>",
           f"<p>Date of birth <b>{_e(row.birth_date or 'not given')}</b> · {_e(status)} "
           f"{_e(local_time(row.closed_at))} · Language {_e(row.language)}</p>"]
    out += _banners(r)
    a = r.assessment
    if a is None:
        out.append("<h2>Why</h2><p>This intake was not submitted, so it was not sorted. Its answers are below.</p>")
    else:
        out.append(_assessment_html(a, r, for_print=for_print, show_all=show_all))
    if r.reassessment is not None:
        out.append(f"<p class='muted'>Shown because {_e(r.reassess_reason)}. The stored sorting above is kept "
                   "unchanged.</p>")
        out.append(_assessment_html(r.reassessment, r, for_print=True, show_all=False,
                                    title="Re-assessment with the current rule pack"))
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
    if a is not None:
        scores = ", ".join(f"{SCORE_LABELS.get(k, k)} {'not asked' if v is None else f'{v:g}'}"
                           for k, v in a.get("scores", {}).items())
        out.append(f"<p class='muted'>Scores: {_e(scores)}</p>")
    if not for_print:
        tags = sorted({t.strip() for a2 in (a, r.reassessment) if a2 for f in a2.get("findings", [])
                       for t in str(f.get("source", "")).split(";") if t.strip()})
        if tags:
            out.append("<h2>Sources</h2>")
            out += [f"<p class='finding'>{_source(tag, r.sources)}</p>" for tag in tags]
    out.append(f"<p class='muted'>{_e(JUDGEMENT)}</p>")
    ids = [f"Intake {row.uuid}"]
    for a2 in (a, r.reassessment):
        if a2:
            rp = a2.get("rulepack", {})
            ids.append(f"rule pack {rp.get('id')} {rp.get('version')}, mode {rp.get('mode')}, sha256 {rp.get('sha256')}")
    out.append(f"<p class='muted'>{_e(' · '.join(ids))}</p>")
    return "\n".join(out)
