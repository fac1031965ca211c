"""Staff accounts: scrypt PIN hashes, sign-in, lockout, account management, settings."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from kiosk import settings
from kiosk.staff import LOCK_AFTER, AccountError, Accounts, check_pin, hash_pin, pin_problem
from kiosk.store import Store


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def store(db_path):  # type: ignore[no-untyped-def]
    with Store(db_path) as s:
        yield s


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(store, clock) -> Accounts:  # type: ignore[no-untyped-def]
    a = Accounts(store, clock)
    a.add("Ana", "nurse", "482916", "test")
    a.add("Boss", "admin", "7391846", "test")
    return a


def test_pins_are_stored_only_as_salted_scrypt_hashes(accounts, db_path) -> None:
    rows = sqlite3.connect(db_path).execute("SELECT name, pin_hash FROM staff").fetchall()
    assert all(h.startswith("scrypt$") and "482916" not in h and "7391846" not in h for _, h in rows)
    assert hash_pin("482916") != hash_pin("482916")  # salted
    stored = dict(rows)["Ana"]
    assert check_pin("482916", stored) and not check_pin("482917", stored)
    assert not check_pin("482916", "garbage") and not check_pin("482916", "md5$x$y$z$00$00")


@pytest.mark.parametrize("pin", ["12345", "123456789", "12a456", "", "111111", "123456", "876543"])
def test_weak_or_malformed_pins_are_refused(pin) -> None:
    assert pin_problem(pin)


@pytest.mark.parametrize("pin", ["482916", "7391846", "90817263"])
def test_six_to_eight_digit_pins_are_accepted(pin) -> None:
    assert pin_problem(pin) is None


def test_sign_in_with_the_right_pin_is_audited(accounts, store) -> None:
    result = accounts.sign_in("ana", "482916", "station")  # names are not case-sensitive
    assert result.ok and result.account.name == "Ana"
    row = store.audit_rows(1)[0]
    assert (row["action"], row["actor"]) == ("staff.sign_in", f"staff:{result.account.id}")


def test_unknown_name_and_wrong_pin_get_the_same_answer(accounts, store, clock) -> None:
    unknown = accounts.sign_in("Nobody", "482916")
    wrong = accounts.sign_in("Ana", "000001")
    assert unknown.status == wrong.status == "wrong"
    assert unknown.message(clock()) == wrong.message(clock())
    rows = store.audit_rows(2)
    assert [r["action"] for r in rows] == ["staff.pin_failed", "staff.pin_failed"]
    assert "Nobody" not in str(rows)  # a typed name may be a mistyped PIN: never logged


def test_an_unknown_name_costs_a_full_scrypt_check() -> None:
    """The stand-in hash is written out, not computed at import: it must still have a real
    hash's shape and cost, or an unknown name would answer faster than a wrong PIN."""
    from kiosk.staff import _DUMMY_HASH

    real = hash_pin("482916").split("$")
    dummy = _DUMMY_HASH.split("$")
    assert dummy[:4] == real[:4]  # scheme, N, r, p
    assert [len(part) for part in dummy[4:]] == [len(part) for part in real[4:]]
    assert bytes.fromhex(dummy[4]) and bytes.fromhex(dummy[5])
    assert check_pin("000000", _DUMMY_HASH) is False


def test_five_wrong_pins_lock_the_account_for_five_minutes(accounts, store, clock) -> None:
    for _ in range(LOCK_AFTER - 1):
        assert accounts.sign_in("Ana", "999111").status == "wrong"
    locked = accounts.sign_in("Ana", "999111")
    assert locked.status == "locked" and "5 more minutes" in locked.message(clock())
    assert accounts.sign_in("Ana", "482916").status == "locked"  # the right PIN does not help now
    assert accounts.status(accounts.find("Ana")) == "locked"
    assert accounts.sign_in("Boss", "7391846").ok  # other accounts are not affected
    assert "staff.locked" in [r["action"] for r in store.audit_rows(20)]
    clock.now += dt.timedelta(minutes=4, seconds=59)
    assert accounts.sign_in("Ana", "482916").status == "locked"
    clock.now += dt.timedelta(seconds=2)
    assert accounts.sign_in("Ana", "482916").ok
    assert accounts.sign_in("Ana", "999111").status == "wrong"  # the count started again


def test_disabled_accounts_cannot_sign_in_and_the_last_admin_stays(accounts) -> None:
    accounts.set_disabled("Ana", True, "test")
    assert accounts.sign_in("Ana", "482916").status == "wrong"
    with pytest.raises(AccountError, match="last active admin"):
        accounts.set_disabled("Boss", True, "test")
    accounts.set_disabled("Ana", False, "test")
    assert accounts.sign_in("Ana", "482916").ok


def test_reset_pin_replaces_the_pin_and_clears_a_lock(accounts, clock) -> None:
    for _ in range(LOCK_AFTER):
        accounts.sign_in("Ana", "999111")
    accounts.reset_pin("Ana", "564738", "test")
    assert accounts.sign_in("Ana", "482916").status == "wrong"
    assert accounts.sign_in("Ana", "564738").ok


def test_account_requests_are_checked(accounts) -> None:
    for name, role, pin in (("Ana", "nurse", "564738"), ("", "nurse", "564738"), ("X", "doctor", "564738"),
                            ("Carl", "nurse", "1234"), ("1abc", "nurse", "564738")):
        with pytest.raises(AccountError):
            accounts.add(name, role, pin, "test")
    with pytest.raises(AccountError, match="no staff account"):
        accounts.reset_pin("Nobody", "564738", "test")


def test_with_no_account_sign_in_says_how_to_create_one(store, clock) -> None:
    result = Accounts(store, clock).sign_in("anyone", "123456")
    assert result.status == "no_accounts"
    assert "staff add NAME --role admin" in result.message(clock())


def test_settings_default_change_audited_and_checked(store) -> None:
    assert settings.current(store)["staff_lock_s"] == 120
    settings.change(store, {"staff_lock_s": 60, "rule_mode": "guideline", "languages": ["es"]}, "staff:1")
    now = settings.current(store)
    assert (now["staff_lock_s"], now["rule_mode"], now["languages"]) == (60, "guideline", ["es"])
    changes = [r for r in store.audit_rows(10) if r["action"] == "settings.change"]
    assert {r["subject"] for r in changes} == {"setting:staff_lock_s", "setting:rule_mode", "setting:languages"}
    assert all(r["actor"] == "staff:1" for r in changes)
    settings.change(store, {"staff_lock_s": 60}, "staff:1")  # unchanged: no new audit entry
    assert len([r for r in store.audit_rows(20) if r["action"] == "settings.change"]) == 3
    for bad in ({"staff_lock_s": 5}, {"rule_mode": "strict"}, {"languages": []}, {"languages": ["fr"]},
                {"retention_days": "30"}, {"nope": 1}, {"idle_warn_s": True}):
        with pytest.raises(settings.SettingsError):
            settings.change(store, bad | {"idle_warn_s": 45} if "idle_warn_s" not in bad else bad, "staff:1")
    assert settings.current(store)["idle_warn_s"] == 90  # nothing half-applied


# -- issue 11: the lockout tells nothing, a station-wide throttle, weak PINs ------------------

def test_a_made_up_name_locks_exactly_like_a_real_one(accounts, clock) -> None:
    answers = {}
    for name in ("Ana", "Nobody At All"):
        seen = [accounts.sign_in(name, "999111").message(clock()) for _ in range(LOCK_AFTER + 1)]
        answers[name] = seen
    assert answers["Ana"] == answers["Nobody At All"]
    assert "locked for 5 more minutes" in answers["Ana"][-1] and "locked" in answers["Ana"][LOCK_AFTER - 1]
    clock.now += dt.timedelta(minutes=6)
    assert accounts.sign_in("Ana", "482916").ok  # the lock ends


def test_every_attempt_costs_one_scrypt_whatever_the_name(accounts, clock, monkeypatch) -> None:
    """The time of an answer tells nothing: unknown, disabled, locked and throttled names pay
    the same single hash as a wrong PIN (counted, not timed: no test waits on the clock)."""
    import hashlib

    calls = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: calls.append(1) or real(*a, **k))
    for _ in range(LOCK_AFTER):
        accounts.sign_in("Ana", "999111")
    accounts.add("Ben", "nurse", "564738", "test")
    accounts.set_disabled("Ben", True, "test")
    for name, pin in (("Ana", "482916"),  # locked now
                      ("Nobody", "482916"), ("", "482916"), ("Ben", "564738"), ("Boss", "999111")):
        calls.clear()
        accounts.sign_in(name, pin)
        assert len(calls) == 1, name


def test_the_station_slows_down_after_many_wrong_pins_across_names(accounts, clock) -> None:
    """150 guesses across 30 names no longer fit in five minutes."""
    for n in range(10):
        assert accounts.sign_in(f"Guess {n}", "999111").status == "wrong"  # ten are free
    assert accounts.sign_in("Guess 10", "999111").status == "wrong"  # the eleventh starts a wait
    waiting = accounts.sign_in("Ana", "482916")  # even the right PIN waits, for every name alike
    assert waiting.status == "throttled" and "Wait 2 seconds" in waiting.message(clock())
    clock.now += dt.timedelta(seconds=2)
    assert accounts.sign_in("Guess 11", "999111").status == "wrong"
    assert accounts.sign_in("Guess 12", "999111").status == "throttled"  # now 4 seconds
    # an attacker who waits out every delay, for five minutes from the first guess
    start, guesses = clock.now - dt.timedelta(seconds=2), 12
    while True:
        result = accounts.sign_in(f"Guess {guesses}", "999111")
        if result.status == "throttled":
            if result.locked_until is None or result.locked_until - start > dt.timedelta(minutes=5):
                break
            clock.now = result.locked_until
        else:
            guesses += 1
    assert guesses < 20  # not 150
    clock.now += dt.timedelta(minutes=20)  # a quiet while: the right PIN works, and resets the count
    assert accounts.sign_in("Ana", "482916").ok
    assert accounts.sign_in("Guess", "999111").status == "wrong"


@pytest.mark.parametrize("pin", ["123123", "112233", "121212", "000001", "654321", "890123", "12341234",
                                 "147258", "111111", "123456", "98765432", "335577"])
def test_easy_pins_are_refused(pin) -> None:
    assert pin_problem(pin) is not None


@pytest.mark.parametrize("pin", ["482916", "7391846", "564738", "90417263"])
def test_ordinary_pins_are_accepted(pin) -> None:
    assert pin_problem(pin) is None
