"""Shared fixtures. Qt runs off screen unless QT_QPA_PLATFORM is already set (an Xvfb run)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLES = SHARED / "spec" / "examples"
FHIR_SCHEMA = SHARED / "fhir" / "fhir.schema.json"


def example_names() -> list[str]:
    return sorted(json.loads((EXAMPLES / "expected.json").read_text()))


def load_example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def no_unexpected_errors(request, caplog):  # type: ignore[no-untyped-def]
    """An ERROR log line fails the test unless the test is marked ``logs_errors`` (it provokes one)."""
    yield
    if request.node.get_closest_marker("logs_errors"):
        return
    errors = [f"{r.name}: {r.getMessage()}" for when in ("setup", "call", "teardown")
              for r in caplog.get_records(when) if r.levelno >= logging.ERROR]
    if errors:
        pytest.fail("unexpected ERROR log lines:\n" + "\n".join(errors), pytrace=False)


@pytest.fixture(scope="session")
def questionnaire():  # type: ignore[no-untyped-def]
    from kiosk.questionnaire import default_questionnaire

    return default_questionnaire()


@pytest.fixture(scope="session")
def rulepack(questionnaire):  # type: ignore[no-untyped-def]
    from kiosk.rules import load_rulepack

    return load_rulepack(questionnaire=questionnaire)


@pytest.fixture(scope="session")
def expected() -> dict[str, Any]:
    return json.loads((EXAMPLES / "expected.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "kiosk.db"


# -- PostgreSQL (the clinic's central database) -------------------------------------------------

class PgServer:
    """A running PostgreSQL cluster: its superuser URL and, when these tests started it, its folder."""

    def __init__(self, url: str, folder: Path | None) -> None:
        self.url, self.folder = url, folder

    def url_for(self, user: str, password: str, dbname: str) -> str:
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(self.url)
        return f"postgresql://{user}:{password}@{info['host']}:{info['port']}/{dbname}"


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):  # type: ignore[no-untyped-def]
    """``KIOSK_TEST_PG`` (the cluster .ci/run started), else one started here from Debian's
    PostgreSQL. CI sets ``KIOSK_REQUIRE_PG=1``: there a missing server fails the test, never skips it."""
    url = os.environ.get("KIOSK_TEST_PG")
    if url:
        yield PgServer(url, None)
        return
    from tests import pgcluster

    if pgcluster.bindir() is None:
        if os.environ.get("KIOSK_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL is required here (KIOSK_REQUIRE_PG=1) and neither KIOSK_TEST_PG nor a server")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql), and KIOSK_TEST_PG is not set")
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="facet-pg-"))
    url = pgcluster.start(folder)
    yield PgServer(url, folder)
    pgcluster.stop(folder, "immediate")
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


class Central:
    """A fresh central database for one test, owned by its own login (as docs/deploy.md sets it
    up), migrated; ``login(kind)`` enrols a kiosk or a station and returns its URL."""

    def __init__(self, server: PgServer) -> None:
        import secrets

        import psycopg

        self.server = server
        self.tag = secrets.token_hex(4)
        self.dbname, self.owner, self.password = f"facet_{self.tag}", f"owner_{self.tag}", secrets.token_hex(12)
        self.logins: list[str] = []
        with psycopg.connect(server.url, autocommit=True) as su:
            su.execute(f"CREATE ROLE {self.owner} LOGIN CREATEROLE PASSWORD '{self.password}'")
            su.execute(f"CREATE DATABASE {self.dbname} OWNER {self.owner}")
        self.url = server.url_for(self.owner, self.password, self.dbname)
        from kiosk.central import db, schema

        conn = db.connect(self.url)
        try:
            schema.migrate(conn)
        finally:
            conn.close()

    def login(self, kind: str, name: str | None = None, password: str | None = None) -> str:
        import secrets

        from kiosk.central import db, schema

        name = name or f"{kind}_{self.tag}_{len(self.logins)}"
        password = password or secrets.token_hex(12)
        conn = db.connect(self.url)
        try:
            schema.enrol(conn, name, kind, password)
        finally:
            conn.close()
        self.logins.append(name)
        return self.server.url_for(name, password, self.dbname)

    def sql(self, query: str, args: Any = None) -> list[tuple[Any, ...]]:
        """A query as the owner (what the tests check against)."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            cur = conn.execute(query, args)
            return cur.fetchall() if cur.description else []

    def su_sql(self, query: str, args: Any = None) -> list[tuple[Any, ...]]:
        """A query as the cluster's superuser (pg_stat_activity of every login)."""
        import psycopg

        with psycopg.connect(self.server.url, autocommit=True) as conn:
            cur = conn.execute(query, args)
            return cur.fetchall() if cur.description else []

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.server.url, autocommit=True) as su:
            su.execute(f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")
            for name in [*self.logins, self.owner]:
                su.execute(f"DROP ROLE IF EXISTS {name}")


@pytest.fixture
def central(pg_server):  # type: ignore[no-untyped-def]
    c = Central(pg_server)
    yield c
    c.drop()


# -- a real FHIR R4 server (Medplum, tests/fhir/server.mjs) ------------------------------------

class FhirServer:
    """``node tests/fhir/server.mjs``: ``base`` is its FHIR root; ``stop()`` and ``start()`` keep
    the port (a server that went down and came back)."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env, self.port, self.proc = env or {}, 0, None
        self.start()

    def start(self) -> None:
        import subprocess

        script = ROOT / "tests" / "fhir" / "server.mjs"
        if not (ROOT / "tests" / "fhir" / "node_modules").exists():
            pytest.fail("the test FHIR server is not installed: run bash .ci/setup (npm ci in tests/fhir)")
        self.proc = subprocess.Popen(["node", str(script), str(self.port)], stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, **self.env})
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline().strip())
        self.base = f"http://127.0.0.1:{self.port}/fhir/R4"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def control(self, what: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        import urllib.request

        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/__{what}", method="POST" if body is not None
                                     or what == "reset" else "GET", data=json.dumps(body or {}).encode())
        with urllib.request.urlopen(req, timeout=10) as res:
            return json.loads(res.read())  # type: ignore[no-any-return]

    def search(self, query: str) -> dict[str, Any]:
        import urllib.request

        with urllib.request.urlopen(f"{self.base}/{query}", timeout=10) as res:
            return json.loads(res.read())  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def fhir_server_process():  # type: ignore[no-untyped-def]
    server = FhirServer()
    yield server
    server.stop()


@pytest.fixture
def fhir_server(fhir_server_process):  # type: ignore[no-untyped-def]
    """The session's FHIR server, emptied for this test (and running, if a test stopped it)."""
    if fhir_server_process.proc is None or fhir_server_process.proc.poll() is not None:
        fhir_server_process.start()
    fhir_server_process.control("reset")
    return fhir_server_process
