"""The wizard's flow, without Qt: pages, what is shown, what is missing, where Next goes.

Pages are cut from the questionnaire's sections by a simple weight (how much screen an item
needs), keeping an item's follow-up questions with it. The cut is fixed; what is shown on a
page follows enableWhen live, and a page with nothing enabled is skipped.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.answers import enablement, missing_required
from kiosk.questionnaire import Item, Questionnaire

PAGE_WEIGHT = 3.0


def item_weight(item: Item) -> float:
    if item.body_map:
        return PAGE_WEIGHT + 1
    if item.type == "choice" and item.repeats:
        return 3.0 if len(item.options) > 8 else 2.0
    if item.type == "choice":
        return 1.5 if len(item.options) > 4 else 1.0
    return 1.0


@dataclass(frozen=True)
class Page:
    number: int
    section: str
    part: int  # 1-based page within its section
    items: tuple[str, ...]


def _blocks(section: Item) -> list[list[Item]]:
    """An item and the contiguous follow-ups that depend on it alone stay together.

    An item that has follow-ups of its own starts a new block (so the injection questions
    split into blocks, mbb, steroid and RFA), and an item that depends on several questions
    (``care.total_weeks``) stands alone.
    """
    has_followers = {c.question for i in section.children for c in i.enable_when}
    blocks: list[list[Item]] = []
    for item in section.children:
        targets = {c.question for c in item.enable_when}
        joins = (blocks and len(targets) == 1 and blocks[-1][0].link_id in targets
                 and item.link_id not in has_followers and not item.body_map and not item.instrument)
        if joins:
            blocks[-1].append(item)
        else:
            blocks.append([item])
    return blocks


def build_pages(q: Questionnaire) -> tuple[Page, ...]:
    pages: list[tuple[str, list[str]]] = []
    for section in q.sections:
        current: list[str] = []
        weight = 0.0
        section_pages: list[list[str]] = []
        for block in _blocks(section):
            w = sum(item_weight(i) for i in block)
            if current and (weight + w > PAGE_WEIGHT or block[0].body_map):
                section_pages.append(current)
                current, weight = [], 0.0
            current.extend(i.link_id for i in block)
            weight += w
            if block[0].body_map:
                section_pages.append(current)
                current, weight = [], 0.0
        if current:
            section_pages.append(current)
        pages.extend((section.link_id, p) for p in section_pages)
    out: list[Page] = []
    seen: dict[str, int] = {}
    for n, (section_id, items) in enumerate(pages):
        seen[section_id] = seen.get(section_id, 0) + 1
        out.append(Page(n, section_id, seen[section_id], tuple(items)))
    return tuple(out)


class Flow:
    """Navigation over the pages for one set of answers. ``instruments`` lists the licensed
    instrument packs installed; items of other instruments are never shown."""

    def __init__(self, q: Questionnaire, instruments: Collection[str] = ()) -> None:
        self.q = q
        self.instruments = frozenset(instruments)
        self.pages = build_pages(q)
        self.sections = tuple(s.link_id for s in q.sections)
        self._page_of = {link_id: p.number for p in self.pages for link_id in p.items}

    @property
    def steps(self) -> int:
        """Sections plus the review step."""
        return len(self.sections) + 1

    def step_of(self, page: Page) -> int:
        return self.sections.index(page.section) + 1

    def page_of(self, link_id: str) -> int:
        return self._page_of[link_id]

    def shown(self, item: Item, state: Mapping[str, bool | None]) -> bool:
        if item.instrument and item.instrument not in self.instruments:
            return False
        return state.get(item.link_id) is True

    def _visible(self, page_number: int, state: Mapping[str, bool | None]) -> list[str]:
        return [i for i in self.pages[page_number].items if self.shown(self.q.items[i], state)]

    def visible(self, page_number: int, answers: Mapping[str, Any]) -> list[str]:
        return self._visible(page_number, enablement(self.q, answers))

    def _problems(self, link_ids: list[str], answers: Mapping[str, Any],
                  state: Mapping[str, bool | None]) -> dict[str, str]:
        problems = dict.fromkeys(missing_required(self.q, answers, link_ids, state), "required")
        for link_id in link_ids:
            if self.q.items[link_id].must_be_true and answers.get(link_id) is False:
                problems[link_id] = "must_be_true"
        return {link_id: problems[link_id] for link_id in link_ids if link_id in problems}

    def page_problems(self, page_number: int, answers: Mapping[str, Any]) -> dict[str, str]:
        """What stops the patient leaving this page: ``required`` (no answer) or
        ``must_be_true`` (consent not given), by linkId in page order."""
        state = enablement(self.q, answers)
        return self._problems(self._visible(page_number, state), answers, state)

    def problems(self, answers: Mapping[str, Any]) -> dict[str, str]:
        """Every page's problems, in questionnaire order (what stops a submit)."""
        state = enablement(self.q, answers)
        shown = [i for page in self.pages for i in self._visible(page.number, state)]
        return self._problems(shown, answers, state)

    def next_page(self, page_number: int | None, answers: Mapping[str, Any]) -> int | None:
        """The next page with something to show after ``page_number`` (None: the review)."""
        state = enablement(self.q, answers)
        start = -1 if page_number is None else page_number
        return next((n for n in range(start + 1, len(self.pages)) if self._visible(n, state)), None)

    def previous_page(self, page_number: int | None, answers: Mapping[str, Any]) -> int | None:
        """The page before ``page_number`` (None: from the review); None again means the start."""
        state = enablement(self.q, answers)
        start = len(self.pages) if page_number is None else page_number
        return next((n for n in range(start - 1, -1, -1) if self._visible(n, state)), None)

    def first_incomplete(self, answers: Mapping[str, Any]) -> int | None:
        problems = self.problems(answers)
        return self.page_of(next(iter(problems))) if problems else None

    def review(self, answers: Mapping[str, Any]) -> list[tuple[Item, list[tuple[Item, Any]]]]:
        """Sections with their shown items that are answered or still required, in
        questionnaire order; a missing answer comes as None."""
        state = enablement(self.q, answers)
        missing = set(missing_required(self.q, answers, state=state))
        out = []
        for section in self.q.sections:
            rows = [(i, answers.get(i.link_id)) for i in section.children
                    if self.shown(i, state) and (i.link_id in missing or answers.get(i.link_id) not in (None, [], ""))]
            out.append((section, rows))
        return out
