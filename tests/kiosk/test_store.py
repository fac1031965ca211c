"""The SQLite store with real files: durability, two connections, migrations, audit chain."""

from __future__ import annotations

import json
import os
import sqlite3
import stat

import pytest

from kiosk.store import MIGRATIONS, NewerSchema, NotADatabase, Replaced, Store, StoreError

URL, VERSION = "https://example.org/Questionnaire/x", "1.0.0"
ASSESSMENT = {"outcome": "NOT_YET", "next_step": None, "region": "lumbar",
              "rulepack": {"id": "p", "version": "1", "sha256": "0" * 64, "mode": "lcd"}}


def test_answers_survive_close_and_reopen(db_path) -> None:
    with Store(db_path) as store:
        intake = store.start_intake(URL, VERSION, "es")
        store.save_answer(intake, "pain.nrs.avg", 7)
        store.save_answer(intake, "pain.map", ["neck", "foot_l"])
        store.save_answer(intake, "patient.given", "José")
        store.save_answer(intake, "pain.nrs.avg", 8)  # upsert
    with Store(db_path) as store:
        assert store.answers(intake) == {"pain.nrs.avg": 8, "pain.map": ["neck", "foot_l"], "patient.given": "José"}
        record = store.intake(intake)
        assert record is not None
        assert (record.status, record.language, record.questionnaire_version) == ("draft", "es", VERSION)


def test_a_second_connection_sees_committed_answers(db_path) -> None:
    kiosk, staff = Store(db_path), Store(db_path)
    try:
        intake = kiosk.start_intake(URL, VERSION)
        kiosk.save_answer(intake, "consent", True)
        assert staff.answers(intake) == {"consent": True}
        kiosk.save_answer(intake, "consent", None)
        assert staff.answers(intake) == {}
    finally:
        kiosk.close()
        staff.close()


def test_answers_are_durable_without_close(db_path, tmp_path) -> None:
    """A process that dies without closing keeps every committed answer (WAL, synchronous=FULL)."""
    import subprocess
    import sys

    script = (
        "import os, sys; sys.path.insert(0, sys.argv[2]);"
        "from kiosk.store import Store;"
        "s = Store(sys.argv[1]); i = s.start_intake('u', '1');"
        "[s.save_answer(i, f'q{n}', n) for n in range(20)];"
        "os._exit(9)"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run([sys.executable, "-c", script, str(db_path), root], check=False)
    assert done.returncode == 9
    with Store(db_path) as store:
        assert store.answers(1) == {f"q{n}": n for n in range(20)}


def test_migrates_an_empty_file_and_sets_pragmas(db_path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.touch()
    with Store(db_path) as store:
        assert store.schema_version() == len(MIGRATIONS)
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        assert store.integrity() == ["ok"]


def test_new_database_and_folder_are_owner_only(db_path) -> None:
    Store(db_path).close()
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(db_path.parent).st_mode) == 0o700


def test_newer_schema_is_refused_untouched(db_path) -> None:
    Store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(StoreError) as info:
        Store(db_path)
    assert isinstance(info.value, NewerSchema)
    assert db_path.read_bytes() == before


def test_not_a_database_is_refused_untouched(tmp_path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError) as info:
        Store(path)
    assert isinstance(info.value, NotADatabase) and "not a kiosk database" in str(info.value)
    assert path.read_bytes() == b"this is not sqlite" * 100


def test_missing_database_without_create(tmp_path) -> None:
    with pytest.raises(StoreError) as info:
        Store(tmp_path / "nope.db", create=False)
    assert info.value.kind == "not_found"
    assert not (tmp_path / "nope.db").exists()


def _complete(questionnaire):  # type: ignore[no-untyped-def]
    from kiosk.answers import validate_answers
    from kiosk.demo import sample_answers

    clean, problems = validate_answers(questionnaire, sample_answers())
    assert problems == []
    return clean


def test_submit_stores_assessment_and_closes_the_draft(db_path, questionnaire) -> None:  # type: ignore[no-untyped-def]
    answers = _complete(questionnaire)
    with Store(db_path) as store:
        intake = store.start_intake(questionnaire.url, questionnaire.version)
        for link_id, value in answers.items():
            store.save_answer(intake, link_id, value)
        store.save_answer(intake, "stale", 2)
        store.submit(intake, ASSESSMENT, answers=answers, questionnaire=questionnaire)
        assert store.answers(intake) == answers  # "stale" was not in the final set
        assert store.latest_assessment(intake) == ASSESSMENT
        record = store.intake(intake)
        assert record is not None and record.status == "submitted" and record.submitted_at
        with pytest.raises(StoreError) as info:
            store.save_answer(intake, "pain.nrs.avg", 3)
        assert info.value.kind == "closed"
        assert store.answers(intake) == answers


def test_the_store_refuses_a_submit_with_required_answers_missing(db_path, questionnaire) -> None:  # type: ignore[no-untyped-def]
    """Whoever calls it: the wizard never would, the layers below must not either."""
    from kiosk.store import Incomplete

    answers = _complete(questionnaire)
    answers.pop("pain.nrs.avg")
    answers.pop("consent")
    with Store(db_path) as store:
        intake = store.start_intake(questionnaire.url, questionnaire.version)
        for link_id, value in answers.items():
            store.save_answer(intake, link_id, value)
        with pytest.raises(Incomplete) as info:
            store.submit(intake, ASSESSMENT, answers=answers, questionnaire=questionnaire)
        assert set(info.value.missing) == {"pain.nrs.avg", "consent"} and info.value.kind == "incomplete"
        record = store.intake(intake)
        assert record is not None and record.status == "draft" and store.latest_assessment(intake) is None
        assert store.answers(intake) == answers and store.outbox_pending() == []  # nothing changed
        other = store.start_intake("https://elsewhere.invalid/Questionnaire/x", "1")
        with pytest.raises(Incomplete, match="was started on"):
            store.submit(other, ASSESSMENT, questionnaire=questionnaire)


def test_abandon_and_stale_drafts(db_path) -> None:
    with Store(db_path) as store:
        first, second = store.start_intake(URL, VERSION), store.start_intake(URL, VERSION)
        store.save_answer(first, "rf.fever", "yes")
        assert store.abandon(first) is True
        assert store.abandon(first) is False
        assert store.abandon_stale_drafts() == [second]
        assert [i.status for i in store.intakes()] == ["abandoned", "abandoned"]
        assert store.answers(first) == {"rf.fever": "yes"}  # kept for staff


def test_audit_chain_verifies_and_detects_tampering(db_path) -> None:
    with Store(db_path) as store:
        for n in range(5):
            store.audit("nurse:ana", "intake.view", f"intake:{n}", {"n": n})
        check = store.verify_audit()
        assert check.ok and check.rows == 5
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit_log SET actor = 'x' WHERE id = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE id = 2")
    conn.close()
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET details_json = '{\"n\": 9}' WHERE id = 3")
    conn.commit()
    conn.close()
    with Store(db_path) as store:
        check = store.verify_audit()
        assert not check.ok and check.first_bad_id == 3


def test_audit_detects_a_deleted_row(db_path) -> None:
    with Store(db_path) as store:
        for n in range(4):
            store.audit("kiosk", "x", None, {"n": n})
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE id = 2")
    conn.commit()
    conn.close()
    with Store(db_path) as store:
        check = store.verify_audit()
        assert not check.ok and check.first_bad_id == 2


def test_check_constraints_hold_exactly_the_product_codes(db_path) -> None:
    """The schema's CHECK lists and kiosk.codes must not drift apart (a migration is needed for a new code)."""
    import re

    from kiosk.codes import IntakeStatus, ReviewDecision, values

    with Store(db_path) as store:
        sql = " ".join(r[0] for r in store.conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"))
    for column, enum in (("status", IntakeStatus), ("decision", ReviewDecision)):
        listed = re.search(rf"{column} TEXT NOT NULL CHECK \({column} IN\s*\(([^)]*)\)", sql)
        assert listed is not None
        assert tuple(re.findall(r"'([^']+)'", listed.group(1))) == values(enum)


def test_migration_3_fills_the_why_of_intakes_already_closed(db_path, questionnaire, rulepack) -> None:
    """A database from before the queue's Why column gets it filled from each stored summary."""
    import sqlite3

    from kiosk.rules import assess
    from kiosk.store import MIGRATIONS, statements
    from tests.conftest import load_example

    db_path.parent.mkdir(parents=True)
    con = sqlite3.connect(db_path)
    for script in MIGRATIONS[:2]:
        for statement in statements(script):
            con.execute(statement)
    con.execute("PRAGMA user_version = 2")
    con.commit()
    con.close()
    answers = load_example("s2_thoracic_short_care")
    result = assess(rulepack, questionnaire, answers).to_json()
    con = sqlite3.connect(db_path)
    at = "2026-11-20T10:00:00.000+00:00"
    con.execute("INSERT INTO intakes (id, uuid, status, questionnaire_url, questionnaire_version, started_at, updated_at,"
                " submitted_at) VALUES (1, 'u-1', 'submitted', ?, ?, ?, ?, ?)",
                (questionnaire.url, questionnaire.version, at, at, at))
    con.executemany("INSERT INTO answers VALUES (1, ?, ?, ?)", [(k, json.dumps(v), at) for k, v in answers.items()])
    con.execute("INSERT INTO assessments (intake_id, created_at, outcome, next_step, region, rulepack_id,"
                " rulepack_version, rulepack_sha256, mode, result_json) VALUES (1, ?, ?, ?, ?, 'p', '1.1.0', 'x', 'lcd', ?)",
                (at, result["outcome"], result["next_step"], result["region"], json.dumps(result)))
    con.commit()
    con.close()
    with Store(db_path) as store:
        assert store.schema_version() == len(MIGRATIONS)
        row = store.queue_row(1)
        assert row is not None and row.why == "8 of 12 weeks of care" and row.outcome == "NOT_YET"


def test_an_answer_that_failed_to_save_is_not_assessed(db_path, questionnaire, rulepack) -> None:
    """The disk refuses one save; the patient carries on; the assessment reads what is stored."""
    from kiosk.session import IntakeSession
    from tests.conftest import load_example

    with Store(db_path) as store:
        session = IntakeSession(store, questionnaire, rulepack)
        for link_id, value in load_example("s5_daily_aspirin").items():
            assert session.answer(link_id, value) is None
        store.conn.execute("PRAGMA query_only = ON")  # the next write fails, as on a failing disk
        with pytest.raises(StoreError):
            session.answer("pain.nrs.avg", 2)
        assert session.answers["pain.nrs.avg"] == 7  # not counted: it was never stored
        store.conn.execute("PRAGMA query_only = OFF")
        result = session.submit()
        p1 = next(f for f in result.findings if f.rule == "P1")
        assert p1.inputs == {"pain.nrs.avg": 7} and result.outcome == "CANDIDATE_WITH_PRECAUTIONS"
        assert store.answers(session.intake_id)["pain.nrs.avg"] == 7  # type: ignore[arg-type]


@pytest.mark.parametrize("how", ["file replaced", "wal deleted"])
def test_a_database_swapped_or_a_wal_deleted_under_a_running_store_is_noticed(db_path, tmp_path, how) -> None:
    """Issue 11, item 5: answers must not go on into an unlinked file."""
    with Store(db_path) as store:
        intake = store.start_intake("u", "1")
        store.save_answer(intake, "consent", True)
        if how == "file replaced":
            other = tmp_path / "other.db"
            Store(other).close()
            os.replace(other, db_path)  # a restore or a sync tool copying over the live file
        else:
            os.unlink(f"{db_path}-wal")
        with pytest.raises(StoreError) as err:
            store.save_answer(intake, "patient.given", "Ana")
        assert isinstance(err.value, Replaced)
        assert "was replaced or its journal (-wal) removed while the program was running" in str(err.value)
        with pytest.raises(StoreError):  # and it stays refused: nothing more goes to the old file
            store.start_intake("u", "1")


def _recompute_chain(conn: sqlite3.Connection) -> None:
    """What an attacker with the file, but not the key, can do: renumber and re-hash every row."""
    from kiosk.store import GENESIS, chain_hash

    rows = conn.execute("SELECT id, at, actor, action, subject, details_json FROM audit_log ORDER BY id").fetchall()
    conn.execute("DELETE FROM audit_log")
    prev = GENESIS
    for n, (_id, at, actor, action, subject, details) in enumerate(rows, start=1):
        digest = chain_hash(prev, at, actor, action, subject, details)
        conn.execute("INSERT INTO audit_log (id, at, actor, action, subject, details_json, prev_hash, hash, mac)"
                     " SELECT ?, ?, ?, ?, ?, ?, ?, ?, mac FROM (SELECT ? AS mac)",
                     (n, at, actor, action, subject, details, prev, digest, None))
        prev = digest


def _tamper(db_path, *statements: str, recompute: bool = False, keep_triggers: bool = False) -> None:  # type: ignore[no-untyped-def]
    conn = sqlite3.connect(db_path)
    for trigger in ("audit_log_no_update", "audit_log_no_delete", "reviews_no_update"):
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for statement in statements:
        conn.execute(statement)
    if recompute:
        _recompute_chain(conn)
    if keep_triggers:  # put the guards back, as a careful attacker would
        from kiosk.store import MIGRATIONS, statements

        for statement in statements(MIGRATIONS[0] + MIGRATIONS[1]):
            if statement.lstrip().startswith("CREATE TRIGGER"):
                conn.execute(statement)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(("attack", "statements", "recompute", "reason"), [
    ("delete the newest entries", ["DELETE FROM audit_log WHERE id > 6"], False, "the newest entries were removed"),
    ("delete what a backup holds", ["DELETE FROM audit_log WHERE id > 4"], False, "the newest entries were removed"),
    ("delete entries and recompute the chain", ["DELETE FROM audit_log WHERE id IN (3, 4)"], True,
     "does not carry the key's MAC"),
    ("rewrite a review and recompute", ["UPDATE audit_log SET details_json = "
                                        "'{\"decision\": \"not_appropriate\", \"disagree\": false}'"
                                        " WHERE action = 'intake.review'",
                                        "UPDATE reviews SET decision = 'not_appropriate'"], True,
     "does not carry the key's MAC"),
])
def test_rewriting_the_audit_log_is_evident(db_path, attack, statements, recompute, reason) -> None:
    """Issue 11, item 11: each of these passed `audit verify` before the chain was keyed."""
    from kiosk.maintenance import daily_backup
    from kiosk.staff import Accounts

    with Store(db_path) as store:
        nurse = Accounts(store).add("Ana", "nurse", "482916", "test").id
        intake = store.start_intake("u", "1")
        store.abandon(intake)
        store.add_review(intake, nurse, "urgent_handled")
        for n in range(3):
            store.audit("kiosk", "intake.view", f"intake:{intake}", {"n": n})
        assert store.verify_audit().ok
        daily_backup(store)  # the day's witness
        store.audit("kiosk", "intake.view", f"intake:{intake}", {"n": 3})
    _tamper(db_path, *statements, recompute=recompute, keep_triggers=True)
    with Store(db_path, create=False) as store:
        check = store.verify_audit()
    assert not check.ok and reason in check.reason, (attack, check)


def test_dropped_append_only_guards_are_reported(db_path) -> None:
    with Store(db_path) as store:
        store.audit("kiosk", "x", None, {})
    _tamper(db_path)
    with Store(db_path, create=False) as store:
        check = store.verify_audit()
    assert not check.ok and "the append-only guard audit_log_no_update was removed" in check.reason


def test_the_audit_key_is_owner_only_outside_the_database_and_travels_with_backups(db_path, tmp_path) -> None:
    from kiosk import audit

    with Store(db_path) as store:
        store.audit("kiosk", "x", None, {})
        key = audit.key_path(db_path)
        assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"
        assert key.read_bytes() not in db_path.read_bytes()
        copy = store.backup(tmp_path / "usb" / "copy.db")
    assert audit.key_path(copy).read_bytes() == key.read_bytes()
    with Store(copy) as backup:
        assert backup.verify_audit().ok
    audit.key_path(copy).unlink()
    with Store(copy) as backup:
        check = backup.verify_audit()
    assert not check.ok and "audit key" in check.reason and "is missing" in check.reason


def test_the_backups_witness_a_cut_even_without_the_head_record(db_path) -> None:
    from kiosk import audit
    from kiosk.maintenance import daily_backup

    with Store(db_path) as store:
        for n in range(5):
            store.audit("kiosk", "x", None, {"n": n})
        daily_backup(store)
    _tamper(db_path, "DELETE FROM audit_log WHERE id > 3", keep_triggers=True)
    audit.head_path(db_path).unlink()  # the attacker removes the signed head as well
    with Store(db_path, create=False) as store:
        check = store.verify_audit()
    assert not check.ok and "holds entry 5, the live log ends at 3" in check.reason
