"""Cost and change events: the store, pricing, run-rate rollups, budgets, runs and anomalies."""

from .alerts import Alert
from .budgets import Allowance, BudgetSpec, BudgetStatus, PeriodStatus
from .destinations import check_webhook_url
from .events import ChangeEvent, CostEvent, EventError
from .ledger import Ledger
from .outbox import DeliveryPolicy
from .pricing import PriceOverride, load_overrides
from .results import (
    ChangePage,
    ChangeRecord,
    IngestReport,
    ItemResult,
    Rejection,
    RunDistribution,
    RunView,
    SpendPoint,
    SpendSummary,
    UnattributedName,
    UnpricedModel,
)
from .runrate import RunRate, RunRateRow
from .runs import RunSettings
from .schema import SchemaError
from .series import HourlySeries

__all__ = [
    "Alert", "Allowance", "BudgetSpec", "BudgetStatus", "ChangeEvent", "ChangePage", "ChangeRecord", "CostEvent",
    "DeliveryPolicy", "EventError", "HourlySeries", "IngestReport", "ItemResult", "Ledger", "PeriodStatus",
    "PriceOverride", "Rejection", "RunDistribution", "RunRate", "RunRateRow", "RunSettings", "RunView", "SchemaError",
    "SpendPoint", "SpendSummary", "UnattributedName", "UnpricedModel", "check_webhook_url", "load_overrides",
]
