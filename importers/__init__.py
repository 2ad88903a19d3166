"""One module per outside format; each turns rows of that format into orgmap event dicts.

`read(path)` detects a file's format and streams its events (dicts in docs/events.md's schema)
and `RowError`s for rows it could not use. Importers never price or store: the ledger does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from importers import anthropic_usage, generic, langfuse, litellm, openai_usage, otel
from importers.base import Event, Progress, RowError
from importers.detect import FORMATS, UnknownFormat, detect
from importers.file_rows import Cursor, Row, json_layout, records
from importers.generic import parse_mapping
from importers.git import git_changes, load_path_map, merge_targets
from importers.litellm import events_from_litellm_payload
from importers.otel import events_from_otlp

__all__ = [
    "FORMATS",
    "Cursor",
    "RowError",
    "UnknownFormat",
    "detect",
    "events_from_litellm_payload",
    "events_from_otlp",
    "git_changes",
    "load_path_map",
    "merge_targets",
    "parse_mapping",
    "read",
]

_Reader = Callable[[Iterable[Row], str], Iterator[Any]]
_READERS: dict[str, tuple[_Reader, tuple[str, ...]]] = {
    "otel": (otel.events, ()),
    "litellm": (litellm.events, litellm.REQUIRED_COLUMNS),
    "langfuse": (langfuse.events, langfuse.REQUIRED_COLUMNS),
    "openai-usage": (openai_usage.events, ()),
    "openai-costs": (openai_usage.events, ()),
    "anthropic-usage": (anthropic_usage.events, ()),
    "anthropic-cost": (anthropic_usage.events, ()),
}


def read(
    path: Path | str,
    format: str | None = None,
    *,
    mapping: Mapping[str, str] | None = None,
    on_progress: Progress | None = None,
    cursor: Cursor | None = None,
) -> Iterator[Event | RowError]:
    """Stream the events of one file: format detected unless named; `mapping` for csv/jsonl files.

    A file whose content is another importer's format than the one named gives one RowError
    (field `format`) and nothing else. `cursor`, when given, is on the row each item came from.
    Raises ValueError for an unknown format name or an undetectable file (UnknownFormat).
    """
    path = Path(path)
    cursor = cursor or Cursor()
    if format is not None and format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; one of {', '.join(FORMATS)}")
    if mapping and format not in (None, *generic.FORMATS):
        raise ValueError(f"a column mapping applies to csv/jsonl files, not {format}")
    try:
        detected: str | None = detect(path)
    except UnknownFormat:
        if format is None and not mapping:
            raise
        detected = None
    if format in generic.FORMATS or (format is None and (mapping or detected in generic.FORMATS)):
        source = "csv" if _layout(path) == "csv" else "jsonl"
        rows = records(path, on_progress, cursor=cursor)
        return _at_element(generic.events(rows, str(path), source=source, mapping=mapping), cursor)
    chosen = format or detected
    assert chosen is not None
    if detected is not None and detected != chosen:
        return iter([RowError(str(path), 1, "format", f"this file looks like {detected}, not {chosen}")])
    reader, required = _READERS[chosen]
    return _at_element(reader(records(path, on_progress, required=required, cursor=cursor), str(path)), cursor)


def _at_element(items: Iterator[Event | RowError], cursor: Cursor) -> Iterator[Event | RowError]:
    """Importers' row errors in a JSON array file, named by their element (importers know only the line)."""
    for item in items:
        if isinstance(item, RowError) and cursor.element is not None:
            item = replace(item, element=cursor.element)
        yield item


def _layout(path: Path) -> str:
    with open(path, "rb") as f:
        return json_layout(f.read(64 * 1024))
