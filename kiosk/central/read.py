"""Reading intakes from the central database (``intakes --central``), as a nurse station login."""

from __future__ import annotations

import json
from typing import Any

from kiosk.central import db


def central_intakes(url: str, status: str | None = None) -> list[dict[str, Any]]:
    """Every kiosk's closed intakes, oldest first, in the shape of the local ``intakes --json``
    plus ``uuid`` and ``station`` (the kiosk's login name); ``id`` is the central id."""
    conn = db.connect(url)
    try:
        with db.call(conn, url, seconds=db.CALL_DEADLINE_S):
            where, args = ("WHERE i.status = %s", [status]) if status else ("", [])
            rows = conn.execute(
                "SELECT i.id, i.uuid::text, i.station, i.status, i.started_at, i.submitted_at, i.abandoned_at,"
                " i.language, i.questionnaire_url, i.questionnaire_version,"
                " (SELECT result_json FROM facet.assessments a WHERE a.intake_id = i.id ORDER BY a.id DESC LIMIT 1),"
                " (SELECT coalesce(json_object_agg(link_id, value_json ORDER BY link_id), '{}')"
                "  FROM facet.answers WHERE intake_id = i.id)"
                f" FROM facet.intakes i {where} ORDER BY i.id", args).fetchall()
    finally:
        conn.close()
    out = []
    for (cid, uuid, station, st, started, submitted, abandoned, lang, q_url, q_version, result, answers) in rows:
        assessment = json.loads(result) if result else {}
        out.append({
            "id": cid, "uuid": uuid, "station": station, "status": st, "started_at": started,
            "submitted_at": submitted, "abandoned_at": abandoned, "language": lang,
            "questionnaire": f"{q_url}|{q_version}",
            "outcome": assessment.get("outcome"), "next_step": assessment.get("next_step"),
            "answers": {k: json.loads(v) for k, v in (answers or {}).items()},
        })
    return out
