"""When a write moves the scan stamp (`ledger.scan_stamp.ScanWrites`), hour by hour: pure, at the edges of the last
minute of the writer's hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ledger.scan_stamp import MARGIN, ScanWrites
from ledger.timeutil import HOUR_US, to_us

NOW = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)
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
