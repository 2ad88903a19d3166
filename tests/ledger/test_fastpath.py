"""The fast paths give exactly what the full validator, the plain definitions and the agents' own series give."""

from __future__ import annotations

import random
import statistics
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from ledger import Ledger
from ledger.events import EventError, validate_cost
from ledger.rows import cost_row, row_of
from ledger.runcosts import RunCostIndex
from ledger.runs import RunRecord
from ledger.sqlite_store import SQLiteStore

BASE = {"ts": "2025-10-15T10:00:00Z", "agent": " Support-Bot ", "model": "gpt-4o", "input_tokens": 1000,
        "cache_read_tokens": 200, "output_tokens": 50, "reasoning_tokens": 10, "run_id": "r1"}


def _price(model, provider, ts, inp, out, cache_read, cache_write, reasoning):
    return (None, None) if model == "unknown" else (inp * 1e-6 + out * 4e-6, "test")


@pytest.mark.parametrize("change", [
    {}, {"id": " e-1 "}, {"cost_usd": 2}, {"cost_usd": 0.25, "duration_ms": 12}, {"ts": "2025-10-15T12:00:00+02:00"},
    {"ts": "2025-10-15T10:00:00"}, {"kind": "Tool", "tool": "search"}, {"kind": ""}, {"status": "ERROR", "retry": 2},
    {"aggregate": True, "runs": 7, "input_tokens": 50_000_000}, {"aggregate": True, "period_s": 86400},
    {"attributes": {"b": 1, "a": [1, 2]}}, {"source": "otel", "client": "  ", "project": "p"}, {"model": "unknown"},
    {"input_tokens": "12", "cache_read_tokens": None}, {"cost_usd": "1.5"}, {"aggregate": "yes"}, {"id": 17},
    {"retry": 1.0}, {"agent": 42}, {"attributes": '{"x": 1}'}, {"run_id": ""}, {"cost_usd": 1_000_000},
    {"aggregate": True, "cost_usd": 1e9, "input_tokens": 10**12, "runs": 10**12},
])
def test_a_row_equals_the_full_validators_event(change: dict) -> None:
    raw = {**BASE, **change}
    event = validate_cost(raw)
    cost, by = (event.cost_usd, "event") if event.cost_usd is not None else _price(
        event.model, event.provider, event.ts, event.input_tokens, event.output_tokens, 0, 0, 0)
    assert cost_row(raw, None, _price) == row_of(event, cost, by)


@pytest.mark.parametrize("change", [
    {"ts": "soon"}, {"ts": ""}, {"agent": "  "}, {"kind": "gpu"}, {"input_tokens": -1}, {"output_tokens": True},
    {"input_tokens": 20_000_000}, {"cache_read_tokens": 1001}, {"reasoning_tokens": 51}, {"cost_usd": -1.0},
    {"cost_usd": float("nan")}, {"period_s": 0}, {"runs": -2}, {"attributes": [1]}, {"aggregate": "maybe"},
    {"cost_usd": 1e308}, {"cost_usd": 1_000_001}, {"aggregate": True, "cost_usd": 2e9}, {"runs": 10**12 + 1},
    {"aggregate": True, "input_tokens": 10**12 + 1},
])
def test_bad_rows_raise_the_full_validators_error(change: dict) -> None:
    raw = {**BASE, **change}
    with pytest.raises(EventError) as full:
        validate_cost(raw)
    with pytest.raises(EventError) as fast:
        cost_row(raw, None, _price)
    assert (fast.value.field, fast.value.message) == (full.value.field, full.value.message)


def test_source_fills_only_a_missing_source() -> None:
    assert cost_row(BASE, "cli", _price)[25] == "cli"
    assert cost_row({**BASE, "source": "otel"}, "cli", _price)[25] == "otel"


def test_jsonl_ingest_rejects_bad_lines_by_line_number(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"ts": "2025-10-15T10:00:00Z", "agent": "support-bot", "cost_usd": 1.5}\n\n{"ts": oops\n'
                    '[1, 2]\n{"ts": "2025-10-15T10:01:00Z", "agent": "triage", "cost_usd": 0.25, "kind": "gpu"}\n'
                    '{"ts": "2025-10-15T10:02:00Z", "agent": "triage", "cost_usd": 0.25}\n', encoding="utf-8")
    report = ledger.ingest_jsonl(path)
    assert report.accepted == 2 and report.total_cost_usd == 1.75
    assert [(r.row, r.field) for r in report.rejected] == [(3, "json"), (4, "json"), (5, "kind")]


def test_jsonl_keeps_big_numeric_ids_apart_and_reads_a_byte_order_mark(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    rows = [f'{{"id": {10**29 + i}, "ts": "2025-10-15T10:00:00Z", "agent": "triage", "cost_usd": 1}}' for i in (0, 1)]
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(rows).encode())
    report = ledger.ingest_jsonl(path)
    assert (report.accepted, report.duplicates, report.rejected) == (2, 0, [])


_DAY = 86_400_000_000


def test_run_cost_medians_match_the_plain_definition(tmp_path: Path) -> None:
    """Batch after batch (new runs, later calls raising a run's cost or moving its start earlier, runs arriving days
    late, aggregate-only runs), the index's medians are those of the agent's other runs started at most the window
    before each run (or later), computed from scratch."""
    rng = random.Random(5)
    store = SQLiteStore(tmp_path / "orgmap.db")
    index = RunCostIndex()
    stored: dict[str, RunRecord] = {}
    try:
        for batch in range(120):
            touched: dict[str, RunRecord] = {}
            for _ in range(rng.randint(1, 8)):
                ts = batch * _DAY // 6 - rng.choice([0, 0, 0, _DAY // 50, _DAY // 2, 3 * _DAY])
                cost = rng.choice([0.5, 1.0, 1.0, 2.0, 3.5, rng.random()])
                if stored and rng.random() < 0.3:
                    run = touched.get(rid := rng.choice(list(stored)), stored[rid])
                    run = replace(run, first_ts=min(run.first_ts, ts), cost=run.cost + cost)
                else:
                    run = RunRecord("a", f"r{len(stored)}", ts, ts, (0,), cost=cost,
                                    aggregate_only=rng.random() < 0.05)
                stored[run.run_id] = touched[run.run_id] = run
            with store.transaction():
                token = index.begin(store)
                store.put_runs(touched.values())
                index.record(touched.values())
                todo = [run for run in touched.values() if not run.aggregate_only]
                got = index.medians(store, {"a": (todo, _DAY)})
            index.committed(token)
            for run in todo:
                others = [r.cost for r in stored.values() if r.first_ts >= run.first_ts - _DAY
                          and r.run_id != run.run_id and not r.aggregate_only]
                assert got[("a", run.run_id)] == ((statistics.median(others), len(others)) if others else (0.0, 0))
    finally:
        store.close()


def test_run_rate_edges_from_the_full_hour_rollup_agree_with_the_agents_own_series(ledger: Ledger, now) -> None:
    events = [
        {"ts": f"2025-10-{d:02d}T{h:02d}:15:00Z", "agent": "support-bot", "model": m, "project": p, "cost_usd": c,
         "run_id": f"{d}-{h}"}
        for d in (13, 14, 15) for h in (3, 11, 12, 20) for m, p, c in (("gpt-4o", "a", 0.5), ("o3", "b", 1.25))
        if (d, h) < (15, 12)
    ]
    ledger.ingest_cost(events)
    rate = ledger.run_rate(timedelta(days=2), now=now)  # [Oct 13 13:00, Oct 15 13:00): edge hours on both sides
    series = ledger.spend_series("agents/support", timedelta(days=2), now=now)
    [row] = rate.rows
    assert row.cost == pytest.approx(sum(p.cost_usd for p in series)) == pytest.approx(7 * 1.75)
    assert row.runs == sum(p.runs for p in series) == 7 and row.calls == 14  # Oct 13 20h, 4 on Oct 14, 2 today
