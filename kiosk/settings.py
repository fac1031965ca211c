"""Clinic settings an admin may change (stored in the database, every change audited).

Each setting has a default, a plain-language label and a check. The kiosk reads them when it
starts a new patient, so a change applies to the next patient without a restart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from kiosk.codes import Language, RuleMode, values
from kiosk.store import StaffStore

LANGUAGES = values(Language)
MODES = values(RuleMode)


class Setting(NamedTuple):
    key: str
    label: str
    default: Any
    check: Callable[[Any], str | None]
    unit: str = ""


def _seconds(low: int, high: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            return f"a whole number of seconds from {low} to {high}"
        return None
    return check


def _days(value: Any) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool) or not 30 <= value <= 3650:
        return "a whole number of days from 30 to 3650"
    return None


def _mode(value: Any) -> str | None:
    return None if value in MODES else "lcd or guideline"


def _languages(value: Any) -> str | None:
    if not isinstance(value, list) or not value or any(v not in LANGUAGES for v in value) \
            or len(set(value)) != len(value):
        return "at least one of: " + ", ".join(LANGUAGES)
    return None


def _url(value: Any) -> str | None:
    """Empty (not set) or an http(s) address with a host, never the example.org placeholder."""
    if value == "":
        return None
    if not isinstance(value, str) or any(c.isspace() for c in value) or len(value) > 300:
        return "an address such as https://clinic.example.net/fhir, or empty"
    scheme, _, rest = value.partition("://")
    host = rest.split("/", 1)[0]
    if scheme not in ("http", "https") or not host or ("." not in host and host != "localhost" \
            and not host.startswith("127.0.0.1")):
        return "an address such as https://clinic.example.net/fhir, or empty"
    if host.endswith("example.org"):
        return "the clinic's own address, not the example.org placeholder"
    return None


def _auth(value: Any) -> str | None:
    return None if value in AUTH_KINDS else "none, basic or bearer"


def _path(value: Any) -> str | None:
    if value == "" or (isinstance(value, str) and value.startswith("/") and "\n" not in value and len(value) < 300):
        return None
    return "a full path to a file (the token or password is read from it, never stored here), or empty"


def _user(value: Any) -> str | None:
    if isinstance(value, str) and len(value) <= 100 and ":" not in value and value.isprintable():
        return None
    return "a user name (no colon), or empty"


def _system(value: Any) -> str | None:
    """Empty (not asked) or an identifier system: an http(s) address or a urn:oid / urn:uuid."""
    if value == "":
        return None
    if isinstance(value, str) and (re.fullmatch(r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+", value)
                                   or re.fullmatch(r"urn:uuid:[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", value)):
        return None
    if _url(value) is None:
        return None
    return "the EHR's identifier system for that number (an https address or urn:oid:…), or empty"


def clinic_options(config: Mapping[str, Any]) -> tuple[str, ...]:
    """The questionnaire's clinic options turned on by these settings (items marked ``clinic-option``)."""
    return ("patient-number",) if config.get("patient_number_system") else ()


AUTH_KINDS = ("none", "basic", "bearer")

SETTINGS: tuple[Setting, ...] = (
    Setting("idle_warn_s", "Seconds without a touch before the kiosk asks \"Are you still there?\"", 90,
            _seconds(20, 600), "s"),
    Setting("idle_countdown_s", "Seconds the kiosk counts down before it clears the screen", 30, _seconds(10, 120), "s"),
    Setting("staff_lock_s", "Seconds without input before a staff screen locks itself", 120, _seconds(30, 900), "s"),
    Setting("rule_mode", "Criteria used to sort intakes",
            "lcd", _mode),
    Setting("languages", "Languages offered to patients", list(LANGUAGES), _languages),
    Setting("retention_days", "Days an intake is kept on this kiosk after it was closed", 365, _days, "days"),
    Setting("clinic_url", "The clinic's web address (the base of its FHIR identifiers)", "", _url),
    Setting("fhir_base_url", "The EHR's FHIR R4 address for delivery", "", _url),
    Setting("fhir_auth", "How to sign in to the EHR", "none", _auth),
    Setting("fhir_user", "EHR user name (basic sign-in)", "", _user),
    Setting("fhir_secret_file", "File with the EHR password or token", "", _path),
    Setting("patient_number_system", "Identifier system of the patient number on the front desk's slip (MRN or "
            "check-in code); empty: patients are not asked for one", "", _system),
)
BY_KEY = {s.key: s for s in SETTINGS}


class SettingsError(ValueError):
    pass


def current(store: StaffStore) -> dict[str, Any]:
    """Every setting: the stored value when it is valid, else the default."""
    stored = store.settings()
    out = {}
    for s in SETTINGS:
        value = stored.get(s.key, s.default)
        out[s.key] = value if s.check(value) is None else s.default
    return out


def problems(changes: Mapping[str, Any]) -> list[str]:
    out = []
    for key, value in changes.items():
        setting = BY_KEY.get(key)
        if setting is None:
            out.append(f"{key}: not a setting")
            continue
        problem = setting.check(value)
        if problem:
            out.append(f"{setting.label}: should be {problem}")
    return out


CENTRAL_MARK = "settings_from_central"


def managed_centrally(store: StaffStore) -> bool:
    """True on a kiosk whose shipper copies the settings from the clinic's central database:
    there they are a read-only cache, changed at a nurse station on the central database."""
    mark = getattr(store, "ship_mark", None)
    return bool(mark is not None and mark(CENTRAL_MARK))


def from_central(store: StaffStore, central: Mapping[str, Any]) -> list[str]:
    """Copy the central settings into this kiosk's cache (the valid ones that differ; each change
    audited by the store as made by "central"); returns the keys changed."""
    now = current(store)
    changes = {k: v for k, v in central.items() if k in BY_KEY and BY_KEY[k].check(v) is None and now.get(k) != v}
    if changes:
        store.set_settings(changes, "central")
    return sorted(changes)


def change(store: StaffStore, changes: Mapping[str, Any], actor: str) -> None:
    """Validate all, then store all in one audited transaction (nothing half-applied)."""
    if managed_centrally(store):
        raise SettingsError("These settings come from the clinic's central database: change them at a nurse "
                            "station working on it (staff --central). This kiosk picks them up within a minute.")
    found = problems(changes)
    if found:
        raise SettingsError("; ".join(found))
    now = current(store)
    store.set_settings({k: v for k, v in changes.items() if now.get(k) != v}, actor)
