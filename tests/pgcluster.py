"""A throwaway PostgreSQL cluster for the test run, from Debian's ``postgresql`` package.

    python tests/pgcluster.py start DIR   # prints the superuser URL (also written to DIR/url)
    python tests/pgcluster.py stop DIR

The server runs as the ``postgres`` user (PostgreSQL refuses root), listens on 127.0.0.1 only,
on a free port, with password (SCRAM) logins over TCP, which is how kiosks and stations log in.
``.ci/run`` starts one and exports ``KIOSK_TEST_PG``; ``tests/conftest.py`` starts one itself
when that is not set and PostgreSQL is installed. ``stop`` and ``crash`` (SIGKILL of the
postmaster, for the outage tests) work on a DIR made by ``start``.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def bindir() -> Path | None:
    """The newest Debian PostgreSQL server's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _as_postgres(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)  # type: ignore[call-overload, no-any-return]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_certificates(folder: Path, host: str = "localhost") -> dict[str, Path]:
    """A clinic CA and a server certificate for ``host`` signed by it (docs/deploy.md, TLS)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, csr, cert = (folder / n for n in ("ca.key", "ca.crt", "server.key", "server.csr", "server.crt"))

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=Test clinic CA",
            "-keyout", str(ca_key), "-out", str(ca))
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={host}", "-keyout", str(key), "-out", str(csr))
    ext = folder / "san.ext"
    ext.write_text(f"subjectAltName=DNS:{host}\n")
    openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial", "-days", "30",
            "-extfile", str(ext), "-out", str(cert))
    return {"ca": ca, "cert": cert, "key": key}


def start(base: Path, tls: dict[str, Path] | None = None) -> str:
    """initdb and start a cluster in ``base`` (made if missing); returns its superuser URL. With
    ``tls`` (``make_certificates``), TCP logins must use TLS, as docs/deploy.md sets it up."""
    binaries = bindir()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    base.mkdir(parents=True, exist_ok=True)
    data, sock = base / "data", base / "sock"
    sock.mkdir(exist_ok=True)
    password = secrets.token_hex(16)
    pwfile = base / "pw"
    pwfile.write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
        shutil.chown(pwfile, "postgres")
    pwfile.chmod(0o600)
    _as_postgres([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", f"--pwfile={pwfile}",
                  "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"])
    port = free_port()
    conf = (f"listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{sock}'\n"
            "fsync = off\nfull_page_writes = off\nmax_connections = 200\n"  # a test cluster: speed over safety
            "log_min_messages = warning\n")
    if tls is not None:
        for name in ("cert", "key"):
            target = base / f"server.{name}"
            shutil.copy(tls[name], target)
            target.chmod(0o600)
            if os.geteuid() == 0:
                shutil.chown(target, "postgres")
        conf += f"ssl = on\nssl_cert_file = '{base / 'server.cert'}'\nssl_key_file = '{base / 'server.key'}'\n"
    with open(data / "postgresql.conf", "a") as fh:
        fh.write(conf)
    if tls is not None:  # TLS or nothing over TCP, as on the site server
        hba = data / "pg_hba.conf"
        lines = [line for line in hba.read_text().splitlines() if not line.startswith("host")]
        hba.write_text("\n".join([*lines, "hostssl all all 127.0.0.1/32 scram-sha-256", ""]))
    _as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60", "start"])
    url = f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"
    fd = os.open(base / "url", os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(url + "\n")
    return url


def restart(base: Path) -> None:
    """Start the server again after ``stop`` or ``crash`` (same port, same data)."""
    binaries = bindir()
    assert binaries is not None
    _as_postgres([str(binaries / "pg_ctl"), "-D", str(base / "data"), "-l", str(base / "server.log"), "-w", "-t", "60",
                  "start"])


def crash(base: Path) -> None:
    """SIGKILL the postmaster, as a power cut or an OOM kill would; its backends go with it."""
    pid = int((base / "data" / "postmaster.pid").read_text().split()[0])
    os.kill(pid, 9)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    _wait_backends_gone(base)


def _wait_backends_gone(base: Path) -> None:
    """Orphaned backends exit once they notice the postmaster is gone; a restart needs them gone."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        out = subprocess.run(["pgrep", "-f", f"postgres.*{base / 'data'}|postgres: "], capture_output=True, text=True)
        alive = [p for p in out.stdout.split() if _cmdline_in(int(p), str(base))]
        if not alive:
            return
        time.sleep(0.05)


def _cmdline_in(pid: int, text: str) -> bool:
    try:
        return text in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").replace("\0", " ") or \
            text in os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return False


def stop(base: Path, mode: str = "fast") -> None:
    binaries = bindir()
    if binaries is None or not (base / "data" / "postmaster.pid").exists():
        return
    _as_postgres([str(binaries / "pg_ctl"), "-D", str(base / "data"), "-m", mode, "-w", "-t", "60", "stop"])


if __name__ == "__main__":
    command, folder = sys.argv[1], Path(sys.argv[2])
    if command == "start":
        print(start(folder))
    elif command == "stop":
        stop(folder)
    else:
        sys.exit(f"usage: {sys.argv[0]} start|stop DIR")
