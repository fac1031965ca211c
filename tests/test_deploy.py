"""The systemd unit in deploy/ is valid and starts the kiosk the documented way."""

from __future__ import annotations

import configparser
import os
import subprocess

from tests.conftest import ROOT

UNIT = ROOT / "deploy" / "facet-kiosk.service"
SHIP_UNIT = ROOT / "deploy" / "facet-ship.service"
DELIVER_UNIT = ROOT / "deploy" / "facet-deliver.service"


def unit(path: object = UNIT) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path)  # type: ignore[arg-type]
    return parser


def test_unit_restarts_the_kiosk_under_cage_as_the_kiosk_user() -> None:
    u = unit()
    service = u["Service"]
    assert service["Restart"] == "always" and int(service["RestartSec"]) <= 5
    assert service["User"] == "kiosk" and service["UMask"] == "0077"
    command = service["ExecStart"].split()
    assert command[0] == "/usr/bin/cage" and command[-1].endswith("/main.py")
    assert "--windowed" not in command and "--demo" not in command  # full screen, real database
    assert u["Install"]["WantedBy"] == "graphical.target"
    assert "facet-kiosk.service" in (ROOT / "docs" / "deploy.md").read_text()


def test_the_shipper_runs_beside_the_kiosk_and_restarts_unless_misconfigured() -> None:
    service = unit(SHIP_UNIT)["Service"]
    assert service["Restart"] == "always" and service["RestartPreventExitStatus"] == "3"
    assert service["User"] == "kiosk" and service["UMask"] == "0077"
    assert service["ExecStart"].split()[-2:] == ["/opt/facet-kiosk/main.py", "ship"]
    assert "KIOSK_CENTRAL" not in service.get("Environment", "")  # the URL comes from an owner-only file
    assert "facet-ship.service" in (ROOT / "docs" / "deploy.md").read_text()


def test_the_deliverer_runs_from_the_central_database_and_stops_when_misconfigured() -> None:
    service = unit(DELIVER_UNIT)["Service"]
    assert service["Restart"] == "always" and service["RestartPreventExitStatus"] == "3"
    assert service["ExecStart"].split()[-2:] == ["deliver", "--central"] and service["UMask"] == "0077"
    assert "facet-deliver.service" in (ROOT / "docs" / "fhir.md").read_text()


def test_systemd_accepts_the_units() -> None:  # .ci/setup installs systemd for systemd-analyze
    for path in (UNIT, SHIP_UNIT, DELIVER_UNIT):
        done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(path)], capture_output=True, text=True,
                              check=False)
        problems = [line for line in done.stderr.splitlines()
                    if path.name in line and "is not executable" not in line  # cage, /opt: on kiosks only
                    and "No such file or directory" not in line]  # /etc/facet/ship.env: on kiosks only
        assert problems == [], done.stderr


def test_setup_needs_no_network_once_done(tmp_path) -> None:
    """Issue 13: run again on a set-up machine, .ci/setup asks no registry (pip is pointed at a
    dead address and apt-get and sudo fail if called) and says so."""
    fake = tmp_path / "bin"
    fake.mkdir()
    for tool in ("apt-get", "sudo"):
        (fake / tool).write_text("#!/bin/sh\necho \"$0 called\" >&2\nexit 1\n")
        (fake / tool).chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}", "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
           "PIP_NO_INDEX": "1"}
    done = subprocess.run(["bash", str(ROOT / ".ci" / "setup")], capture_output=True, text=True, env=env,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "setup: Debian packages already installed" in done.stdout
    assert "setup: Python packages up to date" in done.stdout
    assert "called" not in done.stderr
