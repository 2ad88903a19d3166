"""The OTLP receiver refuses a gzip body that inflates past its limit instead of expanding it."""

from __future__ import annotations

import gzip

from importers import RowError, events_from_otlp
from importers.otel import MAX_BODY


def test_a_gzip_bomb_is_refused_with_a_clear_error() -> None:
    bomb = gzip.compress(b"{" + b" " * (MAX_BODY + 1024) + b"}")
    assert len(bomb) < MAX_BODY // 100
    found = events_from_otlp(bomb, "application/json")
    assert len(found) == 1 and isinstance(found[0], RowError)
    assert found[0].field == "body" and "inflates past" in found[0].message


def test_a_small_gzip_body_is_read() -> None:
    body = gzip.compress(b'{"resourceSpans": []}')
    assert events_from_otlp(body, "application/json") == []
