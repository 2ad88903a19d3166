"""Paged usage and cost reports (OpenAI and Anthropic admin APIs): walk the buckets of a page.

A file may hold one page, a JSON list of pages, or JSON lines of pages; each result of each
bucket becomes one aggregate event, or one RowError naming `data[i].results[j].field`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from importers.base import Event, FieldError, RowError, to_iso
from importers.file_rows import Row, per_row

__all__ = ["ResultConverter", "bucket_events", "page_events"]

# (result, bucket start as ISO UTC, bucket length in seconds) -> event
ResultConverter = Callable[[Mapping[str, Any], str, int], Event]


def _span(bucket: Any, start_key: str, end_key: str) -> tuple[str, int]:
    if not isinstance(bucket, Mapping):
        raise FieldError("", f"a bucket must be an object, got {type(bucket).__name__}")
    start, end = to_iso(bucket.get(start_key), start_key), to_iso(bucket.get(end_key), end_key)
    period = int((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())
    if period <= 0:
        raise FieldError(end_key, f"bucket ends ({end}) before it starts ({start})")
    return start, period


def bucket_events(
    page: Any, file: str, line: int, *, start_key: str, end_key: str, convert: ResultConverter
) -> list[Event | RowError]:
    """Events of one report page; `convert` turns one result into one event."""
    if not isinstance(page, Mapping) or not isinstance(page.get("data"), list):
        raise FieldError("data", "not a usage/cost report page (no 'data' list of buckets)")
    out: list[Event | RowError] = []
    for i, bucket in enumerate(page["data"]):
        try:
            start, period = _span(bucket, start_key, end_key)
        except FieldError as exc:
            out.append(RowError(file, line, f"data[{i}].{exc.field}".rstrip("."), exc.message))
            continue
        results = bucket.get("results", bucket.get("result")) or []
        for j, result in enumerate(results):
            try:
                if not isinstance(result, Mapping):
                    raise FieldError("", f"a result must be an object, got {type(result).__name__}")
                out.append(convert(result, start, period))
            except FieldError as exc:
                out.append(RowError(file, line, f"data[{i}].results[{j}].{exc.field}".rstrip("."), exc.message))
    return out


def page_events(rows: Iterable[Row], file: str, *, start_key: str, end_key: str, usage: ResultConverter,
                cost: ResultConverter) -> Iterator[Event | RowError]:
    """Events of a file of report pages: a result with an `amount` is a cost row, anything else a usage row."""

    def result(found: Mapping[str, Any], start: str, period: int) -> Event:
        return (cost if "amount" in found else usage)(found, start, period)

    def convert(page: Any, file: str, line: int) -> list[Event | RowError]:
        pages = page if isinstance(page, list) else [page]
        return [e for p in pages
                for e in bucket_events(p, file, line, start_key=start_key, end_key=end_key, convert=result)]

    return per_row(rows, file, convert)
