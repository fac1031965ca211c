"""How a person runs this program again, for the hints it prints.

Installed, that is ``facet-kiosk``; from a checkout, the checkout's interpreter and ``main.py``
(a fresh Debian has no bare ``python``)."""

from __future__ import annotations

import os
import sys


def program() -> str:
    argv0 = sys.argv[0] if sys.argv else ""
    if os.path.basename(argv0) != "main.py":
        return "facet-kiosk"
    return f"{_short(sys.executable)} {_short(argv0)}"


def _short(path: str) -> str:
    """A path as typed from here: relative when it is below the working folder."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    return path if rel.startswith("..") else rel
