"""When a write moves the scan stamp (`ledger.scan_stamp.ScanWrites`): hour by hour at the edges of the last minute
of the writer's hour (pure), then through a ledger on each store (the service's memo: tests/service/
test_scan_memo.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ledger import Ledger
from ledger.scan_stamp import MARGIN, ScanWrites
from ledger.timeutil import HOUR_US, to_us

NOW = datetime(2025, 10, 15, 12, 30, tzinfo=UTC)  # the ledger fixtures' clock (conftest.py)
HOUR = to_us(NOW) // HOUR_US  # 12:00 of the writer's clock


def wrote(*hours: int) -> ScanWrites:
    scan = ScanWrites()
    scan.hours(hours)
    return scan


def test_the_writers_current_hour_and_later_do_not_move_it_an_earlier_hour_does() -> None:
    assert not ScanWrites().moves_scan(NOW)  # nothing a scan reads was written
    assert not wrote(HOUR).moves_scan(NOW)
    assert not wrote(HOUR + 1, HOUR + 5).moves_scan(NOW)
    assert wrote(HOUR - 1).moves_scan(NOW)
    assert wrote(HOUR + 3, HOUR - 400, HOUR).moves_scan(NOW)  # the earliest hour decides
    assert wrote().first_hour is None


def test_the_hours_last_minute_moves_it_for_the_hour_being_written() -> None:
    end = NOW.replace(minute=0) + timedelta(hours=1)
    assert not wrote(HOUR).moves_scan(end - MARGIN - timedelta(microseconds=1))
    assert wrote(HOUR).moves_scan(end - MARGIN)
    assert not wrote(HOUR + 1).moves_scan(end - timedelta(microseconds=1))  # the next hour: read once it is whole


def test_what_a_scan_reads_whatever_its_time_always_moves_it() -> None:
    scan = wrote(HOUR + 2)
    scan.always()
    assert scan.moves_scan(NOW)


def test_a_live_event_that_moves_a_past_hours_rollups_moves_it(ledger_factory: Callable[..., Ledger]) -> None:
    """An aggregate usage row from 10:00 covering four hours is counted until a per-call event of its agent lands in
    one of them: then its rollups (at 10:00, an hour the scan reads) turn shadowed, even when that event is live."""
    led = ledger_factory()
    at = NOW.replace(minute=0)
    stamp = led.scan_stamp()
    led.ingest_cost([{"id": "usage", "ts": (at - timedelta(hours=2)).isoformat(), "agent": "support-bot",
                      "cost_usd": 4.0, "aggregate": True, "period_s": 4 * 3600, "runs": 0}])
    assert led.scan_stamp() == stamp + 1  # a past hour
    past = at - timedelta(hours=2)

    def cost_at_ten() -> float:
        return led.hourly_series(["agents/support"], past, at)["agents/support"].cost[0]

    assert cost_at_ten() == 4.0
    led.ingest_cost([{"id": "live-1", "ts": (NOW - timedelta(minutes=10)).isoformat(), "agent": "support-bot",
                      "cost_usd": 0.5}])
    assert cost_at_ten() == 0.0 and led.scan_stamp() == stamp + 2  # shadowed: what a scan reads moved
    led.ingest_cost([{"id": "live-2", "ts": NOW.isoformat(), "agent": "support-bot", "cost_usd": 0.5}])
    assert led.scan_stamp() == stamp + 2  # nothing more moved back
    led.ingest_cost([{"id": "live-2", "ts": (NOW - timedelta(hours=5)).isoformat(), "agent": "support-bot",
                      "cost_usd": 0.5}])
    assert led.scan_stamp() == stamp + 2  # a duplicate is not written


def test_another_ledger_on_the_store_sees_the_stamp_and_retention_and_alerts_leave_it(
        ledger_factory: Callable[..., Ledger]) -> None:
    led, other = ledger_factory(), ledger_factory()
    stamp = led.scan_stamp()
    other.ingest_cost([{"id": "late", "ts": (NOW - timedelta(days=30)).isoformat(), "agent": "triage",
                        "cost_usd": 1.0}])
    assert led.scan_stamp() == stamp + 1
    other.raise_alert("x", "anomaly", "agents/triage", "triage spends more", {})
    with ledger_factory(keep_events_days=7) as keeper:  # opening it drops the month-old event
        assert keeper.store.count("cost_events") == 0  # type: ignore[attr-defined]
    assert led.scan_stamp() == stamp + 1
