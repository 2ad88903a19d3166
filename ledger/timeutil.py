"""UTC time as integers: microseconds, hours and days since the epoch, so rollup keys are cheap to compute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = [
    "HOUR_US",
    "TS_RANGE_US",
    "US",
    "day_start",
    "from_us",
    "hour_of",
    "month_start",
    "next_month_start",
    "parse_ts",
    "to_us",
]

US = 1_000_000
HOUR_US = 3600 * US
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_ts(value: object) -> tuple[int, bool]:
    """Parse an ISO 8601 string (or datetime) to UTC microseconds; the flag says it had no zone (taken as UTC).

    >>> parse_ts("2025-01-01T01:00:00+01:00")
    (1735689600000000, False)
    >>> parse_ts("2025-01-01T00:00:00")
    (1735689600000000, True)
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value.strip())
    else:
        raise ValueError(f"expected an ISO 8601 string, got {type(value).__name__}")
    naive = moment.tzinfo is None
    if naive:
        moment = moment.replace(tzinfo=UTC)
    us = to_us(moment)
    if us not in TS_RANGE_US:
        raise ValueError("falls outside the years 1 to 9999 in UTC")
    return us, naive


def to_us(moment: datetime) -> int:
    """UTC microseconds since the epoch (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * US + delta.microseconds


# The instants a datetime can hold in UTC: a time outside (9999-12-31T23:00:00-05:00) could be stored but never read.
TS_RANGE_US = range(to_us(datetime.min.replace(tzinfo=UTC)), to_us(datetime.max.replace(tzinfo=UTC)) + 1)


def from_us(us: int) -> datetime:
    """The aware UTC datetime of epoch microseconds."""
    return _EPOCH + timedelta(microseconds=us)


def hour_of(us: int) -> int:
    """Hours since the epoch of a microsecond timestamp."""
    return us // HOUR_US


def day_start(moment: datetime) -> datetime:
    """Midnight UTC of the day containing `moment`."""
    moment = moment.astimezone(UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def month_start(moment: datetime) -> datetime:
    """The first instant of the UTC month containing `moment`."""
    return day_start(moment).replace(day=1)


def next_month_start(moment: datetime) -> datetime:
    """The first instant of the following UTC month."""
    start = month_start(moment)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
