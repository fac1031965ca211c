"""The wizard's flow, without Qt: pages, what is shown, what is missing, where Next goes.

The questionnaire's sections are cut into *blocks*: an item and the follow-up questions that
depend on it alone. A page is packed from the blocks that have something to show, starting at
one block and taking the next ones of the same section while their weight (how much screen
they need) fits. Packing looks at the answers given so far, so a patient who answers "no"
to a treatment sees the next treatments on the same screen instead of a page of its own.

A page, once shown, keeps its blocks: follow-ups appear on it as they are enabled, and Next
packs the next page from the block after its last one. The way back is the trail of pages
the patient saw (kept by the session), never a re-cut that could show a question twice.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.answers import enablement, missing_required
from kiosk.questionnaire import Item, Questionnaire

# What fits on one screen of 1280 x 800 at the normal text size, in units of one compact
# question (a line or two of text and a row of buttons).
PAGE_WEIGHT = 5.0
SMALL_RANGE = 10  # integer items with at most this range are a row of buttons
SHORT_LABEL = 18  # up to four options this short sit in one row beside the question


def item_weight(item: Item) -> float:
    if item.body_map:
        return PAGE_WEIGHT + 1
    if item.type == "date":
        return 3.0  # month, day and year choices
    if item.type == "choice" and item.repeats:
        return 3.0 if len(item.options) > 8 else 2.0
    if item.type == "choice":
        longest = max((len(o.display.get("en")) for o in item.options), default=0)
        return 1.0 if len(item.options) <= 4 and longest <= SHORT_LABEL else 1.5
    if item.type == "integer" and item.value_labels:
        return PAGE_WEIGHT / 2  # an instrument's statements, one per value
    if item.type == "integer" and item.max_value is not None and item.min_value is not None \
            and item.max_value - item.min_value <= SMALL_RANGE:
        return 1.3  # a row of 0-10 with words at both ends
    if item.type == "integer":
        return 1.5  # quick choices and the exact-value entry
    return 1.0


@dataclass(frozen=True)
class Block:
    number: int
    section: str
    items: tuple[str, ...]
    whole_page: bool = False  # the body map needs the screen to itself


@dataclass(frozen=True)
class Page:
    """One screen: the blocks ``first`` .. ``last`` of a section (hidden ones included, so a
    follow-up enabled while the patient is here appears here)."""

    section: str
    first: int
    last: int
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


def build_blocks(q: Questionnaire) -> tuple[Block, ...]:
    out: list[Block] = []
    for section in q.sections:
        for items in _blocks(section):
            out.append(Block(len(out), section.link_id, tuple(i.link_id for i in items),
                             whole_page=any(i.body_map for i in items)))
    return tuple(out)


class Flow:
    """Navigation over the blocks for one set of answers. ``instruments`` lists the licensed
    instrument packs installed; items of other instruments are never shown. ``options`` lists the
    clinic options turned on (``kiosk.settings.clinic_options``); items of others are never shown."""

    def __init__(self, q: Questionnaire, instruments: Collection[str] = (), page_weight: float = PAGE_WEIGHT,
                 options: Collection[str] = ()) -> None:
        self.q = q
        self.instruments = frozenset(instruments)
        self.options = frozenset(options)
        self.page_weight = page_weight
        self.blocks = build_blocks(q)
        self.sections = tuple(s.link_id for s in q.sections)
        self._block_of = {link_id: b.number for b in self.blocks for link_id in b.items}
        self._last: tuple[str, dict[str, bool | None]] = ("", {})
        self._pages: dict[int, Page | None] = {}  # for the last state, by the block they start from

    def _state(self, answers: Mapping[str, Any]) -> dict[str, bool | None]:
        """What is enabled for these answers (the last one kept: a page turn asks several times)."""
        key = json.dumps(answers, sort_keys=True, default=str)
        if key != self._last[0]:
            self._last = (key, enablement(self.q, answers))
            self._pages = {}
        return self._last[1]

    def shown(self, item: Item, state: Mapping[str, bool | None]) -> bool:
        if item.instrument and item.instrument not in self.instruments:
            return False
        if item.clinic_option and item.clinic_option not in self.options:
            return False
        return state.get(item.link_id) is True

    def _shown_in(self, link_ids: tuple[str, ...], state: Mapping[str, bool | None]) -> list[str]:
        return [i for i in link_ids if self.shown(self.q.items[i], state)]

    # -- packing ------------------------------------------------------------------------------

    def _page_from(self, start: int, state: Mapping[str, bool | None]) -> Page | None:
        """The page that starts at the first block from ``start`` with something to show (kept
        for the last answers: the header's "Screen 3 of 17" packs every page left at each turn)."""
        if state is not self._last[1]:
            return self._pack(start, state)
        if start not in self._pages:
            self._pages[start] = self._pack(start, state)
        return self._pages[start]

    def _pack(self, start: int, state: Mapping[str, bool | None]) -> Page | None:
        first = next((b for b in self.blocks[start:] if self._shown_in(b.items, state)), None)
        if first is None:
            return None
        taken = [first]
        weight = sum(item_weight(self.q.items[i]) for i in self._shown_in(first.items, state))
        if not first.whole_page:
            for block in self.blocks[first.number + 1:]:
                if block.section != first.section or block.whole_page:
                    break
                shown = self._shown_in(block.items, state)
                w = sum(item_weight(self.q.items[i]) for i in shown)
                if shown and weight + w > self.page_weight:
                    break
                taken.append(block)
                weight += w
        # hidden blocks at the end belong to the next page (where they may show by then)
        while len(taken) > 1 and not self._shown_in(taken[-1].items, state):
            taken.pop()
        items = tuple(i for b in taken for i in b.items)
        return Page(first.section, first.number, taken[-1].number, items)

    def first_page(self, answers: Mapping[str, Any]) -> Page | None:
        return self._page_from(0, self._state(answers))

    def next_page(self, page: Page | None, answers: Mapping[str, Any]) -> Page | None:
        """The page after ``page`` (None: the first page); None means the review comes next."""
        start = 0 if page is None else page.last + 1
        return self._page_from(start, self._state(answers))

    def page_at(self, link_id: str, answers: Mapping[str, Any]) -> Page | None:
        """The page that starts with ``link_id``'s block (an Edit from the review, a gap)."""
        return self._page_from(self._block_of[link_id], self._state(answers))

    def pages_left(self, page: Page | None, answers: Mapping[str, Any]) -> int:
        """How many pages from ``page`` (included) to the review, with the answers so far."""
        state = self._state(answers)
        n = 0
        current = self._page_from(page.first, state) if page is not None else self._page_from(0, state)
        while current is not None:
            n += 1
            current = self._page_from(current.last + 1, state)
        return n

    def starts_section(self, page: Page, answers: Mapping[str, Any]) -> bool:
        """True for the first page a patient sees of its section (it shows the section's title)."""
        state = self._state(answers)
        return not any(self._shown_in(b.items, state) for b in self.blocks[:page.first] if b.section == page.section)

    def all_pages(self, answers: Mapping[str, Any]) -> list[Page]:
        """Every page a patient with these answers walks through, in order."""
        out: list[Page] = []
        page = self.next_page(None, answers)
        while page is not None:
            out.append(page)
            page = self.next_page(page, answers)
        return out

    # -- what a page shows and needs --------------------------------------------------------

    def visible(self, page: Page, answers: Mapping[str, Any]) -> list[str]:
        return self._shown_in(page.items, self._state(answers))

    def _problems(self, link_ids: list[str], answers: Mapping[str, Any],
                  state: Mapping[str, bool | None]) -> dict[str, str]:
        problems = dict.fromkeys(missing_required(self.q, answers, link_ids, state), "required")
        for link_id in link_ids:
            if self.q.items[link_id].must_be_true and answers.get(link_id) is False:
                problems[link_id] = "must_be_true"
        return {link_id: problems[link_id] for link_id in link_ids if link_id in problems}

    def page_problems(self, page: Page, answers: Mapping[str, Any]) -> dict[str, str]:
        """What stops the patient leaving this page: ``required`` (no answer) or
        ``must_be_true`` (consent not given), by linkId in page order."""
        state = self._state(answers)
        return self._problems(self._shown_in(page.items, state), answers, state)

    def problems(self, answers: Mapping[str, Any]) -> dict[str, str]:
        """Every shown item's problems, in questionnaire order (what stops a submit)."""
        state = self._state(answers)
        shown = [i for b in self.blocks for i in self._shown_in(b.items, state)]
        return self._problems(shown, answers, state)

    def first_incomplete(self, answers: Mapping[str, Any]) -> Page | None:
        """The page to answer first (starting at the first item with a problem), or None."""
        problems = self.problems(answers)
        return self.page_at(next(iter(problems)), answers) if problems else None

    def review(self, answers: Mapping[str, Any]) -> list[tuple[Item, list[tuple[Item, Any]]]]:
        """Sections with their shown items that are answered or still required, in
        questionnaire order; a missing answer comes as None."""
        state = self._state(answers)
        missing = set(missing_required(self.q, answers, state=state))
        out = []
        for section in self.q.sections:
            rows = [(i, answers.get(i.link_id)) for i in section.children
                    if self.shown(i, state) and (i.link_id in missing or answers.get(i.link_id) not in (None, [], ""))]
            out.append((section, rows))
        return out
