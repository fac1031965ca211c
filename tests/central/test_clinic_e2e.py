"""The clinic network end to end, with real processes: two kiosks taking intakes, each with its
shipper, a nurse station reviewing, and in the middle of it the network cut and then silent, the
PostgreSQL server killed and restarted, shippers killed at random points, a kiosk killed in the
middle of a patient's intake. At the end every closed intake is central exactly once, with the
same answers and assessment, each kiosk's audit head is there, and the central chain verifies."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from kiosk.central import db, schema
from kiosk.central.store import CentralStore
from kiosk.review import record_review
from kiosk.staff import Accounts
from kiosk.store import QueueFilter, Store
from tests import pgcluster
from tests.central.test_ship import _wait_for, local_copy
from tests.conftest import ROOT
from tests.netproxy import Proxy

DRIVER = Path(__file__).with_name("kiosk_driver.py")


class Cluster:
    """A PostgreSQL of this test's own (it gets crashed), a clinic database, its logins."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.su = pgcluster.start(folder / "pg")
        with psycopg.connect(self.su, autocommit=True) as conn:
            conn.execute("CREATE ROLE facet_owner LOGIN CREATEROLE PASSWORD 'owner-password-1'")
            conn.execute("CREATE DATABASE facet OWNER facet_owner")
        self.port = int(self.su.rsplit(":", 1)[1].split("/")[0])
        self.owner = self.url("facet_owner", "owner-password-1")
        conn = db.connect(self.owner)
        try:
            schema.migrate(conn)
            for name, kind in (("kiosk_lobby", "kiosk"), ("kiosk_floor2", "kiosk"), ("station_nurses", "station")):
                schema.enrol(conn, name, kind, f"{name}-password")
        finally:
            conn.close()

    def url(self, user: str, password: str, port: int | None = None) -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{port or self.port}/facet"

    def sql(self, query: str, args: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.owner, autocommit=True, connect_timeout=10) as conn:
            return conn.execute(query, args).fetchall()


@pytest.fixture
def cluster():  # type: ignore[no-untyped-def]
    if pgcluster.bindir() is None:
        pytest.fail("PostgreSQL is needed (apt-get install postgresql; .ci/setup does)")
    folder = Path(tempfile.mkdtemp(prefix="facet-e2e-"))
    folder.chmod(0o755)
    c = Cluster(folder)
    yield c
    pgcluster.stop(folder / "pg", "immediate")
    shutil.rmtree(folder, ignore_errors=True)


class Shipper:
    """``main.py ship`` in loop mode, killed and started again at will."""

    def __init__(self, db_path: Path, url: str, log: Path) -> None:
        self.db_path, self.url, self.log = db_path, url, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.starts = getattr(self, "starts", 0) + 1
        env = {**os.environ, "KIOSK_CENTRAL_DEADLINE_S": "3"}
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--db", str(self.db_path), "ship",
                                          "--central", self.url], cwd=ROOT, env=env, stdout=out, stderr=out)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def ready(self) -> bool:
        """Its handlers are in place: it has said "shipping ..." once per start."""
        return self.log.exists() and self.log.read_text().count("INFO kiosk.ship: shipping") >= self.starts

    def stop(self) -> int:
        assert self.proc is not None
        _wait_for(self.ready, 60)
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)


def kiosk(db_path: Path, count: int, seed: int, pause: float = 0.003) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(DRIVER), str(db_path), str(count), str(seed), str(pause)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _closed(db_path: Path) -> int:
    con = sqlite3.connect(db_path)
    try:
        return int(con.execute("SELECT count(*) FROM intakes WHERE status != 'draft'").fetchone()[0])
    finally:
        con.close()


@pytest.mark.slow
def test_two_kiosks_a_station_and_everything_going_wrong(cluster: Cluster, tmp_path: Path) -> None:
    rng = random.Random(20261201)
    proxy = Proxy("127.0.0.1", cluster.port)
    dbs = {"kiosk_lobby": tmp_path / "lobby" / "kiosk.db", "kiosk_floor2": tmp_path / "floor2" / "kiosk.db"}
    shippers = {name: Shipper(path, cluster.url(name, f"{name}-password", proxy.port), tmp_path / f"{name}.log")
                for name, path in dbs.items()}
    try:
        # a kiosk killed in the middle of a patient's intake, then started again
        first = kiosk(dbs["kiosk_lobby"], 5, 1)
        assert first.stdout is not None
        while "answering 2" not in first.stdout.readline():
            pass
        time.sleep(0.1)  # some answers of intake 3 are saved
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)  # reaped, its pipes closed
        # patients keep answering through all the troubles below (about a second per intake)
        kiosks = [kiosk(dbs["kiosk_lobby"], 6, 2, 0.02), kiosk(dbs["kiosk_floor2"], 8, 3, 0.015)]
        for s in shippers.values():
            s.start()

        station = CentralStore(cluster.url("station_nurses", "station_nurses-password", proxy.port),
                               local_db=tmp_path / "station" / "kiosk.db")
        nurse = Accounts(station).add("Ana", "nurse", "482916", "test").id

        # the troubles, while patients keep answering
        for trouble in ("cut", "kill shippers", "freeze", "crash server", "kill shippers"):
            time.sleep(rng.uniform(0.3, 1.2))
            if trouble == "cut":
                proxy.cut()
                time.sleep(rng.uniform(1, 2))
                proxy.resume()
            elif trouble == "freeze":
                proxy.freeze()
                time.sleep(rng.uniform(1, 2))
                proxy.resume()
            elif trouble == "crash server":
                pgcluster.crash(cluster.folder / "pg")
                time.sleep(rng.uniform(0.5, 1.5))
                pgcluster.restart(cluster.folder / "pg")
            else:
                for s in shippers.values():
                    time.sleep(rng.uniform(0, 0.3))  # a random point of whatever it is doing
                    s.kill()
                    s.start()

        for k in kiosks:
            _, err = k.communicate(timeout=120)
            assert k.returncode == 0, err
        # the nurse reviews one intake while the shippers catch up
        _wait_for(lambda: _queue(station), 60)
        record_review(station, _queue(station)[0], nurse, "schedule_evaluation")
        for path in dbs.values():
            _wait_for(lambda p=path: _waiting(p) == 0, 90)  # type: ignore[misc]
        for s in shippers.values():
            assert s.stop() == 0  # SIGTERM: a clean stop
        station.close()
    finally:
        for s in shippers.values():
            s.kill()
        proxy.close()

    # every closed intake, exactly once, identical
    closed = {name: _closed(path) for name, path in dbs.items()}
    assert closed["kiosk_lobby"] == 2 + 1 + 6 and closed["kiosk_floor2"] == 8  # with the abandoned one
    rows = cluster.sql("SELECT uuid::text, station, status FROM facet.intakes")
    assert len(rows) == sum(closed.values()) and len({r[0] for r in rows}) == len(rows)
    assert sorted(r[2] for r in rows if r[1] == "kiosk_lobby").count("abandoned") == 1
    for name, path in dbs.items():
        here = local_copy(path)
        answers = cluster.sql("SELECT i.uuid::text, a.link_id, a.value_json FROM facet.answers a JOIN facet.intakes i"
                              " ON i.id = a.intake_id WHERE i.station = %s ORDER BY 1, 2", (name,))
        results = cluster.sql("SELECT i.uuid::text, a.result_json FROM facet.assessments a JOIN facet.intakes i"
                              " ON i.id = a.intake_id WHERE i.station = %s ORDER BY 1, a.id", (name,))
        assert answers == here["answers"] and results == here["results"]
        with Store(path) as store:
            head = store.audit_rows(1)[0]
        assert cluster.sql("SELECT hash FROM facet.kiosk_audit WHERE station = %s ORDER BY local_id DESC LIMIT 1",
                           (name,)) == [(head["hash"],)]
    conn = db.connect(cluster.owner)
    try:
        ok, entries, problem = schema.verify_audit(conn)
    finally:
        conn.close()
    assert ok, problem
    assert entries >= len(rows) + 1  # one receipt per intake, and the review
    assert json.loads(cluster.sql("SELECT details_json FROM facet.audit_log WHERE action = 'intake.review'")[0][0]) \
        == {"decision": "schedule_evaluation", "disagree": False}


def _waiting(path: Path) -> int:
    with Store(path) as store:
        return store.outbox_counts()[0]


def _queue(station: CentralStore) -> list[int]:
    try:
        return [r.id for r in station.queue_page(QueueFilter())]
    except Exception:  # the server is coming back
        return []
