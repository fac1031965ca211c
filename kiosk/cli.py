"""The command line. Domain commands live here; commands that need Qt (the kiosk itself,
``screenshot``) are handed in by ``main.py`` so this package never imports Qt."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from kiosk.answers import parse_answers_document
from kiosk.questionnaire import QuestionnaireError, default_questionnaire, load_questionnaire
from kiosk.rules import RulePackError, assess, load_rulepack
from kiosk.store import STATUSES, Store, StoreError, default_db_path

EXIT_OK, EXIT_BAD_INPUT, EXIT_CONFIG = 0, 2, 3

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line, never a traceback."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\n")


def build_parser(ui_commands: Mapping[str, Handler]) -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--db", type=Path, default=argparse.SUPPRESS,
                        help="database file (default: KIOSK_DB, else the per-user data folder)")
    parser = _Parser(prog="main.py", parents=[common],
                     description="Facet intake kiosk. Without a command: start the kiosk.")
    parser.add_argument("--windowed", action="store_true", help="a normal window instead of full screen")
    parser.add_argument("--demo", action="store_true",
                        help="a throwaway database with sample intakes, windowed")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("assess", parents=[common], help="assess an answers file and print JSON")
    p.add_argument("file", type=Path)
    p.add_argument("--mode", choices=("lcd", "guideline"), help="threshold mode (wins over _mode in the file)")
    p.add_argument("--rules", type=Path, help="a rule pack file instead of the shipped one")
    p.add_argument("--questionnaire", type=Path, help="a questionnaire file instead of the shipped one")
    p.set_defaults(handler=cmd_assess)

    p = sub.add_parser("intakes", parents=[common], help="list intakes")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(handler=cmd_intakes)

    if "screenshot" in ui_commands:
        p = sub.add_parser("screenshot", parents=[common], help="render one screen to a PNG")
        p.add_argument("page", help="welcome, a section linkId (about, pain, ...), review, done, or 'list'")
        p.add_argument("--out", type=Path, required=False)
        p.add_argument("--lang", choices=("en", "es"), default="en")
        p.add_argument("--size", default="1280x800", help="window size, WIDTHxHEIGHT")
        p.add_argument("--text-size", choices=("normal", "large", "largest"), default="normal")
        p.add_argument("--theme", choices=("standard", "high-contrast"), default="standard")
        p.set_defaults(handler=ui_commands["screenshot"])
    if "kiosk" in ui_commands:
        parser.set_defaults(handler=ui_commands["kiosk"])
    return parser


def main(argv: Sequence[str] | None = None, ui_commands: Mapping[str, Handler] | None = None) -> int:
    parser = build_parser(ui_commands or {})
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_OK
    return handler(args)


def db_path(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "db", None) or default_db_path())


def _err(prefix: str, lines: Sequence[str], out: TextIO | None = None) -> None:
    stream = out or sys.stderr
    for line in lines:
        print(f"{prefix}: {line}", file=stream)


def cmd_assess(args: argparse.Namespace) -> int:
    name = str(args.file)
    try:
        q = load_questionnaire(args.questionnaire) if args.questionnaire else default_questionnaire()
        pack = load_rulepack(args.rules, q)
    except (QuestionnaireError, RulePackError) as exc:
        _err("assess", [f"{exc.source}: {p}" for p in exc.problems])
        return EXIT_CONFIG
    try:
        raw = args.file.read_bytes()
    except OSError as exc:
        _err("assess", [f"{name}: cannot read the file ({exc.strerror or exc})"])
        return EXIT_BAD_INPUT
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        _err("assess", [f"{name}: the file is not UTF-8 text"])
        return EXIT_BAD_INPUT
    except ValueError as exc:
        _err("assess", [f"{name}: not valid JSON ({exc})"])
        return EXIT_BAD_INPUT
    answers, file_mode, problems = parse_answers_document(q, data)
    if problems:
        _err("assess", [f"{name}: {p}" for p in problems])
        return EXIT_BAD_INPUT
    mode = args.mode or file_mode or pack.default_mode
    result = assess(pack, q, answers, mode)
    json.dump(result.to_json(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return EXIT_OK


def open_store(args: argparse.Namespace, create: bool = True) -> Store:
    return Store(db_path(args), create=create)


def cmd_intakes(args: argparse.Namespace) -> int:
    try:
        with open_store(args, create=False) as store:
            rows = []
            for intake in store.intakes(args.status):
                assessment = store.latest_assessment(intake.id) or {}
                rows.append({
                    "id": intake.id, "status": intake.status, "started_at": intake.started_at,
                    "submitted_at": intake.submitted_at, "abandoned_at": intake.abandoned_at,
                    "language": intake.language,
                    "questionnaire": f"{intake.questionnaire_url}|{intake.questionnaire_version}",
                    "outcome": assessment.get("outcome"), "next_step": assessment.get("next_step"),
                    "answers": store.answers(intake.id),
                })
    except StoreError as exc:
        _err("intakes", [str(exc)])
        return EXIT_CONFIG
    if args.json:
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for r in rows:
            print(f"{r['id']:>6}  {r['status']:<9}  {r['started_at']}  {r['outcome'] or '-'}")
        print(f"{len(rows)} intake(s)")
    return EXIT_OK
