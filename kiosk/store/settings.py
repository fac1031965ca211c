"""The clinic's settings as stored (``kiosk/settings.py`` declares and checks them)."""

from __future__ import annotations

import json
from typing import Any

from kiosk.store.db import Database, now_iso


class SettingsPart(Database):
    def settings(self) -> dict[str, Any]:
        rows = self._read(lambda c: c.execute("SELECT key, value_json FROM settings").fetchall())
        return {r[0]: json.loads(r[1]) for r in rows}

    def set_settings(self, changes: dict[str, Any], actor: str) -> None:
        """Store changed settings and audit each change, all in one transaction."""
        at = now_iso()
        with self._tx() as c:
            for key, value in changes.items():
                old = c.execute("SELECT value_json FROM settings WHERE key = ?", (key,)).fetchone()
                body = json.dumps(value, ensure_ascii=False)
                if old is not None and old[0] == body:
                    continue
                c.execute("INSERT INTO settings (key, value_json, updated_at, updated_by) VALUES (?, ?, ?, ?)"
                          " ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json,"
                          " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                          (key, body, at, actor))
                self._audit(c, actor, "settings.change", f"setting:{key}",
                            {"from": json.loads(old[0]) if old else None, "to": value})
