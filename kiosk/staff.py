"""Staff accounts: PIN hashing (scrypt), sign-in with lockout, account management.

A PIN is 6 to 8 digits and is stored only as a salted scrypt hash; easy PINs (repeated,
sequential, patterned, the most common ones) are refused. Five wrong PINs for one typed name
lock that name for five minutes, whether or not an account has it, and every attempt costs one
scrypt check, so neither the answer nor its time tells anybody which names exist. Past ten
wrong PINs at one station, each further attempt there waits longer (2, 4, 8 ... 300 seconds).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.codes import Role, values
from kiosk.program import program
from kiosk.store import AlreadyExists, StaffAccount, StaffStore, StoreError

ROLES = values(Role)
PIN_RE = re.compile(r"\d{6,8}")
NAME_RE = re.compile(r"[^\W\d_][\w .'-]{0,39}")
LOCK_AFTER = 5
LOCK_MINUTES = 5
STATION_FREE = 10  # wrong PINs at one station before each further attempt waits
STATION_MAX_WAIT_S = 300
STATION_WINDOW_MIN = 15
# scrypt cost: about 50 ms on a small kiosk PC, 16 MiB of memory per attempt
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


class AccountError(ValueError):
    """A request about accounts that cannot be done, with a message for the person asking."""


# The PINs people choose most (published analyses of leaked PIN sets) that the rules below
# do not already catch.
COMMON_PINS = frozenset({
    "123321", "147258", "159753", "159357", "147852", "258456", "789456", "456789", "102030", "100200",
    "520520", "131313", "696969", "112358", "753951", "951753", "741852", "852963", "369258", "147369",
    "123654", "987456", "654123", "110110", "199999", "200000", "202020", "101010", "010101", "12345678",
    "87654321", "11223344", "20202020", "19901990", "11111111", "1234567", "7654321", "8675309", "5201314",
})


def pin_problem(pin: str) -> str | None:
    if not PIN_RE.fullmatch(pin):
        return "A PIN is 6 to 8 digits."
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    easy = (
        len(set(pin)) <= 2  # 111111, 000001, 121212, 112211
        or steps in ({1}, {9})  # 123456, 890123, 654321
        or any(len(pin) % k == 0 and pin == pin[:k] * (len(pin) // k) for k in (2, 3, 4))  # 123123, 12341234
        or (len(pin) % 2 == 0 and pin[0::2] == pin[1::2])  # 112233, 335577
        or pin in COMMON_PINS
    )
    if easy:
        return "That PIN is too easy to guess (repeated, sequential or a common pattern). Choose another."
    return None


def name_problem(name: str) -> str | None:
    if not NAME_RE.fullmatch(name):
        return "A staff name is 1 to 40 letters, digits, spaces, dots, hyphens or apostrophes, starting with a letter."
    return None


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(digest) // 2)
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(got.hex(), digest)


# Checked against when a name is unknown, so a wrong name costs one full scrypt like a wrong
# PIN. Written out rather than computed: hashing at import added 40 ms to every start-up.
_DUMMY_HASH = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${'00' * 16}${'00' * 32}"


@dataclass(frozen=True)
class SignIn:
    """The result of one sign-in attempt. ``status``: ok, wrong, locked, throttled, no_accounts."""

    status: str
    account: StaffAccount | None = None
    locked_until: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def message(self, now: dt.datetime) -> str:
        if self.status == "ok":
            return ""
        if self.status == "no_accounts":
            return no_accounts_hint()
        if self.status == "throttled" and self.locked_until is not None:
            seconds = max(1, round((self.locked_until - now).total_seconds() + 0.49))
            return (f"Too many wrong PINs at this station. Wait {seconds} second{'s' if seconds != 1 else ''} "
                    "and try again.")
        if self.status == "locked" and self.locked_until is not None:
            minutes = max(1, round((self.locked_until - now).total_seconds() / 60 + 0.49))
            return (f"Too many wrong PINs: this account is locked for {minutes} more minute"
                    f"{'s' if minutes != 1 else ''}. Ask another nurse or an admin.")
        return "Name or PIN not recognised. Check both and try again."


def no_accounts_hint() -> str:
    return ("No staff account exists yet. An administrator creates the first one at this computer's "
            f"terminal: {program()} staff add NAME --role admin")


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _name_key(name: str) -> str:
    return "name:" + " ".join(name.split()).casefold()


def _iso(when: dt.datetime | None) -> str | None:
    return when.isoformat(timespec="seconds") if when is not None else None


class Accounts:
    """Sign-in and account management over one store. ``clock`` is injectable for tests."""

    def __init__(self, store: StaffStore, clock: Callable[[], dt.datetime] = _utc_now) -> None:
        self.store = store
        self.clock = clock

    def sign_in(self, name: str, pin: str, where: str = "station") -> SignIn:
        if self.store.staff_count() == 0:
            return SignIn("no_accounts")
        now = self.clock()
        name_key, station_key = _name_key(name), f"station:{where}"
        account = self.store.staff(name=name.strip()) if name.strip() else None
        usable = account is not None and account.disabled_at is None
        # one scrypt on every path (unknown name, disabled, locked, throttled): the time tells nothing
        right = check_pin(pin, account.pin_hash if usable and account is not None else _DUMMY_HASH) and usable
        station_until = self._locked_until(station_key, now)
        if station_until is not None:
            return SignIn("throttled", None, station_until)
        name_until = self._locked_until(name_key, now)
        if name_until is not None:  # the same for a name no account has
            return SignIn("locked", None, name_until)
        if right and account is not None:
            self.store.clear_throttle(name_key, station_key)
            self.store.record_sign_in(account.id, where)
            return SignIn("ok", account)
        failures = self.store.throttle(name_key)[0] + 1
        locked = now + dt.timedelta(minutes=LOCK_MINUTES) if failures >= LOCK_AFTER else None
        self.store.set_throttle(name_key, 0 if locked else failures, _iso(locked), _iso(now) or "")
        self._station_failure(station_key, now)
        subject = f"staff:{account.id}" if usable and account is not None else None  # never the typed name
        self.store.audit("unknown", "staff.pin_failed", subject, {"where": where})
        if locked is not None:
            self.store.audit("system", "staff.locked", subject, {"until": _iso(locked)})
            return SignIn("locked", None, locked)
        return SignIn("wrong")

    def _locked_until(self, key: str, now: dt.datetime) -> dt.datetime | None:
        until = self.store.throttle(key)[1]
        when = dt.datetime.fromisoformat(until) if until else None
        return when if when is not None and when > now else None

    def _station_failure(self, key: str, now: dt.datetime) -> None:
        failures, _until, at = self.store.throttle(key)
        if at and now - dt.datetime.fromisoformat(at) > dt.timedelta(minutes=STATION_WINDOW_MIN):
            failures = 0  # a quiet quarter of an hour starts the count again
        failures += 1
        wait = min(STATION_MAX_WAIT_S, 2 ** (failures - STATION_FREE)) if failures > STATION_FREE else 0
        self.store.set_throttle(key, failures, _iso(now + dt.timedelta(seconds=wait)) if wait else None, _iso(now) or "")

    def add(self, name: str, role: str, pin: str, actor: str) -> StaffAccount:
        name = name.strip()
        problem = name_problem(name) or (None if role in ROLES else f"The role is nurse or admin, not {role!r}.") \
            or pin_problem(pin)
        if problem:
            raise AccountError(problem)
        try:
            staff_id = self.store.add_staff(name, role, hash_pin(pin), actor)
        except StoreError as exc:
            if isinstance(exc, AlreadyExists):
                raise AccountError(str(exc)) from None
            raise
        account = self.store.staff(staff_id=staff_id)
        assert account is not None
        return account

    def find(self, name: str) -> StaffAccount:
        account = self.store.staff(name=name.strip())
        if account is None:
            raise AccountError(f"There is no staff account named {name!r}.")
        return account

    def set_disabled(self, name: str, disabled: bool, actor: str) -> StaffAccount:
        account = self.find(name)
        if disabled and account.role == "admin" and account.disabled_at is None and self._active_admins() <= 1:
            raise AccountError("This is the last active admin account; add another admin before disabling it.")
        self.store.set_staff_disabled(account.id, disabled, actor)
        return self.find(name)

    def reset_pin(self, name: str, pin: str, actor: str) -> StaffAccount:
        account = self.find(name)
        problem = pin_problem(pin)
        if problem:
            raise AccountError(problem)
        self.store.set_staff_pin(account.id, hash_pin(pin), actor)
        self.store.clear_throttle(_name_key(account.name))  # a new PIN lifts the lock
        return self.find(name)

    def _active_admins(self) -> int:
        return sum(1 for a in self.store.staff_list() if a.role == "admin" and a.disabled_at is None)

    def status(self, account: StaffAccount) -> str:
        if account.disabled_at:
            return "disabled"
        if self._locked_until(_name_key(account.name), self.clock()) is not None:
            return "locked"
        return "active"


def random_pin(digits: int = 6) -> str:
    while True:
        pin = "".join(secrets.choice("0123456789") for _ in range(digits))
        if pin_problem(pin) is None:
            return pin
