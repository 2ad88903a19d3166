"""Tell a usage file's format from its first row or header, so `orgmap import FILE` needs no flag."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from importers.file_rows import json_layout, records

__all__ = ["FORMATS", "UnknownFormat", "detect", "sniff_header", "sniff_record"]

FORMATS = (
    "otel",
    "litellm",
    "langfuse",
    "openai-usage",
    "openai-costs",
    "anthropic-usage",
    "anthropic-cost",
    "csv",
    "jsonl",
)


class UnknownFormat(ValueError):
    """The file's first row matches no importer."""


def _report(page: Mapping[str, Any]) -> str | None:
    bucket = next((b for b in page["data"] if isinstance(b, Mapping)), None)
    if bucket is None:
        return None
    results = bucket.get("results", bucket.get("result")) or [{}]
    first = results[0] if isinstance(results[0], Mapping) else {}
    if "start_time" in bucket:
        costs = "amount" in first or "costs" in str(first.get("object", ""))
        return "openai-costs" if costs else "openai-usage"
    if "starting_at" in bucket:
        return "anthropic-cost" if "amount" in first else "anthropic-usage"
    return None


def sniff_record(obj: Any) -> str | None:
    """The format of one parsed JSON row (a line, an array element or a whole document), or None."""
    if isinstance(obj, list) and obj:
        obj = obj[0]
    if not isinstance(obj, Mapping):
        return None
    keys = set(obj)
    if keys & {"resourceSpans", "resource_spans"}:
        return "otel"
    if isinstance(obj.get("data"), list):
        return _report(obj)
    if ("request_id" in keys and keys & {"spend", "startTime"}) or "response_cost" in keys:
        return "litellm"
    if {"id", "type", "start_time"} <= keys and keys & {"trace_id", "usage_details", "provided_model_name"}:
        return "langfuse"
    if "ts" in keys and keys & {"agent", "target"}:
        return "jsonl"
    return None


def sniff_header(columns: list[str]) -> str | None:
    """The format of a CSV file from its header, or None."""
    return sniff_record(dict.fromkeys(columns)) if columns else None


def detect(path: Path) -> str:
    """The format name (one of FORMATS) of a file, from its first bytes and first row.

    Raises UnknownFormat, naming what it saw, when nothing matches.
    """
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(64 * 1024)
    if not head.strip():
        raise UnknownFormat(f"{path}: the file is empty")
    layout = json_layout(head)
    if layout == "csv":
        text = head.decode("utf-8-sig", errors="replace")
        columns = next(csv.reader(io.StringIO(text)), [])
        found = sniff_header(columns)
        seen = f"CSV header {columns[:12]}"
        found = "csv" if found == "jsonl" else found
    else:
        rows = records(path)
        first = next((value for _, value in rows if isinstance(value, Mapping | list)), None)
        rows.close()
        found = sniff_record(first)
        seen = f"first row keys {sorted(first)[:12]}" if isinstance(first, Mapping) else "no readable JSON row"
    if found is None:
        raise UnknownFormat(
            f"{path}: cannot tell the format ({seen}); name one of {', '.join(FORMATS)}"
            " (csv or jsonl with --map field=column for other files)"
        )
    return found
