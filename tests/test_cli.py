"""The command line as other tools use it: real processes, stdout, stderr and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, SHARED, example_names


def main_py(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=60, check=False)


@pytest.mark.parametrize("name", example_names())
def test_assess_examples(expected, name: str) -> None:
    done = main_py("assess", str(EXAMPLES / f"{name}.json"))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["outcome"] == expected[name]["lcd"]
    assert done.stderr == ""


def test_mode_flag_wins_over_the_file(tmp_path: Path) -> None:
    answers = json.loads((EXAMPLES / "s4_pacemaker_rfa_workup.json").read_text())
    answers.update({"inj.mbb.count": 1, "_mode": "lcd"})
    answers.pop("inj.mbb.prev_relief")
    path = tmp_path / "a.json"
    path.write_text(json.dumps(answers))
    assert json.loads(main_py("assess", str(path)).stdout)["next_step"] == "confirmatory_block"
    out = json.loads(main_py("assess", str(path), "--mode", "guideline").stdout)
    assert out["next_step"] == "rfa_workup" and out["rulepack"]["mode"] == "guideline"


def test_bad_input_gives_one_line_per_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"pain.nrs.avg": 11, "pain.mystery": 1, "pain.region": 3, "consent": True}))
    done = main_py("assess", str(path))
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 3
    assert any("pain.nrs.avg" in line and "out of range 0-10" in line for line in lines)
    assert any("pain.mystery" in line and "unknown linkId" in line for line in lines)
    assert any("pain.region" in line for line in lines)
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("content", "fragment"), [
    (None, "cannot read"), ("{not json", "not valid JSON"), ("[1, 2]", "JSON object"),
    ('{"resourceType": "Patient"}', "not a QuestionnaireResponse"), (b"\xff\xfe\x00", "not UTF-8")])
def test_unreadable_files(tmp_path: Path, content: str | bytes | None, fragment: str) -> None:
    path = tmp_path / "x.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    done = main_py("assess", str(path))
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert fragment in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_broken_rule_pack_is_a_clear_message(tmp_path: Path) -> None:
    pack = tmp_path / "pack.json"
    pack.write_text('{"id": "x"}')
    done = main_py("assess", str(EXAMPLES / "s1_fibromyalgia.json"), "--rules", str(pack))
    assert done.returncode == 3 and "Traceback" not in done.stderr and "pack.json" in done.stderr


def test_questionnaire_response_file(tmp_path: Path, questionnaire) -> None:
    from kiosk.answers import to_questionnaire_response

    answers = json.loads((EXAMPLES / "s7_fever_unsure.json").read_text())
    path = tmp_path / "qr.json"
    path.write_text(json.dumps(to_questionnaire_response(questionnaire, answers)))
    done = main_py("assess", str(path))
    assert done.returncode == 0 and json.loads(done.stdout)["outcome"] == "URGENT_REVIEW"


def test_intakes_json(tmp_path: Path) -> None:
    from kiosk.answers import validate_answers
    from kiosk.demo import sample_answers
    from kiosk.questionnaire import default_questionnaire
    from kiosk.store import Store

    q = default_questionnaire()
    db = tmp_path / "k.db"
    with Store(db) as store:
        first = store.start_intake(q.url, q.version)
        store.save_answer(first, "pain.nrs.avg", 6)
        second = store.start_intake(q.url, q.version)
        complete, _ = validate_answers(q, sample_answers())
        for link_id, value in complete.items():
            store.save_answer(second, link_id, value)
        store.submit(second, {"outcome": "NOT_YET", "next_step": "first_diagnostic_block",
                              "rulepack": {"id": "p", "version": "1", "sha256": "0", "mode": "lcd"}}, questionnaire=q)
    done = main_py("intakes", "--json", "--db", str(db))
    rows = json.loads(done.stdout)
    assert [(r["id"], r["status"], r["outcome"]) for r in rows] == [(1, "draft", None), (2, "submitted", "NOT_YET")]
    assert rows[0]["answers"] == {"pain.nrs.avg": 6}
    assert set(rows[0]) >= {"id", "status", "started_at", "submitted_at", "outcome", "next_step", "answers"}
    only = json.loads(main_py("intakes", "--status", "submitted", "--json", env={"KIOSK_DB": str(db)}).stdout)
    assert [r["id"] for r in only] == [2]


def test_intakes_on_a_missing_database_says_so(tmp_path: Path) -> None:
    done = main_py("intakes", "--json", "--db", str(tmp_path / "none.db"))
    assert done.returncode == 3 and "no database" in done.stderr and "Traceback" not in done.stderr


def test_check_examples_tool_passes() -> None:
    tool = SHARED / "tools" / "check-examples"
    done = subprocess.run([sys.executable, str(tool), "--python", sys.executable], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 failed" in done.stdout


@pytest.mark.parametrize(("args", "hint"), [
    (["--windowed"], " main.py --windowed"),
    (["--demo"], " main.py --demo"),  # the demo again, not the real database
    (["staff"], " main.py staff"),  # the staff station's own command, not the kiosk's
])
def test_without_a_display_each_command_says_how_to_run_it(args, hint) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "main.py", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=60, check=False)
    assert done.returncode != 0 and "no display" in done.stderr, done.stderr
    python = os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT)) else sys.executable
    assert f"xvfb-run -a {python}{hint}\n" in done.stderr  # a command that exists on a fresh machine
    assert " python main.py" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(("where", "code"), [("answers", 2), ("--rules", 3), ("--questionnaire", 3)])
@pytest.mark.parametrize("nesting", ["[" * 5000 + "]" * 5000, '{"a": ' * 200 + "1" + "}" * 200])
def test_deeply_nested_json_is_named_not_a_crash(tmp_path, where, code, nesting) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text(nesting)
    example = str(EXAMPLES / "s1_fibromyalgia.json")
    args = ["assess", str(deep)] if where == "answers" else ["assess", example, where, str(deep)]
    done = main_py(*args)
    assert done.returncode == code and done.stdout == ""
    assert done.stderr.strip() == f"assess: {deep}: nested more than 64 levels deep"


def test_exports_are_owner_only_and_never_write_through_a_planted_symlink(tmp_path) -> None:
    """An attacker with write access to the export folder plants symlinks where the files will
    go; umask is 000. Every export still lands in a new 0600 file in 0700 folders, and the
    files the links point at are untouched."""
    from kiosk.demo import seed
    from kiosk.questionnaire import default_questionnaire
    from kiosk.rules import load_rulepack
    from kiosk.store import Store

    db = tmp_path / "data" / "kiosk.db"
    q = default_questionnaire()
    with Store(db) as store:
        seed(store, q, load_rulepack(questionnaire=q))
        uuid = store.intake(5).uuid  # type: ignore[union-attr]
    out = tmp_path / "exports" / "nested" / "deeper"
    out.parent.parent.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file")
    out.parent.mkdir(mode=0o700)
    out.mkdir(mode=0o777)  # an existing folder is used as it is
    for name in (f"intake-{uuid}.pdf", f"intake-{uuid}.fhir.json", "queue.csv",
                 f".intake-{uuid}.pdf.render", f".intake-{uuid}.fhir.json.part", ".queue.csv.part"):
        (out / name).symlink_to(victim)
    fresh = tmp_path / "fresh" / "a" / "b"  # created by the export
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for fmt, folder in (("pdf", out), ("fhir", out), ("csv", out), ("fhir", fresh)):
        done = subprocess.run(["sh", "-c", 'umask 000; exec "$@"', "sh", sys.executable, str(ROOT / "main.py"),
                               "export", "--format", fmt, "--out", str(folder), "--intake", "5", "--db", str(db)],
                              capture_output=True, text=True, env=env, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
    assert victim.read_text() == "someone else's file"
    for name in (f"intake-{uuid}.pdf", f"intake-{uuid}.fhir.json", "queue.csv"):
        path = out / name
        assert not path.is_symlink() and path.is_file() and oct(path.stat().st_mode & 0o777) == "0o600", name
    assert oct((fresh / f"intake-{uuid}.fhir.json").stat().st_mode & 0o777) == "0o600"
    for folder in (tmp_path / "fresh", tmp_path / "fresh" / "a", fresh):
        assert oct(folder.stat().st_mode & 0o777) == "0o700", folder
    assert not [p for p in out.iterdir() if p.name.endswith((".part", ".render")) and not p.is_symlink()]


def _response(tmp_path: Path, **changes: object) -> Path:
    """Example s5 as the QuestionnaireResponse our export writes, with ``changes`` applied."""
    from kiosk.answers import parse_answers_document, to_questionnaire_response
    from kiosk.questionnaire import default_questionnaire

    q = default_questionnaire()
    answers, _, _ = parse_answers_document(q, json.loads((EXAMPLES / "s5_daily_aspirin.json").read_text()))
    qr = to_questionnaire_response(q, answers, status="completed")
    qr.update(changes)
    path = tmp_path / "qr.json"
    path.write_text(json.dumps(qr))
    return path


def test_assess_reads_our_response_and_refuses_one_for_another_questionnaire(tmp_path: Path, expected) -> None:
    done = main_py("assess", str(_response(tmp_path)))
    assert done.returncode == 0 and json.loads(done.stdout)["outcome"] == expected["s5_daily_aspirin"]["lcd"]
    done = main_py("assess", str(_response(tmp_path, questionnaire="http://loinc.org/q/91148-7|1")))
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "questionnaire: 'http://loinc.org/q/91148-7|1' is another questionnaire" in lines[0]


@pytest.mark.parametrize("status", ["entered-in-error", "stopped", None])
def test_assess_refuses_a_withdrawn_or_unfinished_response(tmp_path: Path, status: str | None) -> None:
    path = _response(tmp_path, status=status)
    done = main_py("assess", str(path))
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "status" in lines[0] and "only a completed, in-progress or amended" in lines[0]


def test_assess_refuses_codings_from_another_system(tmp_path: Path) -> None:
    path = _response(tmp_path)
    qr = json.loads(path.read_text())

    def recode(nodes: list[dict[str, object]]) -> None:
        for node in nodes:
            for ans in node.get("answer", []):  # type: ignore[attr-defined]
                if "valueCoding" in ans and ans["valueCoding"]["code"] == "yes":
                    ans["valueCoding"]["system"] = "http://snomed.info/sct"
            recode(node.get("item", []))  # type: ignore[arg-type]
    recode(qr["item"])
    path.write_text(json.dumps(qr))
    done = main_py("assess", str(path))
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines and all("coding's system http://snomed.info/sct is not this questionnaire's" in line for line in lines)
    import re

    assert all(re.fullmatch(r"[a-z]+(\.[a-z0-9_]+)+", line.split(": ")[2]) for line in lines)  # each names its linkId


def test_starting_the_kiosk_reads_its_options_as_the_full_parser_does(tmp_path: Path) -> None:
    """The kiosk's start-up reads its few options itself; both must read its command line the same."""
    from kiosk.cli import build_parser, kiosk_start

    kiosk = {"kiosk": lambda args: 0}
    db, other = str(tmp_path / "k.db"), str(tmp_path / "other.db")
    for words in ([], ["--windowed"], ["--demo"], ["--db", db, "--windowed"], [f"--db={db}"],
                  ["--demo", "--windowed"], ["--db", other, "--db", db], ["--windowed", "--windowed"]):
        small, full = kiosk_start(words, kiosk), build_parser(kiosk).parse_args(words)
        assert small is not None, words
        assert {k: getattr(small, k, None) for k in ("db", "windowed", "demo", "command")} == \
            {k: getattr(full, k, None) for k in ("db", "windowed", "demo", "command")}, words
        assert small.handler is full.handler
    for words in (["--help"], ["assess", "x.json"], ["--windowed", "staff"], ["--db"], ["--db", "--windowed"],
                  ["--wind"], ["--db="], ["-h"]):
        assert kiosk_start(words, kiosk) is None, words  # the full parser: help, a command, a missing value
