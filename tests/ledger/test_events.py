"""Validation and idempotency of cost and change events."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ledger import Ledger
from ledger.events import EventError, validate_cost
from ledger.pricing import PriceOverride


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"agent": "a"}, "ts"),
        ({"ts": "2025-10-15T10:00:00Z"}, "agent"),
        ({"ts": "yesterday", "agent": "a"}, "ts"),
        ({"ts": "2025-10-15T10:00:00Z", "agent": "a", "kind": "gpu"}, "kind"),
        ({"ts": "2025-10-15T10:00:00Z", "agent": "a", "input_tokens": -1}, "input_tokens"),
        ({"ts": "2025-10-15T10:00:00Z", "agent": "a", "output_tokens": 1.5}, "output_tokens"),
        ({"ts": "2025-10-15T10:00:00Z", "agent": "a", "input_tokens": 20_000_000}, "input_tokens"),
        ({"ts": "2025-10-15T10:00:00Z", "agent": "a", "input_tokens": 10, "cache_read_tokens": 11},
         "cache_read_tokens"),
        ({"ts": "2025-10-15T10:00:00Z", "agent": "a", "output_tokens": 1, "reasoning_tokens": 2}, "reasoning_tokens"),
        ({"ts": "2025-10-15T10:00:00Z", "agent": "a", "cost_usd": -0.01}, "cost_usd"),
        ({"ts": "2025-10-15T10:00:00Z", "agent": "a", "cost_usd": "cheap"}, "cost_usd"),
    ],
)
def test_bad_rows_name_their_field(raw: dict, field: str) -> None:
    with pytest.raises(EventError) as exc:
        validate_cost(raw)
    assert exc.value.field == field


def test_aggregates_may_exceed_the_per_call_token_cap_and_csv_strings_parse() -> None:
    event = validate_cost({"ts": "2025-10-15T10:00:00Z", "agent": "a", "aggregate": "true", "input_tokens": "20000000",
                           "runs": "12", "cost_usd": "1.5", "retry": ""})
    got = (event.aggregate, event.input_tokens, event.runs, event.cost_usd, event.retry)
    assert got == (True, 20_000_000, 12, 1.5, 0)


def test_bad_rows_are_reported_by_row_and_good_rows_kept(ledger: Ledger) -> None:
    report = ledger.ingest_cost([
        {"ts": "2025-10-15T10:00:00Z", "agent": "support-bot", "cost_usd": 1.0},
        {"ts": "2025-10-15T10:00:00Z", "agent": "support-bot", "kind": "gpu"},
        {"ts": "2025-10-15T10:05:00", "agent": "support-bot", "cost_usd": 2.0},
    ], item_results=True)
    assert report.accepted == 2
    assert [(r.row, r.field) for r in report.rejected] == [(2, "kind")]
    assert [(w.row, w.field) for w in report.warnings] == [(3, "ts")]
    assert [i.status for i in report.items] == ["stored", "rejected", "stored"]
    assert report.total_cost_usd == pytest.approx(3.0)


def test_a_nul_character_in_text_is_that_rows_rejection_by_field_on_both_stores(ledger: Ledger) -> None:
    """PostgreSQL keeps no NUL in text: one such event must not lose its batch there, so both stores refuse it."""
    report = ledger.ingest_cost([
        {"ts": "2025-10-15T10:00:00Z", "agent": "support\x00bot", "cost_usd": 1.0},
        {"ts": "2025-10-15T10:00:00Z", "agent": "support-bot", "model": "gpt\x00", "cost_usd": 1.0},
        {"ts": "2025-10-15T10:00:00Z", "agent": "support-bot", "cost_usd": 2.0, "attributes": {"k": "v\x00"}},
    ])
    assert [(r.row, r.field) for r in report.rejected] == [(1, "agent"), (2, "model")]
    assert "NUL character" in report.rejected[0].message
    assert (report.accepted, report.total_cost_usd) == (1, pytest.approx(2.0))  # attributes are kept as JSON


@pytest.mark.parametrize(("extra", "field"), [
    ({"cost_usd": float("inf")}, "cost_usd"),
    ({"cost_usd": 10**400}, "cost_usd"),
    ({"duration_ms": 10**400}, "duration_ms"),
    ({"retry": 10**30}, "retry"),
    ({"retry": str(10**30)}, "retry"),
    ({"aggregate": True, "runs": 10**30}, "runs"),
    ({"aggregate": True, "period_s": 10**12}, "period_s"),  # would walk 277 million hours for its overlap check
])
def test_numbers_no_store_can_hold_are_rejected_by_field_and_the_batch_kept(ledger: Ledger, extra: dict,
                                                                           field: str) -> None:
    report = ledger.ingest_cost([{"ts": "2025-10-15T10:00:00Z", "agent": "triage", "cost_usd": 1.0, **extra},
                                 {"ts": "2025-10-15T10:00:00Z", "agent": "support-bot", "cost_usd": 2.0}])
    assert report.accepted == 1 and [(r.row, r.field) for r in report.rejected] == [(1, field)]
    assert len(report.rejected[0].message) < 100


@pytest.mark.parametrize(("extra", "field", "message"), [
    ({"cost_usd": 1e308}, "cost_usd", "1e+308 is more than $1,000,000 in one call"),
    ({"cost_usd": "1000000.5"}, "cost_usd", "1,000,000.5 is more than $1,000,000 in one call"),
    ({"aggregate": True, "cost_usd": 2e9}, "cost_usd",
     "2,000,000,000.0 is more than $1,000,000,000 in one aggregate row"),
    ({"aggregate": True, "input_tokens": 10**12 + 1}, "input_tokens",
     "1000000000001 is more than 1,000,000,000,000 tokens in one aggregate row"),
    ({"aggregate": True, "runs": 10**12 + 1}, "runs", "must be at most 1,000,000,000,000, got 1,000,000,000,001"),
    ({"aggregate": True, "runs": 10**30}, "runs", "must be at most 1,000,000,000,000, got 31 digits"),
])
def test_costs_and_counts_past_their_limits_are_rejected_by_field_and_totals_stay_finite(
        ledger: Ledger, now: datetime, extra: dict, field: str, message: str) -> None:
    """Two events of $1e308 were stored, and every total was inf from then on (null in JSON). Costs and counts have
    upper bounds (docs/events.md): such events are rejected naming the field, the good one of the batch is kept, and
    the totals are its own."""
    event = {"ts": "2025-10-15T10:00:00Z", "agent": "support-bot", "run_id": "r-bad", "cost_usd": 1.0, **extra}
    report = ledger.ingest_cost([{**event, "id": "bad-1"}, {**event, "id": "bad-2"},
                                 {"id": "good", "ts": "2025-10-15T10:05:00Z", "agent": "support-bot", "run_id": "r1",
                                  "cost_usd": 2.5}])
    assert report.accepted == 1 and [(r.row, r.field) for r in report.rejected] == [(1, field), (2, field)]
    assert report.rejected[0].message == message
    assert report.total_cost_usd == 2.5
    assert ledger.run_rate(timedelta(days=1), now=now).total_cost_per_day == 2.5
    assert ledger.spend_summary(["agents/support"], timedelta(days=1), now)["agents/support"].cost_usd == 2.5
    assert [r.cost_usd for r in ledger.runs("agents/support")] == [2.5]


def test_costs_and_counts_at_their_limits_are_kept_and_sum_exactly(ledger: Ledger, now: datetime) -> None:
    at_limit = [{"ts": "2025-10-15T10:00:00Z", "agent": "support-bot", "cost_usd": 1_000_000, "id": "call"},
                {"ts": "2025-10-15T00:00:00Z", "agent": "triage", "aggregate": True, "period_s": 86_400, "id": "day",
                 "cost_usd": 1_000_000_000, "input_tokens": 10**12, "output_tokens": 10**12, "runs": 10**12}]
    assert ledger.ingest_cost(at_limit).accepted == 2
    rate = ledger.run_rate(timedelta(days=1), now=now)
    assert rate.total_cost_per_day == 1_001_000_000
    assert {row.key: (row.cost, row.calls) for row in rate.rows}["agents/triage"] == (1e9, 10**12)


def test_a_price_override_pricing_tokens_past_the_limit_rejects_the_event(ledger_factory) -> None:
    """A computed price is held to the same bound as a given cost: a wild override must not store inf."""
    ledger = ledger_factory(price_overrides={("wild", None): PriceOverride("wild", input=1e300, output=1e300)})
    report = ledger.ingest_cost([{"ts": "2025-10-15T10:00:00Z", "agent": "triage", "model": "wild", "input_tokens": 10},
                                 {"ts": "2025-10-15T10:00:00Z", "agent": "triage", "cost_usd": 2.0}])
    assert report.accepted == 1 and [(r.row, r.field) for r in report.rejected] == [(1, "cost_usd")]
    assert report.rejected[0].message == "its tokens priced at 1e+295 (override), outside 0 to $1,000,000 for one call"
    assert report.total_cost_usd == 2.0


@pytest.mark.parametrize("field", ["agent", "model", "id", "run_id"])
def test_a_text_field_past_10k_characters_is_rejected_by_name(ledger: Ledger, field: str) -> None:
    event = {"ts": "2025-10-15T10:00:00Z", "agent": "triage", "cost_usd": 1.0, field: "x" * 10_001}
    report = ledger.ingest_cost([event, {"ts": "2025-10-15T10:00:00Z", "agent": "triage", "cost_usd": 2.0}])
    assert report.accepted == 1 and [(r.row, r.field) for r in report.rejected] == [(1, field)]
    changes = ledger.ingest_changes([{"ts": "2025-10-15T10:00:00Z", "target": "triage", "kind": "deploy",
                                      "summary": "y" * 10_001}])
    assert [(r.row, r.field) for r in changes.rejected] == [(1, "summary")]


def test_same_id_twice_and_a_file_imported_twice_count_once(ledger: Ledger, tmp_path: Path, now) -> None:
    rows = [
        {"id": "e1", "ts": "2025-10-15T10:00:00Z", "agent": "support-bot", "cost_usd": 1.25},
        {"id": "e1", "ts": "2025-10-15T10:00:00Z", "agent": "support-bot", "cost_usd": 1.25},
        {"ts": "2025-10-15T10:01:00Z", "agent": "support-bot", "cost_usd": 0.5},
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")

    def stream() -> object:
        with path.open(encoding="utf-8") as fh:
            yield from (json.loads(line) for line in fh)

    first = ledger.ingest_cost(stream())
    second = ledger.ingest_cost(stream())
    assert (first.accepted, first.duplicates) == (2, 1)
    assert (second.accepted, second.duplicates) == (0, 3)
    summary = ledger.spend_summary(["agents/support"], timedelta(days=1), now)["agents/support"]
    assert summary.cost_usd == pytest.approx(1.75)
    assert summary.calls == 2


def test_content_hash_ignores_timestamp_spelling(ledger: Ledger) -> None:
    a = {"ts": "2025-10-15T10:00:00Z", "agent": "x", "cost_usd": 1}
    b = {"ts": "2025-10-15T12:00:00+02:00", "agent": "x", "cost_usd": 1}
    assert validate_cost(a).id == validate_cost(b).id
    assert ledger.ingest_cost([a, b]).accepted == 1


def test_out_of_order_events_land_in_their_own_hours(ledger: Ledger, now) -> None:
    ledger.ingest_cost([
        {"ts": "2025-10-15T11:10:00Z", "agent": "support-bot", "cost_usd": 2.0},
        {"ts": "2025-10-15T09:10:00Z", "agent": "support-bot", "cost_usd": 1.0},
    ])
    series = ledger.spend_series("agents/support", timedelta(hours=4), now=now)
    assert [p.start.hour for p in series] == [9, 10, 11, 12]
    assert [round(p.cost_usd, 2) for p in series] == [1.0, 0.0, 2.0, 0.0]


def test_change_events_validate_dedupe_and_page(ledger: Ledger) -> None:
    changes = [
        {"ts": f"2025-10-1{d}T10:00:00Z", "target": "Support Agent", "kind": "deploy", "summary": f"v{d}"}
        for d in range(1, 6)
    ]
    bad = {"ts": "2025-10-15T10:00:00Z", "target": "triage", "kind": "party", "summary": "x"}
    report = ledger.ingest_changes([*changes, bad, changes[0]])
    assert (report.accepted, report.duplicates) == (5, 1)
    assert [(r.row, r.field) for r in report.rejected] == [(6, "kind")]
    page = ledger.changes(targets=["agents/support"], limit=2)
    assert [c.summary for c in page.items] == ["v5", "v4"]
    assert page.items[0].node_id == "agents/support"
    rest = ledger.changes(targets=["agents/support"], limit=2, cursor=page.next_cursor)
    assert [c.summary for c in rest.items] == ["v3", "v2"]
    last = ledger.changes(targets=["agents/support"], limit=2, cursor=rest.next_cursor)
    assert [c.summary for c in last.items] == ["v1"] and last.next_cursor is None
    assert ledger.changes(targets=["agents/triage"]).items == []


def test_changes_follow_a_new_alias(ledger: Ledger) -> None:
    ledger.ingest_changes([{"ts": "2025-10-15T10:00:00Z", "target": "sb-v2", "kind": "prompt", "summary": "p"}])
    assert ledger.changes(targets=["agents/support"]).items == []
    ledger.set_resolver(lambda n: "agents/support" if n.casefold() in ("sb-v2", "support-bot") else None)
    assert [c.summary for c in ledger.changes(targets=["agents/support"]).items] == ["p"]
