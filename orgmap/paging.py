"""Opaque cursors and pages, shared by the HTTP API and the MCP tools so both page the same way."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from typing import TypeVar

from orgmap.arguments import CURSOR_PATTERN, WINDOW_PATTERN
from orgmap.errors import InvalidArgument

__all__ = ["decode_cursor", "encode_cursor", "page", "parse_window"]

T = TypeVar("T")

_WINDOW = re.compile(WINDOW_PATTERN)
_CURSOR = re.compile(CURSOR_PATTERN)
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def encode_cursor(offset: int) -> str:
    """The cursor of the item at `offset` (clients pass `next_cursor` back as it is).

    >>> decode_cursor(encode_cursor(40))
    40
    """
    return str(offset)


def decode_cursor(cursor: str | None) -> int:
    """The offset a cursor stands for; None or empty is the start. Anything else is a clear error."""
    if not cursor:
        return 0
    if not _CURSOR.match(cursor):
        raise InvalidArgument(f"cursor {cursor!r} is not one this server gave out", field="cursor")
    return int(cursor)


def page(items: Sequence[T], limit: int, cursor: str | None) -> tuple[list[T], str | None]:
    """The slice of `items` a (limit, cursor) asks for, and the cursor of the next page (None at the end).

    >>> page(list(range(5)), 2, None)
    ([0, 1], '2')
    >>> page(list(range(5)), 2, '4')
    ([4], None)
    """
    if limit < 1:
        raise InvalidArgument("limit must be at least 1", field="limit")
    start = decode_cursor(cursor)
    chunk = list(items[start : start + limit])
    nxt = encode_cursor(start + limit) if start + limit < len(items) else None
    return chunk, nxt


def parse_window(text: str, *, field: str = "window") -> timedelta:
    """A window of whole hours like `24h`, `7d` or `2w`, from an hour to ten years (rollups are hourly).

    >>> parse_window("7d")
    datetime.timedelta(days=7)
    """
    if not _WINDOW.match(text or ""):
        raise InvalidArgument(f"{field} must look like 24h, 7d or 2w (1h to 3650d); got {text!r}", field=field)
    unit = text.strip()[-1]
    return timedelta(**{_UNITS[unit]: int(text.strip()[:-1])})
