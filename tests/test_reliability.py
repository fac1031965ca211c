"""Real processes, real files: a kiosk killed mid-intake, kiosk and staff station writing at
once, and no patient data in any file the program writes besides the database."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from kiosk.demo import seed
from kiosk.store import QueueFilter, Store
from tests.conftest import ROOT

CHILD = ROOT / "tests" / "ui" / "kiosk_child.py"
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def start_answering(db: Path) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, str(CHILD), str(db), "answer"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("READY"), (line, proc.stderr.read() if proc.stderr else "")
    return proc, int(line.split()[1])


def test_sigkill_mid_intake_loses_no_answer_and_the_next_session_starts_empty(tmp_path) -> None:
    db = tmp_path / "data" / "kiosk.db"
    proc, intake = start_answering(db)
    time.sleep(0.3)  # the event loop is running, as on a real kiosk
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)  # drains and closes the pipes
    assert proc.returncode == -signal.SIGKILL
    with Store(db) as store:  # before the restart: still a draft, every answer there
        assert store.intake(intake).status == "draft"
        assert store.answers(intake) == {"consent": True, "patient.given": "Quillonia",
                                         "patient.family": "Vandermoot", "patient.birthdate": "1951-03-07",
                                         "patient.sex": "female"}
    again = subprocess.run([sys.executable, str(CHILD), str(db), "restart"], capture_output=True, text=True,
                           env=ENV, timeout=60, check=True)
    assert "PAGE page:welcome SESSION False TEXT []" in again.stdout
    with Store(db) as store:
        assert store.intake(intake).status == "abandoned"  # visible to staff
        assert len(store.answers(intake)) == 5
        row = store.queue_row(intake)
        assert row is not None and row.family_name == "Vandermoot" and store.queue_count(QueueFilter()) == 1
        assert store.check() == []


def test_no_patient_data_in_any_file_written_besides_the_database(tmp_path) -> None:
    db = tmp_path / "data" / "kiosk.db"
    proc, _ = start_answering(db)
    proc.terminate()
    proc.communicate(timeout=10)  # drains and closes the pipes
    subprocess.run([sys.executable, str(CHILD), str(db), "restart"], capture_output=True, text=True, env=ENV,
                   timeout=60, check=True)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    logs = [p for p in written if "logs" in p.parts]
    assert logs, "the kiosk wrote no log file"
    assert "intake started" in logs[0].read_text()
    for path in written:
        if path.name.startswith("kiosk.db") or "backups" in path.parts:
            continue  # the database (and its backups) is where answers belong
        data = path.read_bytes()
        for secret in (b"Quillonia", b"Vandermoot", b"1951-03-07"):
            assert secret not in data, f"{secret!r} found in {path}"
    for path in written + [p for p in tmp_path.rglob("*") if p.is_dir() and p != tmp_path]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is {oct(mode)}"


WRITER = """
import sys
sys.path.insert(0, sys.argv[3])
from kiosk.store import Store
db, role = sys.argv[1], sys.argv[2]
with Store(db) as store:
    if role == "kiosk":
        for n in range(100):
            intake = store.start_intake("u", "1")
            for k in range(20):
                store.save_answer(intake, f"q{k}", n * 100 + k)
    else:
        from kiosk.review import record_review
        staff = store.staff(name="Ana").id
        ids = [r.id for r in store.queue_page(__import__("kiosk.store").store.QueueFilter())]
        for n in range(2000):
            record_review(store, ids[n % len(ids)], staff, "needs_follow_up", f"note {n}")
print("done")
"""


def test_kiosk_and_staff_station_writing_at_once(tmp_path, questionnaire, rulepack) -> None:
    from kiosk.staff import Accounts

    db = tmp_path / "kiosk.db"
    with Store(db) as store:
        seed(store, questionnaire, rulepack)
        Accounts(store).add("Ana", "nurse", "482916", "test")
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), role, str(ROOT)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for role in ("kiosk", "staff")]
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0 and out.strip() == "done", err
    with Store(db) as store:
        drafts = store.intakes("draft")
        assert len(drafts) == 100 and all(len(store.answers(i.id)) == 20 for i in drafts)
        assert sum(len(store.reviews(i.id)) for i in store.intakes()) == 2000
        check = store.verify_audit()
        assert check.ok and check.rows >= 2000 + 7
        assert store.check() == []


def test_a_second_kiosk_on_the_same_database_says_so_and_leaves_the_first_patient_alone(tmp_path) -> None:
    """Issue 11, item 2: one kiosk per database; a crash releases the lock."""
    db = tmp_path / "data" / "kiosk.db"
    proc, intake = start_answering(db)
    try:
        second = subprocess.run([sys.executable, str(ROOT / "main.py"), "--windowed", "--db", str(db)],
                                capture_output=True, text=True, env=ENV, timeout=60, check=False)
        assert second.returncode == 3, second.stderr
        assert "Another kiosk is already running on" in second.stderr and "Traceback" not in second.stderr
        with Store(db) as store:
            assert store.intake(intake).status == "draft"  # the first patient can still submit
        assert proc.poll() is None  # and the first kiosk runs on
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
    again = subprocess.run([sys.executable, str(CHILD), str(db), "restart"], capture_output=True, text=True,
                           env=ENV, timeout=60, check=True)  # the dead kiosk's lock went with it
    assert "PAGE page:welcome" in again.stdout
    with Store(db) as store:
        assert store.intake(intake).status == "abandoned"  # no live kiosk owns it now
