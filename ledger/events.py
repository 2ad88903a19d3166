"""Cost and change events as docs/events.md defines them: validation to typed records, and content-hash ids.

Validation is a pure function per row; a bad row raises `EventError` naming the field, the caller keeps the rest.
CSV-shaped input is accepted: numbers and booleans may arrive as strings, an empty string means absent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .timeutil import parse_ts

__all__ = [
    "CHANGE_KINDS",
    "COST_KINDS",
    "ERROR_STATUSES",
    "OUTCOME",
    "VERSION_FIELDS",
    "ChangeEvent",
    "CostEvent",
    "EventError",
    "agent_key",
    "content_id",
    "is_outcome",
    "limits",
    "text_problem",
    "validate_change",
    "validate_cost",
    "validate_outcome",
]

COST_KINDS = frozenset({"llm", "tool", "embedding", "retrieval", "other"})
CHANGE_KINDS = frozenset(
    {"deploy", "prompt", "model", "config", "schedule", "dependency", "release", "commit", "vault_edit", "other"}
)
ERROR_STATUSES = frozenset({"error", "failed", "failure"})
# Upper bounds (docs/events.md says why these): a cost event's tokens in one field and its cost in USD, for one call and
# for one aggregate row of a usage report (which may cover up to a year), and the requests (`runs`) a row counts.
# They keep every total finite: a float sum of costs would need ~10^299 rows to reach inf, and a 64-bit count holds
# nine million aggregate rows at the limit in one sum (per-call rows, 10^5 times more).
MAX_TOKENS_PER_CALL = 10_000_000
MAX_COST_PER_CALL = 1_000_000
MAX_AGGREGATE_COUNT = 10**12
MAX_AGGREGATE_COST = 1_000_000_000
MAX_AGENT_IDS = 16  # a usage row names its spender by two or three ids; more is a mistake
VERSION_FIELDS = ("agent_version", "deploy_id", "prompt_hash", "tools_hash")  # optional; stored after agent_ids
_TOKEN_FIELDS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens")
_TRUE = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class EventError(ValueError):
    """A row that breaks the schema; `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class CostEvent:
    """One validated cost event; `ts` is UTC microseconds, tokens are ints (0 when absent)."""

    id: str
    ts: int
    agent: str
    agent_ids: tuple[str, ...]
    kind: str
    model: str | None
    provider: str | None
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    cost_usd: float | None
    tool: str | None
    run_id: str | None
    client: str | None
    project: str | None
    task: str | None
    retry: int
    duration_ms: float | None
    status: str | None
    aggregate: bool
    runs: int | None
    period_s: int | None
    source: str | None
    attributes: dict[str, Any] | None
    warning: str | None
    # what the agent ran as (docs/events.md): change detection (`ledger.watch`) reads them; None when not sent
    agent_version: str | None = None
    deploy_id: str | None = None
    prompt_hash: str | None = None
    tools_hash: str | None = None

    @property
    def key(self) -> str:
        """The casefolded agent key rollups are grouped by."""
        return agent_key(self.agent)

    @property
    def is_error(self) -> bool:
        return self.status is not None and self.status.lower() in ERROR_STATUSES


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One validated change event (something that shipped)."""

    id: str
    ts: int
    target: str
    kind: str
    summary: str
    ref: str | None
    author: str | None
    planned: bool
    source: str | None
    details: dict[str, Any] | None
    warning: str | None


def agent_key(name: str) -> str:
    """Agent names match case-insensitively: the key is the stripped, casefolded name.

    >>> agent_key("  Support-Bot ")
    'support-bot'
    """
    return name.strip().casefold()


def limits(aggregate: bool) -> tuple[int, int, str]:
    """(most tokens in one field, most USD, what it is) of a per-call event or of an aggregate row.

    >>> limits(False)
    (10000000, 1000000, 'call')
    """
    return (MAX_AGGREGATE_COUNT, MAX_AGGREGATE_COST, "aggregate row") if aggregate else (
        MAX_TOKENS_PER_CALL, MAX_COST_PER_CALL, "call")


def content_id(content: Mapping[str, Any]) -> str:
    """A stable id: SHA-256 of the canonical JSON (sorted keys, no spaces) of the event's normalised content."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _present(raw: Mapping[str, Any], name: str) -> Any:
    value = raw.get(name)
    return None if value is None or value == "" else value


def _text(raw: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = _present(raw, name)
    if value is None:
        if required:
            raise EventError(name, "is required")
        return None
    if not isinstance(value, str):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise EventError(name, f"must be a string, got {type(value).__name__}")
    value = value.strip()
    if required and not value:
        raise EventError(name, "is required")
    if len(value) > MAX_TEXT:
        raise EventError(name, f"must be at most {MAX_TEXT:,} characters, got {len(value):,}")
    if (problem := text_problem(value)) is not None:
        raise EventError(name, problem)
    return value or None


def text_problem(value: str) -> str | None:
    """Why `value` is no text a store can keep or look up (see `is_text`), in words after its field's name; None
    when it is."""
    if is_text(value):
        return None
    if "\x00" in value:
        return "is not valid text: it holds a NUL character (\\u0000), which no store keeps"
    return "is not valid text: it holds a lone UTF-16 surrogate (a malformed \\u escape such as \\ud800)"


def is_text(value: str) -> bool:
    """Whether `value` can be stored and sent as UTF-8: JSON's `\\ud800` escape decodes to a lone surrogate that
    can not (SQLite would refuse the whole batch), and PostgreSQL keeps no NUL (`\\u0000`) in text. ASCII, the usual
    case, is checked without encoding.

    >>> is_text("support-bot"), is_text("Tomás"), is_text("x\\ud800"), is_text("a\\x00b")
    (True, True, False, False)
    """
    if "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _int(raw: Mapping[str, Any], name: str, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    value = _present(raw, name)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise EventError(name, f"must be an integer, got {value!r}") from None
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise EventError(name, f"must be an integer, got {value!r}")
    if value < minimum:
        raise EventError(name, f"must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise EventError(name, f"must be at most {maximum:,}, got "
                               + (f"{value:,}" if value <= MAX_INT else f"{len(str(value))} digits"))
    if value > MAX_INT:
        raise EventError(name, f"must be at most {MAX_INT} (a 64-bit integer), got {len(str(value))} digits")
    return value


_INFINITE = (float("inf"), float("-inf"))
MAX_INT = 2**63 - 1  # what SQLite stores as an INTEGER
MAX_TEXT = 10_000  # characters in one text field (a name, a summary): longer is a mistake, not a name
MAX_PERIOD_S = 366 * 86_400  # the longest usage bucket an aggregate may cover (a year of a yearly report)


def _number(raw: Mapping[str, Any], name: str) -> float | None:
    value = _present(raw, name)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise EventError(name, f"must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or value in _INFINITE:
        raise EventError(name, f"must be a finite number, got {value!r}")
    if value < 0:
        raise EventError(name, f"must be >= 0, got {value}")
    try:
        return float(value)
    except OverflowError:
        raise EventError(name, f"must be a finite number, got {len(str(value))} digits") from None


def _bool(raw: Mapping[str, Any], name: str) -> bool:
    value = _present(raw, name)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE:
        return _TRUE[value.strip().lower()]
    raise EventError(name, f"must be true or false, got {value!r}")


def _object(raw: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    value = _present(raw, name)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise EventError(name, "must be an object (or its JSON text)") from None
    if not isinstance(value, Mapping):
        raise EventError(name, f"must be an object, got {type(value).__name__}")
    return dict(value)


def _ids(raw: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """A list of ids (or its JSON text, from CSV): each stripped, non-empty text; repeats dropped, order kept."""
    value = _present(raw, name)
    if value is None:
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise EventError(name, "must be a list of strings (or its JSON text)") from None
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise EventError(name, "must be a list of strings (or its JSON text)")
    if len(value) > MAX_AGENT_IDS:
        raise EventError(name, f"must hold at most {MAX_AGENT_IDS} ids, got {len(value)}")
    ids = tuple(_text({name: v}, name) for v in value)
    if None in ids:
        raise EventError(name, "an id must not be empty")
    return tuple(dict.fromkeys(ids))  # type: ignore[arg-type]


def _ts(raw: Mapping[str, Any]) -> tuple[int, str | None]:
    value = _present(raw, "ts")
    if value is None:
        raise EventError("ts", "is required")
    try:
        us, naive = parse_ts(value)
    except (ValueError, TypeError) as exc:
        raise EventError("ts", f"is not an ISO 8601 timestamp ({value!r}): {exc}") from None
    return us, ("ts has no time zone; taken as UTC" if naive else None)


def validate_cost(raw: Mapping[str, Any]) -> CostEvent:
    """Validate one cost event (raises `EventError` naming the field)."""
    ts, warning = _ts(raw)
    agent = _text(raw, "agent", required=True)
    kind = (_text(raw, "kind") or "llm").lower()
    if kind not in COST_KINDS:
        raise EventError("kind", f"must be one of {', '.join(sorted(COST_KINDS))}, got {kind!r}")
    aggregate = _bool(raw, "aggregate")
    max_tokens, max_cost, unit = limits(aggregate)
    tokens = [_int(raw, name) or 0 for name in _TOKEN_FIELDS]
    for name, count in zip(_TOKEN_FIELDS, tokens, strict=True):
        if count > max_tokens:
            raise EventError(name, f"{count} is more than {max_tokens:,} tokens in one {unit}")
    input_tokens, output_tokens, cache_read, cache_write, reasoning = tokens
    if cache_read + cache_write > input_tokens:
        field = "cache_read_tokens" if cache_read > input_tokens or not cache_write else "cache_write_tokens"
        raise EventError(
            field, f"cache tokens ({cache_read} read + {cache_write} write) exceed input_tokens ({input_tokens})"
        )
    if reasoning > output_tokens:
        raise EventError("reasoning_tokens", f"{reasoning} exceeds output_tokens ({output_tokens})")
    period = _int(raw, "period_s", minimum=1, maximum=MAX_PERIOD_S)
    cost = _number(raw, "cost_usd")
    if cost is not None and cost > max_cost:
        raise EventError("cost_usd", f"{cost:,} is more than ${max_cost:,} in one {unit}")
    fields: dict[str, Any] = {
        "ts": ts,
        "agent": agent,
        "kind": kind,
        "model": _text(raw, "model"),
        "provider": _text(raw, "provider"),
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_read_tokens": cache_read,
        "cache_write_tokens": cache_write,
        "reasoning_tokens": reasoning,
        "cost_usd": cost,
        "tool": _text(raw, "tool"),
        "run_id": _text(raw, "run_id"),
        "client": _text(raw, "client"),
        "project": _text(raw, "project"),
        "task": _text(raw, "task"),
        "retry": _int(raw, "retry") or 0,
        "duration_ms": _number(raw, "duration_ms"),
        "status": _text(raw, "status"),
        "aggregate": aggregate,
        "runs": _int(raw, "runs", maximum=MAX_AGGREGATE_COUNT),
        "period_s": period if period is not None else (3600 if aggregate else None),
        "source": _text(raw, "source"),
        "attributes": _object(raw, "attributes"),
    }
    agent_ids = _ids(raw, "agent_ids")
    versions: dict[str, Any] = {name: value for name in VERSION_FIELDS if (value := _text(raw, name)) is not None}
    # the other ids and the versions join the content only when present, so an event without them keeps the id it
    # always had
    content = {**fields, **versions, **({"agent_ids": list(agent_ids)} if agent_ids else {})}
    event_id = _text(raw, "id") or content_id(content)
    return CostEvent(id=event_id, agent_ids=agent_ids, warning=warning, **fields, **versions)


def validate_change(raw: Mapping[str, Any]) -> ChangeEvent:
    """Validate one change event (raises `EventError` naming the field)."""
    ts, warning = _ts(raw)
    kind = (_text(raw, "kind", required=True) or "").lower()
    if kind not in CHANGE_KINDS:
        raise EventError("kind", f"must be one of {', '.join(sorted(CHANGE_KINDS))}, got {kind!r}")
    fields: dict[str, Any] = {
        "ts": ts,
        "target": _text(raw, "target", required=True),
        "kind": kind,
        "summary": _text(raw, "summary", required=True),
        "ref": _text(raw, "ref"),
        "author": _text(raw, "author"),
        "planned": _bool(raw, "planned"),
        "source": _text(raw, "source"),
        "details": _object(raw, "details"),
    }
    event_id = _text(raw, "id") or content_id(fields)
    return ChangeEvent(id=event_id, warning=warning, **fields)


OUTCOME = "outcome"  # the `kind` of an outcome event: a unit of work an agent delivered (docs/events.md)


def is_outcome(raw: Mapping[str, Any]) -> bool:
    """Whether an incoming event is an outcome (`kind: outcome`) rather than a cost event."""
    kind = raw.get("kind")
    return kind is not None and kind != "llm" and isinstance(kind, str) and kind.strip().lower() == OUTCOME


def validate_outcome(raw: Mapping[str, Any]) -> tuple:
    """One outcome event as its stored row `(id, ts, agent, agent key, outcome, run_id, value_usd, source,
    warning)`; raises `EventError` naming the field. Its id, when not given, is the hash of its content, so the same
    outcome sent twice is stored once."""
    ts, warning = _ts(raw)
    value = _number(raw, "value_usd")
    if value is not None and value > MAX_AGGREGATE_COST:
        raise EventError("value_usd", f"{value:,} is more than ${MAX_AGGREGATE_COST:,} for one outcome")
    fields: dict[str, Any] = {
        "ts": ts, "agent": _text(raw, "agent", required=True), "kind": OUTCOME,
        "outcome": _text(raw, "outcome", required=True), "run_id": _text(raw, "run_id"), "value_usd": value,
        "source": _text(raw, "source"),
    }
    event_id = _text(raw, "id") or content_id(fields)
    return (event_id, ts, fields["agent"], agent_key(fields["agent"]), fields["outcome"], fields["run_id"], value,
            fields["source"], warning)
