"""The documented deployment: TLS with the clinic's own CA, verify-full on every client."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest

from kiosk.central import db, schema
from kiosk.ship import Shipper
from tests import pgcluster
from tests.central.test_ship import NAMES, fill


@pytest.fixture(scope="module")
def tls_server():  # type: ignore[no-untyped-def]
    if pgcluster.bindir() is None or shutil.which("openssl") is None:
        pytest.fail("PostgreSQL and openssl are needed for the TLS test (.ci/setup installs both)")
    folder = Path(tempfile.mkdtemp(prefix="facet-tls-"))
    folder.chmod(0o755)  # the postgres user walks through it to its own folder (pg/, owner-only)
    certs = pgcluster.make_certificates(folder / "certs")
    url = pgcluster.start(folder / "pg", tls=certs)
    yield url, certs, folder
    pgcluster.stop(folder / "pg", "immediate")
    shutil.rmtree(folder, ignore_errors=True)


def _url(url: str, user: str, password: str, dbname: str, query: str) -> str:
    port = url.rsplit(":", 1)[1].split("/")[0]
    return f"postgresql://{user}:{password}@localhost:{port}/{dbname}?{query}"


def test_kiosks_ship_over_verified_tls_and_nothing_else_gets_in(tls_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url, certs, folder = tls_server
    verified = f"sslmode=verify-full&sslrootcert={certs['ca']}"
    with psycopg.connect(_url(url, "postgres", url.split(":")[2].split("@")[0], "postgres", verified),
                         autocommit=True) as su:
        su.execute("CREATE ROLE facet_owner LOGIN CREATEROLE PASSWORD 'owner-password-1'")
        su.execute("CREATE DATABASE facet OWNER facet_owner")
    owner = _url(url, "facet_owner", "owner-password-1", "facet", verified)
    conn = db.connect(owner)
    try:
        schema.migrate(conn)
        schema.enrol(conn, "kiosk_waiting_room", "kiosk", "kiosk-password-1")
        assert conn.info.pgconn.ssl_in_use
    finally:
        conn.close()
    kiosk = _url(url, "kiosk_waiting_room", "kiosk-password-1", "facet", verified)
    local = tmp_path / "k.db"
    fill(local, NAMES[:1])
    assert Shipper(local, kiosk).once() == 0
    plain = _url(url, "kiosk_waiting_room", "kiosk-password-1", "facet", "sslmode=disable")
    with pytest.raises(db.Refused, match=r"pg_hba\.conf"):
        db.connect(plain)  # no TLS, no login
    other_ca = pgcluster.make_certificates(folder / "other")["ca"]
    with pytest.raises(db.Refused, match="certificate"):
        db.connect(_url(url, "kiosk_waiting_room", "kiosk-password-1", "facet",
                        f"sslmode=verify-full&sslrootcert={other_ca}"))  # a server this CA did not sign
