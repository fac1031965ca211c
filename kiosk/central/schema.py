"""The central schema, its group roles, and the logins of kiosks and nurse stations.

``migrate(conn)`` brings the ``facet`` schema to the newest version (safe to run again; each
version in its own transaction, recorded in ``facet.meta``). Two group roles:

- ``facet_kiosk``: may call ``facet.ingest_intake`` and ``facet.ingest_audit`` and read the
  settings, nothing else: a kiosk cannot read any intake, not even its own;
- ``facet_station``: reads intakes, answers, assessments, reviews and both audit logs; records
  reviews, staff accounts and settings; appends to the audit log through ``facet.audit_append``.

Audit rows can be neither updated, deleted nor truncated, by anyone (row and statement
triggers, and no grant). The station that took an intake is ``session_user`` inside the ingest
function, never a field of the payload. The central audit chain appends under a lock on its
head row (``facet.audit_head``), so two stations never fork it and a rolled-back append leaves
no gap; :func:`chain_hash` is the same hash in Python, for ``verify_audit``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from typing import Any

KIOSK_ROLE, STATION_ROLE = "facet_kiosk", "facet_station"
KINDS = {"kiosk": KIOSK_ROLE, "station": STATION_ROLE}
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MIN_PASSWORD = 12
GENESIS = "0" * 64

_ROLES = f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{KIOSK_ROLE}') THEN CREATE ROLE {KIOSK_ROLE} NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{STATION_ROLE}') THEN CREATE ROLE {STATION_ROLE} NOLOGIN; END IF;
END $$;
"""

# Migrations are history: their text never changes; a change is a new entry.
MIGRATIONS: list[str] = [
    # 1: closed intakes as the kiosks sent them, with the queue columns; staff, reviews,
    # settings; the central audit chain and the kiosks' own audit entries
    """
    CREATE SCHEMA facet;
    REVOKE ALL ON SCHEMA facet FROM PUBLIC;
    CREATE TABLE facet.meta (key text PRIMARY KEY, value text NOT NULL);
    CREATE TABLE facet.stations (
        name text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('kiosk', 'station')),
        created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE facet.intakes (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        uuid uuid NOT NULL UNIQUE,
        station text NOT NULL,
        local_id bigint NOT NULL,
        status text NOT NULL CHECK (status IN ('submitted', 'abandoned')),
        language text NOT NULL,
        questionnaire_url text NOT NULL,
        questionnaire_version text NOT NULL,
        started_at text NOT NULL,
        updated_at text NOT NULL,
        submitted_at text,
        abandoned_at text,
        received_at timestamptz NOT NULL DEFAULT now(),
        given_name text, family_name text, birth_date text, search_name text,
        outcome text, region text, red_flags integer NOT NULL DEFAULT 0, closed_at text,
        review_decision text, reviewed_by text, reviewed_at text,
        queue_rank integer NOT NULL, queue_key bigint NOT NULL, why text, red_flag_items text
    );
    CREATE INDEX intakes_queue ON facet.intakes (queue_rank, queue_key, id);
    CREATE INDEX intakes_birth ON facet.intakes (birth_date);
    CREATE TABLE facet.answers (
        intake_id bigint NOT NULL REFERENCES facet.intakes (id) ON DELETE CASCADE,
        link_id text NOT NULL,
        value_json text NOT NULL,
        answered_at text NOT NULL,
        PRIMARY KEY (intake_id, link_id)
    );
    CREATE TABLE facet.assessments (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        intake_id bigint NOT NULL REFERENCES facet.intakes (id) ON DELETE CASCADE,
        created_at text NOT NULL, outcome text NOT NULL, next_step text, region text,
        rulepack_id text NOT NULL, rulepack_version text NOT NULL, rulepack_sha256 text NOT NULL,
        mode text NOT NULL, result_json text NOT NULL
    );
    CREATE INDEX assessments_intake ON facet.assessments (intake_id, id);
    CREATE TABLE facet.staff (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('nurse', 'admin')),
        pin_hash text NOT NULL,
        created_at text NOT NULL,
        disabled_at text,
        failed_pins integer NOT NULL DEFAULT 0,
        locked_until text
    );
    CREATE UNIQUE INDEX staff_name ON facet.staff (lower(name));
    CREATE TABLE facet.reviews (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        intake_id bigint NOT NULL REFERENCES facet.intakes (id) ON DELETE CASCADE,
        staff_id bigint NOT NULL REFERENCES facet.staff (id),
        at text NOT NULL,
        decision text NOT NULL CHECK (decision IN
            ('schedule_evaluation', 'not_appropriate', 'urgent_handled', 'needs_follow_up')),
        note text NOT NULL DEFAULT '',
        disagree integer NOT NULL DEFAULT 0,
        disagree_reason text NOT NULL DEFAULT '',
        station text NOT NULL DEFAULT session_user
    );
    CREATE INDEX reviews_intake ON facet.reviews (intake_id, id);
    CREATE TABLE facet.settings (
        key text PRIMARY KEY, value_json text NOT NULL, updated_at text NOT NULL, updated_by text NOT NULL
    );
    CREATE TABLE facet.signin_throttle (
        key text PRIMARY KEY, failures integer NOT NULL, locked_until text, updated_at text NOT NULL
    );
    CREATE TABLE facet.audit_log (
        id bigint PRIMARY KEY,
        at text NOT NULL, actor text NOT NULL, action text NOT NULL, subject text,
        details_json text NOT NULL DEFAULT '{}',
        station text NOT NULL,
        prev_hash text NOT NULL, hash text NOT NULL
    );
    CREATE TABLE facet.audit_head (
        one boolean PRIMARY KEY DEFAULT true CHECK (one), id bigint NOT NULL, hash text NOT NULL
    );
    INSERT INTO facet.audit_head VALUES (true, 0, '0000000000000000000000000000000000000000000000000000000000000000');
    CREATE TABLE facet.kiosk_audit (
        station text NOT NULL,
        local_id bigint NOT NULL,
        at text NOT NULL, actor text NOT NULL, action text NOT NULL, subject text,
        details_json text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL, mac text,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (station, hash)
    );
    CREATE INDEX kiosk_audit_order ON facet.kiosk_audit (station, local_id);

    CREATE FUNCTION facet.append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = '42501'; END $$;
    CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON facet.audit_log
        FOR EACH ROW EXECUTE FUNCTION facet.append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON facet.audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION facet.append_only();
    CREATE TRIGGER kiosk_audit_no_change BEFORE UPDATE OR DELETE ON facet.kiosk_audit
        FOR EACH ROW EXECUTE FUNCTION facet.append_only();
    CREATE TRIGGER kiosk_audit_no_truncate BEFORE TRUNCATE ON facet.kiosk_audit
        FOR EACH STATEMENT EXECUTE FUNCTION facet.append_only();
    CREATE FUNCTION facet.reviews_never_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'reviews are never changed; record a new one' USING ERRCODE = '42501'; END $$;
    CREATE TRIGGER reviews_no_update BEFORE UPDATE ON facet.reviews
        FOR EACH ROW EXECUTE FUNCTION facet.reviews_never_change();

    -- one append to the central chain, under the head row's lock: two writers queue, never fork
    CREATE FUNCTION facet.audit_append(p_actor text, p_action text, p_subject text, p_details text)
    RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = facet, pg_temp AS $$
    DECLARE
        head record;
        stamp text := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') || '+00:00';
        digest text;
    BEGIN
        SELECT id, hash INTO head FROM facet.audit_head WHERE one FOR UPDATE;
        digest := encode(sha256(convert_to(concat_ws(chr(31), head.hash, stamp, p_actor, p_action,
                  coalesce('s' || p_subject, 'n'), p_details, session_user::text), 'UTF8')), 'hex');
        INSERT INTO facet.audit_log (id, at, actor, action, subject, details_json, station, prev_hash, hash)
            VALUES (head.id + 1, stamp, p_actor, p_action, p_subject, p_details, session_user, head.hash, digest);
        UPDATE facet.audit_head SET id = head.id + 1, hash = digest WHERE one;
        RETURN head.id + 1;
    END $$;

    -- a kiosk's one way in: a closed intake, stored once by its uuid (a re-send changes nothing)
    CREATE FUNCTION facet.ingest_intake(p jsonb) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = facet, pg_temp AS $$
    DECLARE
        me text := session_user;
        q jsonb := p -> 'queue';
        new_id bigint;
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM facet.stations WHERE name = me AND kind = 'kiosk') THEN
            RAISE EXCEPTION 'the login % is not an enrolled kiosk', me USING ERRCODE = '42501';
        END IF;
        SELECT id INTO new_id FROM facet.intakes WHERE uuid = (p ->> 'uuid')::uuid;
        IF FOUND THEN RETURN new_id; END IF;
        INSERT INTO facet.intakes (uuid, station, local_id, status, language, questionnaire_url,
            questionnaire_version, started_at, updated_at, submitted_at, abandoned_at, given_name, family_name,
            birth_date, search_name, outcome, region, red_flags, closed_at, queue_rank, queue_key, why, red_flag_items)
        VALUES ((p ->> 'uuid')::uuid, me, (p ->> 'local_id')::bigint, p ->> 'status', p ->> 'language',
            p ->> 'questionnaire_url', p ->> 'questionnaire_version', p ->> 'started_at', p ->> 'updated_at',
            p ->> 'submitted_at', p ->> 'abandoned_at', q ->> 'given_name', q ->> 'family_name', q ->> 'birth_date',
            q ->> 'search_name', q ->> 'outcome', q ->> 'region', coalesce((q ->> 'red_flags')::integer, 0),
            q ->> 'closed_at', (q ->> 'queue_rank')::integer, (q ->> 'queue_key')::bigint, q ->> 'why',
            q ->> 'red_flag_items')
        ON CONFLICT (uuid) DO NOTHING
        RETURNING id INTO new_id;
        IF new_id IS NULL THEN  -- another session stored it a moment ago
            SELECT id INTO new_id FROM facet.intakes WHERE uuid = (p ->> 'uuid')::uuid;
            RETURN new_id;
        END IF;
        INSERT INTO facet.answers (intake_id, link_id, value_json, answered_at)
            SELECT new_id, a ->> 'link_id', a ->> 'value_json', a ->> 'answered_at'
            FROM jsonb_array_elements(p -> 'answers') a;
        INSERT INTO facet.assessments (intake_id, created_at, outcome, next_step, region, rulepack_id,
            rulepack_version, rulepack_sha256, mode, result_json)
            SELECT new_id, a ->> 'created_at', a ->> 'outcome', a ->> 'next_step', a ->> 'region', a ->> 'rulepack_id',
                   a ->> 'rulepack_version', a ->> 'rulepack_sha256', a ->> 'mode', a ->> 'result_json'
            FROM jsonb_array_elements(p -> 'assessments') WITH ORDINALITY AS t (a, n) ORDER BY n;
        PERFORM facet.audit_append(me, 'intake.receive', 'intake:' || new_id,
            jsonb_build_object('uuid', p ->> 'uuid', 'status', p ->> 'status', 'local_id', (p ->> 'local_id')::bigint)::text);
        PERFORM pg_notify('facet_intake', new_id::text);
        RETURN new_id;
    END $$;

    -- a kiosk's audit entries, each kept once (by its hash), in the kiosk's order
    CREATE FUNCTION facet.ingest_audit(p jsonb) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = facet, pg_temp AS $$
    DECLARE
        me text := session_user;
        added integer;
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM facet.stations WHERE name = me AND kind = 'kiosk') THEN
            RAISE EXCEPTION 'the login % is not an enrolled kiosk', me USING ERRCODE = '42501';
        END IF;
        INSERT INTO facet.kiosk_audit (station, local_id, at, actor, action, subject, details_json, prev_hash, hash, mac)
            SELECT me, (r ->> 'id')::bigint, r ->> 'at', r ->> 'actor', r ->> 'action', r ->> 'subject',
                   r ->> 'details_json', r ->> 'prev_hash', r ->> 'hash', r ->> 'mac'
            FROM jsonb_array_elements(p) r
        ON CONFLICT (station, hash) DO NOTHING;
        GET DIAGNOSTICS added = ROW_COUNT;
        RETURN added;
    END $$;

    REVOKE ALL ON ALL TABLES IN SCHEMA facet FROM PUBLIC;
    REVOKE ALL ON ALL FUNCTIONS IN SCHEMA facet FROM PUBLIC;
    """,
    # 2: delivery to the clinic's EHR over FHIR, run with a station login (kiosk/deliver.py)
    """
    CREATE TABLE facet.deliveries (
        intake_id bigint PRIMARY KEY REFERENCES facet.intakes (id) ON DELETE CASCADE,
        state text NOT NULL CHECK (state IN ('waiting', 'sent', 'refused')),
        at text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        location text,
        last_error text,
        outcome_json text,
        station text NOT NULL DEFAULT session_user
    );
    REVOKE ALL ON facet.deliveries FROM PUBLIC;
    """,
]

# Grants are re-applied by every migrate (a fresh role, a table added later): they are state,
# not history.
GRANTS = f"""
GRANT USAGE ON SCHEMA facet TO {KIOSK_ROLE}, {STATION_ROLE};
GRANT EXECUTE ON FUNCTION facet.ingest_intake(jsonb), facet.ingest_audit(jsonb) TO {KIOSK_ROLE};
GRANT SELECT ON facet.settings TO {KIOSK_ROLE};
GRANT SELECT ON facet.intakes, facet.answers, facet.assessments, facet.reviews, facet.staff, facet.settings,
    facet.audit_log, facet.audit_head, facet.kiosk_audit, facet.stations, facet.meta, facet.signin_throttle
    TO {STATION_ROLE};
GRANT UPDATE (review_decision, reviewed_by, reviewed_at, queue_rank, queue_key) ON facet.intakes TO {STATION_ROLE};
GRANT INSERT ON facet.reviews TO {STATION_ROLE};
GRANT INSERT, UPDATE ON facet.staff, facet.settings TO {STATION_ROLE};
GRANT INSERT, UPDATE, DELETE ON facet.signin_throttle TO {STATION_ROLE};
GRANT EXECUTE ON FUNCTION facet.audit_append(text, text, text, text) TO {STATION_ROLE};
GRANT SELECT, INSERT, UPDATE ON facet.deliveries TO {STATION_ROLE};
"""


def current_version(conn: Any) -> int:
    row = conn.execute("SELECT to_regclass('facet.meta') IS NOT NULL").fetchone()
    if not row[0]:
        return 0
    row = conn.execute("SELECT value FROM facet.meta WHERE key = 'schema'").fetchone()
    return int(row[0]) if row else 0


class SchemaError(RuntimeError):
    pass


def migrate(conn: Any) -> tuple[int, int]:
    """Create or migrate; returns (version before, version now). ``conn`` is autocommit and
    logged in as the database's owner (a login with CREATEROLE, for the group roles)."""
    before = current_version(conn)
    if before > len(MIGRATIONS):
        raise SchemaError(f"The central database has schema {before}, newer than this program knows "
                          f"({len(MIGRATIONS)}). Update this program; nothing was changed.")
    conn.execute(_ROLES)
    for version in range(before + 1, len(MIGRATIONS) + 1):
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('facet.migrate'))")  # two migrates queue
            if current_version(conn) >= version:
                continue
            conn.execute(MIGRATIONS[version - 1])
            conn.execute("INSERT INTO facet.meta VALUES ('schema', %s) ON CONFLICT (key) DO UPDATE"
                         " SET value = excluded.value", (str(version),))
    with conn.transaction():
        conn.execute(GRANTS)
    return before, len(MIGRATIONS)


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores, made here so the password itself never
    reaches the server (nor its statement log)."""
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = base64.b64encode
    return f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}${b64(stored_key).decode()}:{b64(server_key).decode()}"


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"the password must be at least {MIN_PASSWORD} characters"
    if not password.isascii() or not password.isprintable():
        return "the password must be printable ASCII (letters, digits, punctuation)"
    return None


def enrol(conn: Any, name: str, kind: str, password: str) -> str:
    """Create the login ``name`` in the kiosk or station group (or set a new password for an
    existing login of the same kind). Returns "created" or "password changed"."""
    from psycopg import sql

    if not NAME.match(name):
        raise ValueError(f"{name!r} is not a usable login name: lower-case letters, digits and _, "
                         "starting with a letter, at most 63 characters")
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    verifier = sql.Literal(scram_verifier(password))
    with conn.transaction():
        row = conn.execute("SELECT kind FROM facet.stations WHERE name = %s", (name,)).fetchone()
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is not None
        if row is not None and row[0] != kind:
            raise ValueError(f"{name} is already enrolled as a {row[0]}; choose another name")
        if exists and row is None:
            raise ValueError(f"a database login {name} exists that is not one of this clinic's machines; "
                             "choose another name")
        if exists:
            conn.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(sql.Identifier(name), verifier))
            result = "password changed"
        else:
            conn.execute(sql.SQL("CREATE ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {} IN ROLE {}")
                         .format(sql.Identifier(name), verifier, sql.Identifier(KINDS[kind])))
            conn.execute("INSERT INTO facet.stations (name, kind) VALUES (%s, %s)", (name, kind))
            result = "created"
        conn.execute("SELECT facet.audit_append(%s, %s, %s, %s)",
                     ("admin", f"{kind}.enrol", f"login:{name}", json.dumps({"result": result})))
    return result


def chain_hash(prev: str, at: str, actor: str, action: str, subject: str | None, details: str, station: str) -> str:
    """facet.audit_append's hash, in Python."""
    text = "\x1f".join([prev, at, actor, action, "n" if subject is None else "s" + subject, details, station])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verify_audit(conn: Any) -> tuple[bool, int, str]:
    """Walk the central chain: (ok, rows, the first problem)."""
    from psycopg.rows import tuple_row

    prev, last, count = GENESIS, 0, 0
    cur = conn.cursor(row_factory=tuple_row)
    cur.execute("SELECT id, at, actor, action, subject, details_json, station, prev_hash, hash"
                " FROM facet.audit_log ORDER BY id")
    for row in cur:
        count += 1
        rid, at, actor, action, subject, details, station, prev_hash, digest = row
        if rid != last + 1:
            return False, count, f"entry {last + 1} is missing (deleted)"
        if prev_hash != prev:
            return False, count, f"entry {rid} does not link to the entry before it (the chain forked)"
        if chain_hash(prev, at, actor, action, subject, details, station) != digest:
            return False, count, f"entry {rid} was changed after it was written"
        prev, last = digest, rid
    head = cur.execute("SELECT id, hash FROM facet.audit_head").fetchone()
    if head is not None and (head[0], head[1]) != (last, prev):
        return False, count, f"the head says entry {head[0]}, the log ends at {last}"
    return True, count, ""
