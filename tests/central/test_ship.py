"""``main.py ship``: closed intakes reach the central database exactly once, whatever happens
to the network, the server or the shipper itself."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from kiosk import cli
from kiosk.central import db as central_db
from kiosk.retry import BACKOFF_MAX_S, backoff
from kiosk.ship import Shipper
from kiosk.store import Store
from tests.conftest import EXAMPLES, ROOT, Central
from tests.netproxy import Proxy

NAMES = ["s1_fibromyalgia", "s5_daily_aspirin", "s7_fever_unsure"]


def fill(db: Path, names: list[str] = NAMES) -> list[int]:
    for name in names:
        assert cli.main(["--db", str(db), "submit", str(EXAMPLES / f"{name}.json")]) == 0
    with Store(db) as store:
        ids = [i.id for i in store.intakes("submitted")]
    return ids


def ship(db: Path, url: str, *args: str, env: dict[str, str] | None = None,
         timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "--db", str(db), "ship", "--central", url, *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout, check=False,
                          env={**os.environ, **(env or {})})


def central_copy(central: Central) -> dict[str, Any]:
    rows = central.sql("SELECT uuid::text, station, status, local_id FROM facet.intakes ORDER BY id")
    answers = central.sql("SELECT i.uuid::text, a.link_id, a.value_json FROM facet.answers a"
                          " JOIN facet.intakes i ON i.id = a.intake_id ORDER BY 1, 2")
    results = central.sql("SELECT i.uuid::text, a.result_json FROM facet.assessments a"
                          " JOIN facet.intakes i ON i.id = a.intake_id ORDER BY 1, a.id")
    return {"intakes": rows, "answers": answers, "results": results}


def local_copy(db: Path) -> dict[str, Any]:
    con = sqlite3.connect(db)
    try:
        answers = con.execute("SELECT i.uuid, a.link_id, a.value_json FROM answers a JOIN intakes i ON i.id = a.intake_id"
                              " WHERE i.status != 'draft' ORDER BY 1, 2").fetchall()
        results = con.execute("SELECT i.uuid, a.result_json FROM assessments a JOIN intakes i ON i.id = a.intake_id"
                              " ORDER BY 1, a.id").fetchall()
    finally:
        con.close()
    return {"answers": [tuple(r) for r in answers], "results": [tuple(r) for r in results]}


def assert_same(db: Path, central: Central) -> None:
    here, there = local_copy(db), central_copy(central)
    assert there["answers"] == here["answers"]
    assert there["results"] == here["results"]
    uuids = [r[0] for r in there["intakes"]]
    assert len(uuids) == len(set(uuids))  # exactly once


def test_ship_once_sends_everything_once_with_identical_answers_and_assessment(tmp_path: Path, central: Central) -> None:
    db = tmp_path / "k.db"
    ids = fill(db)
    url = central.login("kiosk")
    assert Shipper(db, url).once() == 0
    copy = central_copy(central)
    assert [r[3] for r in copy["intakes"]] == ids  # oldest first
    assert {r[1] for r in copy["intakes"]} == {central.logins[-1]}  # the station is the login
    assert_same(db, central)
    assert Shipper(db, url).once() == 0  # nothing left: a re-run sends nothing new
    assert len(central_copy(central)["intakes"]) == len(ids)
    with Store(db) as store:
        assert store.outbox_counts() == (0, len(ids))
        head = store.audit_rows(1)[0]
    assert central.sql("SELECT hash FROM facet.kiosk_audit WHERE station = %s ORDER BY local_id DESC LIMIT 1",
                       (central.logins[-1],)) == [(head["hash"],)]


def test_abandoned_intakes_ship_too_and_drafts_never(tmp_path: Path, central: Central, questionnaire) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "k.db"
    with Store(db) as store:
        left = store.start_intake(questionnaire.url, questionnaire.version)
        store.save_answer(left, "rf.fever", "yes")
        store.abandon(left, "idle")
        draft = store.start_intake(questionnaire.url, questionnaire.version)
        store.save_answer(draft, "patient.given", "Ana")
    assert Shipper(db, central.login("kiosk")).once() == 0
    rows = central.sql("SELECT local_id, status, queue_rank FROM facet.intakes")
    assert rows == [(left, "abandoned", 0)]  # a red-flag yes before leaving: first in the queue
    assert draft not in [r[0] for r in rows]


def test_server_down_exits_75_and_loses_nothing(tmp_path: Path, central: Central) -> None:
    db = tmp_path / "k.db"
    ids = fill(db, NAMES[:2])
    url = central.login("kiosk")
    proxy = Proxy(*_target(url))
    try:
        proxy.cut()
        done = ship(db, proxy.url(url), "--once")
        assert done.returncode == 75, done.stderr
        assert "cannot be reached" in done.stderr and "Traceback" not in done.stderr
        with Store(db) as store:
            assert store.outbox_pending() == ids
        proxy.resume()
        assert ship(db, proxy.url(url), "--once").returncode == 0
    finally:
        proxy.close()
    assert_same(db, central)


def test_a_silent_link_cannot_hang_the_shipper(tmp_path: Path, central: Central) -> None:
    db = tmp_path / "k.db"
    fill(db, NAMES[:1])
    url = central.login("kiosk")
    proxy = Proxy(*_target(url))
    try:
        proxy.freeze()
        started = time.monotonic()
        done = ship(db, proxy.url(url), "--once", env={"KIOSK_CENTRAL_DEADLINE_S": "3"})
        assert done.returncode == 75, done.stderr
        assert time.monotonic() - started < 60  # bounded by the deadline (3 s here), not by the network
        proxy.resume()
        assert ship(db, proxy.url(url), "--once").returncode == 0
    finally:
        proxy.close()
    assert len(central_copy(central)["intakes"]) == 1


def test_a_silent_link_mid_call_is_cut_by_the_deadline(tmp_path: Path, central: Central, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Frozen after the connection is made: only the client-side deadline ends the call."""
    db = tmp_path / "k.db"
    fill(db, NAMES[:1])
    url = central.login("kiosk")
    proxy = Proxy(*_target(url))
    try:
        conn = central_db.connect(proxy.url(url))
        proxy.freeze()
        started = time.monotonic()
        with pytest.raises(central_db.Unreachable, match="did not answer within 2 s"):
            with central_db.call(conn, url, seconds=2):
                conn.execute("SELECT 1")
        assert time.monotonic() - started < 20
        conn.close()
    finally:
        proxy.close()


def test_wrong_password_or_unknown_login_exits_3(tmp_path: Path, central: Central) -> None:
    db = tmp_path / "k.db"
    fill(db, NAMES[:1])
    url = central.login("kiosk")
    bad = url.replace("@", "x@", 1)  # the password with one more character
    done = ship(db, bad, "--once")
    assert done.returncode == 3 and "refused this login" in done.stderr
    assert "x@" not in done.stderr and central.logins[-1] not in done.stderr.split("refused")[0]
    station = central.login("station")  # a nurse station's login is not a kiosk
    assert ship(db, station, "--once").returncode == 3
    with Store(db) as store:
        assert len(store.outbox_pending()) == 1


def test_killed_between_the_central_commit_and_the_local_mark(tmp_path: Path, central: Central) -> None:
    """The intake is central, the kiosk has not marked it: the next run sends it again and the
    central database keeps one copy."""
    db = tmp_path / "k.db"
    ids = fill(db, NAMES[:1])
    url = central.login("kiosk")
    import psycopg

    hold = psycopg.connect(central.url)  # 1. the central insert waits: the shipper has opened everything
    hold.execute("LOCK TABLE facet.intakes IN SHARE ROW EXCLUSIVE MODE")
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--db", str(db), "ship", "--central", url, "--once"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    blocker = sqlite3.connect(db, isolation_level=None, timeout=30)
    try:
        _wait_for(lambda: central.su_sql("SELECT 1 FROM pg_stat_activity WHERE application_name = 'facet-kiosk ship'"
                                      " AND wait_event_type = 'Lock'"))
        blocker.execute("BEGIN IMMEDIATE")  # 2. the local mark will wait on this
        hold.rollback()  # 3. the central commit goes through
        _wait_for(lambda: central.sql("SELECT 1 FROM facet.intakes"))
        time.sleep(0.2)  # the shipper is now waiting for the local lock
        proc.send_signal(signal.SIGKILL)  # 4. killed between the central commit and the local mark
        proc.wait(30)
    finally:
        hold.close()
        blocker.execute("ROLLBACK") if blocker.in_transaction else None
        blocker.close()
    with Store(db) as store:
        assert store.outbox_pending() == ids  # not marked: the kill came first
    assert Shipper(db, url).once() == 0
    assert_same(db, central)
    assert central.sql("SELECT count(*) FROM facet.intakes") == [(1,)]


def test_a_restored_older_backup_sends_nothing_twice(tmp_path: Path, central: Central) -> None:
    db = tmp_path / "k.db"
    fill(db, NAMES[:1])
    with Store(db) as store:
        store.backup(tmp_path / "old.db")
    fill(db, NAMES[1:2])
    url = central.login("kiosk")
    assert Shipper(db, url).once() == 0
    assert cli.main(["--db", str(db), "restore", str(tmp_path / "old.db")]) == 0
    fill(db, NAMES[2:])  # a new intake after the restore
    assert Shipper(db, url).once() == 0
    copy = central_copy(central)
    assert len(copy["intakes"]) == 3 and len({r[0] for r in copy["intakes"]}) == 3
    with Store(db) as store:
        head = store.audit_rows(1)[0]["hash"]
    assert (head,) in central.sql("SELECT hash FROM facet.kiosk_audit")  # the new chain arrived too


def test_retention_keeps_what_was_not_delivered(tmp_path: Path, central: Central) -> None:
    db = tmp_path / "k.db"
    ids = fill(db, NAMES[:2])
    url = central.login("kiosk")
    with Store(db) as store:
        staff = store.add_staff("Nurse Ana", "nurse", "x", "test")
        for i in ids:
            store.add_review(i, staff, "schedule_evaluation")
    assert Shipper(db, url).once() == 0  # both sent
    fill(db, NAMES[2:])
    with Store(db) as store:
        late = max(i.id for i in store.intakes("submitted"))
        store.add_review(late, staff, "schedule_evaluation")
        assert store.purge_closed_before("2999-01-01", "test", "2000-01-01") == 2  # the unsent one stays
        assert [i.id for i in store.intakes()] == [late]


def test_forever_backs_off_with_jitter_and_resets_after_a_success(tmp_path: Path, central: Central) -> None:
    db = tmp_path / "k.db"
    fill(db, NAMES[:1])
    url = central.login("kiosk")
    proxy = Proxy(*_target(url))
    waits: list[float] = []
    shipper = Shipper(db, proxy.url(url), rand=lambda: 1.0)

    def sleep(seconds: float) -> None:  # the test's clock: no real waiting
        waits.append(seconds)
        if len(waits) == 4:
            proxy.resume()
        if len(waits) == 6:
            shipper.stopping.set()

    shipper.sleep = sleep
    proxy.cut()
    try:
        assert shipper.forever() == 0
    finally:
        proxy.close()
    assert waits[:4] == [1.0, 2.0, 4.0, 8.0]
    assert waits[4:] == [2.0, 2.0]  # sent, then idle polling: the backoff was reset
    assert len(central_copy(central)["intakes"]) == 1


def test_backoff_is_jittered_and_capped() -> None:
    assert backoff(0) == 0
    assert backoff(1, lambda: 0.0) == 0.5 and backoff(1, lambda: 1.0) == 1.0
    assert backoff(30, lambda: 1.0) == BACKOFF_MAX_S and backoff(30, lambda: 0.0) == BACKOFF_MAX_S / 2


def test_intakes_central_lists_every_kiosk(tmp_path: Path, central: Central) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    fill(a, NAMES[:2])
    fill(b, NAMES[2:])
    assert Shipper(a, central.login("kiosk")).once() == 0
    assert Shipper(b, central.login("kiosk")).once() == 0
    station = central.login("station")
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "intakes", "--central", station, "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["station"] for r in rows] == [central.logins[0]] * 2 + [central.logins[1]]
    with Store(a) as store:
        first = store.intakes()[0]
        assert rows[0]["uuid"] == first.uuid and rows[0]["answers"] == store.answers(first.id)
    assert {"id", "status", "started_at", "submitted_at", "outcome", "next_step", "answers"} <= set(rows[0])
    env_done = subprocess.run([sys.executable, str(ROOT / "main.py"), "intakes", "--central", "--json"],
                              capture_output=True, text=True, cwd=ROOT, timeout=60, check=False,
                              env={**os.environ, "KIOSK_CENTRAL": station})
    assert json.loads(env_done.stdout) == rows


def _wait_for(check: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _target(url: str) -> tuple[str, int]:
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(url)
    return str(info["host"]), int(info["port"])


def test_the_kiosk_keeps_the_clinic_settings_read_only(tmp_path: Path, central: Central) -> None:
    from kiosk import settings as clinic_settings
    from kiosk.central.store import CentralStore

    db = tmp_path / "k.db"
    fill(db, NAMES[:1])
    with CentralStore(central.login("station"), local_db=db) as station:
        clinic_settings.change(station, {"idle_warn_s": 150, "languages": ["es", "en"]}, "staff:1")
    assert Shipper(db, central.login("kiosk")).once() == 0
    with Store(db) as store:
        now = clinic_settings.current(store)
        assert (now["idle_warn_s"], now["languages"]) == (150, ["es", "en"])
        assert [r["actor"] for r in store.audit_rows(5) if r["action"] == "settings.change"] == ["central", "central"]
        with pytest.raises(clinic_settings.SettingsError, match="central database"):
            clinic_settings.change(store, {"idle_warn_s": 60}, "admin")  # a cache: changed centrally only


@pytest.mark.logs_errors
def test_an_intake_the_server_refuses_waits_without_stopping_the_others_or_spinning(tmp_path: Path, central: Central,
                                                                                  caplog) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "k.db"
    bad, good = fill(db, NAMES[:2])
    con = sqlite3.connect(db)
    con.execute("UPDATE intakes SET uuid = 'not-a-uuid' WHERE id = ?", (bad,))  # the server's uuid type refuses it
    con.commit()
    con.close()
    waits: list[float] = []
    shipper = Shipper(db, central.login("kiosk"))

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            shipper.stopping.set()

    shipper.sleep = sleep
    assert shipper.forever() == 0
    assert waits == [2.0, 2.0, 2.0]  # the idle poll, not a busy loop on the refused one
    assert [r[0] for r in central.sql("SELECT local_id FROM facet.intakes")] == [good]
    with Store(db) as store:
        assert store.outbox_pending() == [bad]
    refusals = [r for r in caplog.records if "refused by the central database" in r.getMessage()]
    assert len(refusals) == 1 and "SQLSTATE 22P02" in refusals[0].getMessage()  # said once
