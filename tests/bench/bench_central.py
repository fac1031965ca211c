"""The clinic network's figures, each against a baseline measured in the same run:

- ``outage_save_ratio``: a kiosk's answer save p95 while the central server is unreachable (its
  shipper retrying beside it) / the same with the server up and the shipper sending (target <= 1.2);
- ``delivery_lag_s``: from the link coming back to the last intake queued during the outage
  being central (the shipper's backoff decides it: at most its current wait, 1-60 s);
- ``central_first_page_ratio`` and ``central_filter_ratio``: the station's first queue page, and
  a name search, on a central database of 100,000 intakes / the bare SQL query for the same rows;
- ``notify_p50_ms``, ``notify_p95_ms``: from a kiosk's ingest call to the station's LISTEN socket
  being readable.

    python tests/bench/bench_central.py [--rows 100000] [--out bench-central.json]

Uses ``KIOSK_TEST_PG`` (a superuser URL) or starts a throwaway cluster (tests/pgcluster.py).
"""

from __future__ import annotations

import argparse
import json
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def saves(store: Any, q: Any, intakes: int, answers: dict[str, Any]) -> list[float]:
    """Answer saves of ``intakes`` patients (each submitted after, so the shipper has work)."""
    from kiosk.answers import validate_answers
    from kiosk.rules import assess, load_rulepack

    pack = load_rulepack(questionnaire=q)
    clean, _ = validate_answers(q, answers)
    out = []
    for _ in range(intakes):
        intake = store.start_intake(q.url, q.version)
        for link_id, value in clean.items():
            t0 = time.perf_counter()
            store.save_answer(intake, link_id, value)
            out.append(time.perf_counter() - t0)
        store.submit(intake, assess(pack, q, clean).to_json(), answers=clean, questionnaire=q)
    return out


def outage(central: Any, tmp: Path, intakes: int) -> dict[str, float]:
    from kiosk.demo import sample_answers
    from kiosk.questionnaire import default_questionnaire
    from kiosk.store import Store
    from tests.netproxy import Proxy

    q = default_questionnaire()
    answers = sample_answers()
    url = central.login("kiosk")
    host, port = url.split("@")[1].split("/")[0].split(":")
    proxy = Proxy(host, int(port))
    db = tmp / "kiosk.db"
    env = {**os.environ, "KIOSK_CENTRAL_DEADLINE_S": "3"}
    shipper = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--db", str(db), "ship", "--central",
                                proxy.url(url)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with Store(db) as store:
            saves(store, q, 2, answers)  # warm-up: caches, the shipper's first connection
            normal: list[float] = []
            down: list[float] = []
            for _ in range(3):  # interleaved, so a busy moment of the machine falls on both
                normal += saves(store, q, intakes, answers)
                proxy.cut()
                down += saves(store, q, intakes, answers)
                proxy.resume()
            proxy.cut()
            saves(store, q, intakes, answers)  # queued while the link is down
            time.sleep(4)  # a few failed passes: the backoff has grown
            resumed = time.perf_counter()
            proxy.resume()
            while store.outbox_counts()[0]:
                time.sleep(0.01)
            lag = time.perf_counter() - resumed
    finally:
        shipper.terminate()
        shipper.wait(30)
        proxy.close()
    return {"save_p95_normal_ms": round(p95(normal) * 1000, 3), "save_p95_outage_ms": round(p95(down) * 1000, 3),
            "outage_save_ratio": round(p95(down) / p95(normal), 2), "delivery_lag_s": round(lag, 2)}


def load_central(central: Any, rows: int) -> None:
    """``rows`` closed intakes straight into the central tables (as the owner: a bulk load, not
    the kiosks' path; the queue columns as the ingest function stores them)."""
    central.sql(f"""
        INSERT INTO facet.intakes (uuid, station, local_id, status, language, questionnaire_url, questionnaire_version,
            started_at, updated_at, submitted_at, given_name, family_name, birth_date, search_name, outcome, region,
            red_flags, closed_at, queue_rank, queue_key, why)
        SELECT gen_random_uuid(), 'kiosk_bench', n, 'submitted', 'en', 'q', '1', t, t, t,
            'Given' || n, 'Family' || n, '1950-01-01', 'given' || n || ' family' || n,
            (ARRAY['URGENT_REVIEW','NOT_CANDIDATE','NOT_YET','CANDIDATE_WITH_PRECAUTIONS','LIKELY_CANDIDATE'])[1 + n % 5],
            'lumbar', CASE WHEN n % 5 = 0 THEN 1 ELSE 0 END, t, CASE WHEN n % 5 = 0 THEN 0 ELSE 1 END, n, 'why'
        FROM generate_series(1, {rows}) AS n,
             LATERAL (SELECT to_char(timestamp '2025-01-01' + n * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS')
                             || '.000+00:00') AS x(t)
    """)
    central.sql("ANALYZE facet.intakes")


def queue(central: Any, runs: int) -> dict[str, float]:
    import psycopg

    from kiosk.central.store import COLUMNS, CentralStore
    from kiosk.store import QueueFilter

    station = CentralStore(central.login("station"))
    bare = psycopg.connect(central.url, autocommit=True)
    search = QueueFilter(search="family4242")
    sql, args = search.sql("%s")

    def timed(fn: Any) -> float:
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
        return statistics.median(samples)

    try:
        first = [timed(lambda: station.queue_page(QueueFilter())),
                 timed(lambda: bare.execute(f"SELECT {COLUMNS} FROM facet.intakes ORDER BY queue_rank, queue_key, id"
                                            " LIMIT 100").fetchall())]
        found = [timed(lambda: station.queue_page(search)),
                 timed(lambda: bare.execute(f"SELECT {COLUMNS} FROM facet.intakes WHERE {sql}"
                                            " ORDER BY queue_rank, queue_key, id LIMIT 100", args).fetchall())]
    finally:
        station.close()
        bare.close()
    return {"central_first_page_ms": round(first[0] * 1000, 2), "central_first_page_bare_ms": round(first[1] * 1000, 2),
            "central_first_page_ratio": round(first[0] / first[1], 2),
            "central_filter_ms": round(found[0] * 1000, 2), "central_filter_bare_ms": round(found[1] * 1000, 2),
            "central_filter_ratio": round(found[0] / found[1], 2)}


def notify(central: Any, runs: int) -> dict[str, float]:
    import psycopg
    from psycopg.types.json import Jsonb

    from kiosk.central.store import CentralStore

    station = CentralStore(central.login("station"))
    kiosk = psycopg.connect(central.login("kiosk"), autocommit=True)
    samples = []
    try:
        for n in range(runs):
            fd = station.wakeup_fd()
            payload = {"uuid": f"00000000-0000-4000-8000-{n:012d}", "local_id": n, "status": "submitted",
                       "language": "en", "questionnaire_url": "q", "questionnaire_version": "1",
                       "started_at": "2026-12-01T08:00:00.000+00:00", "updated_at": "2026-12-01T08:00:00.000+00:00",
                       "submitted_at": "2026-12-01T08:00:00.000+00:00", "abandoned_at": None, "answers": [],
                       "assessments": [], "queue": {"queue_rank": 1, "queue_key": n}}
            t0 = time.perf_counter()
            kiosk.execute("SELECT facet.ingest_intake(%s)", (Jsonb(payload),))
            select.select([fd], [], [], 10)
            samples.append(time.perf_counter() - t0)
            station.data_version()  # consume it
    finally:
        station.close()
        kiosk.close()
    return {"notify_p50_ms": round(statistics.median(samples) * 1000, 2), "notify_p95_ms": round(p95(samples) * 1000, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--intakes", type=int, default=4, help="patients per phase of the outage figure")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    from tests import pgcluster
    from tests.conftest import Central, PgServer

    folder = None
    url = os.environ.get("KIOSK_TEST_PG")
    if not url:
        folder = Path(tempfile.mkdtemp(prefix="facet-bench-pg-"))
        folder.chmod(0o755)
        url = pgcluster.start(folder / "pg")
    server = PgServer(url, folder)
    figures: dict[str, float] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            central = Central(server)
            try:
                figures |= outage(central, Path(tmp), args.intakes)
                figures |= notify(central, args.runs)
                load_central(central, args.rows)
                figures |= queue(central, args.runs)
            finally:
                central.drop()
    finally:
        if folder is not None:
            pgcluster.stop(folder / "pg", "immediate")
    figures["central_rows"] = args.rows
    for key, value in figures.items():
        print(f"{key:<28} {value:>10}")
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
