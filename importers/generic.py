"""Any CSV or JSON Lines file of events, with an optional column mapping (`--map agent=service,ts=time`).

Columns named like event fields (docs/events.md) are taken as they are; the mapping renames
others. A row with a `target` and no `agent` is a change event, else a cost event. Epoch
seconds or milliseconds become ISO UTC; an ISO time without a zone is passed on as it is, so the
ledger warns about it. Other columns are kept under `attributes` (`details` for changes). An `id`
column is kept as the user's own key (not prefixed), so the same event sent over the API and
imported from a file is stored once; without one, the ledger's content hash serves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from typing import Any

from importers.base import COST_KINDS, Event, FieldError, RowError, as_dict, as_number, as_tokens, to_iso
from importers.file_rows import Row, per_row

__all__ = ["CHANGE_FIELDS", "COST_FIELDS", "FORMATS", "OUTCOME_FIELDS", "convert", "events", "parse_mapping"]

FORMATS = ("csv", "jsonl")
_INT = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "retry", "runs")
_NUMBER = ("cost_usd", "duration_ms", "value_usd")
_BOOL = ("aggregate", "planned")
_OBJECT = ("attributes", "details")
_TEXT = ("agent", "id", "kind", "model", "provider", "tool", "run_id", "client", "project", "task", "status", "source",
         "agent_version", "deploy_id", "prompt_hash", "tools_hash")
COST_FIELDS = ("ts", *_TEXT, *_INT, "cost_usd", "duration_ms", "aggregate", "period_s", "attributes")
OUTCOME_FIELDS = ("ts", "agent", "kind", "outcome", "run_id", "value_usd", "id", "source")  # a `kind: outcome` row
CHANGE_FIELDS = ("ts", "target", "kind", "summary", "id", "ref", "author", "planned", "source", "details")
CHANGE_KINDS = (
    "deploy",
    "prompt",
    "model",
    "config",
    "schedule",
    "dependency",
    "release",
    "commit",
    "vault_edit",
    "other",
)
_ALL = tuple(dict.fromkeys((*COST_FIELDS, *CHANGE_FIELDS, *OUTCOME_FIELDS)))


def parse_mapping(text: str) -> dict[str, str]:
    """`--map` text -> {event field: source column}.

    >>> parse_mapping("agent=service, ts=timestamp")
    {'agent': 'service', 'ts': 'timestamp'}
    """
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        field, sep, column = (s.strip() for s in part.partition("="))
        if not sep or not field or not column:
            raise ValueError(f"--map: {part!r} is not field=column (e.g. agent=service,ts=timestamp)")
        if field not in _ALL:
            raise ValueError(f"--map: unknown event field {field!r}; fields: {', '.join(_ALL)}")
        if field in mapping:
            raise ValueError(f"--map: field {field!r} is mapped twice")
        mapping[field] = column
    return mapping


def _bool(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise FieldError(field, f"not a boolean: {value!r}")


def _typed(field: str, value: Any, column: str) -> Any:
    if field == "ts":
        return to_iso(value, column, naive_is_utc=False)
    if field in _INT or field == "period_s":
        return as_tokens(value, column)
    if field in _NUMBER:
        return as_number(value, column)
    if field in _BOOL:
        return _bool(value, column)
    if field in _OBJECT:
        return dict(as_dict(value, column))
    return str(value).strip()


def convert(row: Any, file: str, line: int, mapping: Mapping[str, str], source: str) -> list[Event]:
    """One row -> one cost or change event."""
    if not isinstance(row, Mapping):
        raise FieldError("", f"expected an object per line, got {type(row).__name__}")
    column = {f: mapping.get(f, f) for f in _ALL}
    change = row.get(column["target"]) not in (None, "") and row.get(column["agent"]) in (None, "")
    outcome = not change and str(row.get(column["kind"]) or "").strip().lower() == "outcome"
    fields = CHANGE_FIELDS if change else OUTCOME_FIELDS if outcome else COST_FIELDS
    event: Event = {}
    for field in fields:
        value = row.get(column[field])
        if value is not None and value != "":
            event[field] = _typed(field, value, column[field])
    for field in ("ts", "target", "kind", "summary") if change else ("ts", "agent"):
        if event.get(field) in (None, ""):
            raise FieldError(
                column[field],
                f"missing {field}" + (f" (mapped to column {column[field]!r})" if field in mapping else ""),
            )
    kinds = CHANGE_KINDS if change else ("outcome",) if outcome else COST_KINDS
    if event.get("kind", kinds[0]) not in kinds:
        raise FieldError(column["kind"], f"unknown kind {event['kind']!r}; one of {', '.join(kinds)}")
    extra_key = "details" if change else "attributes"
    used = {column[f] for f in fields}
    extra = {k: v for k, v in row.items() if k not in used and v not in (None, "")}
    if extra and not outcome:  # an outcome keeps nothing else (docs/events.md)
        event[extra_key] = {**extra, **event.get(extra_key, {})}
    event.setdefault("source", source)
    return [event]


def events(
    rows: Iterable[Row], file: str, *, source: str, mapping: Mapping[str, str] | None = None
) -> Iterator[Event | RowError]:
    """Events of a generic CSV or JSON Lines file; a CSV lacking the time or agent/target column is one error."""
    mapping = dict(mapping or {})
    unknown = set(mapping) - set(_ALL)
    if unknown:
        raise ValueError(f"mapping: unknown event field(s) {', '.join(sorted(unknown))}")
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    if source == "csv" and isinstance(first[1], Mapping):
        header = first[1]
        missing = [mapping.get("ts", "ts")] if mapping.get("ts", "ts") not in header else []
        who = [mapping.get("agent", "agent"), mapping.get("target", "target")]
        missing += [] if any(c in header for c in who) else [who[0]]
        if missing:
            yield RowError(file, 1, missing[0], f"missing column(s) {', '.join(missing)}; use --map field=column")
            return
    yield from per_row(chain([first], rows), file, lambda r, f, n: convert(r, f, n, mapping, source))
