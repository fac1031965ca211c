"""The kiosk database's schema: migrations in order, each run once, recorded in ``PRAGMA user_version``."""

from __future__ import annotations

import sqlite3

# Migrations are history: their text never changes. A new status or review decision in
# kiosk.codes needs a new migration for its CHECK (tests/kiosk/test_store.py compares them).
MIGRATIONS: list[str] = [
    # 1: intakes, answers, assessments, audit log
    """
    CREATE TABLE intakes (
        id INTEGER PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'abandoned')),
        language TEXT NOT NULL DEFAULT 'en',
        questionnaire_url TEXT NOT NULL,
        questionnaire_version TEXT NOT NULL,
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        submitted_at TEXT,
        abandoned_at TEXT
    );
    CREATE INDEX intakes_status ON intakes (status, started_at);
    CREATE TABLE answers (
        intake_id INTEGER NOT NULL REFERENCES intakes (id) ON DELETE CASCADE,
        link_id TEXT NOT NULL,
        value_json TEXT NOT NULL,
        answered_at TEXT NOT NULL,
        PRIMARY KEY (intake_id, link_id)
    ) WITHOUT ROWID;
    CREATE TABLE assessments (
        id INTEGER PRIMARY KEY,
        intake_id INTEGER NOT NULL REFERENCES intakes (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        outcome TEXT NOT NULL,
        next_step TEXT,
        region TEXT,
        rulepack_id TEXT NOT NULL,
        rulepack_version TEXT NOT NULL,
        rulepack_sha256 TEXT NOT NULL,
        mode TEXT NOT NULL,
        result_json TEXT NOT NULL
    );
    CREATE INDEX assessments_intake ON assessments (intake_id, id);
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT,
        details_json TEXT NOT NULL DEFAULT '{}',
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    """,
    # 2: staff accounts, reviews, settings; queue columns kept on the intake row so the
    # staff queue pages with one indexed keyset query (see Store._refresh_queue)
    """
    CREATE TABLE staff (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        role TEXT NOT NULL CHECK (role IN ('nurse', 'admin')),
        pin_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        disabled_at TEXT,
        failed_pins INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT
    );
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        intake_id INTEGER NOT NULL REFERENCES intakes (id) ON DELETE CASCADE,
        staff_id INTEGER NOT NULL REFERENCES staff (id),
        at TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN
            ('schedule_evaluation', 'not_appropriate', 'urgent_handled', 'needs_follow_up')),
        note TEXT NOT NULL DEFAULT '',
        disagree INTEGER NOT NULL DEFAULT 0,
        disagree_reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX reviews_intake ON reviews (intake_id, id);
    CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews
        BEGIN SELECT RAISE(ABORT, 'reviews are never changed; record a new one'); END;
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value_json TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
    );
    ALTER TABLE intakes ADD COLUMN given_name TEXT;
    ALTER TABLE intakes ADD COLUMN family_name TEXT;
    ALTER TABLE intakes ADD COLUMN birth_date TEXT;
    ALTER TABLE intakes ADD COLUMN search_name TEXT;
    ALTER TABLE intakes ADD COLUMN outcome TEXT;
    ALTER TABLE intakes ADD COLUMN region TEXT;
    ALTER TABLE intakes ADD COLUMN red_flags INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE intakes ADD COLUMN closed_at TEXT;
    ALTER TABLE intakes ADD COLUMN review_decision TEXT;
    ALTER TABLE intakes ADD COLUMN reviewed_by TEXT;
    ALTER TABLE intakes ADD COLUMN reviewed_at TEXT;
    ALTER TABLE intakes ADD COLUMN queue_rank INTEGER;
    ALTER TABLE intakes ADD COLUMN queue_key INTEGER;
    CREATE INDEX intakes_queue ON intakes (queue_rank, queue_key, id) WHERE queue_rank IS NOT NULL;
    """,
    # 3: the queue's "Why" line (copied from the assessment's summary) and, for an intake left
    # before submit, the red-flag questions answered yes (named by the staff station); the
    # highest intake id ever given, so an id is never reused after a purge (audit entries and
    # exports name intakes by id)
    """
    ALTER TABLE intakes ADD COLUMN why TEXT;
    ALTER TABLE intakes ADD COLUMN red_flag_items TEXT;
    CREATE TABLE id_high_water (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO id_high_water SELECT 'intakes', COALESCE(MAX(id), 0) FROM intakes;
    -- wrong PINs counted per typed name (real or not, so a lockout tells nothing) and per station
    CREATE TABLE signin_throttle (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, locked_until TEXT,
                                  updated_at TEXT NOT NULL);
    -- each audit row's MAC under a key kept outside the database (kiosk/audit.py)
    ALTER TABLE audit_log ADD COLUMN mac TEXT;
    """,
    # 4: the outbox for the clinic's central database (kiosk/ship.py): the transaction that
    # closes an intake queues it; drafts never leave. Intakes closed before are queued too.
    # ship_state keeps the shipper's marks (its first run, the last audit entry sent).
    """
    CREATE TABLE outbox (
        intake_id INTEGER PRIMARY KEY REFERENCES intakes (id) ON DELETE CASCADE,
        queued_at TEXT NOT NULL,
        sent_at TEXT,
        central_id INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    );
    CREATE INDEX outbox_pending ON outbox (intake_id) WHERE sent_at IS NULL;
    INSERT INTO outbox (intake_id, queued_at)
        SELECT id, COALESCE(submitted_at, abandoned_at, updated_at) FROM intakes WHERE status != 'draft';
    CREATE TABLE ship_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 5: delivery to the clinic's EHR over FHIR (kiosk/deliver.py): one row per submitted intake
    # once it was tried; 'refused' (a 4xx) waits for an admin with the server's OperationOutcome
    """
    CREATE TABLE deliveries (
        intake_id INTEGER PRIMARY KEY REFERENCES intakes (id) ON DELETE CASCADE,
        state TEXT NOT NULL CHECK (state IN ('waiting', 'sent', 'refused')),
        at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        location TEXT,
        last_error TEXT,
        outcome_json TEXT
    );
    """,
]


def statements(script: str) -> list[str]:
    """Split a migration into statements (triggers hold ';' inside BEGIN ... END)."""
    out, buf = [], ""
    for line in script.strip().splitlines():
        buf += line + "\n"
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
