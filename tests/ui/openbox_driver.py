"""Run under xvfb-run: a stock desktop window manager (openbox, its default key bindings), the
real kiosk full screen on it, then the escape keys a stranger would try. Prints one line per
key: whether the kiosk was still the visible, active, full-screen window afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["alt+Tab", "super+d", "alt+space", "ctrl+alt+Right", "super+e", "alt+F4", "ctrl+alt+t", "alt+F2"]


def xdotool(*args: str) -> str:
    return subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=10).stdout.strip()


def wait_for(check, seconds: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    """Until the X server reports a state (an event), with a generous limit; never a timing assertion."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return False


def main() -> int:
    db = sys.argv[1]
    wm = subprocess.Popen(["openbox"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    env.pop("CAGE", None)
    kiosk = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--db", db], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        if not wait_for(lambda: xdotool("search", "--onlyvisible", "--name", "Neck and back pain questions")):
            print("NO-WINDOW", kiosk.stderr.read() if kiosk.poll() is not None and kiosk.stderr else "")
            return 1
        window = xdotool("search", "--onlyvisible", "--name", "Neck and back pain questions").split()[0]
        wait_for(lambda: xdotool("getactivewindow") == window)
        for key in KEYS:
            xdotool("key", key)
            time.sleep(0.4)  # let the window manager act, if it can
            visible = window in xdotool("search", "--onlyvisible", "--name", "Neck and back pain questions").split()
            active = xdotool("getactivewindow") == window
            geometry = xdotool("getwindowgeometry", window)
            print(f"KEY {key} visible={visible} active={active} alive={kiosk.poll() is None} "
                  f"fullscreen={'1280x800' in geometry}", flush=True)
        stderr = ""
    finally:
        kiosk.terminate()
        try:
            _, stderr = kiosk.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            kiosk.kill()
        wm.terminate()
    print("WARNED", "outside a kiosk session" in (stderr or ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
