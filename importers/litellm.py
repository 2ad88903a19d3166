"""LiteLLM proxy spend: `LiteLLM_SpendLogs` exports (CSV, JSON, JSONL) and live logging-callback payloads.

LiteLLM has already priced each call, so `cost_usd` is its `spend` / `response_cost`. A spend-log
row and the live payload of the same call share the id `litellm:<request id>`, so receiving one
live and importing the other later does not count it twice when LiteLLM gives both the same id.
The agent is `agent_id`, else a name found in the metadata (`agent`, `agent_name`), a request tag
`agent:NAME` (or `agent=NAME`), the key alias, and last the hashed API key, which a node's
`cost_keys` can claim.
"""

from __future__ import annotations

import json
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

__all__ = ["FORMAT", "REQUIRED_COLUMNS", "convert", "events", "events_from_litellm_payload"]

FORMAT = "litellm"
REQUIRED_COLUMNS = ("request_id", "spend")
_STATUS = {"success": "ok", "failure": "error"}


def _kind(call_type: str, tool: str | None) -> str:
    if tool or "mcp" in call_type:
        return "tool"
    if "embedding" in call_type:
        return "embedding"
    if not call_type or any(word in call_type for word in ("completion", "responses", "messages", "generate")):
        return "llm"
    return "other"


def _tags(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return [t.strip() for t in value.split(",") if t.strip()]
    if not isinstance(value, list):
        raise FieldError("request_tags", f"expected a list of tags, got {value!r}")
    return [str(t) for t in value]


def _flag(value: Any) -> bool | None:
    """A boolean that CSV exports spell as text."""
    return value if isinstance(value, bool) or value is None else str(value).strip().lower() in ("true", "1")


def _nested(metadata: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The request's metadata and the caller's own within it (`requester_metadata`, `spend_logs_metadata`)."""
    return [metadata,
            *(as_dict(metadata.get(k), f"metadata.{k}") for k in ("requester_metadata", "spend_logs_metadata"))]


def _agent(record: Mapping[str, Any], metadata: Mapping[str, Any], tags: list[str], api_key: Any) -> str:
    nested = _nested(metadata)
    named = [record.get("agent_id"), metadata.get("agent_id")]
    named += [m.get(k) for m in nested for k in ("agent", "agent_name")]
    named += [
        t.split(":", 1)[1] if ":" in t else t.split("=", 1)[1]
        for t in tags
        if t.lower().startswith(("agent:", "agent="))
    ]
    named += [metadata.get("user_api_key_alias"), api_key]
    agent = next((str(n).strip() for n in named if n not in (None, "") and str(n).strip()), None)
    if agent is None:
        raise FieldError("agent_id", "no agent: no agent_id, agent tag, key alias or api_key")
    return agent


def _duration_ms(record: Mapping[str, Any], start: str, end: Any) -> float | None:
    given = record.get("request_duration_ms")
    if given not in (None, ""):
        return as_number(given, "request_duration_ms")
    if end in (None, ""):
        return None
    finish = to_iso(end, "endTime")
    return max(0.0, (datetime.fromisoformat(finish) - datetime.fromisoformat(start)).total_seconds() * 1000)


def _event(record: Mapping[str, Any], *, rid_field: str, cost_field: str, api_key: Any, run_id: Any) -> Event:
    request_id = record.get(rid_field)
    if request_id in (None, ""):
        raise FieldError(rid_field, "missing request id")
    metadata = as_dict(record.get("metadata"), "metadata")
    usage = as_dict(metadata.get("usage_object"), "metadata.usage_object")
    prompt_details = as_dict(usage.get("prompt_tokens_details"), "metadata.usage_object.prompt_tokens_details")
    output_details = as_dict(usage.get("completion_tokens_details"), "metadata.usage_object.completion_tokens_details")
    tags = _tags(record.get("request_tags"))
    start = to_iso(record.get("startTime"), "startTime")
    tool = record.get("mcp_namespaced_tool_name") or None
    cache_write = usage.get("cache_creation_input_tokens") or prompt_details.get("cache_creation_tokens")
    return prune(
        {
            "id": event_id(FORMAT, request_id),
            "ts": start,
            "agent": _agent(record, metadata, tags, api_key),
            "kind": _kind(str(record.get("call_type") or ""), tool),
            "model": record.get("model") or None,
            "provider": record.get("custom_llm_provider") or None,
            **token_fields(
                as_tokens(record.get("prompt_tokens"), "prompt_tokens"),
                as_tokens(record.get("completion_tokens"), "completion_tokens"),
                cache_read=as_tokens(prompt_details.get("cached_tokens"), "prompt_tokens_details.cached_tokens"),
                cache_write=as_tokens(cache_write, "usage_object.cache_creation_input_tokens"),
                reasoning=as_tokens(
                    output_details.get("reasoning_tokens"), "completion_tokens_details.reasoning_tokens"
                ),
            ),
            "cost_usd": as_number(record.get(cost_field), cost_field),
            **version_fields(*_nested(metadata)),
            "tool": tool,
            "run_id": run_id or None,
            "client": record.get("end_user") or metadata.get("user_api_key_end_user_id") or None,
            "duration_ms": _duration_ms(record, start, record.get("endTime")),
            "status": _STATUS.get(str(record.get("status") or "").lower(), record.get("status") or None),
            "source": FORMAT,
            "attributes": {
                "api_key": api_key,
                "key_alias": metadata.get("user_api_key_alias"),
                "team_id": record.get("team_id") or metadata.get("user_api_key_team_id"),
                "team_alias": metadata.get("user_api_key_team_alias"),
                "user": record.get("user") or metadata.get("user_api_key_user_id"),
                "model_group": record.get("model_group"),
                "tags": tags,
                "cache_hit": _flag(record.get("cache_hit")),
            },
        }
    )


def convert(record: Any, file: str, line: int) -> list[Event]:
    """One spend-log row or one logging payload -> one event."""
    if not isinstance(record, Mapping):
        raise FieldError("request_id", f"expected an object, got {type(record).__name__}")
    if "request_id" in record:
        return [
            _event(
                record,
                rid_field="request_id",
                cost_field="spend",
                api_key=record.get("api_key"),
                run_id=record.get("session_id"),
            )
        ]
    if "response_cost" in record:
        metadata = as_dict(record.get("metadata"), "metadata")
        return [
            _event(
                record,
                rid_field="id",
                cost_field="response_cost",
                api_key=metadata.get("user_api_key_hash"),
                run_id=record.get("trace_id"),
            )
        ]
    raise FieldError("request_id", "neither a LiteLLM spend-log row (request_id) nor a logging payload (response_cost)")


def events(rows: Iterable[Row], file: str) -> Iterator[Event | RowError]:
    """Events of a spend-logs export (CSV, JSON array, JSON lines) or a file of logging payloads."""
    return per_row(rows, file, convert)


def events_from_litellm_payload(obj: Any) -> list[Event | RowError]:
    """Events of what LiteLLM's generic logging callback posts: one StandardLoggingPayload or a list of them."""
    items = obj if isinstance(obj, list) else [obj]
    return list(per_row(enumerate(items, 1), "<litellm>", convert))
