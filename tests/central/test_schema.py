"""The central schema: migrate, roles and grants, the append-only audit, the chain under two writers."""

from __future__ import annotations

import threading

import psycopg
import pytest

from kiosk.central import db, schema
from tests.conftest import Central


def test_migrate_is_safe_to_run_again(central: Central) -> None:
    conn = db.connect(central.url)
    try:
        assert schema.migrate(conn) == (len(schema.MIGRATIONS), len(schema.MIGRATIONS))
        assert schema.current_version(conn) == len(schema.MIGRATIONS)
    finally:
        conn.close()
    roles = {r[0] for r in central.sql("SELECT rolname FROM pg_roles WHERE rolname LIKE 'facet_%'")}
    assert {"facet_kiosk", "facet_station"} <= roles


def _payload(uuid: str = "6f0c1d4e-0000-4000-8000-000000000001", **extra: object) -> dict[str, object]:
    return {"uuid": uuid, "local_id": 7, "status": "submitted", "language": "en",
            "questionnaire_url": "q", "questionnaire_version": "1", "started_at": "2026-12-01T08:00:00.000+00:00",
            "updated_at": "2026-12-01T08:10:00.000+00:00", "submitted_at": "2026-12-01T08:10:00.000+00:00",
            "abandoned_at": None, "answers": [{"link_id": "pain.region", "value_json": '"lumbar"',
                                               "answered_at": "2026-12-01T08:01:00.000+00:00"}],
            "assessments": [], "queue": {"queue_rank": 1, "queue_key": 1, "red_flags": 0}, **extra}


def test_a_kiosk_can_only_ingest(central: Central) -> None:
    from psycopg.types.json import Jsonb

    url = central.login("kiosk")
    with psycopg.connect(url, autocommit=True) as conn:
        first = conn.execute("SELECT facet.ingest_intake(%s)", (Jsonb(_payload(station="someone_else")),)).fetchone()
        again = conn.execute("SELECT facet.ingest_intake(%s)", (Jsonb(_payload()),)).fetchone()
        assert first == again  # the same uuid twice is one intake
        for query in ("SELECT * FROM facet.intakes", "SELECT * FROM facet.answers", "SELECT * FROM facet.audit_log",
                      "DELETE FROM facet.intakes", "SELECT facet.audit_append('x', 'y', NULL, '{}')"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(query)
    kiosk_name = central.logins[-1]
    assert central.sql("SELECT station, count(*) FROM facet.intakes GROUP BY station") == [(kiosk_name, 1)]


def test_a_station_cannot_ingest_and_a_stranger_cannot_read(central: Central) -> None:
    from psycopg.types.json import Jsonb

    station = central.login("station")
    with psycopg.connect(station, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT facet.ingest_intake(%s)", (Jsonb(_payload()),))
        assert conn.execute("SELECT count(*) FROM facet.intakes").fetchone() == (0,)
    central.sql(f"CREATE ROLE stranger_{central.tag} LOGIN PASSWORD 'not-a-member-1'")
    central.logins.append(f"stranger_{central.tag}")
    stranger = central.server.url_for(f"stranger_{central.tag}", "not-a-member-1", central.dbname)
    with psycopg.connect(stranger, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM facet.intakes")


def test_nobody_changes_the_audit_log_not_even_its_owner(central: Central) -> None:
    central.login("kiosk")  # one audited enrolment
    for query in ("UPDATE facet.audit_log SET actor = 'x'", "DELETE FROM facet.audit_log",
                  "TRUNCATE facet.audit_log", "TRUNCATE facet.kiosk_audit"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            central.sql(query)
    assert central.sql("SELECT count(*) FROM facet.audit_log") == [(1,)]


def test_two_writers_never_fork_the_chain(central: Central) -> None:
    """A straight port of the kiosk's chain (read the last hash, insert after it) forks under two
    writers; the head row's lock makes them queue."""
    station = central.login("station")
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with psycopg.connect(station, autocommit=True) as conn:
                for i in range(n):
                    conn.execute("SELECT facet.audit_append(%s, 'test.write', NULL, '{}')", (f"writer{i}",))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(60,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    conn = db.connect(central.url)
    try:
        assert schema.verify_audit(conn) == (True, 181, "")
    finally:
        conn.close()


def test_a_rolled_back_append_is_not_a_deletion(central: Central) -> None:
    """With an identity column a rolled-back insert leaves a gap the verifier reads as a deleted
    entry; ids come from the head row, so a rollback leaves none."""
    station = central.login("station")
    with psycopg.connect(station) as conn:
        conn.execute("SELECT facet.audit_append('a', 'test.kept', NULL, '{}')")
        conn.commit()
        conn.execute("SELECT facet.audit_append('b', 'test.rolled_back', NULL, '{}')")
        conn.rollback()
        conn.execute("SELECT facet.audit_append('c', 'test.kept', NULL, '{}')")
        conn.commit()
    conn = db.connect(central.url)
    try:
        assert schema.verify_audit(conn) == (True, 3, "")
        central.sql("ALTER TABLE facet.audit_log DISABLE TRIGGER audit_log_no_change")
        central.sql("DELETE FROM facet.audit_log WHERE id = 2")  # the owner removes a guard to delete one
        ok, _, problem = schema.verify_audit(conn)
        assert not ok and "entry 2 is missing" in problem
    finally:
        conn.close()


def test_enrolment_refuses_weak_passwords_bad_names_and_a_kind_change(central: Central) -> None:
    conn = db.connect(central.url)
    try:
        with pytest.raises(ValueError, match="at least 12"):
            schema.enrol(conn, "kiosk_short", "kiosk", "short")
        with pytest.raises(ValueError, match="usable login name"):
            schema.enrol(conn, "Robert'); DROP TABLE x; --", "kiosk", "long-enough-password")
        name = f"k_{central.tag}"
        central.logins.append(name)
        assert schema.enrol(conn, name, "kiosk", "long-enough-password") == "created"
        assert schema.enrol(conn, name, "kiosk", "another-long-password") == "password changed"
        with pytest.raises(ValueError, match="already enrolled as a kiosk"):
            schema.enrol(conn, name, "station", "long-enough-password")
    finally:
        conn.close()


def test_the_password_never_reaches_the_server_in_clear(central: Central, pg_server) -> None:  # type: ignore[no-untyped-def]
    assert schema.scram_verifier("long-enough-password").startswith("SCRAM-SHA-256$4096:")
    url = central.login("kiosk", password="long-enough-password")
    with psycopg.connect(url, autocommit=True) as conn:  # the verifier made here logs in for real
        assert conn.execute("SELECT session_user").fetchone() == (central.logins[-1],)
    (stored,) = central.su_sql("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (central.logins[-1],))[0]
    assert stored.startswith("SCRAM-SHA-256$4096:") and "long-enough-password" not in stored
