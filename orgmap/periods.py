"""Reporting periods of whole UTC days, as finance names them: a month (`2026-11`), a day (`2026-11-05`), or a
range of dates with both ends included (`--from 2026-11-01 --to 2026-11-15`; `from` alone runs to today, `to` alone
from the first of its month). Without any, the current month to date. Every well-formed period is answered, with a
warning where it is not what it seems: a period that has not started is empty; one that has not ended stops at the
end of today; one longer than `MAX_DAYS` keeps its last `MAX_DAYS` days; a `to` before `from` is empty; `period`
given with `from`/`to` wins over them."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from orgmap.arguments import DATE_PATTERN, PERIOD_PATTERN
from orgmap.errors import InvalidArgument

__all__ = ["Period", "month_days", "parse_period"]

_PERIOD = re.compile(PERIOD_PATTERN)
_DATE = re.compile(DATE_PATTERN)
MAX_DAYS = 3660  # about ten years, as the longest window


@dataclass(frozen=True, slots=True)
class Period:
    """[since, until) in UTC, whole days (empty when since == until); `label` names it as asked; `warnings` say
    where it differs from what was asked."""

    since: datetime
    until: datetime
    label: str
    warnings: tuple[str, ...] = ()

    @property
    def days(self) -> list[date]:
        """Each day of the period."""
        first = self.since.date()
        return [first + timedelta(days=i) for i in range((self.until - self.since).days)]


def month_days(day: date) -> int:
    """Days in the month of `day`.

    >>> month_days(date(2028, 2, 3))
    29
    """
    return calendar.monthrange(day.year, day.month)[1]


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _day(text: str, field: str) -> date:
    """A date written YYYY-MM-DD (only: `date.fromisoformat` also reads 20261101 and 2026-W01-1)."""
    if not _DATE.match(text.strip()):
        raise InvalidArgument(f"{field} must be a date YYYY-MM-DD; got {text!r}", field=field)
    return date.fromisoformat(text.strip())


def parse_period(period: str | None, from_: str | None, to: str | None, now: datetime) -> Period:
    """The period asked for (see the module's rules); a value that is not a month or a date is refused naming its
    argument.

    >>> now = datetime(2026, 12, 7, 15, tzinfo=UTC)
    >>> p = parse_period("2026-11", None, None, now); (p.since.isoformat(), p.until.isoformat(), p.label)
    ('2026-11-01T00:00:00+00:00', '2026-12-01T00:00:00+00:00', '2026-11')
    >>> parse_period(None, None, None, now).until.isoformat()
    '2026-12-08T00:00:00+00:00'
    >>> parse_period("2027-01", None, None, now).warnings
    ('the period starts 2027-01-01, after today: nothing is recorded yet',)
    """
    today = now.astimezone(UTC).date()
    warnings: list[str] = []
    start = _day(from_, "from") if from_ is not None else None
    end = _day(to, "to") if to is not None else None
    if period is not None:
        if from_ is not None or to is not None:
            warnings.append("period given: from and to are ignored")
        text = period.strip()
        try:
            first = date.fromisoformat(text + "-01" if len(text) == 7 else text)
        except ValueError:
            first = None
        if first is None or not _PERIOD.match(text):
            raise InvalidArgument(f"period {period!r} is not a month YYYY-MM or a day YYYY-MM-DD", field="period")
        last = first.replace(day=month_days(first)) if len(text) == 7 else first
        label = text
    elif start is not None or end is not None:
        first = start if start is not None else end.replace(day=1)  # type: ignore[union-attr]
        last = end if end is not None else max(today, first)
        label = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
        if last < first:
            warnings.append(f"to ({last:%Y-%m-%d}) is before from ({first:%Y-%m-%d}): an empty period")
            return Period(_at(first), _at(first), label, tuple(warnings))
    else:
        first, last = today.replace(day=1), today
        label = f"{first:%Y-%m} to date"
    if first > today:
        warnings.append(f"the period starts {first:%Y-%m-%d}, after today: nothing is recorded yet")
        return Period(_at(first), _at(first), label, tuple(warnings))
    last = min(last, today)
    if (last - first).days >= MAX_DAYS:
        first = last - timedelta(days=MAX_DAYS - 1)
        warnings.append(f"a period covers at most {MAX_DAYS} days: from {first:%Y-%m-%d}")
    return Period(_at(first), _at(last) + timedelta(days=1), label, tuple(warnings))
