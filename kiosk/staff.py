"""Staff accounts: PIN hashing (scrypt), sign-in with lockout, account management.

A PIN is 6 to 8 digits and is stored only as a salted scrypt hash. Five wrong PINs in a row
lock the account for five minutes. A wrong name and a wrong PIN get the same answer, so the
sign-in screen never tells anybody which names exist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.program import program
from kiosk.store import StaffAccount, Store, StoreError

ROLES = ("nurse", "admin")
PIN_RE = re.compile(r"\d{6,8}")
NAME_RE = re.compile(r"[^\W\d_][\w .'-]{0,39}")
LOCK_AFTER = 5
LOCK_MINUTES = 5
# scrypt cost: about 50 ms on a small kiosk PC, 16 MiB of memory per attempt
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


class AccountError(ValueError):
    """A request about accounts that cannot be done, with a message for the person asking."""


def pin_problem(pin: str) -> str | None:
    if not PIN_RE.fullmatch(pin):
        return "A PIN is 6 to 8 digits."
    if len(set(pin)) == 1 or pin in "0123456789012345" or pin in "9876543210987654":
        return "That PIN is too easy to guess (repeated or consecutive digits). Choose another."
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
    """The result of one sign-in attempt. ``status``: ok, wrong, locked, no_accounts."""

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


class Accounts:
    """Sign-in and account management over one store. ``clock`` is injectable for tests."""

    def __init__(self, store: Store, clock: Callable[[], dt.datetime] = _utc_now) -> None:
        self.store = store
        self.clock = clock

    def sign_in(self, name: str, pin: str, where: str = "station") -> SignIn:
        if self.store.staff_count() == 0:
            return SignIn("no_accounts")
        account = self.store.staff(name=name.strip()) if name.strip() else None
        if account is None or account.disabled_at is not None:
            check_pin(pin, _DUMMY_HASH)  # same time as a real check: names cannot be probed
            self.store.record_pin_failure(None, where, LOCK_AFTER, "")
            return SignIn("wrong")
        now = self.clock()
        if account.locked_until and dt.datetime.fromisoformat(account.locked_until) > now:
            return SignIn("locked", account, dt.datetime.fromisoformat(account.locked_until))
        if check_pin(pin, account.pin_hash):
            self.store.record_sign_in(account.id, where)
            return SignIn("ok", account)
        until = now + dt.timedelta(minutes=LOCK_MINUTES)
        count = self.store.record_pin_failure(account.id, where, LOCK_AFTER, until.isoformat(timespec="seconds"))
        if count >= LOCK_AFTER:
            return SignIn("locked", account, until)
        return SignIn("wrong")

    def add(self, name: str, role: str, pin: str, actor: str) -> StaffAccount:
        name = name.strip()
        problem = name_problem(name) or (None if role in ROLES else f"The role is nurse or admin, not {role!r}.") \
            or pin_problem(pin)
        if problem:
            raise AccountError(problem)
        try:
            staff_id = self.store.add_staff(name, role, hash_pin(pin), actor)
        except StoreError as exc:
            if exc.kind == "exists":
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
        return self.find(name)

    def _active_admins(self) -> int:
        return sum(1 for a in self.store.staff_list() if a.role == "admin" and a.disabled_at is None)

    def status(self, account: StaffAccount) -> str:
        if account.disabled_at:
            return "disabled"
        if account.locked_until and dt.datetime.fromisoformat(account.locked_until) > self.clock():
            return "locked"
        return "active"


def random_pin(digits: int = 6) -> str:
    while True:
        pin = "".join(secrets.choice("0123456789") for _ in range(digits))
        if pin_problem(pin) is None:
            return pin
