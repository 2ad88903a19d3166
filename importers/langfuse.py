"""Langfuse observations export (JSON array, JSONL or CSV) -> cost events.

GENERATION and EMBEDDING observations become events; TOOL and RETRIEVER ones only when they cost
something, and any other type only when it carries usage or cost. The agent is the trace's name
(else the observation's), the run is the trace.

Usage keys are free-form. Langfuse prices each key separately and adds the prices up, so its
integrations report `input` WITHOUT the cached part (and `output` without reasoning). We read
them that way: when cache keys sit beside `input`, the input we report is `input` + cache reads
+ cache writes (+ other `input_*` keys such as audio), unless a `total` equal to `input + output`
says `input` already held them. Reasoning and other `output_*` keys are added to `output` likewise.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from importers.base import (
    Event,
    FieldError,
    RowError,
    as_dict,
    as_number,
    as_tokens,
    event_id,
    prune,
    to_iso,
    token_fields,
    version_fields,
)
from importers.file_rows import Row, per_row

__all__ = ["FORMAT", "REQUIRED_COLUMNS", "convert", "events", "usage_tokens"]

FORMAT = "langfuse"
REQUIRED_COLUMNS = ("id", "type", "start_time")
_KINDS = {"GENERATION": "llm", "EMBEDDING": "embedding", "TOOL": "tool", "RETRIEVER": "retrieval"}
_ROLES = {
    "input": ("input", "input_tokens", "prompt_tokens", "promptTokens"),
    "output": ("output", "output_tokens", "completion_tokens", "completionTokens"),
    "cache_read": ("cache_read_input_tokens", "input_cached_tokens", "input_cache_read", "cached_tokens"),
    "cache_write": ("cache_creation_input_tokens", "input_cache_creation", "input_cache_write"),
    "reasoning": ("output_reasoning_tokens", "output_reasoning", "reasoning_tokens"),
    "total": ("total", "total_tokens", "totalTokens"),
}
_ROLE_OF = {key: role for role, keys in _ROLES.items() for key in keys}


def usage_tokens(usage: Mapping[str, Any]) -> Event:
    """Langfuse `usage_details` -> orgmap token fields (see the module's docstring for the rule).

    >>> usage_tokens({"input": 300, "cache_read_input_tokens": 1000, "output": 50})
    {'input_tokens': 1300, 'output_tokens': 50, 'cache_read_tokens': 1000}
    >>> usage_tokens({"input": 1000, "input_cached_tokens": 800, "output": 100, "total": 1100})
    {'input_tokens': 1000, 'output_tokens': 100, 'cache_read_tokens': 800}
    """
    sums = dict.fromkeys(
        ("input", "output", "cache_read", "cache_write", "reasoning", "total", "in_more", "out_more"), 0
    )
    seen: set[str] = set()
    for key, raw in usage.items():
        count = as_tokens(raw, f"usage_details.{key}")
        if count is None:
            continue
        role = _ROLE_OF.get(key) or (
            "in_more" if key.startswith("input") else "out_more" if key.startswith("output") else None
        )
        if role is not None:
            sums[role] += count
            seen.add(role)
    if not seen - {"total"}:
        return {}
    inclusive = (
        "total" in seen
        and sums["total"] == sums["input"] + sums["output"]
        and bool(seen & {"cache_read", "cache_write", "reasoning", "in_more", "out_more"})
    )
    input_tokens = sums["input"] + (0 if inclusive else sums["cache_read"] + sums["cache_write"] + sums["in_more"])
    output_tokens = sums["output"] + (0 if inclusive else sums["reasoning"] + sums["out_more"])
    return token_fields(
        input_tokens if seen & {"input", "cache_read", "cache_write", "in_more"} else None,
        output_tokens if seen & {"output", "reasoning", "out_more"} else None,
        cache_read=sums["cache_read"],
        cache_write=sums["cache_write"],
        reasoning=sums["reasoning"],
        input_includes_cache=True,
    )


def _cost(row: Mapping[str, Any]) -> float | None:
    total = as_number(row.get("total_cost"), "total_cost")
    if total is not None:
        return total
    details = as_dict(row.get("cost_details"), "cost_details")
    if "total" in details:
        return as_number(details["total"], "cost_details.total")
    parts = [as_number(v, f"cost_details.{k}") for k, v in details.items()]
    return sum(p for p in parts if p is not None) if any(p is not None for p in parts) else None


def convert(row: Any, file: str, line: int) -> list[Event]:
    """One observation -> zero or one event."""
    if not isinstance(row, Mapping) or "type" not in row or "id" not in row:
        raise FieldError("type", "not a Langfuse observation (no id and type)")
    kind_of = str(row.get("type") or "").upper()
    tokens = usage_tokens(as_dict(row.get("usage_details"), "usage_details"))
    cost = _cost(row)
    has_usage, has_cost = any(tokens.values()), bool(cost)
    if kind_of in ("TOOL", "RETRIEVER"):
        wanted = has_cost
    else:
        wanted = kind_of in ("GENERATION", "EMBEDDING") or has_usage or has_cost
    if not wanted:
        return []
    agent = row.get("trace_name") or row.get("name")
    if not agent:
        raise FieldError("trace_name", "no agent: neither trace_name nor name is set")
    start = to_iso(row.get("start_time"), "start_time")
    end = row.get("end_time")
    duration = None
    if end not in (None, ""):
        finish = datetime.fromisoformat(to_iso(end, "end_time"))
        duration = max(0.0, (finish - datetime.fromisoformat(start)).total_seconds() * 1000)
    level = str(row.get("level") or "").upper()
    return [
        prune(
            {
                "id": event_id(FORMAT, row["id"]),
                "ts": start,
                "agent": str(agent),
                "kind": _KINDS.get(kind_of, "llm" if has_usage else "other"),
                "model": row.get("provided_model_name") or row.get("model") or None,
                **tokens,
                "cost_usd": cost,
                **version_fields(as_dict(row.get("metadata"), "metadata"), {
                    "agent_version": row.get("release") or row.get("version"),
                    # a managed prompt: its id, else name@version, stands for its hash
                    "prompt_hash": row.get("prompt_id") or (f"{row['prompt_name']}@{row.get('prompt_version')}"
                                                            if row.get("prompt_name") else None)}),
                "tool": row.get("name") if kind_of == "TOOL" else None,
                "run_id": row.get("trace_id") or None,
                "client": row.get("user_id") or None,
                "duration_ms": duration,
                "status": ("error" if level == "ERROR" else "ok") if level else None,
                "source": FORMAT,
                "attributes": {
                    "observation_type": kind_of,
                    "observation_name": row.get("name"),
                    "session_id": row.get("session_id"),
                    "environment": row.get("environment"),
                    "release": row.get("release"),
                    "project_id": row.get("project_id"),
                },
            }
        )
    ]


def events(rows: Iterable[Row], file: str) -> Iterator[Event | RowError]:
    """Events of a Langfuse observations export."""
    return per_row(rows, file, convert)
