"""Layering rules that must not erode: kiosk/ never imports Qt; ui/ holds no SQL."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import ROOT


def imported_modules(path) -> set[str]:  # type: ignore[no-untyped-def]
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_kiosk_package_never_imports_qt() -> None:
    offenders = {}
    for path in (ROOT / "kiosk").rglob("*.py"):
        qt = {m for m in imported_modules(path) if m.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "shiboken6", "ui")}
        if qt:
            offenders[str(path.relative_to(ROOT))] = qt
    assert offenders == {}


def test_importing_every_kiosk_module_loads_no_qt() -> None:
    modules = sorted(p.stem for p in (ROOT / "kiosk").glob("*.py") if p.stem != "__init__")
    code = ("import sys\n" + "".join(f"import kiosk.{m}\n" for m in modules)
            + "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\nprint(bad)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


def test_ui_holds_no_sql() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "ui").rglob("*.py") if "sqlite3" in imported_modules(p)]
    assert offenders == []
