"""The program's entry point (``facet-kiosk`` when installed, ``python main.py`` in a checkout).

Domain commands come from ``kiosk.cli`` and never load Qt; the commands that show or print
something (the kiosk, the staff window, screenshots, PDFs) are handed to it from here and
import Qt only when they run.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any


def _ui(name: str) -> Callable[..., int]:
    def run(*args: Any) -> int:
        from . import app  # Qt is imported only for commands that show or print something

        result: int = getattr(app, name)(*args)
        return result

    return run


def main(argv: Sequence[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `... | head` ends quietly
    from kiosk.cli import main as cli_main

    try:
        return cli_main(list(sys.argv[1:] if argv is None else argv),
                        ui_commands={"kiosk": _ui("run_kiosk"), "screenshot": _ui("run_screenshot"),
                                     "staff-window": _ui("run_staff"), "pdf": _ui("export_pdf")})
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # last resort: one line, never a traceback
        print(f"{_program()}: unexpected error ({type(exc).__name__}: {exc}). Please report it.", file=sys.stderr)
        return 1


def _program() -> str:
    import os

    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "facet-kiosk"
    return "main.py" if name == "main.py" else "facet-kiosk"
