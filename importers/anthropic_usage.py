"""Anthropic Admin API usage report (`usage_report/messages`) and cost report pages -> aggregate events.

Usage: `uncached_input_tokens` excludes cache reads and writes, so input = uncached + cache reads
+ 5-minute + 1-hour cache writes, and cache writes = 5m + 1h. The report has no request count,
so usage events carry no `runs`. Costs: `amount` is a decimal string in cents ("123.45" =
$1.2345), read with Decimal; cost events are `kind: other` with `runs: 0` and no tokens. Import
the usage report or the cost report for spend, not both (see docs/importing.md). The agent is the API key
id, else the workspace id, else `anthropic` (the default workspace has no id); a row with both keeps the workspace id
in `agent_ids`, so an agent listing either in `cost_keys` owns it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
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

__all__ = ["COST", "USAGE", "events"]

USAGE, COST = "anthropic-usage", "anthropic-cost"
_CENTS = Decimal(100)


_SPENDER = ("api_key_id", "workspace_id")


def _usage(result: Mapping[str, Any], start: str, period: int) -> Event:
    creation = as_dict(result.get("cache_creation"), "cache_creation")
    write_5m = as_tokens(creation.get("ephemeral_5m_input_tokens"), "cache_creation.ephemeral_5m_input_tokens") or 0
    write_1h = as_tokens(creation.get("ephemeral_1h_input_tokens"), "cache_creation.ephemeral_1h_input_tokens") or 0
    uncached = as_tokens(result.get("uncached_input_tokens"), "uncached_input_tokens") or 0
    groups = ("api_key_id", "workspace_id", "model", "service_tier", "context_window", "inference_geo")
    keys = [result.get(k) for k in groups]
    tools = as_dict(result.get("server_tool_use"), "server_tool_use")
    return prune(
        {
            "id": event_id(USAGE, start, *keys),
            "ts": start,
            **spender(result, _SPENDER, "anthropic"),
            "kind": "llm",
            "model": result.get("model"),
            "provider": "anthropic",
            **token_fields(
                uncached,
                as_tokens(result.get("output_tokens"), "output_tokens"),
                cache_read=as_tokens(result.get("cache_read_input_tokens"), "cache_read_input_tokens"),
                cache_write=write_5m + write_1h,
                input_includes_cache=False,
            ),
            "aggregate": True,
            "period_s": period,
            "source": USAGE,
            "attributes": {
                "api_key_id": result.get("api_key_id"),
                "workspace_id": result.get("workspace_id"),
                "service_tier": result.get("service_tier"),
                "context_window": result.get("context_window"),
                "cache_write_5m_tokens": write_5m,
                "cache_write_1h_tokens": write_1h,
                "web_search_requests": tools.get("web_search_requests"),
            },
        }
    )


def _cost(result: Mapping[str, Any], start: str, period: int) -> Event:
    currency = str(result.get("currency") or "USD")
    if currency.upper() != "USD":
        raise FieldError("currency", f"cost in {currency!r}; orgmap keeps costs in USD")
    if not isinstance(result.get("amount"), str):
        raise FieldError("amount", f"expected a decimal string of cents, got {result.get('amount')!r}")
    keys = [result.get(k) for k in ("workspace_id", "description", "cost_type", "token_type", "model", "service_tier")]
    keys += [result.get("context_window"), result.get("inference_geo")]
    return prune(
        {
            "id": event_id(COST, start, *keys),
            "ts": start,
            **spender(result, _SPENDER, "anthropic"),
            "kind": "other",
            "model": result.get("model"),
            "provider": "anthropic",
            "cost_usd": as_number(result["amount"], "amount", scale=_CENTS),
            "aggregate": True,
            "runs": 0,
            "period_s": period,
            "source": COST,
            "attributes": {
                "cost_type": result.get("cost_type"),
                "token_type": result.get("token_type"),
                "description": result.get("description"),
                "workspace_id": result.get("workspace_id"),
                "service_tier": result.get("service_tier"),
                "context_window": result.get("context_window"),
            },
        }
    )


def events(rows: Iterable[Row], file: str) -> Iterator[Event | RowError]:
    """Events of a file of Anthropic usage-report or cost-report pages."""
    return page_events(rows, file, start_key="starting_at", end_key="ending_at", usage=_usage, cost=_cost)
