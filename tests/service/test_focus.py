"""The FOCUS export checked against FOCUS 1.2's column rules (tests/service/focus_rules.py, data read from the
spec): every row valid, the rows adding up to the report's total, allocation in the x_ columns, unpriced events
exported with their tokens."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, datetime

import pytest

from orgmap.focus import FOCUS_COLUMNS, FOCUS_VERSION
from orgmap.service import Service
from tests.conftest import VaultFactory
from tests.service.focus_rules import COLUMNS, from_csv, violations
from tests.service.test_costs import COMPANY, _events

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


@pytest.fixture()
def focus(make_vault: VaultFactory) -> tuple[list[dict[str, object]], Service]:
    svc = Service.open(make_vault(COMPANY), clock=lambda: NOW)
    svc.record_cost([*_events(), {"id": "unpriced-1", "ts": "2026-11-09T10:00:00Z", "agent": "Agent A",
                                  "model": "no-such-model-xyz", "input_tokens": 700, "output_tokens": 70}])
    rows = [from_csv(r) for r in csv.DictReader(io.StringIO(svc.costs_focus_csv(period="2026-11")))]
    yield rows, svc
    svc.close()


def test_the_validator_catches_what_the_spec_forbids() -> None:
    bad = {c: None for c in COLUMNS}
    bad.update({"ChargeCategory": "Usage", "ServiceCategory": "AI and Machine Learning",
                "ServiceSubcategory": "Caching", "BillingCurrency": "usd", "Colour": "red"})
    found = "\n".join(violations(bad))
    for expected in ("BilledCost: null not allowed", "BillingCurrency: 'usd' is not a Currency",
                     "not a subcategory", "Colour: not a FOCUS column", "ConsumedQuantity: must not be null",
                     "PricingQuantity: must not be null"):
        assert expected in found


def test_every_row_follows_focus_1_2(focus: tuple[list[dict[str, object]], Service]) -> None:
    rows, _ = focus
    assert FOCUS_VERSION == "1.2" and rows
    mandatory = {c for c, (level, _, _) in COLUMNS.items() if level == "Mandatory"}
    assert mandatory <= set(FOCUS_COLUMNS)
    for row in rows:
        assert violations(row) == [], row


def test_rows_add_up_to_the_report_and_carry_allocation(focus: tuple[list[dict[str, object]], Service]) -> None:
    rows, svc = focus
    report = svc.costs(period="2026-11")
    assert round(sum(r["BilledCost"] for r in rows), 2) == report.total_cost_usd == 376.23  # type: ignore[misc]
    by_resource: dict[object, float] = defaultdict(float)
    for r in rows:
        by_resource[r["ResourceName"]] += r["EffectiveCost"]  # type: ignore[operator]
    assert round(by_resource["Agent A"], 2) == 212.5 and "Vector Store" not in by_resource
    allocated = [r for r in rows if r["x_CostType"] == "allocated"]
    assert {r["x_AllocatedFromResourceName"] for r in allocated} == {"Vector Store", "Retriever"}
    assert {r["x_AllocationMethod"] for r in allocated} == {"use", "spend"}
    fixed = [r for r in allocated if r["ChargeCategory"] == "Purchase"]
    assert fixed and all(r["ChargeFrequency"] == "Recurring" and r["ConsumedQuantity"] is None for r in fixed)
    agent_a = next(r for r in rows if r["ResourceName"] == "Agent A" and r["x_CostType"] == "direct")
    assert agent_a["Tags"]["owner"] == "Team X" and agent_a["Tags"]["note"] == "Agents/Agent A.md"  # type: ignore[index]
    assert agent_a["Tags"]["client"] == "acme" and agent_a["ProviderName"] == "openai"  # type: ignore[index]


def test_unpriced_events_are_exported_with_their_tokens_and_counted(
        focus: tuple[list[dict[str, object]], Service]) -> None:
    rows, svc = focus
    [unpriced] = [r for r in rows if r["x_CostStatus"] == "unpriced"]
    # FOCUS 1.2 allows no null cost: the row says 0 and x_CostStatus says why
    assert (unpriced["ConsumedQuantity"], unpriced["BilledCost"], unpriced["SkuId"]) == (770.0, 0.0,
                                                                                         "no-such-model-xyz")
    assert any("1 events have no price" in w for w in svc.costs(period="2026-11").warnings)
