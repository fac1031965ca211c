"""Backups, restore, retention purge and the database check, with real files."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time

import pytest

from kiosk.demo import seed
from kiosk.maintenance import check_backup, daily_backup, purge, restore
from kiosk.staff import Accounts
from kiosk.store import QueueFilter, Store, StoreError
from tests.conftest import ROOT

NAME = "Zyxwquorth"  # distinctive: must vanish from the file's bytes after a purge


@pytest.fixture
def store(db_path, questionnaire, rulepack):  # type: ignore[no-untyped-def]
    with Store(db_path) as s:
        seed(s, questionnaire, rulepack)
        yield s


def main_py(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60, check=False)


def test_backup_is_consistent_while_the_kiosk_writes(store, db_path, tmp_path) -> None:
    stop = threading.Event()

    def kiosk() -> None:
        with Store(db_path) as other:
            intake = other.start_intake("u", "1")
            n = 0
            while not stop.is_set():
                other.save_answer(intake, f"q{n % 50}", n)
                n += 1

    writer = threading.Thread(target=kiosk)
    writer.start()
    try:
        copies = [store.backup(tmp_path / f"b{n}.db") for n in range(5)]
    finally:
        stop.set()
        writer.join()
    for copy in copies:
        assert check_backup(copy) == []
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        with Store(copy) as b:
            assert b.queue_count(QueueFilter()) == 7 and b.check() == []
    assert not list(tmp_path.glob(".*.part"))


def test_daily_backup_once_a_day_keeps_the_newest(store, tmp_path) -> None:
    folder = tmp_path / "backups"
    day = dt.date(2026, 11, 1)
    for n in range(5):
        assert daily_backup(store, folder, keep=3, today=day + dt.timedelta(days=n)) is not None
    assert daily_backup(store, folder, keep=3, today=day + dt.timedelta(days=4)) is None  # already done today
    assert sorted(p.name for p in folder.iterdir()) == ["kiosk-2026-11-03.db", "kiosk-2026-11-04.db",
                                                       "kiosk-2026-11-05.db"]
    assert [r["action"] for r in store.audit_rows(5)].count("backup.daily") == 5


def test_restore_brings_back_the_backup_and_keeps_the_replaced_file(store, db_path, tmp_path) -> None:
    backup = store.backup(tmp_path / "before.db")
    store.start_intake("u", "1")  # written after the backup
    store.close()
    kept = restore(backup, db_path, "cli:test")
    assert kept.exists() and check_backup(kept) == []
    with Store(kept) as old:
        assert len(old.intakes()) == 8
    with Store(db_path) as restored:
        assert len(restored.intakes()) == 7 and restored.check() == []
        assert restored.audit_rows(1)[0]["action"] == "backup.restore"
    with Store(db_path) as again:
        again.start_intake("u", "2")
    now = dt.datetime(2026, 12, 1, 9, 14, 0, tzinfo=dt.UTC)
    first = restore(backup, db_path, "cli:test", now=now)
    second = restore(backup, db_path, "cli:test", now=now)  # the same instant: a second name, not the same file
    assert first != second and second.name == first.name + "-2"
    with Store(first) as a, Store(second) as b:
        assert len(a.intakes()) == 8 and len(b.intakes()) == 7  # each kept what it replaced
    assert oct(first.stat().st_mode & 0o777) == oct(second.stat().st_mode & 0o777) == "0o600"
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    before = db_path.read_bytes()
    with pytest.raises(StoreError, match="Nothing was changed"):
        restore(junk, db_path, "cli:test")
    assert db_path.read_bytes() == before


def test_purge_removes_old_intakes_from_the_file_bytes(store, db_path, questionnaire, rulepack) -> None:
    from kiosk.answers import validate_answers
    from kiosk.demo import sample_answers
    from kiosk.rules import assess

    answers, _ = validate_answers(questionnaire, sample_answers() | {"patient.family": NAME})
    old = store.start_intake(questionnaire.url, questionnaire.version)
    for link_id, value in answers.items():
        store.save_answer(old, link_id, value)
    store.submit(old, assess(rulepack, questionnaire, answers).to_json(), answers=answers, questionnaire=questionnaire)
    nurse = Accounts(store).add("Ana", "nurse", "482916", "test").id
    store.add_review(old, nurse, "not_appropriate")
    with store._tx() as c:  # closed and reviewed long ago, by a clock that was right
        c.execute("UPDATE intakes SET closed_at = '2025-01-01T00:00:00.000+00:00',"
                  " reviewed_at = '2025-01-02T00:00:00.000+00:00' WHERE id = ?", (old,))
    assert purge(store, 30, "staff:1").deleted == 1
    assert store.intake(old) is None and store.queue_count(QueueFilter()) == 7  # the recent ones stay
    row = store.audit_rows(1)[0]
    assert (row["action"], row["actor"]) == ("retention.purge", "staff:1") and '"intakes": 1' in row["details_json"]
    for path in db_path.parent.iterdir():
        assert NAME.encode() not in path.read_bytes(), f"{NAME} still in {path.name}"
    assert store.check() == []
    # the purged intake had the highest id: the next patient gets a new one, never its id
    assert store.start_intake(questionnaire.url, questionnaire.version) == old + 1
    store.close()
    with Store(db_path) as reopened:  # also after a restart
        assert reopened.start_intake(questionnaire.url, questionnaire.version) == old + 2


def test_check_db_command(store, db_path) -> None:
    ok = main_py("check-db", "--db", str(db_path))
    assert ok.returncode == 0 and ok.stdout.startswith("OK:")
    store.close()
    con = sqlite3.connect(db_path)
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET actor = 'someone' WHERE id = 1")
    con.commit()
    con.close()
    bad = main_py("check-db", "--db", str(db_path))
    assert bad.returncode == 1 and "audit log broken at entry 1" in bad.stdout
    assert main_py("check-db", "--db", str(db_path.parent / "missing.db")).returncode == 3


def test_backup_restore_and_purge_commands(store, db_path, tmp_path) -> None:
    store.close()
    out = tmp_path / "copy.db"
    done = main_py("backup", "--out", str(out), "--db", str(db_path))
    assert done.returncode == 0 and out.exists()
    done = main_py("restore", str(out), "--db", str(db_path))
    assert done.returncode == 0 and "kept as" in done.stdout
    assert main_py("restore", str(tmp_path / "nope.db"), "--db", str(db_path)).returncode == 2
    done = main_py("purge", "--older-than", "30", "--db", str(db_path))
    assert done.returncode == 0 and "Purged 0 reviewed intake(s)" in done.stdout
    done = main_py("purge", "--older-than", "0", "--db", str(db_path))  # not the 365-day setting
    assert done.returncode == 2 and "at least 1 day" in done.stderr and done.stdout == ""
    assert os.stat(db_path).st_size > 0


def test_retention_covers_every_copy(store, db_path, tmp_path) -> None:
    """Kept copies of restores, half-written backups and a backup dated in the future do not
    escape retention (issue 11, item 17)."""
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    folder = db_path.parent
    old_kept = folder / "kiosk.db.before-restore-20251101T090000123456Z"
    new_kept = folder / "kiosk.db.before-restore-20261120T090000123456Z-2"
    for path in (old_kept, new_kept):
        store.backup(path)
    stale = folder / ".kiosk-2026-11-30.db.part"
    fresh = folder / ".kiosk-2026-12-01.db.part"  # a backup being written right now
    for path in (stale, fresh):
        path.write_bytes(b"half a database")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    assert purge(store, 365, "staff:1", now=now).deleted == 0
    assert not old_kept.exists() and new_kept.exists()
    assert not stale.exists() and fresh.exists()
    row = store.audit_rows(1)[0]
    assert row["action"] == "retention.copies" and old_kept.name in row["details_json"]
    # a backup dated after today is pruned first, not kept for ever
    backups = tmp_path / "backups"
    backups.mkdir()
    store.backup(backups / "kiosk-2099-01-01.db")
    for n in range(3):
        daily_backup(store, backups, keep=3, today=dt.date(2026, 11, 28) + dt.timedelta(days=n))
    assert sorted(p.name for p in backups.iterdir()) == ["kiosk-2026-11-28.db", "kiosk-2026-11-29.db",
                                                        "kiosk-2026-11-30.db"]


def test_a_wrong_clock_deletes_nothing(store, db_path) -> None:
    """Issue 11, item 4: an intake stored while the clock said 2001, one in the future and one
    never reviewed all survive the default purge; each is counted and audited, not trusted."""
    nurse = Accounts(store).add("Ana", "nurse", "482916", "test").id
    for intake in (1, 2, 3):
        store.add_review(intake, nurse, "needs_follow_up")
    with store._tx() as c:
        c.execute("UPDATE intakes SET closed_at = '2001-03-04T10:00:00.000+00:00',"
                  " reviewed_at = '2001-03-04T11:00:00.000+00:00' WHERE id = 1")  # the clock said 2001
        c.execute("UPDATE intakes SET closed_at = '2031-01-01T10:00:00.000+00:00' WHERE id = 2")  # and 2031
        c.execute("UPDATE intakes SET closed_at = '2024-01-01T10:00:00.000+00:00' WHERE id = 4")  # never reviewed
    result = purge(store, 365, "staff:1", now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert (result.deleted, result.unreviewed, result.odd_times) == (0, 1, 2)
    assert all(store.intake(i) is not None for i in (1, 2, 4))
    assert "nobody has reviewed yet" in result.sentence(365) and "before 2020 or in the future" in result.sentence(365)
    assert store.audit_rows(1)[0]["action"] == "retention.kept"
