"""`pip install .` gives a working program: the wheel carries its data files, installs only the
project's own package names, and `facet-kiosk` runs from any folder (no checkout beside it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """A wheel built from this checkout, installed into a fresh virtual environment. Its
    dependencies (PySide6 and platformdirs) are taken from this environment, so nothing is
    downloaded; the project itself comes only from the wheel."""
    tmp = tmp_path_factory.mktemp("package")
    source = tmp / "source"  # a copy: setuptools writes build/ into the folder it builds
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__",
                                                                ".*_cache", ".hypothesis", "tests"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-v",
                            "-w", str(tmp / "dist"), str(source)], capture_output=True, text=True, timeout=300,
                           check=False)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    log = built.stdout + built.stderr
    assert "BuildBackendWarning" not in log and "DeprecationWarning" not in log, log[-3000:]  # setuptools is content
    (wheel,) = (tmp / "dist").glob("facet_intake_kiosk-*.whl")
    with zipfile.ZipFile(wheel) as z:
        tops = {name.split("/")[0] for name in z.namelist() if not name.split("/")[0].endswith(".dist-info")}
        metadata = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    assert tops == {"kiosk", "kiosk_ui"}  # no generic `main` or `ui` in site-packages
    assert "License-Expression: LicenseRef-Proprietary" in metadata  # PEP 639
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                           "--no-index", str(wheel)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return venv


def run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KIOSK_RESOURCES")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run([str(venv / "bin" / "facet-kiosk"), *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120, check=False)


def test_the_installed_program_assesses_an_example_from_any_folder(installed, tmp_path) -> None:
    expected = json.loads((EXAMPLES / "expected.json").read_text())
    done = run(installed, "assess", str(EXAMPLES / "s5_daily_aspirin.json"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["outcome"] == expected["s5_daily_aspirin"]["lcd"]
    assert result["rulepack"]["version"] == "1.1.0"


def test_the_installed_program_renders_a_screen(installed, tmp_path) -> None:
    done = run(installed, "screenshot", "welcome", "--out", str(tmp_path / "welcome.png"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "welcome.png").stat().st_size > 10_000


def test_the_installed_copy_reads_its_own_files_not_the_checkout(installed, tmp_path) -> None:
    code = ("import kiosk, kiosk_ui, importlib.util as u; from kiosk.resources import resources_dir;"
            "print(kiosk.__file__); print(resources_dir()); print(u.find_spec('ui'), u.find_spec('main'))")
    done = subprocess.run([str(installed / "bin" / "python"), "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60, check=True)
    module, data, missing = done.stdout.splitlines()
    assert module.startswith(str(installed)) and data.startswith(str(installed)) and data.endswith("kiosk/data")
    assert missing == "None None"
    assert str(ROOT) not in done.stdout
    usage = run(installed, "--help", cwd=tmp_path)
    assert usage.returncode == 0 and usage.stdout.startswith("usage: facet-kiosk")
