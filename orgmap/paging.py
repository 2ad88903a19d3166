"""Opaque cursors and pages, shared by the HTTP API and the MCP tools so both page the same way."""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import TypeVar

from orgmap.errors import InvalidArgument

__all__ = ["decode_cursor", "encode_cursor", "page", "parse_window"]

T = TypeVar("T")

_WINDOW = re.compile(r"^\s*(\d{1,6})\s*([hdw])\s*$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
_LONGEST = timedelta(days=3650)


def encode_cursor(offset: int) -> str:
    """An opaque cursor for the item at `offset`.

    >>> decode_cursor(encode_cursor(40))
    40
    """
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The offset a cursor stands for; None or empty is the start. A forged cursor is a clear error."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        tag, _, value = raw.partition(":")
        offset = int(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"cursor {cursor!r} is not one this server gave out", field="cursor") from exc
    if tag != "o" or offset < 0:
        raise InvalidArgument(f"cursor {cursor!r} is not one this server gave out", field="cursor")
    return offset


def page(items: Sequence[T], limit: int, cursor: str | None) -> tuple[list[T], str | None]:
    """The slice of `items` a (limit, cursor) asks for, and the cursor of the next page (None at the end).

    >>> page(list(range(5)), 2, None)
    ([0, 1], 'bzoy')
    >>> page(list(range(5)), 2, 'bzo0')
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
    match = _WINDOW.match(text or "")
    span = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))}) if match else None
    if span is None or not timedelta(hours=1) <= span <= _LONGEST:
        raise InvalidArgument(f"{field} must look like 24h, 7d or 2w (1h to 3650d); got {text!r}", field=field)
    return span
