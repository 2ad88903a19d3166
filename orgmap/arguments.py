"""The arguments the service's questions take: closed sets and patterns. One source for the service's own checks
(which give every door the same error message) and for the doors' schemas (OpenAPI, MCP tool arguments), so a
schema never promises more, or less, than the service accepts."""

from __future__ import annotations

from ledger.events import CHANGE_KINDS as _CHANGE_KINDS
from ledger.events import text_problem
from ledger.feedback import STATES
from orgmap.errors import InvalidArgument

__all__ = ["ALERT_KINDS", "ANOMALY_STATES", "BUCKETS", "BY", "CHANGE_KINDS", "COST_BY", "COST_FORMATS",
           "CURSOR_PATTERN", "DATE_PATTERN", "DEPTH", "KEYSET_CURSOR_PATTERN", "MOMENT_PATTERN", "PERIOD_PATTERN",
           "SEVERITIES", "WINDOW_PATTERN", "text_arguments"]

# Groupings of the ranked run-rate.
BY = ("agent", "owner", "team", "model", "provider", "client", "project", "kind")
BUCKETS = ("hour", "day")
ALERT_KINDS = ("budget", "run", "anomaly")
ANOMALY_STATES = STATES
SEVERITIES = ("error", "warning")
CHANGE_KINDS = tuple(sorted(_CHANGE_KINDS))
DEPTH = (1, 6)  # hops a dependency walk may follow, inclusive

# A window of whole hours, days or weeks from an hour to ten years (87600h, 3650d, 521w): exactly what
# `orgmap.paging.parse_window` accepts.
WINDOW_PATTERN = (r"^\s*(?:(?:[1-9]\d{0,3}|[1-7]\d{4}|8[0-6]\d{3}|87[0-5]\d{2}|87600)\s*h"
                  r"|(?:[1-9]\d{0,2}|[12]\d{3}|3[0-5]\d{2}|36[0-4]\d|3650)\s*d"
                  r"|(?:[1-9]\d?|[1-4]\d{2}|5[01]\d|52[01])\s*w)\s*$")
# The offset cursors `orgmap.paging.page` gives out: any such value is a place in the list (past its end: an
# empty page; empty: the first page).
CURSOR_PATTERN = r"^[0-9]{0,9}$"
# The changes' keyset cursor: "<microseconds>:<event id>", the last change of the page before (empty: the first).
KEYSET_CURSOR_PATTERN = r"^(?:[0-9]{1,18}:[\s\S]{1,10000})?$"

# Cost reports (`orgmap costs`, /v1/costs): groupings, formats, a period (a month or a day) and a date. The patterns
# accept exactly the real calendar days and months of the years 1000 to 9999 (the 29th of February in leap years
# only), which is what `orgmap.periods.parse_period` reads.
COST_BY = ("agent", "owner", "team", "client", "project", "model")
COST_FORMATS = ("json", "csv", "focus")
_YEAR = r"[1-9][0-9]{3}"
_LEAP = r"(?:[1-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)"
_DAY = (rf"(?:{_YEAR}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
        rf"|02-(?:0[1-9]|1[0-9]|2[0-8]))|{_LEAP}-02-29)")
DATE_PATTERN = rf"^{_DAY}$"
PERIOD_PATTERN = rf"^(?:{_YEAR}-(?:0[1-9]|1[0-2])|{_DAY})$"
# A from/to end: an ISO 8601 date, or date and time (minutes at least) with an optional zone (none: UTC); exactly
# what `orgmap.time_range.moment` reads (a day past its month's end, such as 2026-02-30, is refused by the field).
MOMENT_PATTERN = (r"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
                  r"(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?)?$")


def text_arguments(**given: str | None) -> None:
    """InvalidArgument naming the first of `given` (field=value) that is no text a store can look up (a NUL
    character, which PostgreSQL refuses in a query, or a lone surrogate): one error on both stores, every door."""
    for field, value in given.items():
        if value is not None and (problem := text_problem(value)) is not None:
            raise InvalidArgument(f"{field} {problem}", field=field)
