"""The span a spend question covers: a window ending now (`7d`), or a from/to range (the dashboard's presets such
as month to date, and any bookmarked range), both in whole UTC hours because the rollups are hourly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from orgmap.arguments import MOMENT_PATTERN
from orgmap.errors import InvalidArgument
from orgmap.paging import parse_window

__all__ = ["TimeRange", "moment", "time_range"]

_MOMENT = re.compile(MOMENT_PATTERN)

_HOUR = timedelta(hours=1)
_LONGEST = timedelta(days=3650)
_FIRST_HOUR = datetime.min.replace(tzinfo=UTC)
_LAST_HOUR = datetime.max.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class TimeRange:
    """[since, until) on whole hours; `label` names it in a sentence ("7d", or "2026-11-01 00:00 to ... UTC")."""

    since: datetime
    until: datetime
    label: str

    @property
    def window(self) -> timedelta:
        return self.until - self.since

    @property
    def hours(self) -> int:
        return int(self.window / _HOUR)


def _floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _shift(moment: datetime, by: timedelta) -> datetime:
    """`moment + by`, held at the calendar's first or last hour rather than past it."""
    try:
        return moment + by
    except OverflowError:
        return _FIRST_HOUR if by < timedelta(0) else _LAST_HOUR


def _ceil(moment: datetime) -> datetime:
    floor = _floor(moment)
    return floor if floor == moment else _shift(floor, _HOUR)


def _utc(moment: datetime) -> datetime:
    """A datetime in UTC; one without a zone is taken as UTC (as event times are)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # within a day of the calendar's ends
        return moment.replace(tzinfo=UTC)


def moment(value: datetime | str | None, field: str) -> datetime | None:
    """A from/to end as a datetime: an ISO 8601 date or date-time (`MOMENT_PATTERN`), else an error naming `field`.

    >>> moment("2026-11-01T09:30Z", "since")
    datetime.datetime(2026, 11, 1, 9, 30, tzinfo=datetime.timezone.utc)
    """
    if value is None or isinstance(value, datetime):
        return value
    try:
        if _MOMENT.match(value):
            return datetime.fromisoformat(value)
    except ValueError:
        pass
    raise InvalidArgument(f"{field} must be an ISO 8601 date or date-time like 2026-11-01T00:00:00Z; got {value!r}",
                          field=field)


def time_range(window: str, since: datetime | str | None, until: datetime | str | None,
               now: datetime) -> TimeRange:
    """The span asked for: with neither `since` nor `until`, `window` ending at `now` rounded up to the hour (as the
    run-rate always did). Else from `since` down to its hour to `until` up to its hour, the two in either order;
    without `until` it ends now (or `window` after a `since` still to come); without `since` it is `window` before
    `until`. A range longer than ten years keeps its last ten years; an empty one is the hour it names."""
    length = parse_window(window)
    since, until = moment(since, "since"), moment(until, "until")
    current = _ceil(_utc(now))
    if since is None and until is None:
        return TimeRange(current - length, current, window)
    if since is None:
        end = _ceil(_utc(until))  # type: ignore[arg-type]
        start = _shift(end, -length)
    elif until is None:
        start = _floor(_utc(since))
        end = current if start < current else _shift(start, length)
    else:
        first, last = sorted((_utc(since), _utc(until)))
        start, end = _floor(first), _ceil(last)
    if start == end:
        start, end = (start, _shift(end, _HOUR)) if end < _LAST_HOUR else (_shift(start, -_HOUR), end)
    start = max(start, _shift(end, -_LONGEST))
    return TimeRange(start, end, f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC")
