"""``python main.py screenshot PAGE --out FILE.png``: render one kiosk screen off screen."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtWidgets import QApplication

from kiosk.demo import sample_answers
from kiosk.export import write_private


def page_names(window) -> list[str]:  # type: ignore[no-untyped-def]
    """welcome, then each question screen the demo patient walks through (``pain``,
    ``pain-2``, ...), then the review, the thank-you page, notices and the staff screens."""
    flow = window.make_session("en").flow
    names = ["welcome"]
    seen: dict[str, int] = {}
    for page in flow.all_pages(sample_answers()):
        seen[page.section] = seen.get(page.section, 0) + 1
        names.append(page.section if seen[page.section] == 1 else f"{page.section}-{seen[page.section]}")
    return names + ["review", "done", "redflag", "redflag-nurse", "idle", "restart", "keyboard", *STAFF_PAGES]


# the demo intake each detail screenshot opens: a candidate with a precaution, an urgent one, a not-yet one
DETAIL_PAGES = {"staff-detail": 5, "staff-detail-urgent": 2, "staff-detail-not-yet": 4}
STAFF_PAGES = ("staff-signin", "staff-queue", *DETAIL_PAGES, "staff-admin")


def render_staff(app: QApplication, args: argparse.Namespace, db: Path) -> int:
    """A staff screen on demo data (sample intakes, one reviewed)."""
    from kiosk.demo import seed, seed_staff
    from kiosk.questionnaire import default_questionnaire
    from kiosk.review import record_review
    from kiosk.rules import load_rulepack
    from kiosk.store import Store

    from .app import create_staff_window, geometry

    q = default_questionnaire()
    with Store(db) as store:
        seed(store, q, load_rulepack(questionnaire=q))
        pin = seed_staff(store, "Ana")
        staff = store.staff(name="Ana")
        assert staff is not None
        record_review(store, 3, staff.id, "not_appropriate", "Fibromyalgia: refer to rheumatology")
    window = create_staff_window(db)
    window.setGeometry(geometry(args.size))
    window.show()
    if args.page != "staff-signin":
        window.signin.name.setText("Ana")  # type: ignore[attr-defined]
        for digit in pin:
            window.signin.digit(digit)  # type: ignore[attr-defined]
        window.signin.submit()  # type: ignore[attr-defined]
        if args.page in DETAIL_PAGES:
            window.open_intake(DETAIL_PAGES[args.page])  # type: ignore[attr-defined]
        elif args.page == "staff-admin":
            window.show_admin()  # type: ignore[attr-defined]
    else:
        window.signin.name.setText("Ana")  # type: ignore[attr-defined]
        for digit in "123":
            window.signin.digit(digit)  # type: ignore[attr-defined]
    return _save(app, window, args.out)


def _save(app: QApplication, window, out_arg) -> int:  # type: ignore[no-untyped-def]
    for _ in range(3):
        app.processEvents()
    image = window.grab()
    out = Path(out_arg)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    problem = None if image.save(buffer, "PNG") else "the image could not be encoded"
    if problem is None:  # in memory, then written owner-only like every file we write
        try:
            write_private(out, bytes(buffer.data().data()))
        except OSError as exc:
            problem = exc.strerror or str(exc)
    if hasattr(window, "shutdown"):
        window.shutdown()
    window.close()
    window.deleteLater()
    app.processEvents()
    if problem is not None:
        print(f"screenshot: could not write {out} ({problem})", file=sys.stderr)
        return 1
    print(out)
    return 0


def render(app: QApplication, args: argparse.Namespace, db: Path) -> int:
    from .app import create_kiosk_window, geometry

    if args.page in STAFF_PAGES:
        if not args.out:
            print("screenshot: --out FILE.png is required", file=sys.stderr)
            return 2
        return render_staff(app, args, db)

    window = create_kiosk_window(db, fullscreen=False, idle_warn_s=3600)  # default thank-you countdown shown
    names = page_names(window)
    if args.page == "list":
        print("\n".join(names))
        window.shutdown()
        return 0
    if args.page not in names:
        print(f"screenshot: unknown page {args.page!r}; try: {', '.join(names)}", file=sys.stderr)
        window.shutdown()
        return 2
    if not args.out:
        print("screenshot: --out FILE.png is required", file=sys.stderr)
        window.shutdown()
        return 2
    window.setGeometry(geometry(args.size))
    window.set_language(args.lang)
    while window.text_size != args.text_size:
        window.cycle_text_size()
    if args.theme == "high-contrast":
        window.toggle_contrast()
    window.show()
    if args.page != "welcome":
        window.start()
        session = window.session
        assert session is not None  # start() opened one
        answers = sample_answers()
        target = args.page
        if target in ("done", "review"):
            for link_id, value in answers.items():
                session.answer(link_id, value)
        if target == "review":
            window.show_review()
        elif target == "done":
            window.show_review()
            window._submit()
        elif target in ("redflag", "redflag-nurse", "idle", "restart"):
            walk_to(window, session, answers, until="rf.fever" if target != "redflag-nurse" else "rf.cancer")
            key, tone = {"redflag": ("redflag", "now"), "redflag-nurse": ("redflag", "nurse")}.get(target, (target, ""))
            window.overlays.open(key, tone)
        elif target == "keyboard":
            window.show_section(session.page)
        else:
            walk_to(window, session, answers, names.index(target) - 1)
    return _save(app, window, args.out)


def walk_to(window, session, answers, number: int = 99, until: str = "") -> None:  # type: ignore[no-untyped-def]
    """Walk the demo patient to question screen ``number`` (0 = the first), or to the screen that
    shows ``until``: the screens before it answered, this one with its first question answered."""
    page = session.page
    for _ in range(number):
        if until and until in page.items:
            break
        for link_id in page.items:
            if link_id in answers:
                session.answer(link_id, answers[link_id])
        page = session.forward()
    if page.items[0] in answers:
        session.answer(page.items[0], answers[page.items[0]])
    window.show_section(page)
