"""The dashboard's tables as CSV files: each asks the service the question its table shows (every page of it) and
writes one header row and one row per item, named by the table, the span, the grouping and the filters."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from starlette.responses import Response

from orgmap.service import Service

__all__ = ["CSV_TABLES", "CsvFile", "CsvTable", "csv_response"]

CsvTable = Literal["run-rate", "spend-series", "alerts", "changes", "unattributed", "runs", "budgets", "problems"]
_PAGE = 500
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True, slots=True)
class CsvFile:
    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]


def _cell(value: Any) -> Any:
    """A cell as a spreadsheet should read it: text that would start a formula is quoted with a leading '."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return "" if value is None else value


def csv_response(table: CsvFile) -> Response:
    """The table as a `text/csv` download (Content-Disposition names the file)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.header)
    writer.writerows([_cell(v) for v in row] for row in table.rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{table.name}.csv"',
                             "Cache-Control": "no-cache"})


def _stamp(moment: datetime) -> str:
    return f"{moment:%Y%m%dT%H}Z"


def _name(table: str, since: datetime, until: datetime, by: str | None = None,
          filters: Mapping[str, str] | None = None) -> str:
    """orgmap-<table>[-by-<group>][-<filter>-<value>...]-<from>-<to>, e.g.
    orgmap-run-rate-by-team-model-gpt-4o-20261130T00Z-20261207T00Z (a value's other characters as _)."""
    only = "".join(f"-{k}-{_UNSAFE.sub('_', v)}" for k, v in (filters or {}).items())
    return f"orgmap-{table}{f'-by-{by}' if by else ''}{only}-{_stamp(since)}-{_stamp(until)}"


def _covering(svc: Service, window: str, since: str | None, until: str | None
              ) -> tuple[str, datetime, datetime]:
    """The window ending now that covers the span (for questions asked with a window), and the span itself."""
    series = svc.spend_over_time(window, "kind", "day", since, until)
    hours = max(1, -(-int((svc.clock() - series.since).total_seconds()) // 3600))
    return f"{min(hours, 87600)}h", series.since, series.until


def _every(ask: Callable[[str | None], Any]) -> tuple[Any, list[Any]]:
    """Every item of a paged question (`ask(cursor)`), and its first answer (for the span it covers)."""
    first = answer = ask(None)
    items = list(answer.items)
    while answer.next_cursor:
        answer = ask(answer.next_cursor)
        items += answer.items
    return first, items


def _run_rate(svc: Service, window: str, by: str, bucket: str, since: str | None,
              until: str | None, filters: Mapping[str, str | None]) -> CsvFile:
    answer, items = _every(lambda cursor: svc.run_rate(window, by, _PAGE, cursor, since, until, **filters))
    header = ["rank", "key", "name", "kind", "attributed", "cost_usd", "cost_per_day", "runs_per_day",
              "cost_per_1k_runs", "tokens_per_run", "projected_month", "baseline_cost_per_day", "change_pct",
              "budget_used_pct", "owner", "outcome", "outcomes", "cost_per_outcome"]
    rows = [[i, r.key, r.name, r.kind, r.attributed, r.cost_usd, r.cost_per_day, r.runs_per_day, r.cost_per_1k_runs,
             r.tokens_per_run, r.projected_month, r.baseline_cost_per_day, r.change_pct, r.budget_used_pct, r.owner,
             *((r.outcomes.outcome, r.outcomes.outcomes, r.outcomes.cost_per_outcome) if r.outcomes else (None,) * 3)]
            for i, r in enumerate(items, 1)]
    return CsvFile(_name("run-rate", answer.since, answer.until, by, answer.filters), header, rows)


def _series(svc: Service, window: str, by: str, bucket: str, since: str | None,
            until: str | None, filters: Mapping[str, str | None]) -> CsvFile:
    answer = svc.spend_over_time(window, by, bucket, since, until, **filters)
    header = ["start", *(g.name for g in answer.groups), "total"]
    rows = [[start, *(g.values[i] for g in answer.groups), round(sum(g.values[i] for g in answer.groups), 2)]
            for i, start in enumerate(answer.starts)]
    return CsvFile(_name(f"spend-per-{bucket}", answer.since, answer.until, by, answer.filters), header, rows)


def _alerts(svc: Service, window: str, by: str, bucket: str, since: str | None,
            until: str | None, filters: Mapping[str, str | None]) -> CsvFile:
    covering, start, end = _covering(svc, window, since, until)
    _, items = _every(lambda cursor: svc.alerts(covering, None, _PAGE, cursor))
    header = ["ts", "recorded_at", "kind", "node_id", "message", "delivered_at", "attempts", "last_error"]
    rows = [[a.ts, a.recorded_at, a.kind, a.node_id, a.message, a.delivered_at, a.attempts, a.last_error]
            for a in items if start <= a.ts < end]
    return CsvFile(_name("alerts", start, end), header, rows)


def _changes(svc: Service, window: str, by: str, bucket: str, since: str | None,
             until: str | None, filters: Mapping[str, str | None]) -> CsvFile:
    covering, start, end = _covering(svc, window, since, until)
    _, items = _every(lambda cursor: svc.changes(None, covering, None, _PAGE, cursor))
    header = ["ts", "kind", "target", "node_id", "summary", "ref", "author", "planned", "id"]
    rows = [[c.ts, c.kind, c.target, c.node_id, c.summary, c.ref, c.author, c.planned, c.id]
            for c in items if start <= c.ts < end]
    return CsvFile(_name("changes", start, end), header, rows)


def _unattributed(svc: Service, window: str, by: str, bucket: str, since: str | None,
                  until: str | None, filters: Mapping[str, str | None]) -> CsvFile:
    covering, start, _ = _covering(svc, window, since, until)  # names are asked over a window ending now
    _, items = _every(lambda cursor: svc.unattributed(covering, _PAGE, cursor))
    rows = [[n.name, n.cost_usd, n.calls, n.runs] for n in items]
    return CsvFile(_name("unattributed", start, svc.clock()), ["name", "cost_usd", "calls", "runs"], rows)


def _runs(svc: Service, window: str, by: str, bucket: str, since: str | None,
          until: str | None, filters: Mapping[str, str | None]) -> CsvFile:
    covering, start, end = _covering(svc, window, since, until)
    _, items = _every(lambda cursor: svc.runs(None, covering, _PAGE, None, cursor))
    header = ["run_id", "agent", "node_id", "start", "last_event", "calls", "cost_usd", "retries", "errors", "models",
              "flags"]
    rows = [[r.run_id, r.agent, r.node_id, r.start, r.last_event, r.calls, r.cost_usd, r.retries, r.errors,
             " ".join(r.models), " ".join(r.flags)] for r in items if start <= r.start < end]
    return CsvFile(_name("runs", start, end), header, rows)


def _budgets(svc: Service, window: str, by: str, bucket: str, since: str | None, until: str | None,
             filters: Mapping[str, str | None]) -> CsvFile:
    _, items = _every(lambda cursor: svc.budgets(_PAGE, cursor))
    header = ["scope", "key", "period", "start", "spent", "limit", "used_pct", "remaining"]
    rows = [[b.scope, b.key, p.period, p.start, p.spent, p.limit, p.used_pct, p.remaining]
            for b in items for p in b.periods]
    return CsvFile(f"orgmap-budgets-{_stamp(svc.clock())}", header, rows)


def _problems(svc: Service, window: str, by: str, bucket: str, since: str | None, until: str | None,
              filters: Mapping[str, str | None]) -> CsvFile:
    _, items = _every(lambda cursor: svc.check(_PAGE, cursor))
    rows = [[p.severity, p.path, p.line, p.code, p.message] for p in items]
    return CsvFile(f"orgmap-vault-problems-{_stamp(svc.clock())}", ["severity", "path", "line", "code", "message"],
                   rows)


# each table from (service, window, by, bucket, since, until, filters): the tables of spend take the filters
CSV_TABLES: dict[str, Callable[[Service, str, str, str, str | None, str | None, Mapping[str, str | None]],
                               CsvFile]] = {
    "run-rate": _run_rate, "spend-series": _series, "alerts": _alerts, "changes": _changes,
    "unattributed": _unattributed, "runs": _runs, "budgets": _budgets, "problems": _problems,
}
