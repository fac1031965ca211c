"""One patient's intake as the wizard drives it: validate each answer, save it at once,
submit with the assessment, or abandon. The wizard calls this and nothing else for data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.answers import Problem, check_value, validate_answers
from kiosk.flow import Flow, Page
from kiosk.i18n import problem_text, t
from kiosk.questionnaire import Questionnaire
from kiosk.rules import Assessment, RulePack, assess
from kiosk.store import Store


@dataclass(frozen=True)
class Answered:
    """What the screen needs after one answer: its problem in words (None: taken), the
    red-flag notice's tone when it raises one, and what the current page shows now."""

    problem: str | None
    red_flag: str | None
    visible: frozenset[str]


class IntakeSession:
    def __init__(self, store: Store, questionnaire: Questionnaire, rulepack: RulePack, *,
                 mode: str | None = None, language: str = "en",
                 today: Callable[[], dt.date] = dt.date.today, instruments: tuple[str, ...] = (),
                 options: tuple[str, ...] = ()) -> None:
        self.store = store
        self.q = questionnaire
        self.pack = rulepack
        self.mode = mode or rulepack.default_mode
        self.language = language
        self.today = today
        self.flow = Flow(questionnaire, instruments, options=options)
        self.intake_id: int | None = None
        self.answers: dict[str, Any] = {}
        self.closed = False
        self.trail: list[Page] = []  # the pages the patient walked through, for Back
        self.refused: dict[str, Problem] = {}  # typed values not accepted: their problem, not "please answer"

    # -- navigation: the trail of pages seen ---------------------------------------------------

    @property
    def page(self) -> Page | None:
        return self.trail[-1] if self.trail else None

    def forward(self) -> Page | None:
        """The page after the current one (the first at the start); None: the review."""
        page = self.flow.next_page(self.page, self.answers)
        if page is not None:
            self.trail.append(page)
        return page

    def backward(self) -> Page | None:
        """Leave the current page for the one seen before it; None: it was the first."""
        if self.trail:
            self.trail.pop()
        return self.page

    def page_for(self, link_id: str) -> Page | None:
        """The page that shows ``link_id`` first (Change on the review); the trail stays."""
        return self.flow.page_at(link_id, self.answers)

    def progress(self) -> tuple[int, int]:
        """(this page's number, pages in all with the answers so far)."""
        n = len(self.trail)
        return n, n - 1 + self.flow.pages_left(self.page, self.answers)

    def start(self) -> int:
        """Create the draft row (the moment the patient taps Start)."""
        if self.intake_id is None:
            self.intake_id = self.store.start_intake(self.q.url, self.q.version, self.language)
        return self.intake_id

    def set_language(self, language: str) -> None:
        self.language = language
        if self.intake_id is not None and not self.closed:
            self.store.set_language(self.intake_id, language)

    def answer(self, link_id: str, value: Any) -> Problem | None:
        """Validate and save one answer at once; ``None`` or an empty list clears it.

        Returns the problem (and saves nothing) when the value is not acceptable. An answer
        counts only once it is stored: when saving fails (StoreError), nothing here changes.
        """
        item = self.q.items[link_id]
        if value is None or value == [] or value == "":
            self.store.save_answer(self.start(), link_id, None)
            self.answers.pop(link_id, None)
            self.refused.pop(link_id, None)
            return None
        norm, problem = check_value(item, value, self.today())
        if problem:
            self.refused[link_id] = problem
            return problem
        self.store.save_answer(self.start(), link_id, norm)
        self.answers[link_id] = norm
        self.refused.pop(link_id, None)
        return None

    def respond(self, link_id: str, value: Any, lang: str, page: Page | None) -> Answered:
        """``answer`` and what ``page`` (the one on screen) shows after it (StoreError goes on
        up: nothing changed)."""
        problem = self.answer(link_id, value)
        tone = self.q.items[link_id].red_flag_tone if problem is None and self.is_red_flag(link_id, value) else None
        visible = frozenset(self.flow.visible(page, self.answers)) if page is not None else frozenset()
        words = problem_text(lang, problem.code, dict(problem.params or {})) if problem else None
        return Answered(words, tone, visible)

    def problems_in_words(self, page: Page, lang: str) -> dict[str, str]:
        """What stops the patient leaving ``page``, each in the patient's words."""
        return {i: problem_text(lang, p.code, dict(p.params or {})) for i, p in self.page_problems(page).items()}

    def step(self, page: Page | None, lang: str, editing: bool = False) -> tuple[str, int, int]:
        """The header's line and bar for ``page`` (None: the review): (words, done, of)."""
        if page is None:
            return t(lang, "step.review"), 1, 1
        section = self.q.items[page.section].text.get(lang)
        if editing:
            return section, 0, 0
        n, total = self.progress()
        return t(lang, "step", n=n, total=total, section=section), n, total + 1

    def page_title(self, page: Page, lang: str) -> str:
        """The section's name on the first screen of a section, else "" (the header names it)."""
        return self.q.items[page.section].text.get(lang) if self.flow.starts_section(page, self.answers) else ""

    def page_problems(self, page: Page) -> dict[str, Problem]:
        """What stops the patient leaving ``page``, by linkId in page order: a value typed and
        refused keeps its own problem (a date's format, a number's range); else "required"
        or "must_be_true"."""
        out: dict[str, Problem] = {}
        missing = self.flow.page_problems(page, self.answers)
        for link_id in self.flow.visible(page, self.answers):
            if link_id in self.refused:
                out[link_id] = self.refused[link_id]
            elif link_id in missing:
                out[link_id] = Problem(link_id, missing[link_id], "")
        return out

    def is_red_flag(self, link_id: str, value: Any) -> bool:
        item = self.q.items.get(link_id)
        return bool(item and item.red_flag and value == "yes")

    def missing(self) -> Page | None:
        """The page of the first required answer missing (None when all is answered)."""
        return self.flow.first_incomplete(self.answers)

    def submit(self) -> Assessment:
        """Assess the enabled answers as they are stored (never a value that only reached
        memory) and store both in one transaction."""
        self.answers = self.store.answers(self.start())
        clean, problems = validate_answers(self.q, self.answers, self.today())
        if problems:
            raise ValueError("; ".join(map(str, problems)))
        result = assess(self.pack, self.q, clean, self.mode)
        self.store.submit(self.start(), result.to_json(), answers=clean, questionnaire=self.q)
        self.closed = True
        return result

    def abandon(self, reason: str = "idle") -> bool:
        if self.intake_id is None or self.closed:
            return False
        self.closed = True
        return self.store.abandon(self.intake_id, reason)
