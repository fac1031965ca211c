"""Log files: owner-only, in an owner-only folder, rotated with a kept count."""

from __future__ import annotations

import logging
import stat

from kiosk.logs import PrivateRotatingHandler, configure


def mode(path) -> int:  # type: ignore[no-untyped-def]
    return stat.S_IMODE(path.stat().st_mode)


def test_configure_writes_an_owner_only_file_in_an_owner_only_folder(tmp_path) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        path = configure(tmp_path / "data" / "kiosk.db", stderr=False)
        logging.getLogger("kiosk.test").info("intake started: 7")
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
            handler.close()
    assert path == tmp_path / "data" / "logs" / "kiosk.log"
    assert "intake started: 7" in path.read_text()
    assert mode(path) == 0o600 and mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700


def test_rotation_keeps_the_newest_files_each_owner_only(tmp_path) -> None:
    path = tmp_path / "kiosk.log"
    handler = PrivateRotatingHandler(path, max_bytes=200, keep=2)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("kiosk.test.rotation")
    log.propagate = False
    log.addHandler(handler)
    try:
        for n in range(60):
            log.warning("line %02d of the rotation test", n)
    finally:
        log.removeHandler(handler)
        handler.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["kiosk.log", "kiosk.log.1", "kiosk.log.2"]
    assert all(mode(tmp_path / f) == 0o600 and (tmp_path / f).stat().st_size <= 200 for f in files)
    assert path.read_text().splitlines()[-1] == "line 59 of the rotation test"
    newest_old = (tmp_path / "kiosk.log.1").read_text().splitlines()[-1]
    assert path.read_text().splitlines()[0] == f"line {int(newest_old[5:7]) + 1:02d} of the rotation test"
