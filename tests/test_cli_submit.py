"""``main.py submit FILE``: an answers file stored as a submitted intake, as the kiosk would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.store import Store
from tests.conftest import EXAMPLES, example_names
from tests.test_cli import main_py


@pytest.mark.parametrize("name", [n for n in example_names() if n != "s3_incomplete_function"])
def test_submit_stores_each_complete_example_with_its_assessment(tmp_path: Path, expected, name: str) -> None:
    db = tmp_path / "k.db"
    done = main_py("--db", str(db), "submit", str(EXAMPLES / f"{name}.json"))
    assert done.returncode == 0, done.stderr
    intake_id = int(done.stdout.strip())
    assert done.stdout.strip() == str(intake_id)  # the id alone on one line
    with Store(db) as store:
        intake = store.intake(intake_id)
        assert intake is not None and intake.status == "submitted"
        assert store.latest_assessment(intake_id)["outcome"] == expected[name]["lcd"]  # type: ignore[index]
        assert store.outbox_pending() == [intake_id]  # queued for the central database in the same transaction
    listed = json.loads(main_py("--db", str(db), "intakes", "--json").stdout)
    assert [r["outcome"] for r in listed] == [expected[name]["lcd"]]


def test_submit_refuses_a_file_with_required_answers_missing(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    done = main_py("--db", str(db), "submit", str(EXAMPLES / "s3_incomplete_function.json"))
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines and all("required answer missing" in line for line in lines)
    assert "Traceback" not in done.stderr
    if db.exists():
        with Store(db) as store:
            assert store.intakes("submitted") == []


def test_submit_refuses_bad_values_one_line_each(tmp_path: Path) -> None:
    answers = json.loads((EXAMPLES / "s5_daily_aspirin.json").read_text())
    answers.update({"pain.nrs.avg": 11, "pain.mystery": 1})
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(answers))
    done = main_py("--db", str(tmp_path / "k.db"), "submit", str(path))
    assert done.returncode == 2
    assert any("pain.nrs.avg" in line for line in done.stderr.splitlines())
    assert any("pain.mystery" in line for line in done.stderr.splitlines())


def test_submit_in_spanish_keeps_the_language(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    done = main_py("--db", str(db), "submit", str(EXAMPLES / "s5_daily_aspirin.json"), "--lang", "es")
    assert done.returncode == 0, done.stderr
    with Store(db) as store:
        intake = store.intake(int(done.stdout))
        assert intake is not None and intake.language == "es"
