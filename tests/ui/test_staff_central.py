"""The staff station on the clinic's central database (``staff --central``): the same window,
intakes from every kiosk, new ones pushed by LISTEN/NOTIFY, a server outage said plainly."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import cli
from kiosk.central.store import CentralStore
from kiosk.demo import seed
from kiosk.ship import Shipper
from kiosk.staff import Accounts
from kiosk.store import Store
from tests.conftest import EXAMPLES
from tests.netproxy import Proxy
from tests.ui.test_staff import NURSE, NURSE_PIN, find, queue_names, sign_in


@pytest.fixture
def clinic(tmp_path, central, questionnaire, rulepack):  # type: ignore[no-untyped-def]
    """Two kiosks that have shipped their intakes, a nurse account made centrally, a station login."""
    kiosks = []
    for name in ("a", "b"):
        db = tmp_path / name / "kiosk.db"
        with Store(db) as store:
            seed(store, questionnaire, rulepack) if name == "a" else None
        if name == "b":
            assert cli.main(["--db", str(db), "submit", str(EXAMPLES / "s5_daily_aspirin.json")]) == 0
        url = central.login("kiosk")
        assert Shipper(db, url).once() == 0
        kiosks.append((db, url))
    station = central.login("station")
    with CentralStore(station, local_db=tmp_path / "station" / "kiosk.db") as store:
        Accounts(store).add(NURSE, "nurse", NURSE_PIN, "test")
    return kiosks, station, tmp_path / "station" / "kiosk.db"


def test_the_station_shows_every_kiosk_and_new_intakes_are_pushed(qtbot, make_staff, clinic) -> None:  # type: ignore[no-untyped-def]
    (kiosk_a, url_a), _, station_url, station_db = *clinic[0], *clinic[1:]
    window = make_staff(station_db, central=station_url)
    sign_in(qtbot, window)
    qtbot.waitUntil(lambda: len(queue_names(window)) == 8)  # 7 from kiosk a, 1 from kiosk b
    window.queue.poll.stop()  # no polling: what arrives now is pushed
    assert cli.main(["--db", str(kiosk_a), "submit", str(EXAMPLES / "s1_fibromyalgia.json")]) == 0
    assert Shipper(kiosk_a, url_a).once() == 0
    qtbot.waitUntil(lambda: len(queue_names(window)) == 9, timeout=5000)


@pytest.mark.logs_errors
def test_a_central_outage_is_said_and_the_station_recovers(qtbot, make_staff, clinic, central) -> None:  # type: ignore[no-untyped-def]
    from psycopg.conninfo import conninfo_to_dict

    _, station_url, station_db = clinic
    info = conninfo_to_dict(station_url)
    proxy = Proxy(str(info["host"]), int(info["port"]))
    try:
        window = make_staff(station_db, central=proxy.url(station_url))
        sign_in(qtbot, window)
        qtbot.waitUntil(lambda: len(queue_names(window)) == 8)
        proxy.cut()
        window.queue.refresh_if_changed()
        message = find(window, "queue:message")
        qtbot.waitUntil(lambda: "cannot be reached" in message.text())  # type: ignore[attr-defined]
        assert "Traceback" not in message.text()  # type: ignore[attr-defined]
        proxy.resume()
        window.queue.poll.setInterval(50)  # the poll retries while the server is away; quicker here
        qtbot.waitUntil(lambda: message.text() == "" and len(queue_names(window)) == 8,  # type: ignore[attr-defined]
                        timeout=10000)
    finally:
        proxy.close()


def test_staff_central_without_a_url_is_a_usage_error(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("KIOSK_CENTRAL", raising=False)
    assert cli.main(["--db", str(tmp_path / "k.db"), "staff", "--central"], ui_commands={"staff-window": lambda a: 0}) == 2


def test_the_kiosks_own_station_says_what_waits_for_the_server(qtbot, make_staff, tmp_path, central) -> None:  # type: ignore[no-untyped-def]
    """During an outage the kiosk's own Staff screen is where nurses see its intakes: it says how
    many have not reached the central database yet."""
    db = tmp_path / "kiosk.db"
    assert cli.main(["--db", str(db), "submit", str(EXAMPLES / "s5_daily_aspirin.json")]) == 0
    assert Shipper(db, central.login("kiosk")).once() == 0
    assert cli.main(["--db", str(db), "submit", str(EXAMPLES / "s7_fever_unsure.json")]) == 0  # not sent yet
    with Store(db) as store:
        Accounts(store).add(NURSE, "nurse", NURSE_PIN, "test")
    window = make_staff(db)
    sign_in(qtbot, window)
    count = find(window, "queue:count")
    qtbot.waitUntil(lambda: "2 intakes" in count.text())  # type: ignore[attr-defined]
    assert "1 not yet sent to the clinic's server" in count.text()  # type: ignore[attr-defined]
