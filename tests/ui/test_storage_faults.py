"""Damaged or missing storage: the kiosk shows the calm front-desk screen, staff get an
actionable message and a log entry, nothing crashes and no existing file is touched."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.store import Store
from tests.conftest import load_example
from tests.ui.conftest import click, find, visible, walk


def damaged(tmp_path, kind: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "data" / "kiosk.db"
    path.parent.mkdir(mode=0o700)
    if kind == "not_a_database":
        path.write_bytes(b"this is a spreadsheet, not a database" * 100)
    elif kind == "corrupt":
        with Store(path) as store:
            for n in range(200):
                store.audit("kiosk", "filler", None, {"n": n, "pad": "x" * 500})
        data = bytearray(path.read_bytes())
        data[4096:4096 + 2048] = b"\xff" * 2048  # a damaged page after the header
        path.write_bytes(bytes(data))
    return path


@pytest.mark.logs_errors
@pytest.mark.parametrize(("kind", "at_start", "staff_says"), [
    # a foreign file is refused when it is opened: the front-desk page at once
    ("not_a_database", True, "is not a kiosk database. Check the path; nothing was changed."),
    # damage deep in the file shows on first use: welcome, then the front-desk notice at Start
    ("corrupt", False, "is damaged. Restore the latest backup; nothing was changed."),
])
def test_kiosk_and_staff_on_a_damaged_database(qtbot, make_kiosk, tmp_path, caplog, kind, at_start,
                                               staff_says) -> None:
    from ui.app import create_staff_window

    path = damaged(tmp_path, kind)
    before = path.read_bytes()
    with caplog.at_level(logging.ERROR):
        kiosk = make_kiosk(db=path)
        assert visible(kiosk, "page:error") is at_start and visible(kiosk, "page:welcome") is not at_start
        if at_start:
            text = find(kiosk, "page:error:text").text()  # type: ignore[attr-defined]
        else:
            click(qtbot, kiosk, "nav:start")
            assert visible(kiosk, "error")
            text = find(kiosk, "error:text").text()  # type: ignore[attr-defined]
    assert "front desk" in text
    assert any(r.levelno >= logging.ERROR for r in caplog.records)
    staff = create_staff_window(path)
    qtbot.addWidget(staff)
    staff.show()
    message = find(staff, "staff:message").text()  # type: ignore[attr-defined]  # checked before sign-in
    assert staff_says in message and "check-db" in message, message
    staff.close()
    assert path.read_bytes() == before  # never overwritten
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.startswith("kiosk.db-")) == ["kiosk.db"]


CHILD = Path(__file__).with_name("kiosk_child.py")
NO_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def kiosk_page_without_override(db: Path) -> tuple[str, str]:
    """Start a real kiosk process on ``db``; return the page it shows and its log. Run as root (as CI
    does), the process first loses root's power to ignore file permissions, so a read-only
    folder or file is read-only to it as it is to the kiosk's own account."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None or subprocess.run([*NO_OVERRIDE, "true"]).returncode:
            pytest.fail("setpriv cannot drop root's file-permission override here; run as a normal user")
        prefix = NO_OVERRIDE
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([*prefix, sys.executable, str(CHILD), str(db), "restart"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    return done.stdout.split()[1], done.stderr  # PAGE <name> ...


def test_read_only_data_folder(tmp_path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        page, log = kiosk_page_without_override(folder / "kiosk.db")
        assert page == "page:error"
        assert "kiosk cannot start" in log and "Check its permissions" in log  # what staff read in the log
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_read_only_database_file(db_path) -> None:
    with Store(db_path) as store:
        store.audit("test", "filler", None, {})
    db_path.chmod(0o400)
    before = db_path.read_bytes()
    page, log = kiosk_page_without_override(db_path)
    assert page == "page:error"
    assert "Cannot write to" in log and "Check its permissions" in log
    assert db_path.read_bytes() == before


def test_missing_data_folder_is_created_owner_only(qtbot, make_kiosk, tmp_path) -> None:
    path = tmp_path / "new" / "place" / "kiosk.db"
    kiosk = make_kiosk(db=path)
    assert visible(kiosk, "page:welcome") and path.exists()
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"


@pytest.mark.logs_errors
def test_full_disk_at_submit_keeps_every_answer_and_submits_once_space_is_back(qtbot, make_kiosk, db_path,
                                                                           caplog) -> None:
    kiosk = make_kiosk(db=db_path)
    walk(qtbot, kiosk, load_example("s5_daily_aspirin"), submit=False)
    intake = kiosk.session.intake_id
    store = kiosk.session.store  # the kiosk's own connection: cap its file where it stands now
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")
    with caplog.at_level(logging.ERROR):
        click(qtbot, kiosk, "nav:submit")
        click(qtbot, kiosk, "nav:confirm")
    assert visible(kiosk, "error") and "front desk" in find(kiosk, "error:text").text()  # type: ignore[attr-defined]
    assert any("full" in r.getMessage() for r in caplog.records)
    assert not visible(kiosk, "page:done")
    with Store(db_path) as other:
        assert other.intake(intake).status == "draft" and len(other.answers(intake)) > 30  # nothing lost
    click(qtbot, kiosk, "error:ok")
    store.conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
    click(qtbot, kiosk, "nav:submit")
    click(qtbot, kiosk, "nav:confirm")
    assert visible(kiosk, "page:done")
    with Store(db_path) as other:
        assert other.intake(intake).status == "submitted"
        assert other.latest_assessment(intake)["outcome"] == "CANDIDATE_WITH_PRECAUTIONS"


@pytest.mark.logs_errors
def test_a_rule_pack_failing_at_submit_keeps_the_draft_and_shows_the_front_desk(qtbot, make_kiosk, db_path,
                                                                              tmp_path, monkeypatch, caplog) -> None:
    """Found by fuzzing: a pack whose has_any options are not a list loads, then fails on assess."""
    import json

    from kiosk.resources import resources_dir

    copy = tmp_path / "resources"
    shutil.copytree(resources_dir(), copy)
    pack_file = copy / "rules" / "facet-default.json"
    pack = json.loads(pack_file.read_text())
    broken = next(r for r in pack["rules"] if "has_any" in json.dumps(r["when"]))
    def spoil(node):  # type: ignore[no-untyped-def]
        if isinstance(node, dict):
            if "has_any" in node:
                node["has_any"] = [node["has_any"][0], False]
                return True
            return any(spoil(v) for v in node.values())
        if isinstance(node, list):
            return any(spoil(v) for v in node)
        return False
    assert spoil(broken["when"])
    pack_file.write_text(json.dumps(pack))
    monkeypatch.setenv("KIOSK_RESOURCES", str(copy))
    kiosk = make_kiosk(db=db_path)
    walk(qtbot, kiosk, load_example("s5_daily_aspirin"), submit=False)
    with caplog.at_level(logging.ERROR):
        click(qtbot, kiosk, "nav:submit")
        click(qtbot, kiosk, "nav:confirm")
    assert visible(kiosk, "error") and not visible(kiosk, "page:done")
    assert any("rule pack" in r.getMessage() for r in caplog.records)
    with Store(db_path) as store:
        assert store.intake(kiosk.session.intake_id).status == "draft"


@pytest.mark.logs_errors
def test_a_wal_deleted_under_the_running_kiosk_shows_the_front_desk_with_the_reason(qtbot, make_kiosk, db_path,
                                                                                     caplog) -> None:
    kiosk = make_kiosk(db=db_path)
    click(qtbot, kiosk, "nav:start")
    click(qtbot, kiosk, "opt:consent:true")
    os.unlink(f"{db_path}-wal")
    with caplog.at_level(logging.ERROR):
        click(qtbot, kiosk, "opt:consent:false")
    assert visible(kiosk, "error") and "front desk" in find(kiosk, "error:text").text()  # type: ignore[attr-defined]
    assert any("replaced" in r.getMessage() for r in caplog.records)  # staff read why, not "disk full"
    assert not any("full" in r.getMessage() for r in caplog.records)

