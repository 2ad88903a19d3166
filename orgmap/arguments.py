"""The arguments the service's questions take: closed sets and patterns. One source for the service's own checks
(which give every door the same error message) and for the doors' schemas (OpenAPI, MCP tool arguments), so a
schema never promises more, or less, than the service accepts."""

from __future__ import annotations

from ledger.events import CHANGE_KINDS as _CHANGE_KINDS
from ledger.feedback import STATES

__all__ = ["ALERT_KINDS", "ANOMALY_STATES", "BUCKETS", "BY", "CHANGE_KINDS", "CURSOR_PATTERN", "DEPTH",
           "KEYSET_CURSOR_PATTERN", "MOMENT_PATTERN", "SEVERITIES", "WINDOW_PATTERN"]

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
# A from/to end: an ISO 8601 date, or date and time (minutes at least) with an optional zone (none: UTC); exactly
# what `orgmap.time_range.moment` reads (a day past its month's end, such as 2026-02-30, is refused by the field).
MOMENT_PATTERN = (r"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
                  r"(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?)?$")
