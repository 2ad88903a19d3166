"""Reconciliation of a hand-built month: tracked per-call spend and the imported Anthropic cost and usage reports
differ by known amounts for known causes, and the causes with the unexplained rest add up to the gap."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orgmap.service import Service
from tests.conftest import VaultFactory

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
VAULT = {
    "Agents/Support.md": "---\ntype: agent\ncost_keys: [wrk_sup]\n---\n",
    "Agents/Research.md": "---\ntype: agent\ncost_keys: [wrk_res]\n---\n",
    "Agents/Batch.md": "---\ntype: agent\ncost_keys: [wrk_batch]\n---\n",  # billed, no per-call telemetry
}
# $1 per million input tokens, $5 per million output: the usage report's tokens have a price known by hand
PRICES = "claude-test: {input: 1, output: 5, provider: anthropic}\n"


def _call(day: int, agent: str, cost: float | None, model: str = "claude-test", provider: str = "anthropic",
          n: int = 0) -> dict[str, object]:
    event: dict[str, object] = {"id": f"{agent}-{day}-{model}-{n}", "ts": f"2026-11-{day:02d}T09:00:00Z",
                                "agent": agent, "model": model, "provider": provider, "input_tokens": 1000,
                                "output_tokens": 100}
    if cost is not None:
        event["cost_usd"] = cost
    return event


def _day(day: int, results: list[dict[str, object]]) -> dict[str, object]:
    return {"starting_at": f"2026-11-{day:02d}T00:00:00Z", "ending_at": f"2026-11-{day + 1:02d}T00:00:00Z",
            "results": results}


def _cost(workspace: str, dollars: str, model: str = "claude-test") -> dict[str, object]:
    cents = f"{float(dollars) * 100:.2f}"  # the cost report's amount is a decimal string of cents
    return {"amount": cents, "currency": "USD", "cost_type": "tokens", "workspace_id": workspace, "model": model,
            "description": f"{model} tokens"}


@pytest.fixture()
def svc(make_vault: VaultFactory, tmp_path: Path) -> Service:
    root = make_vault(VAULT)
    prices = tmp_path / "prices.yaml"
    prices.write_text(PRICES, encoding="utf-8")
    service = Service.open(root, clock=lambda: NOW, price_overrides=prices)
    service.record_cost([
        _call(1, "Support", 10.0), _call(2, "Support", 20.0), _call(3, "Support", 5.0),  # no bill on the 3rd
        _call(1, "Research", 4.0),
        _call(1, "Research", None, model="mystery-model", n=1), _call(1, "Research", None, model="mystery-model", n=2),
        _call(1, "Writer", 2.0, model="gpt-4o", provider="openai"),  # a provider with no bill imported
    ])
    bill = tmp_path / "anthropic-cost.json"
    bill.write_text(json.dumps({"data": [
        _day(1, [_cost("wrk_sup", "10.00"), _cost("wrk_batch", "7.00"), _cost("wrk_res", "4.00"),
                 _cost("wrk_res", "6.00", model="mystery-model")]),
        _day(2, [_cost("wrk_sup", "20.40"), _cost("wrk_batch", "8.00")]),
        _day(4, [_cost("wrk_sup", "3.00")]),  # billed on a day with no per-call events
    ]}), encoding="utf-8")
    usage = tmp_path / "anthropic-usage.json"
    # the provider's own count for Support on the 2nd: 4M input + 3M output = $4 + $15 = $19.00 at orgmap's prices
    usage.write_text(json.dumps({"data": [_day(2, [{
        "uncached_input_tokens": 4_000_000, "output_tokens": 3_000_000, "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "workspace_id": "wrk_sup", "model": "claude-test"}])]}), encoding="utf-8")
    service.import_files([bill], format="anthropic-cost")
    service.import_files([usage], format="anthropic-usage")
    yield service
    service.close()


def test_a_month_reconciles_to_known_causes_to_the_cent(svc: Service) -> None:
    answer = svc.reconcile(period="2026-11")
    [anthropic] = answer.providers
    # billed 10 + 7 + 4 + 6 + 20.40 + 8 + 3 = 58.40; tracked 10 + 20 + 5 + 4 = 39.00
    assert (anthropic.billed_usd, anthropic.tracked_usd, anthropic.gap_usd) == (58.4, 39.0, 19.4)
    assert anthropic.gap_pct == round(100 * 19.4 / 58.4, 2)
    causes = {c.cause: c.amount_usd for c in anthropic.causes}
    assert causes == {
        "uncovered": 15.0,            # Batch's workspace: billed $7 + $8, no per-call events at all
        "billed_only_days": 3.0,      # Support on the 4th
        "tracked_only_days": -5.0,    # Support on the 3rd
        "unpriced": 6.0,              # mystery-model: billed $6, its events count $0
        "price": 1.4,                 # Support on the 2nd: billed $20.40 for tokens orgmap prices at $19.00
        "unexplained": -1.0,          # ... and telemetry tracked $20.00 where the provider counted $19.00 of tokens
    }
    assert round(sum(causes.values()), 2) == anthropic.gap_usd
    assert (anthropic.explained_usd, anthropic.unexplained_usd) == (20.4, -1.0)
    spenders = {s.name: (s.billed_usd, s.tracked_usd, s.gap_usd) for s in anthropic.spenders}
    assert spenders == {"Batch": (15.0, 0.0, 15.0), "Research": (10.0, 4.0, 6.0), "Support": (33.4, 35.0, -1.6)}
    assert {s.name: s.ids for s in anthropic.spenders}["Batch"] == ["wrk_batch"]  # the workspace the bill named
    days = {d.key: d.gap_usd for d in anthropic.days}
    # the 1st: billed 10 + 7 + 4 + 6, tracked 10 + 4; the 2nd: 20.40 + 8 against 20
    assert days == {"2026-11-01": 13.0, "2026-11-02": 8.4, "2026-11-03": -5.0, "2026-11-04": 3.0}
    assert round(sum(days.values()), 2) == anthropic.gap_usd
    assert [(u.key, u.tracked_usd) for u in answer.unbilled] == [("openai", 2.0)]
    assert "gap $19.40 (+33.2%)" in answer.summary


def test_the_bill_is_kept_whole_though_the_run_rate_counts_one_side(make_vault: VaultFactory,
                                                                    tmp_path: Path) -> None:
    # per-call events under the bill's own workspace id, in the hours its daily row covers: the run-rate (and the
    # chargeback report) lets the events shadow the bill row; reconciliation keeps both
    root = make_vault({"Agents/X.md": "---\ntype: agent\ncost_keys: [wrk_x]\n---\n"})
    bill = tmp_path / "bill.json"
    bill.write_text(json.dumps({"data": [_day(5, [_cost("wrk_x", "2.50")])]}), encoding="utf-8")
    with Service.open(root, clock=lambda: NOW) as svc:
        svc.record_cost([{**_call(5, "wrk_x", 2.0), "ts": "2026-11-05T00:30:00Z"}])
        svc.import_files([bill], format="anthropic-cost")
        costs = svc.costs(period="2026-11")
        answer = svc.reconcile(period="2026-11")
    assert costs.total_cost_usd == 2.0
    [anthropic] = answer.providers
    assert (anthropic.billed_usd, anthropic.tracked_usd, anthropic.gap_usd) == (2.5, 2.0, 0.5)
    assert [(c.cause, c.amount_usd) for c in anthropic.causes] == [("unexplained", 0.5)]


def test_an_openai_bill_names_its_model_in_the_line_item(make_vault: VaultFactory, tmp_path: Path) -> None:
    # the Costs API has no model field: "mystery-model-2-2025-01-01, input" is the dated id of the model events
    # name "mystery-model-2", which orgmap cannot price
    root = make_vault({"Agents/Y.md": "---\ntype: agent\ncost_keys: [proj_y]\n---\n"})
    start = int(datetime(2026, 11, 6, tzinfo=UTC).timestamp())
    bill = tmp_path / "openai-costs.json"
    bill.write_text(json.dumps({"object": "page", "data": [{"object": "bucket", "start_time": start,
                                                            "end_time": start + 86400, "results": [
        {"object": "organization.costs.result", "amount": {"value": 3.25, "currency": "usd"},
         "line_item": "mystery-model-2-2025-01-01, input", "project_id": "proj_y"},
        {"object": "organization.costs.result", "amount": {"value": 1.0, "currency": "usd"},
         "line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_y"}]}]}), encoding="utf-8")
    with Service.open(root, clock=lambda: NOW) as svc:
        svc.record_cost([_call(6, "Y", None, model="mystery-model-2", provider="openai"),
                         _call(6, "Y", 1.0, model="gpt-4o", provider="openai", n=1)])
        svc.import_files([bill], format="openai-costs")
        [openai] = svc.reconcile(period="2026-11").providers
    assert (openai.provider, openai.billed_usd, openai.tracked_usd, openai.gap_usd) == ("openai", 4.25, 1.0, 3.25)
    assert [(c.cause, c.amount_usd) for c in openai.causes] == [("unpriced", 3.25), ("unexplained", 0.0)]
    assert "mystery-model-2" in openai.causes[0].detail and openai.spenders[0].ids == ["proj_y"]


def test_a_period_with_no_bill_says_what_to_import(svc: Service) -> None:
    answer = svc.reconcile(period="2026-10")
    assert answer.providers == [] and "no bill imported" in answer.warnings[0]
    assert "nothing billed to reconcile" in answer.summary
