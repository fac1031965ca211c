"""The hash-chained audit log, each row also MACed under a key kept outside the database
(``kiosk/audit.py``), its head signed outside the file."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from kiosk import audit
from kiosk.store.db import Database, now_iso
from kiosk.store.records import AuditCheck

GENESIS = "0" * 64


def chain_hash(prev: str, at: str, actor: str, action: str, subject: str | None, details: str) -> str:
    import hashlib  # here, not at import: OpenSSL loads when the first entry is written, not at start-up

    payload = json.dumps([prev, at, actor, action, subject, details], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AuditPart(Database):
    def _key_existing_audit_rows(self) -> None:
        """Schema 3: give every earlier audit row its MAC (inside the migration's transaction; the
        append-only guard is lifted for this one statement and put back)."""
        rows = self.conn.execute("SELECT id, hash FROM audit_log").fetchall()
        if not rows:
            return
        key = audit.key_for_writing(self.path)
        guard = self.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_log_no_update'").fetchone()
        self.conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        self.conn.executemany("UPDATE audit_log SET mac = ? WHERE id = ?",
                              [(audit.mac(key, r[1]), r[0]) for r in rows])
        if guard is not None:
            self.conn.execute(guard[0])

    def _audit(self, c: sqlite3.Connection, actor: str, action: str, subject: str | None,
               details: dict[str, Any] | None) -> None:
        row = c.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        prev = row[0] if row else GENESIS
        at = now_iso()
        body = json.dumps(details or {}, ensure_ascii=False, sort_keys=True)
        digest = chain_hash(prev, at, actor, action, subject, body)
        if self._audit_key is None:
            self._audit_key = audit.key_for_writing(self.path)
        cur = c.execute("INSERT INTO audit_log (at, actor, action, subject, details_json, prev_hash, hash, mac)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (at, actor, action, subject, body, prev, digest, audit.mac(self._audit_key, digest)))
        self._new_head = (int(cur.lastrowid or 0), digest)  # signed outside the file once committed

    def audit(self, actor: str, action: str, subject: str | None = None,
              details: dict[str, Any] | None = None) -> None:
        """Append one event. Never put patient names or answers in ``details``."""
        with self._tx() as c:
            self._audit(c, actor, action, subject, details)

    def audit_rows(self, limit: int = 200, before_id: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM audit_log"
        args: list[Any] = []
        if before_id is not None:
            sql += " WHERE id < ?"
            args.append(before_id)
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        return [dict(r) for r in self._read(lambda c: c.execute(sql, args).fetchall())]

    def verify_audit(self) -> AuditCheck:
        """Walk the chain; report the first row whose link, hash or MAC does not match, missing
        append-only triggers, and a log shorter than, or different from, what a backup holds."""
        import hmac

        prev = GENESIS
        count = 0
        last_id = 0
        rows = self._read(lambda c: c.execute("SELECT * FROM audit_log ORDER BY id").fetchall())
        key = audit.read_key(self.path)
        for r in rows:
            count += 1
            if r["id"] != last_id + 1:
                return AuditCheck(False, count, last_id + 1, f"row {last_id + 1} is missing (deleted)")
            last_id = r["id"]
            if r["prev_hash"] != prev:
                return AuditCheck(False, count, r["id"], f"row {r['id']} does not link to the row before it")
            expected = chain_hash(prev, r["at"], r["actor"], r["action"], r["subject"], r["details_json"])
            if r["hash"] != expected:
                return AuditCheck(False, count, r["id"], f"row {r['id']} was changed after it was written")
            if key is None:
                return AuditCheck(False, count, r["id"], f"the audit key {audit.key_path(self.path).name} is "
                                  "missing: keep it with the database and its backups")
            if r["mac"] is None or not hmac.compare_digest(r["mac"], audit.mac(key, r["hash"])):
                return AuditCheck(False, count, r["id"], f"row {r['id']} does not carry the key's MAC: the chain "
                                  "was recomputed or rows were inserted")
            prev = r["hash"]
        triggers = {r[0] for r in self._read(lambda c: c.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall())}
        for name in audit.TRIGGERS:
            if name not in triggers:
                return AuditCheck(False, count, None, f"the append-only guard {name} was removed")
        chain = {int(r["id"]): r["hash"] for r in rows}
        head = audit.read_head(self.path, key) if key is not None else None
        if isinstance(head, str):
            return AuditCheck(False, count, None, head)
        if head is not None and head[0] > last_id:
            return AuditCheck(False, count, last_id + 1, f"the newest entries were removed: the log reached entry "
                              f"{head[0]}, it now ends at {last_id}")
        if head is not None and chain.get(head[0]) != head[1]:
            return AuditCheck(False, count, head[0], f"entry {head[0]} differs from the signed head: the chain was "
                              "rewritten")
        restores = [dt.datetime.fromisoformat(r["at"]).timestamp() for r in rows if r["action"] == "backup.restore"]
        witnesses = sorted((self.path.parent / "backups").glob("kiosk-*.db"))
        problems = audit.witness_problems(chain, last_id, witnesses, max(restores) if restores else None)
        if problems:
            return AuditCheck(False, count, None, problems[0])
        return AuditCheck(True, count)
