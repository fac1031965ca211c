"""Issue 10: the patient's way out and back, progress, the review, red-flag tones, the body map,
date and quick choices, and the keyboard inside the window (off screen; the real screen is in
test_glass.py)."""

from __future__ import annotations

import json

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QScrollArea, QWidget

from kiosk.i18n import t
from kiosk.store import Store
from tests.conftest import load_example
from tests.ui.conftest import advance_to, answer_page, click, current_items, find, give, settle, tap, visible, walk
from ui.patient.bodymap import BACK, FRONT, MapArea


def stored(tmp_path):  # type: ignore[no-untyped-def]
    with Store(tmp_path / "kiosk.db") as store:
        intakes = store.intakes()
        return intakes, {i.id: store.answers(i.id) for i in intakes}


def labels_text(window: QWidget) -> str:
    return " ".join(w.text() for w in window.findChildren(QLabel) if w.isVisible())


# -- a way out and a way back -----------------------------------------------------------------


def test_start_over_asks_then_wipes_like_the_idle_reset(qtbot, kiosk, tmp_path) -> None:
    answers = load_example("s5_daily_aspirin")
    advance_to(qtbot, kiosk, answers, "pain.region")
    click(qtbot, kiosk, "view:text-size")
    click(qtbot, kiosk, "lang:es")
    click(qtbot, kiosk, "nav:restart")
    assert visible(kiosk, "confirm:restart")
    click(qtbot, kiosk, "restart:cancel")  # not yet: everything stays
    assert not visible(kiosk, "confirm:restart") and "pain.region" in current_items(kiosk)
    assert kiosk.session.answers["patient.given"] == "Ana"
    click(qtbot, kiosk, "nav:restart")
    click(qtbot, kiosk, "nav:restart-confirm")
    assert visible(kiosk, "page:welcome") and kiosk.session is None
    assert (kiosk.lang, kiosk.text_size, kiosk.theme_name) == ("en", "normal", "standard")
    assert "Ana" not in labels_text(kiosk) and not any(
        e.text() for e in kiosk.findChildren(QLineEdit))  # nothing of the patient stays in a widget
    intakes, saved = stored(tmp_path)
    assert [i.status for i in intakes] == ["abandoned"] and saved[intakes[0].id]["patient.given"] == "Ana"
    with Store(tmp_path / "kiosk.db") as store:
        reasons = [json.loads(row["details_json"]).get("reason") for row in store.audit_rows()
                   if row["action"] == "intake.abandon"]
    assert reasons == ["reset"]  # the same wipe as the idle reset and Finish


def test_every_question_page_has_start_over_and_back_on_the_first_page_asks_too(qtbot, kiosk) -> None:
    answers = load_example("s5_daily_aspirin")
    click(qtbot, kiosk, "nav:start")
    pages = 0
    while not visible(kiosk, "page:review"):
        assert visible(kiosk, "nav:restart"), current_items(kiosk)
        pages += 1
        answer_page(qtbot, kiosk, answers, give, set())
        click(qtbot, kiosk, "nav:next")
        if visible(kiosk, "notice:redflag"):
            click(qtbot, kiosk, "notice:ok")
    assert visible(kiosk, "nav:restart") and pages >= 10
    for _ in range(pages):
        click(qtbot, kiosk, "nav:back")
    assert current_items(kiosk)[0] == "consent"
    click(qtbot, kiosk, "nav:back")  # Back on the first page: the same question as Start over
    assert visible(kiosk, "confirm:restart")
    click(qtbot, kiosk, "nav:restart-confirm")
    assert visible(kiosk, "page:welcome")


def test_progress_moves_on_every_screen(qtbot, kiosk) -> None:
    answers = load_example("s5_daily_aspirin")
    click(qtbot, kiosk, "nav:start")
    seen = []
    while not visible(kiosk, "page:review"):
        bar = find(kiosk, "progress")
        seen.append((find(kiosk, "step").text(), bar.value()))  # type: ignore[attr-defined]
        answer_page(qtbot, kiosk, answers, give, set())
        click(qtbot, kiosk, "nav:next")
        if visible(kiosk, "notice:redflag"):
            click(qtbot, kiosk, "notice:ok")
    texts, values = [s for s, _ in seen], [v for _, v in seen]
    assert len(set(texts)) == len(texts), texts  # every screen says where it is
    assert values == sorted(values) and len(set(values)) == len(values)
    assert texts[0].startswith("Screen 1 of ") and texts[-1].startswith(f"Screen {len(texts)} of {len(texts)}")


def test_change_on_the_review_comes_back_to_the_same_place(qtbot, kiosk) -> None:
    answers = load_example("s5_daily_aspirin")
    walk(qtbot, kiosk, answers, submit=False)
    bar = find(kiosk, "review:scroll").verticalScrollBar()  # type: ignore[attr-defined]
    settle()
    assert bar.maximum() > 0  # the review is longer than the screen
    row = find(kiosk, "edit:safety.diabetes")
    find(kiosk, "review:scroll").ensureWidgetVisible(row)  # type: ignore[attr-defined]
    settle()
    before = bar.value()
    assert before > 0
    click(qtbot, kiosk, "edit:safety.diabetes")
    assert current_items(kiosk)[0] == "safety.diabetes"
    assert find(kiosk, "nav:next").text() == "Back to my answers"  # type: ignore[attr-defined]
    click(qtbot, kiosk, "opt:safety.diabetes:yes_diet_tablets")
    give(qtbot, kiosk, "safety.sugar_high", "no")
    click(qtbot, kiosk, "nav:next")
    settle()
    assert visible(kiosk, "page:review")
    assert abs(bar.value() - before) < 200  # the same place, not the top
    row = find(kiosk, "edit:safety.diabetes")
    port = find(kiosk, "review:scroll").viewport()  # type: ignore[attr-defined]
    assert port.rect().contains(row.mapTo(port, row.rect().center()))
    assert "diet or tablets" in find(kiosk, "answer:safety.diabetes").text()  # type: ignore[attr-defined]


def test_the_review_is_a_compact_summary_grouped_by_section(qtbot, kiosk) -> None:
    answers = load_example("s5_daily_aspirin")
    walk(qtbot, kiosk, answers, submit=False)
    rows = [w for w in kiosk.findChildren(QLabel) if w.objectName().startswith("answer:") and w.isVisible()]
    assert len(rows) == len(answers)  # one row per answer
    line = rows[0].fontMetrics().lineSpacing()
    assert sum(r.height() for r in rows) <= len(rows) * 2.5 * line  # most rows one or two lines high
    assert find(kiosk, "answer:patient.birthdate").text() == "January 1, 1962"  # type: ignore[attr-defined]
    assert find(kiosk, "answer:care.pt.weeks").text() == "12 weeks"  # type: ignore[attr-defined]


# -- red flags in two tones ------------------------------------------------------------------


def test_red_flags_speak_in_two_tones_and_the_wrong_answer_can_be_taken_back(qtbot, kiosk, tmp_path) -> None:
    answers = load_example("s5_daily_aspirin")
    advance_to(qtbot, kiosk, answers, "rf.fever")
    click(qtbot, kiosk, "opt:rf.fever:yes")
    assert visible(kiosk, "notice:redflag")
    assert find(kiosk, "notice:redflag").findChild(QLabel).text() == t("en", "redflag.title")  # type: ignore[union-attr]
    assert "front desk" in find(kiosk, "notice:redflag:text").text()  # type: ignore[attr-defined]
    click(qtbot, kiosk, "notice:wrong")  # "I tapped the wrong answer"
    assert not visible(kiosk, "notice:redflag")
    assert "rf.fever" not in kiosk.session.answers and not find(kiosk, "opt:rf.fever:yes").isChecked()  # type: ignore[attr-defined]
    _, saved = stored(tmp_path)
    assert "rf.fever" not in next(iter(saved.values()))  # taken back in the database too
    assert find(kiosk, "item:rf.fever").isAncestorOf(QApplication.focusWidget())  # back at the question
    click(qtbot, kiosk, "opt:rf.fever:no")
    advance_to(qtbot, kiosk, answers, "rf.cancer", start=False)
    click(qtbot, kiosk, "opt:rf.cancer:yes")
    text = find(kiosk, "notice:redflag:text").text()  # type: ignore[attr-defined]
    assert text == t("en", "redflag.nurse_body") and "front desk" not in text  # the gentle tone
    assert find(kiosk, "notice:ok").text() == t("en", "redflag.nurse_ok")  # type: ignore[attr-defined]
    click(qtbot, kiosk, "notice:ok")
    assert kiosk.session.answers["rf.cancer"] == "yes"


def test_every_red_flag_has_the_tone_the_spec_gives(questionnaire) -> None:
    now = {"rf.bladder_bowel", "rf.saddle_numbness", "rf.legs_at_rest", "rf.weakness_worse", "rf.hands_gait",
           "rf.fever", "rf.neck_vascular", "rf.trauma"}
    tones = {i.link_id: i.red_flag_tone for i in questionnaire.items.values() if i.red_flag}
    assert tones == {**dict.fromkeys(now, "now"), "rf.cancer": "nurse", "rf.weight_loss": "nurse",
                     "rf.night_pain": "nurse"}


# -- the body map --------------------------------------------------------------------------------


def test_body_map_areas_are_on_both_figures_big_enough_and_say_what_is_chosen(qtbot, kiosk) -> None:
    answers = load_example("s5_daily_aspirin")
    advance_to(qtbot, kiosk, answers, "pain.map")
    areas = [w for w in kiosk.findChildren(MapArea) if w.isVisible()]
    assert all(a.width() >= 48 and a.height() >= 48 for a in areas)
    limbs = {f"{part}_{side}" for part in ("upper_arm", "forearm_hand", "thigh", "below_knee", "foot")
             for side in "lr"}
    assert limbs <= set(BACK) and limbs <= set(FRONT)  # arms and legs on both figures
    for code in limbs:
        assert visible(kiosk, f"map:{code}") and visible(kiosk, f"map:{code}:front")
    for figure in (BACK, FRONT):  # no two areas overlap, so a tap means one thing
        boxes = list(figure.values())
        for n, (x, y, w, h) in enumerate(boxes):
            for x2, y2, w2, h2 in boxes[n + 1:]:
                assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y
    chosen = find(kiosk, "map:chosen")
    assert chosen.text() == t("en", "map.none")  # type: ignore[attr-defined]
    click(qtbot, kiosk, "map:low_back")
    click(qtbot, kiosk, "map:buttock_l")
    assert chosen.text() == "You chose: Lower back, Left buttock"  # type: ignore[attr-defined]
    figure = find(kiosk, "map:low_back").parentWidget()
    tap(figure, QPoint(4, 4))  # a corner with no area
    assert chosen.text() == t("en", "map.missed")  # type: ignore[attr-defined]
    assert kiosk.session.answers["pain.map"] == ["low_back", "buttock_l"]  # the miss changed nothing


def test_the_two_figures_look_different(qtbot, kiosk) -> None:
    answers = load_example("s5_daily_aspirin")
    advance_to(qtbot, kiosk, answers, "pain.map")
    back = find(kiosk, "map:low_back").parentWidget()
    front = find(kiosk, "map:chest_wall").parentWidget()
    assert back is not front
    images = [w.grab().toImage() for w in (back, front)]
    differing = sum(images[0].pixel(x, y) != images[1].pixel(x, y) for x in range(0, 300, 3) for y in range(0, 120, 3))
    assert differing > 40  # face and collarbones in front, spine and shoulder blades behind


# -- date and quick choices --------------------------------------------------------------------


def test_date_of_birth_by_month_day_and_year_choices(qtbot, kiosk) -> None:
    answers = load_example("s5_daily_aspirin")
    advance_to(qtbot, kiosk, answers, "patient.birthdate")
    click(qtbot, kiosk, "pick:patient.birthdate:m3")
    click(qtbot, kiosk, "pick:patient.birthdate:d28")
    click(qtbot, kiosk, "nav:next")  # the year is missing: the real problem, not "please answer"
    error = find(kiosk, "error:patient.birthdate").text()  # type: ignore[attr-defined]
    assert error == t("en", "problem.date_format") and error != t("en", "problem.required")
    click(qtbot, kiosk, "pick:patient.birthdate:y195x")
    click(qtbot, kiosk, "pick:patient.birthdate:y1950")
    assert kiosk.session.answers["patient.birthdate"] == "1950-03-28"
    assert find(kiosk, "input:patient.birthdate").text() == "1950-03-28"  # type: ignore[attr-defined]
    assert not visible(kiosk, "error:patient.birthdate")
    click(qtbot, kiosk, "date:patient.birthdate:month")  # change one part
    click(qtbot, kiosk, "pick:patient.birthdate:m2")  # 28 February 1950 stays a real date
    assert kiosk.session.answers["patient.birthdate"] == "1950-02-28"


def test_quick_choices_fill_the_same_number_and_the_exact_entry_stays(qtbot, kiosk) -> None:
    answers = load_example("s5_daily_aspirin")
    advance_to(qtbot, kiosk, answers, "care.nsaid")
    click(qtbot, kiosk, "opt:care.nsaid:yes")
    click(qtbot, kiosk, "pick:care.nsaid.weeks:12")
    assert kiosk.session.answers["care.nsaid.weeks"] == 12
    assert find(kiosk, "pick:care.nsaid.weeks:12").isChecked()  # type: ignore[attr-defined]
    give(qtbot, kiosk, "care.nsaid.weeks", 14)  # not a quick choice: typed
    assert kiosk.session.answers["care.nsaid.weeks"] == 14
    assert not find(kiosk, "pick:care.nsaid.weeks:12").isChecked()  # type: ignore[attr-defined]


# -- the keyboard inside the window -----------------------------------------------------------------


def test_the_keyboard_is_part_of_the_window_and_moves_nothing_below_it(qtbot, kiosk) -> None:
    click(qtbot, kiosk, "nav:start")
    settle()
    keyboard = find(kiosk, "keyboard")  # the name page opens with it
    assert keyboard.isVisible() and keyboard.window() is kiosk
    assert QApplication.focusWidget() is find(kiosk, "input:patient.given")
    size, footer = kiosk.size(), find(kiosk, "footer").geometry()
    for name in ("key:A", "key:N", "key:A"):
        click(qtbot, kiosk, name)
    click(qtbot, kiosk, "key:done")  # on to the last name
    assert QApplication.focusWidget() is find(kiosk, "input:patient.family")
    assert kiosk.session.answers["patient.given"] == "Ana"
    click(qtbot, kiosk, "opt:consent:true")  # leaving the entries closes the keyboard
    settle()
    assert not keyboard.isVisible()
    assert kiosk.size() == size and find(kiosk, "footer").geometry() == footer
    entry = find(kiosk, "input:patient.family")
    click(qtbot, kiosk, "input:patient.family")
    settle()
    port = kiosk.findChild(QScrollArea, "section:scroll").viewport()  # type: ignore[union-attr]
    assert keyboard.isVisible() and port.rect().contains(entry.mapTo(port, entry.rect().center()))
    assert kiosk.size() == size and find(kiosk, "footer").geometry() == footer


def test_the_footer_is_measured_when_it_is_first_shown_not_for_the_welcome_screen(qtbot, kiosk) -> None:  # type: ignore[no-untyped-def]
    """Measuring Start over's wrapped words loads Qt's style enums (start-up time, issue 10): the
    hidden footer waits, and once shown it is exactly as tall as measuring it at once gives."""
    footer = kiosk.footer
    assert not footer.isVisible() and footer.height_stale
    click(qtbot, kiosk, "nav:start")
    assert footer.isVisible() and not footer.height_stale
    shown = footer.height()
    footer.fix_height()  # measured again, now
    assert footer.height() == shown and shown >= 76 + 8 + 10  # the 76 px buttons and the bar's margins


def test_a_wrapping_button_measures_again_when_its_words_or_text_size_change(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Its size hints are kept between a layout's many questions: new words, a new floor or a
    larger text size must each be measured afresh, or a long answer would be cut off."""
    from ui.common.controls import WrapButton

    holder = QWidget()
    qtbot.addWidget(holder)
    holder.setStyleSheet("QPushButton { font-size: 18pt; padding: 8px; }")
    button = WrapButton("Yes", "opt:test:yes", holder)
    holder.show()
    short, short_height = button.sizeHint(), button.heightForWidth(300)
    button.setText("Yes, and it wakes me at night, most nights of the week, for an hour or more")
    longer = button.sizeHint()
    assert longer.width() > short.width() and button.heightForWidth(300) > short_height
    button.set_floor(0, 200)
    assert button.sizeHint().height() >= 200 and button.minimumSizeHint().height() >= 200
    before = button.heightForWidth(300)
    holder.setStyleSheet("QPushButton { font-size: 30pt; padding: 8px; }")
    assert button.heightForWidth(300) > before  # more lines at the larger size
    assert button.minimumSizeHint().width() >= button.fontMetrics().horizontalAdvance("night,")
