"""Entry point: the kiosk (default) or a command; see ``python main.py --help``."""

from __future__ import annotations

import signal
import sys


def _ui(name: str):  # type: ignore[no-untyped-def]
    def run(*args):  # type: ignore[no-untyped-def]
        from ui import app  # Qt is imported only for commands that show or print something

        return getattr(app, name)(*args)

    return run


def main() -> int:
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `... | head` ends quietly
    from kiosk.cli import main as cli_main

    try:
        return cli_main(sys.argv[1:], ui_commands={"kiosk": _ui("run_kiosk"), "screenshot": _ui("run_screenshot"),
                                                   "staff-window": _ui("run_staff"), "pdf": _ui("export_pdf")})
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # last resort: one line, never a traceback
        print(f"main.py: unexpected error ({type(exc).__name__}: {exc}). Please report it.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
