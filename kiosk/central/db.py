"""Connections to the central database, each network call under a deadline.

libpq's ``connect_timeout`` bounds connecting; TCP keepalives and ``tcp_user_timeout`` notice a
link that went dead; and :class:`Deadline` closes the socket of a call that has not returned
in time, so a link that is silent (packets swallowed, a proxy that stopped forwarding) can
never hang a kiosk's shipper or a station. Every failure becomes a :class:`CentralError` whose
``exit_code`` says whether trying again can help (75) or a person must fix the configuration (3).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CONNECT_TIMEOUT_S = 10  # libpq counts it per address tried


def _deadline() -> float:
    """25 s, within the contract's 30 s for any network call; ``KIOSK_CENTRAL_DEADLINE_S`` may
    shorten it (a clinic on a fast LAN, the tests), never lengthen it past 30 s."""
    try:
        return min(30.0, max(1.0, float(os.environ.get("KIOSK_CENTRAL_DEADLINE_S", "25"))))
    except ValueError:
        return 25.0


CALL_DEADLINE_S = _deadline()
EXIT_CONFIG, EXIT_LATER = 3, 75


class CentralError(RuntimeError):
    """The central database could not be used. ``exit_code``: 75 try again later, 3 fix the setup."""

    exit_code = EXIT_LATER
    sqlstate: str | None = None


class Unreachable(CentralError):
    """Server down, network cut, a call past its deadline: nothing lost, try again later."""


class Rejected(CentralError):
    """The server refused this one piece of data (a malformed value): the rest can still go."""


class Refused(CentralError):
    """Wrong password, unknown login, a login without the right role, no such database."""

    exit_code = EXIT_CONFIG


# SQLSTATEs a retry cannot fix (https://www.postgresql.org/docs/current/errcodes-appendix.html)
_PERMANENT = {"28000", "28P01", "42501", "3D000", "42883", "3F000", "42P01"}


def classify(exc: BaseException, url: str) -> CentralError:
    """The CentralError for a psycopg failure, with a message naming the server, never the password."""
    where = describe(url)
    state = getattr(exc, "sqlstate", None)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    error: CentralError
    if state in _PERMANENT or "password authentication failed" in text or "does not exist" in text \
            or "no pg_hba.conf entry" in text or "certificate" in text.lower():
        error = Refused(f"The central database at {where} refused this login: {text}")
    elif state and state[:2] in ("22", "23"):  # data exception, integrity constraint
        error = Rejected(f"The central database at {where} refused the data (SQLSTATE {state})")
    else:
        error = Unreachable(f"The central database at {where} cannot be reached now: {text}")
    error.sqlstate = state
    return error


def describe(url: str) -> str:
    """host:port/dbname of a libpq URL or key=value string, without user or password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = conninfo_to_dict(url)
    except Exception:  # a malformed URL is described, not raised
        return "(unreadable address)"
    return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"


def login_name(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(url)
    return str(info.get("user") or os.environ.get("PGUSER") or "")


def connect(url: str, *, autocommit: bool = True, application: str = "facet-kiosk") -> Any:
    """A psycopg connection with the deadlines above; raises CentralError."""
    import psycopg

    try:
        return psycopg.connect(
            url, autocommit=autocommit, connect_timeout=min(CONNECT_TIMEOUT_S, int(CALL_DEADLINE_S)),
            application_name=application,
            keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=3,
            tcp_user_timeout=int(CALL_DEADLINE_S * 1000),
            options=f"-c statement_timeout={int(CALL_DEADLINE_S * 800)}"
                    " -c idle_in_transaction_session_timeout=60000")
    except psycopg.Error as exc:
        raise classify(exc, url) from None
    except OSError as exc:  # a client certificate or passfile that cannot be read
        raise Refused(f"The central database at {describe(url)} cannot be used: {exc}") from None


class _Watchdog:
    """One thread for every deadline of the process (a thread per call would cost more than a
    queue page): it sleeps until the earliest deadline and cuts that connection's socket."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.pending: dict[int, tuple[float, Deadline]] = {}
        self.thread: threading.Thread | None = None
        self.next_id = 0

    def add(self, deadline: Deadline) -> int:
        with self.lock:
            self.next_id += 1
            self.pending[self.next_id] = (time.monotonic() + deadline.seconds, deadline)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="central-deadlines", daemon=True)
                self.thread.start()
            self.lock.notify()
            return self.next_id

    def remove(self, key: int) -> None:
        with self.lock:
            self.pending.pop(key, None)

    def _run(self) -> None:
        with self.lock:
            while True:
                now = time.monotonic()
                due = [k for k, (at, _) in self.pending.items() if at <= now]
                for key in due:
                    self.pending.pop(key)[1].fire()
                wait = min((at for at, _ in self.pending.values()), default=now + 60) - now
                self.lock.wait(max(wait, 0.01))


_WATCHDOG = _Watchdog()


class Deadline:
    """Close the connection's socket if the block has not finished within ``seconds``: the call
    blocked on it then fails at once (``server closed the connection``), whatever the network does."""

    def __init__(self, conn: Any, seconds: float = CALL_DEADLINE_S) -> None:
        self.conn, self.seconds = conn, seconds
        self.fired = False
        self._key: int | None = None

    def fire(self) -> None:
        self.fired = True
        try:
            fd = self.conn.pgconn.socket
            sock = socket.socket(fileno=os.dup(fd))
            try:
                sock.shutdown(socket.SHUT_RDWR)
            finally:
                sock.close()
        except Exception:  # the connection is already gone: nothing to cut
            pass

    def __enter__(self) -> Deadline:
        self._key = _WATCHDOG.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._key is not None:
            _WATCHDOG.remove(self._key)


@contextmanager
def call(conn: Any, url: str, seconds: float = CALL_DEADLINE_S) -> Iterator[Any]:
    """Run a block of calls on ``conn`` under one deadline; psycopg errors become CentralError."""
    import psycopg

    deadline = Deadline(conn, seconds)
    try:
        with deadline:
            yield conn
    except psycopg.Error as exc:
        if deadline.fired:
            raise Unreachable(f"The central database at {describe(url)} did not answer within {seconds:.0f} s "
                              "(a silent network link); nothing was lost, it is tried again.") from None
        raise classify(exc, url) from None
