"""Staff accounts and the sign-in throttle."""

from __future__ import annotations

from kiosk.store.db import Database, now_iso
from kiosk.store.errors import AlreadyExists
from kiosk.store.records import StaffAccount


class AccountsPart(Database):
    def add_staff(self, name: str, role: str, pin_hash: str, actor: str) -> int:
        with self._tx() as c:
            if c.execute("SELECT 1 FROM staff WHERE name = ?", (name,)).fetchone():
                raise AlreadyExists(f"There is already a staff account named {name!r}.")
            cur = c.execute("INSERT INTO staff (name, role, pin_hash, created_at) VALUES (?, ?, ?, ?)",
                            (name, role, pin_hash, now_iso()))
            staff_id = int(cur.lastrowid or 0)
            self._audit(c, actor, "staff.add", f"staff:{staff_id}", {"role": role})
            return staff_id

    def staff(self, name: str | None = None, staff_id: int | None = None) -> StaffAccount | None:
        sql, arg = ("name = ?", name) if name is not None else ("id = ?", staff_id)
        row = self._read(lambda c: c.execute(f"SELECT * FROM staff WHERE {sql}", (arg,)).fetchone())
        return StaffAccount(**dict(row)) if row else None

    def staff_list(self) -> list[StaffAccount]:
        rows = self._read(lambda c: c.execute("SELECT * FROM staff ORDER BY name").fetchall())
        return [StaffAccount(**dict(r)) for r in rows]

    def staff_count(self, active_only: bool = True) -> int:
        sql = "SELECT count(*) FROM staff" + (" WHERE disabled_at IS NULL" if active_only else "")
        return int(self._read(lambda c: c.execute(sql).fetchone()[0]))

    def set_staff_disabled(self, staff_id: int, disabled: bool, actor: str) -> None:
        with self._tx() as c:
            c.execute("UPDATE staff SET disabled_at = ? WHERE id = ?", (now_iso() if disabled else None, staff_id))
            self._audit(c, actor, "staff.disable" if disabled else "staff.enable", f"staff:{staff_id}", None)

    def set_staff_pin(self, staff_id: int, pin_hash: str, actor: str) -> None:
        """A new PIN also clears failed attempts and any lock."""
        with self._tx() as c:
            c.execute("UPDATE staff SET pin_hash = ?, failed_pins = 0, locked_until = NULL WHERE id = ?",
                      (pin_hash, staff_id))
            self._audit(c, actor, "staff.reset_pin", f"staff:{staff_id}", None)

    def record_sign_in(self, staff_id: int, where: str) -> None:
        with self._tx() as c:
            self._audit(c, f"staff:{staff_id}", "staff.sign_in", f"staff:{staff_id}", {"where": where})

    def throttle(self, key: str) -> tuple[int, str | None, str | None]:
        """(failures, locked_until, updated_at) of one sign-in throttle key."""
        row = self._read(lambda c: c.execute("SELECT failures, locked_until, updated_at FROM signin_throttle"
                                             " WHERE key = ?", (key,)).fetchone())
        return (int(row[0]), row[1], row[2]) if row else (0, None, None)

    def set_throttle(self, key: str, failures: int, locked_until: str | None, at: str) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO signin_throttle VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
                      " failures = excluded.failures, locked_until = excluded.locked_until,"
                      " updated_at = excluded.updated_at", (key, failures, locked_until, at))

    def clear_throttle(self, *keys: str) -> None:
        with self._tx() as c:
            c.executemany("DELETE FROM signin_throttle WHERE key = ?", [(k,) for k in keys])
