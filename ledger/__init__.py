"""Cost and change events: the store, pricing, run-rate rollups, budgets, runs and anomalies."""

from .alerts import Alert
from .budgets import Allowance, BudgetSpec, BudgetStatus, PeriodStatus
from .events import ChangeEvent, CostEvent, EventError
from .ledger import Ledger
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
    "EventError", "HourlySeries", "IngestReport", "ItemResult", "Ledger", "PeriodStatus", "PriceOverride",
    "Rejection", "RunDistribution", "RunRate", "RunRateRow", "RunSettings", "RunView", "SchemaError", "SpendPoint",
    "SpendSummary", "UnattributedName", "UnpricedModel", "load_overrides",
]
