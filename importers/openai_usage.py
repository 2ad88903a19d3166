"""OpenAI organization Usage API (completions, embeddings...) and Costs API pages -> aggregate events.

Usage rows carry tokens and request counts but no dollars (the ledger prices them); cost rows
carry dollars (`amount.value`, USD) and no tokens, with `kind: other` and `runs: 0` so they add no
runs. Import one or the other for spend, not both (see docs/importing.md). The agent is the API key id, else
the project id, else the user id, else `openai`; the row's other ids are kept in `agent_ids`, so an agent listing any
of them in `cost_keys` owns it. The Usage API's
`input_tokens` already includes `input_cached_tokens`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
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
    spender,
    token_fields,
)
from importers.file_rows import Row
from importers.usage_reports import page_events

__all__ = ["COSTS", "USAGE", "events"]

USAGE, COSTS = "openai-usage", "openai-costs"
_KINDS = {"completions": "llm", "embeddings": "embedding"}


_SPENDER = ("api_key_id", "project_id", "user_id")


def _usage(result: Mapping[str, Any], start: str, period: int) -> Event:
    obj = str(result.get("object") or "")
    endpoint = obj.split(".")[2] if obj.startswith("organization.usage.") else "completions"
    keys = [result.get(k) for k in ("project_id", "api_key_id", "user_id", "model", "batch", "service_tier")]
    return prune(
        {
            "id": event_id(USAGE, endpoint, start, *keys),
            "ts": start,
            **spender(result, _SPENDER, "openai"),
            "kind": _KINDS.get(endpoint, "other"),
            "model": result.get("model"),
            "provider": "openai",
            **token_fields(
                as_tokens(result.get("input_tokens"), "input_tokens"),
                as_tokens(result.get("output_tokens"), "output_tokens"),
                cache_read=as_tokens(result.get("input_cached_tokens"), "input_cached_tokens"),
                input_includes_cache=True,
            ),
            "aggregate": True,
            "runs": as_tokens(result.get("num_model_requests"), "num_model_requests"),
            "period_s": period,
            "source": USAGE,
            "attributes": {
                "endpoint": endpoint,
                "project_id": result.get("project_id"),
                "api_key_id": result.get("api_key_id"),
                "user_id": result.get("user_id"),
                "batch": result.get("batch"),
                "service_tier": result.get("service_tier"),
                "input_audio_tokens": result.get("input_audio_tokens"),
                "output_audio_tokens": result.get("output_audio_tokens"),
            },
        }
    )


def _cost(result: Mapping[str, Any], start: str, period: int) -> Event:
    amount = as_dict(result.get("amount"), "amount")
    currency = str(amount.get("currency") or "usd")
    if currency.lower() != "usd":
        raise FieldError("amount.currency", f"cost in {currency!r}; orgmap keeps costs in USD")
    cost = as_number(amount.get("value"), "amount.value")
    if cost is None:
        raise FieldError("amount.value", "missing cost")
    return prune(
        {
            "id": event_id(COSTS, start, result.get("project_id"), result.get("api_key_id"), result.get("line_item")),
            "ts": start,
            **spender(result, _SPENDER, "openai"),
            "kind": "other",
            "provider": "openai",
            "cost_usd": cost,
            "aggregate": True,
            "runs": 0,
            "period_s": period,
            "source": COSTS,
            "attributes": {
                "line_item": result.get("line_item"),
                "project_id": result.get("project_id"),
                "api_key_id": result.get("api_key_id"),
            },
        }
    )


def events(rows: Iterable[Row], file: str) -> Iterator[Event | RowError]:
    """Events of a file of OpenAI usage or costs pages."""
    return page_events(rows, file, start_key="start_time", end_key="end_time", usage=_usage, cost=_cost)
