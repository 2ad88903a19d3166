"""Cost and change events: the store, pricing, run-rate rollups, budgets, runs and anomalies."""

from typing import TYPE_CHECKING

from ledger.lazy import lazy_exports

if TYPE_CHECKING:
    from .alerts import Alert
    from .budgets import AgentPause, Allowance, BudgetSpec, BudgetStatus, Hold, PeriodStatus
    from .destinations import check_webhook_url
    from .dialect import StoreUnavailable, is_database_url
    from .events import ChangeEvent, CostEvent, EventError
    from .ledger import Ledger
    from .mailer import SmtpSettings
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
    from .store import OPEN_ERRORS, copy_store

__all__ = [
    "OPEN_ERRORS",
    "AgentPause", "Alert", "Allowance", "BudgetSpec", "BudgetStatus", "ChangeEvent", "ChangePage", "ChangeRecord",
    "CostEvent", "DeliveryPolicy", "EventError", "Hold", "HourlySeries", "IngestReport", "ItemResult", "Ledger",
    "PeriodStatus", "PriceOverride", "Rejection", "RunDistribution", "RunRate", "RunRateRow", "RunSettings", "RunView",
    "SchemaError", "SmtpSettings", "SpendPoint", "SpendSummary", "StoreUnavailable", "UnattributedName",
    "UnpricedModel", "check_webhook_url", "copy_store", "is_database_url", "load_overrides",
]

# Each export is imported when first used (`ledger.lazy`).
lazy_exports(__name__, {
    "OPEN_ERRORS": "ledger.store",
    "AgentPause": "ledger.budgets",
    "Alert": "ledger.alerts",
    "Allowance": "ledger.budgets",
    "BudgetSpec": "ledger.budgets",
    "BudgetStatus": "ledger.budgets",
    "ChangeEvent": "ledger.events",
    "ChangePage": "ledger.results",
    "ChangeRecord": "ledger.results",
    "CostEvent": "ledger.events",
    "DeliveryPolicy": "ledger.outbox",
    "EventError": "ledger.events",
    "Hold": "ledger.budgets",
    "HourlySeries": "ledger.series",
    "IngestReport": "ledger.results",
    "ItemResult": "ledger.results",
    "Ledger": "ledger.ledger",
    "PeriodStatus": "ledger.budgets",
    "PriceOverride": "ledger.pricing",
    "Rejection": "ledger.results",
    "RunDistribution": "ledger.results",
    "RunRate": "ledger.runrate",
    "RunRateRow": "ledger.runrate",
    "RunSettings": "ledger.runs",
    "RunView": "ledger.results",
    "SchemaError": "ledger.schema",
    "SmtpSettings": "ledger.mailer",
    "SpendPoint": "ledger.results",
    "SpendSummary": "ledger.results",
    "StoreUnavailable": "ledger.dialect",
    "UnattributedName": "ledger.results",
    "UnpricedModel": "ledger.results",
    "check_webhook_url": "ledger.destinations",
    "copy_store": "ledger.store",
    "is_database_url": "ledger.dialect",
    "load_overrides": "ledger.pricing",
})
