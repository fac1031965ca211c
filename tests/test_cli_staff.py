"""``staff``, ``export`` and ``audit`` as an administrator runs them: real processes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.demo import seed
from kiosk.store import Store
from tests.conftest import ROOT


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          input=stdin, cwd=ROOT, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=120,
                          check=False)


@pytest.fixture
def db(tmp_path, questionnaire, rulepack) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "kiosk.db"
    with Store(path) as store:
        seed(store, questionnaire, rulepack)
    return path


def test_staff_accounts_from_the_command_line(db) -> None:
    done = run("staff", "add", "Ana María", "--role", "admin", "--db", str(db), stdin="482916\n")
    assert done.returncode == 0 and "Created admin account Ana María" in done.stdout, done.stderr
    assert run("staff", "add", "Ana María", "--role", "nurse", "--db", str(db), stdin="564738\n").returncode == 2
    weak = run("staff", "add", "Ben", "--role", "nurse", "--db", str(db), stdin="1234\n")
    assert weak.returncode == 2 and "6 to 8 digits" in weak.stderr and "Traceback" not in weak.stderr
    assert run("staff", "add", "Ben", "--role", "nurse", "--db", str(db), stdin="564738\n").returncode == 0
    assert run("staff", "add", "Eve", "--role", "nurse", "--pin", "564738", "--db", str(db)).returncode == 2  # no argv
    listing = run("staff", "list", "--db", str(db)).stdout
    assert "Ana María" in listing and "admin" in listing and "2 account(s)" in listing and "482916" not in listing
    assert "disabled" in run("staff", "disable", "Ben", "--db", str(db)).stdout
    last_admin = run("staff", "disable", "Ana María", "--db", str(db))
    assert last_admin.returncode == 2 and "last active admin" in last_admin.stderr
    assert run("staff", "reset-pin", "Ben", "--db", str(db), stdin="918273\n").returncode == 0
    stored = sqlite3.connect(db).execute("SELECT group_concat(pin_hash) FROM staff").fetchone()[0]
    assert "482916" not in stored and "918273" not in stored
    with Store(db) as store:
        actions = [r["action"] for r in store.audit_rows(20)]
        assert {"staff.add", "staff.disable", "staff.reset_pin"} <= set(actions)
        assert all(r["actor"].startswith("cli") for r in store.audit_rows(20) if r["action"].startswith("staff."))


def test_export_commands_write_fhir_csv_and_pdf(db, tmp_path) -> None:
    out = tmp_path / "out"
    fhir = run("export", "--format", "fhir", "--out", str(out), "--db", str(db))
    assert fhir.returncode == 0, fhir.stderr
    files = sorted(out.glob("*.fhir.json"))
    assert len(files) == 6  # the six submitted intakes, not the abandoned one
    assert json.loads(files[0].read_text())["status"] == "completed"
    csv_run = run("export", "--format", "csv", "--out", str(out), "--db", str(db))
    assert csv_run.returncode == 0 and (out / "queue.csv").exists()
    pdf = run("export", "--format", "pdf", "--out", str(out), "--intake", "2", "--db", str(db))
    assert pdf.returncode == 0, pdf.stderr
    (path,) = out.glob("*.pdf")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Carter, John" in text and "Urgent review" in text
    missing = run("export", "--format", "fhir", "--out", str(out), "--intake", "7", "--db", str(db))
    assert missing.returncode == 2 and "not submitted" in missing.stderr
    with Store(db) as store:
        actions = [r["action"] for r in store.audit_rows(20)]
    assert actions.count("export.fhir") == 6 and "export.csv" in actions and "export.pdf" in actions
    assert run("export", "--format", "fhir", "--out", str(out), "--db", str(tmp_path / "none.db")).returncode == 3


def test_audit_verify_finds_an_edited_or_deleted_entry(db) -> None:
    ok = run("audit", "verify", "--db", str(db))
    assert ok.returncode == 0 and "Audit log intact: 7 entries" in ok.stdout
    assert "intake.submit" in run("audit", "show", "--db", str(db)).stdout
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER audit_log_no_update")  # what a tamperer with the file would do
    con.execute("UPDATE audit_log SET details_json = '{\"outcome\": \"LIKELY_CANDIDATE\"}' WHERE id = 2")
    con.commit()
    broken = run("audit", "verify", "--db", str(db))
    assert broken.returncode == 1 and "BROKEN at entry 2" in broken.stdout and "changed" in broken.stdout
    con.execute("UPDATE audit_log SET details_json = (SELECT details_json FROM audit_log WHERE id = 3) WHERE id = 2")
    con.execute("DROP TRIGGER audit_log_no_delete")
    con.execute("DELETE FROM audit_log WHERE id = 4")
    con.commit()
    con.close()
    broken = run("audit", "verify", "--db", str(db))
    assert broken.returncode == 1 and "BROKEN at entry 2" in broken.stdout
