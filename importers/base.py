"""Shared pieces of every importer: the row error, timestamps, ids and number coercion.

Parsing here is pure: functions take values and return values or raise `FieldError`, which the
importers turn into a `RowError` naming the file, line and field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "COST_KINDS",
    "JSON_ERRORS",
    "Event",
    "FieldError",
    "Progress",
    "RowError",
    "as_dict",
    "as_number",
    "as_tokens",
    "epoch_to_iso",
    "event_id",
    "guarded",
    "prune",
    "spender",
    "to_iso",
    "token_fields",
    "version_fields",
]

Event = dict[str, Any]
Progress = Callable[[int, int], None]
COST_KINDS = ("llm", "tool", "embedding", "retrieval", "other")
# What parsing untrusted JSON text may raise: bad JSON, bytes that are not UTF-8, nesting deeper than the parser's
# recursion (a value thousands of levels deep)
JSON_ERRORS = (json.JSONDecodeError, UnicodeDecodeError, RecursionError)


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that could not become an event: where it is and what is wrong with which field.

    `element` is the row's index in a JSON array file, shown instead of the line (`export.json [1234]`,
    jq's `.[1234]`): a one-line export has every element on line 1.
    """

    file: str
    line: int
    field: str
    message: str
    element: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.element is None else f"{self.file} [{self.element}]"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class FieldError(ValueError):
    """A value of one field is unusable; `field` names it (dotted for nested values)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def guarded(file: str, line: int, build: Callable[[], Iterable[Event | RowError]]) -> list[Event | RowError]:
    """Run one row's converter: its events whole, or one RowError instead of any half of them."""
    try:
        return list(build())
    except FieldError as exc:
        return [RowError(file, line, exc.field, exc.message)]


def event_id(source: str, *parts: object) -> str:
    """A stable idempotency key from the source's own ids, e.g. ``litellm:req-1``.

    >>> event_id("openai-usage", 1730419200, "proj_a", None, "gpt-4o")
    'openai-usage:1730419200:proj_a::gpt-4o'
    """
    return ":".join([source, *("" if p is None else str(p) for p in parts)])


def epoch_to_iso(seconds: float | Decimal) -> str:
    """Unix seconds to an ISO 8601 UTC string (microsecond precision, trailing zeros kept off).

    >>> epoch_to_iso(1730419200)
    '2024-11-01T00:00:00+00:00'
    """
    whole = int(seconds)
    micros = round((Decimal(str(seconds)) - whole) * 1_000_000) if not isinstance(seconds, int) else 0
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    return datetime.fromtimestamp(whole, UTC).replace(microsecond=int(micros)).isoformat()


def _epoch_seconds(number: Decimal) -> Decimal:
    """Seconds, milliseconds, microseconds or nanoseconds since the epoch, told apart by size."""
    magnitude = abs(number)
    for divisor in (1, 1_000, 1_000_000, 1_000_000_000):
        if magnitude / divisor < 100_000_000_000:  # before the year 5138 in that unit
            return number / divisor
    raise ValueError("epoch number too large")


def to_iso(value: Any, field: str, *, naive_is_utc: bool = True) -> str:
    """An ISO 8601 UTC timestamp from epoch numbers (s/ms/us/ns) or ISO/RFC 3339 strings.

    A string without a zone is UTC when the source documents it so (`naive_is_utc`); otherwise it
    is passed on without a zone, so the ledger can warn about it.

    >>> to_iso(1730419200123, "ts")
    '2024-11-01T00:00:00.123000+00:00'
    >>> to_iso("2024-05-29 13:46:19.963000", "start_time")
    '2024-05-29T13:46:19.963000+00:00'
    >>> to_iso("2024-05-29T15:46:19+02:00", "ts")
    '2024-05-29T13:46:19+00:00'
    """
    if isinstance(value, bool) or value is None or value == "":
        raise FieldError(field, "missing timestamp" if value in (None, "") else f"not a timestamp: {value!r}")
    if isinstance(value, int | float | Decimal) or (isinstance(value, str) and _is_number(value)):
        try:
            number = Decimal(str(value).strip())
            if not number.is_finite():
                raise ValueError("not finite")
            return epoch_to_iso(_epoch_seconds(number))
        except (ValueError, OverflowError, InvalidOperation, OSError) as exc:
            raise FieldError(field, f"not a timestamp: {value!r} ({exc})") from None
    if not isinstance(value, str):
        raise FieldError(field, f"not a timestamp: {value!r}")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise FieldError(field, f"not an ISO 8601 timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        if not naive_is_utc:
            return parsed.isoformat()
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC).isoformat()
    except OverflowError:  # 9999-12-31T23:00:00-05:00 is in no year datetime holds
        raise FieldError(field, f"out of range in UTC: {value!r}") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def as_tokens(value: Any, field: str) -> int | None:
    """A token count: a non-negative integer (int, integral float or digit string), or None if absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise FieldError(field, f"not a token count: {value!r}")
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text) if text.lstrip("-").isdigit() else float(text)
        except ValueError:
            raise FieldError(field, f"not a token count: {value!r}") from None
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise FieldError(field, f"not a whole number of tokens: {value!r}")
        value = int(value)
    if not isinstance(value, int):
        raise FieldError(field, f"not a token count: {value!r}")
    if value < 0:
        raise FieldError(field, f"negative token count: {value}")
    return value


def as_number(value: Any, field: str, *, scale: Decimal = Decimal(1)) -> float | None:
    """A non-negative number (a cost in USD, a duration) from a number or decimal string, divided by `scale`."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise FieldError(field, f"not a number: {value!r}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise FieldError(field, f"not a number: {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise FieldError(field, f"not a non-negative number: {value!r}")
    return float(amount / scale)


def as_dict(value: Any, field: str) -> Mapping[str, Any]:
    """A JSON object, given as an object or as a JSON-encoded string (CSV exports); {} when absent."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise FieldError(field, f"not valid JSON ({exc.msg})") from None
        if value is None:
            return {}
    if not isinstance(value, Mapping):
        raise FieldError(field, f"expected an object, got {type(value).__name__}")
    return value


def spender(result: Mapping[str, Any], fields: Sequence[str], default: str) -> Event:
    """Who a usage report's row is for: `agent` is the first of `fields` the row fills (else `default`), and
    `agent_ids` the others it fills, in order, so an agent whose `cost_keys` list any of them owns the row.

    >>> spender({"api_key_id": "key_1", "workspace_id": "wrk_1"}, ("api_key_id", "workspace_id"), "anthropic")
    {'agent': 'key_1', 'agent_ids': ['wrk_1']}
    >>> spender({"workspace_id": None}, ("api_key_id", "workspace_id"), "anthropic")
    {'agent': 'anthropic', 'agent_ids': None}
    """
    found = [str(v) for v in (result.get(f) for f in fields) if v]
    return {"agent": found[0] if found else default, "agent_ids": found[1:] or None}


def prune(event: Event) -> Event:
    """Drop absent (None) and empty-attribute fields so events carry only what the source said."""
    out = {k: v for k, v in event.items() if v is not None}
    if "attributes" in out:
        attrs = {k: v for k, v in out["attributes"].items() if v not in (None, "", [], {})}
        if attrs:
            out["attributes"] = attrs
        else:
            del out["attributes"]
    return out


def token_fields(
    input_tokens: int | None,
    output_tokens: int | None,
    *,
    cache_read: int | None = None,
    cache_write: int | None = None,
    reasoning: int | None = None,
    input_includes_cache: bool | None = None,
) -> Event:
    """Token counts in orgmap's (OpenTelemetry's) semantics: input counts cache, output counts reasoning.

    `input_includes_cache` says what the source means; None decides from the numbers: cache above
    the input can only mean the source left cache out of it (Anthropic style), so it is added. The
    same rule holds for reasoning tokens above the output.

    >>> token_fields(100, 20, cache_read=80)
    {'input_tokens': 100, 'output_tokens': 20, 'cache_read_tokens': 80}
    >>> token_fields(10, 20, cache_read=80, cache_write=5, reasoning=30)["input_tokens"]
    95
    """
    cached = (cache_read or 0) + (cache_write or 0)
    if input_includes_cache is None:
        input_includes_cache = input_tokens is not None and cached <= input_tokens
    if not input_includes_cache and (input_tokens is not None or cached):
        input_tokens = (input_tokens or 0) + cached
    if reasoning and (output_tokens is None or reasoning > output_tokens):
        output_tokens = (output_tokens or 0) + reasoning
    fields = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_read_tokens": cache_read or None,
        "cache_write_tokens": cache_write or None,
        "reasoning_tokens": reasoning or None,
    }
    return {k: v for k, v in fields.items() if v is not None}


VERSIONS = ("agent_version", "deploy_id", "prompt_hash", "tools_hash")


def version_fields(*metadata: Mapping[str, Any]) -> dict[str, Any]:
    """What the agent ran as (docs/events.md: `agent_version`, `deploy_id`, `prompt_hash`, `tools_hash`), each from
    the first of the `metadata` objects that sets it; absent ones are left out.

    >>> version_fields({"agent_version": "1.2"}, {"agent_version": "9", "prompt_hash": "p1"})
    {'agent_version': '1.2', 'prompt_hash': 'p1'}
    """
    found = {}
    for name in VERSIONS:
        value = next((m[name] for m in metadata if m.get(name) not in (None, "")), None)
        if value is not None:
            found[name] = value if isinstance(value, str) else str(value)
    return found
