"""Streaming readers: rows of JSON Lines, JSON arrays, single JSON documents and CSV, with line numbers.

Memory stays flat with file size: JSON Lines and CSV go row by row, a JSON array element by element;
only a file that is one JSON document (an API page) is loaded whole.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from importers.base import JSON_ERRORS, Event, Progress, RowError, guarded

__all__ = ["Cursor", "Row", "json_layout", "per_row", "records"]

Row = tuple[int, Any]  # (line number, parsed value or RowError)
CHUNK = 1 << 20
_CSV_FIELD_LIMIT = 1 << 26
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes the CSV reader could not decode, kept by surrogateescape
_TOO_DEEP = "invalid JSON: nested too deeply to read"
_SPLIT_MARGIN = 64  # a token cut by a chunk boundary fails within this many characters of the end


@dataclass(slots=True)
class Cursor:
    """Where in its file the row being converted is; `records` moves it onto each row it yields.

    Importers convert a row whole before they read the next, so every event or error that comes out
    of an importer is from the row the cursor is on. `element` is a JSON array element's index (None
    in other layouts and on a row `records` could not read).
    """

    file: str = ""
    line: int = 0
    element: int | None = None


class _Meter:
    """Calls on_progress(done, total) about once per MiB read, and once at the end."""

    def __init__(self, raw: IO[bytes], total: int, on_progress: Progress | None) -> None:
        self.raw, self.total, self.on_progress, self.last = raw, total, on_progress, 0

    def tick(self) -> None:
        if self.on_progress is not None:
            done = self.raw.tell()
            if done - self.last >= CHUNK:
                self.last = done
                self.on_progress(done, self.total)

    def finish(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.total, self.total)


def json_layout(head: bytes) -> str:
    """How a file's JSON is laid out, from its first bytes: 'lines', 'array', 'document' or 'csv'.

    >>> json_layout(b'{"a": 1}\\n{"a": 2}\\n')
    'lines'
    >>> json_layout(b'{\\n  "object": "page",\\n')
    'document'
    >>> json_layout(b'  [{"a": 1}]')
    'array'
    >>> json_layout(b'request_id,spend\\n')
    'csv'
    """
    lines = [line.strip() for line in head.lstrip(b"\xef\xbb\xbf").splitlines() if line.strip()]
    if not lines or lines[0][:1] not in (b"{", b"["):
        return "csv"
    if lines[0][:1] == b"[":
        return "array"
    for line in lines[:2]:
        try:
            if isinstance(json.loads(line), dict):
                return "lines"
        except JSON_ERRORS:
            continue
    return "document"


def records(path: Path, on_progress: Progress | None = None, *, required: Sequence[str] = (),
            cursor: Cursor | None = None) -> Generator[Row, None, None]:
    """Yield (line, value) for each row of a JSON Lines, JSON array, JSON document or CSV file.

    Unreadable rows come as (line, RowError). For CSV, a header lacking a `required` column gives
    one RowError on line 1 and nothing else. A `cursor` is moved onto each row before it is yielded.
    """
    file = str(path)
    total = os.path.getsize(path)
    cursor = cursor or Cursor()
    with open(path, "rb") as raw:
        layout = json_layout(raw.read(64 * 1024))
        raw.seek(0)
        meter = _Meter(raw, total, on_progress)
        rows: Iterator[Row]
        if layout == "lines":
            rows = _json_lines(raw, file, meter)
        elif layout == "array":
            rows = _json_array(io.TextIOWrapper(raw, encoding="utf-8-sig"), file, meter)
        elif layout == "document":
            rows = _json_document(raw, file)
        else:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
            rows = _csv_rows(text, file, meter, required)
        for index, (line, value) in enumerate(rows):
            element = index if layout == "array" and not isinstance(value, RowError) else None
            cursor.file, cursor.line, cursor.element = file, line, element
            yield line, value
        meter.finish()


def per_row(rows: Iterable[Row], file: str,
            convert: Callable[[Any, str, int], Iterable[Event | RowError]]) -> Iterator[Any]:
    """Run a row converter over rows, passing read errors through and guarding each row."""
    for line, value in rows:
        if isinstance(value, RowError):
            yield value
        else:
            yield from guarded(file, line, functools.partial(convert, value, file, line))


def _json_lines(raw: IO[bytes], file: str, meter: _Meter) -> Iterator[Row]:
    for number, line in enumerate(raw, 1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except JSON_ERRORS as exc:
            cut = " (truncated last line?)" if not line.endswith(b"\n") else ""
            yield number, RowError(file, number, "", f"invalid JSON{cut}: {getattr(exc, 'msg', exc)}")
        meter.tick()


def _json_document(raw: IO[bytes], file: str) -> Iterator[Row]:
    try:
        yield 1, json.load(raw)
    except json.JSONDecodeError as exc:
        yield exc.lineno, RowError(file, exc.lineno, "", f"invalid JSON (truncated file?): {exc.msg}")
    except UnicodeDecodeError as exc:
        yield 1, RowError(file, 1, "", f"not UTF-8 text: {exc}")
    except RecursionError:
        yield 1, RowError(file, 1, "", _TOO_DEEP)


class _Buffer:
    """A sliding text window over a stream that knows the line number of any position in it."""

    def __init__(self, text: IO[str]) -> None:
        self.text, self.buf, self.pos, self.eof = text, "", 0, False
        self.line, self.counted = 1, 0  # line number at index `counted`

    def fill(self) -> bool:
        chunk = self.text.read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.line_at(self.pos)
        self.buf, self.counted = self.buf[self.pos :] + chunk, 0
        self.pos = 0
        return True

    def line_at(self, index: int) -> int:
        self.line += self.buf.count("\n", self.counted, index)
        self.counted = index
        return self.line

    def next_char(self) -> str:
        """The next non-whitespace character (not consumed), '' at the end of the stream."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf) or not self.fill():
                return self.buf[self.pos : self.pos + 1]


def _json_array(text: IO[str], file: str, meter: _Meter) -> Iterator[Row]:
    decoder, b = json.JSONDecoder(), _Buffer(text)
    try:
        b.next_char()
        b.pos += 1  # the opening '[' (json_layout saw it)
        if b.next_char() == "]":
            return
        while True:
            b.next_char()
            start = b.pos
            try:
                value, end = decoder.raw_decode(b.buf, start)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(b.buf) - _SPLIT_MARGIN or exc.msg.startswith("Unterminated string")
                if not b.eof and cut and b.fill():
                    continue
                line = b.line_at(min(exc.pos, len(b.buf)))
                yield line, RowError(file, line, "", f"invalid JSON (truncated file?): {exc.msg}")
                return
            if end >= len(b.buf) - _SPLIT_MARGIN and not b.eof and b.fill():
                continue  # a value ending at the window's edge may go on in the next chunk
            yield b.line_at(start), value
            b.pos = end
            meter.tick()
            sep = b.next_char()
            if sep == "]":
                return
            if sep != ",":
                line = b.line_at(b.pos)
                what = "the JSON array is not closed (truncated file?)" if sep == "" else f"expected ',' not {sep!r}"
                yield line, RowError(file, line, "", what)
                return
            b.pos += 1
    except UnicodeDecodeError as exc:
        yield b.line, RowError(file, b.line, "", f"not UTF-8 text: {exc}")
    except RecursionError:
        yield b.line, RowError(file, b.line, "", _TOO_DEEP)


def _csv_rows(text: IO[str], file: str, meter: _Meter, required: Sequence[str]) -> Iterator[Row]:
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    reader = csv.DictReader(text)
    try:
        header = reader.fieldnames or []
        missing = [name for name in required if name not in header]
        if missing:
            yield 1, RowError(file, 1, missing[0], f"missing column(s) {', '.join(missing)}; header: {header}")
            return
        start = reader.line_num + 1
        for row in reader:
            if None in row:
                extra = len(header) + len(row[None])
                yield start, RowError(file, start, "", f"{extra} fields, the header has {len(header)}")
            elif None in row.values():
                gone = next(k for k, v in row.items() if v is None)
                yield start, RowError(file, start, gone, f"row ends before column {gone!r} (truncated?)")
            elif not (joined := "".join(row.values())).isascii() and _NOT_UTF8.search(joined):
                bad = next(k for k, v in row.items() if _NOT_UTF8.search(v))
                yield start, RowError(file, start, bad, "bytes that are not UTF-8 text")
            else:
                yield start, row
            start = reader.line_num + 1
            meter.tick()
    except csv.Error as exc:
        yield reader.line_num, RowError(file, reader.line_num, "", f"unreadable CSV: {exc}")
