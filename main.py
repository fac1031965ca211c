"""The kiosk (default) or a command, from a checkout; see ``.venv/bin/python main.py --help``.
An installed copy has the same program as ``facet-kiosk``."""

from __future__ import annotations

import sys

from ui.entry import main

if __name__ == "__main__":
    sys.exit(main())
