"""The period's charges as FOCUS rows (the FinOps Open Cost and Usage Specification, version 1.2), so a FinOps tool
loads orgmap's AI spend as it loads a cloud bill. Pure: shares in, rows (column -> value) out.

One row per charge period (a UTC day), resource (the node that carries the cost: an agent), service and model, per
client and project. Tokens are the consumed and pricing quantity. Tags carry owner, team, client, project and the
note's path. FOCUS 1.2 has no allocation columns: a share of a shared node's cost carries the node it came from and
the rule in custom columns (`x_` prefix, as FOCUS allows). FOCUS requires a cost on every row, so an unpriced
event's row has cost 0, its tokens, and `x_CostStatus` "unpriced"; the export counts them in a warning.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from orgmap.chargeback import Share
from orgmap.periods import month_days

__all__ = ["FOCUS_COLUMNS", "FOCUS_VERSION", "NodeFacts", "focus_rows"]

FOCUS_VERSION = "1.2"
# The columns written, in order: FOCUS 1.2's mandatory ones, the conditional and recommended ones orgmap can fill,
# then orgmap's own (x_).
FOCUS_COLUMNS = (
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd",
    "ChargePeriodStart", "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "EffectiveCost", "InvoiceIssuerName",
    "ListCost", "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "ResourceId",
    "ResourceName", "ResourceType", "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter",
    "Tags", "x_AgentKey", "x_CostType", "x_AllocatedFromResourceId", "x_AllocatedFromResourceName",
    "x_AllocationMethod", "x_CostStatus",
)
# Node id -> (display name, kind, tags: owner, team, note path): what the graph knows of a resource.
NodeFacts = Callable[[str], tuple[str, str, dict[str, str]]]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _billing_period(day: date) -> tuple[str, str]:
    first = datetime(day.year, day.month, 1)
    return _iso(first), _iso(first + timedelta(days=month_days(day)))


def _number(x: float) -> float:
    return round(x, 9) + 0.0


def _row(share: Share, account: str, facts: NodeFacts) -> dict[str, Any]:
    c = share.charge
    f = share.fraction
    usage = c.category == "usage"
    tags: dict[str, str] = {}
    if share.receiver is None:
        name, kind = c.agent_key, "unattributed"
    else:
        name, kind, tags = facts(share.receiver)
    tags = {**tags, **({"client": c.client} if c.client else {}), **({"project": c.project} if c.project else {})}
    source = facts(share.source)[0] if share.source else None
    provider = c.provider or (name if not usage else "unknown")
    cost = _number(c.cost * f)
    start, end = _billing_period(c.day.date())
    what = f"{c.model or c.kind} tokens" if usage else "fixed cost, a day's part"
    return {
        "BilledCost": cost, "BillingAccountId": account, "BillingAccountName": account, "BillingCurrency": "USD",
        "BillingPeriodEnd": end, "BillingPeriodStart": start,
        "ChargeCategory": "Usage" if usage else "Purchase", "ChargeClass": None,
        "ChargeDescription": f"{what} of {source or name}" + (f", allocated to {name}" if source else ""),
        "ChargeFrequency": "Usage-Based" if usage else "Recurring",
        "ChargePeriodEnd": _iso(c.day + timedelta(days=1)), "ChargePeriodStart": _iso(c.day),
        "ConsumedQuantity": _number(c.tokens * f) if usage else None, "ConsumedUnit": "Tokens" if usage else None,
        "ContractedCost": cost, "EffectiveCost": cost, "InvoiceIssuerName": provider, "ListCost": cost,
        "PricingCategory": "Standard", "PricingQuantity": _number(c.tokens * f) if usage else _number(f),
        "PricingUnit": "Tokens" if usage else "Days", "ProviderName": provider, "PublisherName": provider,
        "ResourceId": share.receiver or c.agent_key, "ResourceName": name, "ResourceType": kind,
        "ServiceCategory": "AI and Machine Learning",
        "ServiceName": (f"{c.provider} API" if c.provider else c.kind) if usage else (source or name),
        "ServiceSubcategory": "Generative AI" if usage else "Other (AI and Machine Learning)",
        "SkuId": c.model or None, "SkuMeter": "Tokens" if usage else None,
        "Tags": tags, "x_AgentKey": c.agent_key, "x_CostType": "allocated" if source else "direct",
        "x_AllocatedFromResourceId": share.source, "x_AllocatedFromResourceName": source,
        "x_AllocationMethod": share.method, "x_CostStatus": "unpriced" if c.unpriced else "priced",
    }


def focus_rows(all_shares: Iterable[Share], account: str, facts: NodeFacts) -> list[dict[str, Any]]:
    """FOCUS rows of the shares (columns in `FOCUS_COLUMNS` order); `account` is the billing account id and name
    (the vault's), `facts` what the graph knows of each node."""
    return [_row(s, account, facts) for s in all_shares]


def as_csv_value(value: Any) -> str:
    """A FOCUS value as a CSV cell: JSON for tags, empty for null."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)
