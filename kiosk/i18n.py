"""The app's own strings (buttons, notices, messages) per language, from
``resources/translations/<lang>.json``. Question text comes from the questionnaire."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from kiosk.codes import Language, values
from kiosk.resources import resource

LANGUAGES = values(Language)
FALLBACK = "en"


@cache
def catalog(lang: str) -> dict[str, str]:
    path = resource("translations", f"{lang}.json")
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


def t(lang: str, key: str, **values: Any) -> str:
    """The string for ``key`` in ``lang`` (English if missing there; the key itself if
    missing everywhere, so a gap shows instead of crashing the kiosk)."""
    text = catalog(lang).get(key) if lang in LANGUAGES else None
    if text is None:
        text = catalog(FALLBACK).get(key, key)
    return text.format(**values) if values else text


def problem_text(lang: str, code: str, params: dict[str, Any] | None = None) -> str:
    return t(lang, f"problem.{code}", **(params or {})) if f"problem.{code}" in catalog(FALLBACK) \
        else t(lang, "problem.type")
