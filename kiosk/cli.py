"""The command line. Domain commands live here; commands that need Qt (the kiosk itself,
``screenshot``) are handed in by ``main.py`` so this package never imports Qt."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from kiosk.codes import Language, Role, RuleMode, values
from kiosk.program import program
from kiosk.store import STATUSES, Incomplete, QueueFilter, Store, StoreError, default_db_path

EXIT_OK, EXIT_BAD_INPUT, EXIT_CONFIG = 0, 2, 3

Handler = Callable[[argparse.Namespace], int]
CLI_ACTOR = "cli"


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line, never a traceback."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\n")


def build_parser(ui_commands: Mapping[str, Callable[..., Any]]) -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--db", type=Path, default=argparse.SUPPRESS,
                        help="database file (default: KIOSK_DB, else the per-user data folder)")
    parser = _Parser(prog=program(), parents=[common],
                     description="Facet intake kiosk. Without a command: start the kiosk.")
    parser.add_argument("--windowed", action="store_true", help="a normal window instead of full screen")
    parser.add_argument("--demo", action="store_true",
                        help="a throwaway database with sample intakes, windowed")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("assess", parents=[common], help="assess an answers file and print JSON")
    p.add_argument("file", type=Path)
    p.add_argument("--mode", choices=values(RuleMode), help="threshold mode (wins over _mode in the file)")
    p.add_argument("--rules", type=Path, help="a rule pack file instead of the shipped one")
    p.add_argument("--questionnaire", type=Path, help="a questionnaire file instead of the shipped one")
    p.set_defaults(handler=cmd_assess)

    p = sub.add_parser("intakes", parents=[common], help="list intakes")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.add_argument("--central", nargs="?", const="", default=None, metavar="URL",
                   help="every kiosk's intakes from the clinic's central database (default: KIOSK_CENTRAL)")
    p.set_defaults(handler=cmd_intakes)

    p = sub.add_parser("submit", parents=[common], help="store an answers file as a submitted intake (paper forms)")
    p.add_argument("file", type=Path)
    p.add_argument("--lang", choices=values(Language), default=Language.EN.value)
    p.set_defaults(handler=cmd_submit)

    central_url = {"default": None, "metavar": "URL",
                   "help": "libpq URL of the clinic's central database (default: KIOSK_CENTRAL)"}
    p = sub.add_parser("ship", parents=[common], help="send closed intakes to the clinic's central database")
    p.add_argument("--central", **central_url)  # type: ignore[arg-type]
    p.add_argument("--once", action="store_true", help="one pass: exit 0 when all is sent, 75 when not yet")
    p.set_defaults(handler=cmd_ship)

    p = sub.add_parser("deliver", parents=[common], help="send submitted intakes to the clinic's EHR over FHIR")
    p.add_argument("--fhir", metavar="BASE_URL", help="the EHR's FHIR R4 base address (default: the admin setting)")
    p.add_argument("--central", nargs="?", const="", default=None, metavar="URL",
                   help="deliver from the clinic's central database (default: KIOSK_CENTRAL), not the local one")
    p.add_argument("--once", action="store_true", help="one pass: exit 0 all sent, 75 some wait, 1 some refused")
    p.set_defaults(handler=cmd_deliver)

    p = sub.add_parser("central", parents=[common], help="the clinic's central PostgreSQL database")
    central = p.add_subparsers(dest="central_command", required=True, parser_class=_Parser)
    sp = central.add_parser("migrate", parents=[common], help="create or migrate its schema and group roles")
    sp.add_argument("--central", **central_url)  # type: ignore[arg-type]
    for kind in ("kiosk", "station"):
        sp = central.add_parser(f"add-{kind}", parents=[common],
                                help=f"create the login of one {'kiosk' if kind == 'kiosk' else 'nurse station'}"
                                     " (password read from stdin)")
        sp.add_argument("name")
        sp.add_argument("--central", **central_url)  # type: ignore[arg-type]
    sp = central.add_parser("verify", parents=[common], help="check the central audit chain")
    sp.add_argument("--central", **central_url)  # type: ignore[arg-type]
    p.set_defaults(handler=cmd_central)

    p = sub.add_parser("staff", parents=[common], help="staff accounts (PINs are read from the terminal or stdin)")
    staff = p.add_subparsers(dest="staff_command", parser_class=_Parser,
                             description="without a command: open the staff review station window")
    on_central = _Parser(add_help=False)
    on_central.add_argument("--central", nargs="?", const="", default=argparse.SUPPRESS, metavar="URL",
                            help="the accounts of the clinic's central database (default: KIOSK_CENTRAL)")
    sp = staff.add_parser("add", parents=[common, on_central],
                          help="create an account; the PIN is asked for, never an argument")
    sp.add_argument("name")
    sp.add_argument("--role", choices=values(Role), required=True)
    staff.add_parser("list", parents=[common, on_central], help="list accounts with their role and state")
    for name, text in (("disable", "stop an account from signing in"), ("enable", "allow a disabled account again"),
                       ("reset-pin", "set a new PIN (also clears a lock)")):
        sp = staff.add_parser(name, parents=[common, on_central], help=text)
        sp.add_argument("name")
    p.add_argument("--central", nargs="?", const="", default=None, metavar="URL",
                   help="the station window on the clinic's central database (default: KIOSK_CENTRAL)")
    p.set_defaults(handler=cmd_staff, staff_window=ui_commands.get("staff-window"))

    p = sub.add_parser("export", parents=[common], help="export submitted intakes for the chart")
    p.add_argument("--format", choices=("fhir", "csv", "pdf", "definitions"), required=True,
                   help="definitions: the Questionnaire and its CodeSystem under the clinic's address, for the EHR")
    p.add_argument("--out", type=Path, required=True, help="folder to write into (created if missing)")
    p.add_argument("--intake", type=int, action="append", help="only this intake id (repeatable)")
    p.set_defaults(handler=cmd_export, pdf_renderer=ui_commands.get("pdf"))

    p = sub.add_parser("audit", parents=[common], help="the audit log")
    audit = p.add_subparsers(dest="audit_command", required=True, parser_class=_Parser)
    audit.add_parser("verify", parents=[common], help="check the hash chain; report the first broken entry")
    sp = audit.add_parser("show", parents=[common], help="print the newest entries")
    sp.add_argument("--limit", type=int, default=50)
    p.set_defaults(handler=cmd_audit)

    p = sub.add_parser("check-db", parents=[common], help="check the database: pages, links, audit chain")
    p.set_defaults(handler=cmd_check_db)
    p = sub.add_parser("backup", parents=[common], help="a consistent copy of the database, safe while the kiosk runs")
    p.add_argument("--out", type=Path, required=True, help="the backup file to write")
    p.set_defaults(handler=cmd_backup)
    p = sub.add_parser("restore", parents=[common], help="replace the database with a backup (stop the kiosk first)")
    p.add_argument("file", type=Path)
    p.set_defaults(handler=cmd_restore)
    p = sub.add_parser("purge", parents=[common], help="delete intakes closed more than N days ago (audited)")
    p.add_argument("--older-than", type=int, metavar="DAYS", help="default: the clinic's retention setting")
    p.set_defaults(handler=cmd_purge)

    if "screenshot" in ui_commands:
        p = sub.add_parser("screenshot", parents=[common], help="render one screen to a PNG")
        p.add_argument("page", help="welcome, a section linkId (about, pain, ...), review, done, or 'list'")
        p.add_argument("--out", type=Path, required=False)
        p.add_argument("--lang", choices=values(Language), default=Language.EN.value)
        p.add_argument("--size", default="1280x800", help="window size, WIDTHxHEIGHT")
        p.add_argument("--text-size", choices=("normal", "large", "largest"), default="normal")
        p.add_argument("--theme", choices=("standard", "high-contrast"), default="standard")
        p.set_defaults(handler=ui_commands["screenshot"])
    if "kiosk" in ui_commands:
        parser.set_defaults(handler=ui_commands["kiosk"])
    return parser


def kiosk_start(argv: Sequence[str], ui_commands: Mapping[str, Callable[..., Any]]) -> argparse.Namespace | None:
    """The kiosk's own command line (the systemd unit's: ``--db PATH``, ``--windowed``,
    ``--demo``), read word by word as the full parser reads it; None for anything else (a
    command, ``--help``, an abbreviation, a missing value), which the full parser reads and
    answers. Building argparse's parser was 3 ms of every start-up."""
    db, windowed, demo = None, False, False
    rest = list(argv)
    while rest:
        word = rest.pop(0)
        if word == "--db" and rest and not rest[0].startswith("-"):
            db = rest.pop(0)
        elif word.startswith("--db=") and len(word) > len("--db="):
            db = word[len("--db="):]
        elif word in ("--windowed", "--demo"):
            windowed, demo = windowed or word == "--windowed", demo or word == "--demo"
        else:
            return None
    args = argparse.Namespace(windowed=windowed, demo=demo, command=None, handler=ui_commands["kiosk"])
    if db is not None:
        args.db = Path(db)
    return args


def main(argv: Sequence[str] | None = None, ui_commands: Mapping[str, Callable[..., Any]] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    commands = ui_commands or {}
    args = kiosk_start(words, commands) if "kiosk" in commands else None
    if args is None:
        parser = build_parser(commands)
        args = parser.parse_args(words)
        if getattr(args, "handler", None) is None:
            parser.print_help()
            return EXIT_OK
    handler: Handler = args.handler
    return handler(args)


def db_path(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "db", None) or default_db_path())


def _err(prefix: str, lines: Sequence[str], out: TextIO | None = None) -> None:
    stream = out or sys.stderr
    for line in lines:
        print(f"{prefix}: {line}", file=stream)


# The questionnaire, rules and answers modules are imported by the commands that use them:
# the kiosk (the default command) loads them after its welcome screen is on the glass.


def read_json_file(path: Path) -> tuple[Any, str | None]:
    """(the parsed JSON, None) or (None, the one line saying why the file cannot be used)."""
    from kiosk.resources import parse_json

    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, f"{path}: cannot read the file ({exc.strerror or exc})"
    try:
        return parse_json(raw.decode("utf-8-sig")), None
    except UnicodeDecodeError:
        return None, f"{path}: the file is not UTF-8 text"
    except ValueError as exc:
        return None, f"{path}: {exc}"


def clinic_url(args: argparse.Namespace) -> str:
    """The clinic's web address from this machine's database settings ("" when there is none yet):
    responses exported or delivered under it read back as the program's own."""
    from kiosk import settings as clinic_settings

    path = db_path(args)
    if not path.exists():
        return ""
    try:
        with Store(path, create=False) as store:
            return str(clinic_settings.current(store)["clinic_url"])
    except StoreError:
        return ""


def read_answers_file(prefix: str, path: Path, questionnaire: Path | None = None, rules: Path | None = None,
                      require_complete: bool = False,
                      clinic: str = "") -> tuple[Any, Any, dict[str, Any], str | None] | int:
    """(questionnaire, rule pack, the file's validated answers, its ``_mode``), or the exit code
    after one line per problem on stderr: 3 for a broken questionnaire or rule pack, 2 for the
    file (with ``require_complete``, a required enabled answer missing is a problem too)."""
    from kiosk.answers import missing_required, parse_answers_document
    from kiosk.questionnaire import QuestionnaireError, default_questionnaire, load_questionnaire
    from kiosk.rules import RulePackError, load_rulepack

    try:
        q = load_questionnaire(questionnaire) if questionnaire else default_questionnaire()
        pack = load_rulepack(rules, q)
    except (QuestionnaireError, RulePackError) as exc:
        _err(prefix, [f"{exc.source}: {p}" for p in exc.problems])
        return EXIT_CONFIG
    data, unreadable = read_json_file(path)
    if unreadable:
        _err(prefix, [unreadable])
        return EXIT_BAD_INPUT
    answers, file_mode, problems = parse_answers_document(q, data, clinic_url=clinic)
    lines = [f"{path}: {p}" for p in problems]
    if require_complete:
        lines += [f"{path}: {link_id}: required answer missing" for link_id in missing_required(q, answers)]
    if lines:
        _err(prefix, lines)
        return EXIT_BAD_INPUT
    return q, pack, answers, file_mode


def cmd_assess(args: argparse.Namespace) -> int:
    from kiosk.rules import RulePackError, assess

    read = read_answers_file("assess", args.file, args.questionnaire, args.rules, clinic=clinic_url(args))
    if isinstance(read, int):
        return read
    q, pack, answers, file_mode = read
    mode = args.mode or file_mode or pack.default_mode
    try:
        result = assess(pack, q, answers, mode)
    except RulePackError as exc:
        _err("assess", [f"{exc.source}: {p}" for p in exc.problems])
        return EXIT_CONFIG
    json.dump(result.to_json(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return EXIT_OK


def open_store(args: argparse.Namespace, create: bool = True) -> Store:
    return Store(db_path(args), create=create)


def cmd_intakes(args: argparse.Namespace) -> int:
    if args.central is not None:
        from kiosk.central.read import central_intakes

        return _central_command("intakes", args, lambda url: _print_intakes(args, central_intakes(url, args.status)))
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
    return _print_intakes(args, rows)


def _print_intakes(args: argparse.Namespace, rows: list[dict[str, Any]]) -> int:
    if args.json:
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for r in rows:
            print(f"{r['id']:>6}  {r['status']:<9}  {r['started_at']}  {r['outcome'] or '-'}")
        print(f"{len(rows)} intake(s)")
    return EXIT_OK


def _actor() -> str:
    """Who ran a command: the operating-system account (audited; never patient data)."""
    import getpass

    try:
        return f"{CLI_ACTOR}:{getpass.getuser()}"
    except (KeyError, OSError):
        return CLI_ACTOR


def read_pin(prompt: str, stdin: TextIO | None = None) -> str | None:
    """A PIN from the terminal (asked twice, not echoed) or the first line of stdin."""
    return _read_twice(prompt, "PIN", "staff", stdin)


def read_secret(prompt: str, stdin: TextIO | None = None) -> str | None:
    """A login password, as ``read_pin`` reads a PIN (never from argv, where ps would show it)."""
    return _read_twice(prompt, "password", "central", stdin)


def _read_twice(prompt: str, what: str, prefix: str, stdin: TextIO | None) -> str | None:
    stream = stdin or sys.stdin
    if stream.isatty():
        import getpass

        first = getpass.getpass(prompt)
        if getpass.getpass(f"Same {what} again: ") != first:
            print(f"{prefix}: the two {what}s differ; nothing was changed.", file=sys.stderr)
            return None
        return first.strip()
    line = stream.readline()
    return line.strip() if line else ""


def _staff_store(args: argparse.Namespace) -> Any:
    """The accounts' store: the local database, or the central one with ``--central``."""
    if args.central is not None:
        from kiosk.central.store import CentralStore

        return CentralStore(str(central_url(args)), local_db=db_path(args))
    return open_store(args, create=args.staff_command == "add")


def cmd_staff(args: argparse.Namespace) -> int:
    from kiosk.staff import AccountError, Accounts

    if args.staff_command is None:
        if args.staff_window is None:
            _err("staff", ["the staff window is not available here"])
            return EXIT_CONFIG
        if args.central is not None and not central_url(args):
            _err("staff", ["no central database: give --central URL or set KIOSK_CENTRAL"])
            return EXIT_BAD_INPUT
        return int(args.staff_window(args))
    if args.central is not None and not central_url(args):
        _err("staff", ["no central database: give --central URL or set KIOSK_CENTRAL"])
        return EXIT_BAD_INPUT
    try:
        with _staff_store(args) as store:
            accounts = Accounts(store)
            if args.staff_command == "list":
                found = store.staff_list()
                for a in found:
                    print(f"{a.name:<24} {a.role:<6} {accounts.status(a)}")
                print(f"{len(found)} account(s)")
                return EXIT_OK
            if args.staff_command in ("disable", "enable"):
                account = accounts.set_disabled(args.name, args.staff_command == "disable", _actor())
                print(f"{account.name}: {accounts.status(account)}")
                return EXIT_OK
            pin = read_pin(f"PIN for {args.name} (6 to 8 digits): ")
            if pin is None:
                return EXIT_BAD_INPUT
            if args.staff_command == "add":
                account = accounts.add(args.name, args.role, pin, _actor())
                print(f"Created {account.role} account {account.name}.")
            else:
                account = accounts.reset_pin(args.name, pin, _actor())
                print(f"New PIN set for {account.name}; the account is {accounts.status(account)}.")
            return EXIT_OK
    except AccountError as exc:
        _err("staff", [str(exc)])
        return EXIT_BAD_INPUT
    except StoreError as exc:
        _err("staff", [str(exc)])
        return EXIT_CONFIG


def cmd_export(args: argparse.Namespace) -> int:
    from kiosk import export
    from kiosk.export import NotSubmitted
    from kiosk.questionnaire import QuestionnaireError, default_questionnaire

    try:
        q = default_questionnaire()
        with open_store(args, create=False) as store:
            if args.format == "definitions":
                for path in export.write_definitions(store, q, args.out):
                    print(path)
                store.audit(_actor(), "export.definitions", None, None)
                return EXIT_OK
            if args.format == "csv":
                path = export.write_csv(store, QueueFilter(), args.out)
                store.audit(_actor(), "export.csv", None, {"file": path.name})
                print(path)
                return EXIT_OK
            ids = args.intake or [i.id for i in store.intakes("submitted")]
            for intake_id in ids:
                if args.format == "fhir":
                    path = export.write_fhir(store, q, intake_id, args.out)
                else:
                    path = _export_pdf(args, store, q, intake_id)
                store.audit(_actor(), f"export.{args.format}", f"intake:{intake_id}", {"file": path.name})
                print(path)
            print(f"{len(ids)} intake(s) exported to {args.out}", file=sys.stderr)
            return EXIT_OK
    except QuestionnaireError as exc:
        _err("export", [str(exc)])
        return EXIT_CONFIG
    except StoreError as exc:
        _err("export", [str(exc)])
        return EXIT_BAD_INPUT if isinstance(exc, NotSubmitted) else EXIT_CONFIG
    except OSError as exc:
        _err("export", [f"cannot write to {args.out}: {exc.strerror or exc}"])
        return EXIT_CONFIG


def _export_pdf(args: argparse.Namespace, store: Store, q: Any, intake_id: int) -> Path:
    from kiosk import settings
    from kiosk.export import require_submitted
    from kiosk.review import build_report
    from kiosk.rules import load_rulepack

    require_submitted(store, intake_id)
    report = build_report(store, q, load_rulepack(questionnaire=q), intake_id, settings.current(store)["rule_mode"])
    path: Path = args.pdf_renderer(report, args.out)
    return path


def cmd_audit(args: argparse.Namespace) -> int:
    try:
        with open_store(args, create=False) as store:
            if args.audit_command == "show":
                for row in reversed(store.audit_rows(limit=max(1, args.limit))):
                    print(f"{row['id']:>6}  {row['at']}  {row['actor']:<14} {row['action']:<18} "
                          f"{row['subject'] or '-':<14} {row['details_json']}")
                return EXIT_OK
            check = store.verify_audit()
    except StoreError as exc:
        _err("audit", [str(exc)])
        return EXIT_CONFIG
    if check.ok:
        print(f"Audit log intact: {check.rows} entries, every link checked.")
        return EXIT_OK
    print(f"Audit log BROKEN at entry {check.first_bad_id}: {check.reason}. "
          f"Entries before it are intact; keep this database file for investigation.")
    return 1


def cmd_check_db(args: argparse.Namespace) -> int:
    try:
        with open_store(args, create=False) as store:
            problems = store.check()
            version = store.schema_version()
            count = len(store.intakes())
    except StoreError as exc:
        _err("check-db", [str(exc)])
        return EXIT_CONFIG
    if problems:
        for line in problems:
            print(f"PROBLEM: {line}")
        print(f"{len(problems)} problem(s) in {db_path(args)}. Restore the latest backup (docs/deploy.md).")
        return 1
    print(f"OK: {db_path(args)} (schema {version}, {count} intakes): pages, links and audit chain intact.")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    try:
        with open_store(args, create=False) as store:
            path = store.backup(args.out)
            store.audit(_actor(), "backup.manual", None, {"file": path.name})
    except StoreError as exc:
        _err("backup", [str(exc)])
        return EXIT_CONFIG
    print(path)
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from kiosk.maintenance import BadBackup, restore

    try:
        kept = restore(args.file, db_path(args), _actor())
    except StoreError as exc:
        _err("restore", [str(exc)])
        return EXIT_BAD_INPUT if isinstance(exc, BadBackup) else EXIT_CONFIG
    print(f"Restored {db_path(args)} from {args.file}. The replaced database is kept as {kept}.")
    return EXIT_OK


def cmd_purge(args: argparse.Namespace) -> int:
    from kiosk import settings
    from kiosk.maintenance import purge

    try:
        with open_store(args, create=False) as store:
            days = args.older_than if args.older_than is not None else settings.current(store)["retention_days"]
            if days < 1:
                _err("purge", ["--older-than must be at least 1 day"])
                return EXIT_BAD_INPUT
            result = purge(store, days, _actor())
    except StoreError as exc:
        _err("purge", [str(exc)])
        return EXIT_CONFIG
    print(result.sentence(days))
    return EXIT_OK


def cmd_submit(args: argparse.Namespace) -> int:
    """An answers file stored as a submitted intake, through the same session the kiosk uses."""
    from kiosk import settings as clinic_settings
    from kiosk.session import IntakeSession

    name = str(args.file)
    read = read_answers_file("submit", args.file, require_complete=True, clinic=clinic_url(args))
    if isinstance(read, int):
        return read
    q, pack, answers, file_mode = read
    try:
        with open_store(args) as store:
            mode = file_mode or clinic_settings.current(store)["rule_mode"]
            session = IntakeSession(store, q, pack, mode=mode, language=args.lang)
            for link_id, value in answers.items():
                problem = session.answer(link_id, value)
                if problem is not None:  # parse_answers_document checked each value already
                    _err("submit", [f"{name}: {problem}"])
                    session.abandon("refused")
                    return EXIT_BAD_INPUT
            session.submit()
            intake_id = session.start()
    except Incomplete as exc:
        _err("submit", [f"{name}: {link_id}: required answer missing" for link_id in exc.missing] or [str(exc)])
        return EXIT_BAD_INPUT
    except StoreError as exc:
        _err("submit", [str(exc)])
        return EXIT_CONFIG
    print(intake_id)
    return EXIT_OK


def central_url(args: argparse.Namespace) -> str | None:
    import os

    return getattr(args, "central", None) or os.environ.get("KIOSK_CENTRAL") or None


def _central_command(prefix: str, args: argparse.Namespace, run: Callable[[str], int]) -> int:
    from kiosk.central.db import CentralError

    url = central_url(args)
    if not url:
        _err(prefix, ["no central database: give --central URL or set KIOSK_CENTRAL"])
        return EXIT_BAD_INPUT
    try:
        return run(url)
    except CentralError as exc:
        _err(prefix, [str(exc)])
        return exc.exit_code


def cmd_ship(args: argparse.Namespace) -> int:
    from kiosk import logs
    from kiosk.ship import Shipper

    logs.configure(db_path(args), name="ship.log")

    def run(url: str) -> int:
        shipper = Shipper(db_path(args), url)
        return shipper.once() if args.once else shipper.forever()
    return _central_command("ship", args, run)


def cmd_central(args: argparse.Namespace) -> int:
    from kiosk.central import db as central_db
    from kiosk.central import schema

    def run(url: str) -> int:
        if args.central_command in ("add-kiosk", "add-station"):
            password = read_secret("password for the new login: ")
            if password is None:
                _err("central", ["no password given (type it, or pipe it to stdin)"])
                return EXIT_BAD_INPUT
            problem = schema.password_problem(password)
            if problem:
                _err("central", [problem])
                return EXIT_BAD_INPUT
        conn = central_db.connect(url)
        try:
            with central_db.call(conn, url, seconds=120):
                if args.central_command == "migrate":
                    before, now = schema.migrate(conn)
                    print(f"central schema {now}" + (" (already current)" if before == now else f" (was {before})"))
                    return EXIT_OK
                if args.central_command == "verify":
                    ok, rows, problem = schema.verify_audit(conn)
                    print(f"{rows} central audit entries: " + ("intact" if ok else problem))
                    return EXIT_OK if ok else 1
                kind = args.central_command.removeprefix("add-")
                try:
                    result = schema.enrol(conn, args.name, kind, password or "")
                except ValueError as exc:
                    _err("central", [str(exc)])
                    return EXIT_BAD_INPUT
                print(f"{kind} login {args.name}: {result}")
                return EXIT_OK
        except schema.SchemaError as exc:
            _err("central", [str(exc)])
            return EXIT_CONFIG
        finally:
            conn.close()
    return _central_command("central", args, run)


def cmd_deliver(args: argparse.Namespace) -> int:
    from kiosk import logs
    from kiosk import settings as clinic_settings
    from kiosk.deliver import Auth, Deliverer
    from kiosk.questionnaire import QuestionnaireError, default_questionnaire

    logs.configure(db_path(args), name="deliver.log")
    if args.central is not None and not central_url(args):
        _err("deliver", ["no central database: give --central URL or set KIOSK_CENTRAL"])
        return EXIT_BAD_INPUT

    def open_delivery_store() -> Any:
        if args.central is not None:
            from kiosk.central.store import CentralStore

            return CentralStore(str(central_url(args)), local_db=db_path(args))
        return open_store(args, create=False)

    try:
        q = default_questionnaire()
        with open_delivery_store() as store:
            config = clinic_settings.current(store)
    except QuestionnaireError as exc:
        _err("deliver", [f"{exc.source}: {p}" for p in exc.problems])
        return EXIT_CONFIG
    except StoreError as exc:
        _err("deliver", [str(exc)])
        return EXIT_CONFIG
    base = args.fhir or config["fhir_base_url"]
    if not base:
        _err("deliver", ["no FHIR server: give --fhir BASE_URL or set it in Admin > Settings"])
        return EXIT_BAD_INPUT
    deliverer = Deliverer(open_delivery_store, q, base, config["clinic_url"],
                          Auth(config["fhir_auth"], config["fhir_user"], config["fhir_secret_file"]),
                          number_system=config["patient_number_system"], settings=clinic_settings.current,
                          fixed_base=bool(args.fhir))
    return deliverer.once() if args.once else deliverer.forever()
