"""Pricing: hand-computed costs to the cent, the memo checked against genai-prices, unpriced and overrides."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from genai_prices import Usage, calc_price

from ledger import Ledger
from ledger.pricing import Pricer, load_overrides
from ledger.timeutil import to_us

TS = "2025-10-15T10:00:00Z"


def test_claude_with_cache_reads_writes_and_reasoning_to_the_cent(ledger: Ledger) -> None:
    # 70,000 uncached x $3/M = 0.21; 20,000 read x $0.30/M = 0.006; 10,000 write x $3.75/M = 0.0375;
    # 5,000 output (2,000 of them reasoning) x $15/M = 0.075. Total $0.3285.
    report = ledger.ingest_cost([{
        "ts": TS, "agent": "support-bot", "model": "claude-sonnet-4-5", "provider": "anthropic",
        "input_tokens": 100_000, "cache_read_tokens": 20_000, "cache_write_tokens": 10_000,
        "output_tokens": 5_000, "reasoning_tokens": 2_000,
    }])
    assert round(report.total_cost_usd, 4) == 0.3285


def test_gpt4o_with_cached_input_to_the_cent(ledger: Ledger) -> None:
    # 6,000 uncached x $2.50/M = 0.015; 4,000 cached x $1.25/M = 0.005; 2,000 output x $10/M = 0.02. Total $0.04.
    report = ledger.ingest_cost([{"ts": TS, "agent": "a", "model": "gpt-4o", "provider": "openai",
                                  "input_tokens": 10_000, "cache_read_tokens": 4_000, "output_tokens": 2_000}])
    assert round(report.total_cost_usd, 4) == 0.04


def test_the_memo_matches_calc_price_across_tiers_models_and_dates() -> None:
    pricer = Pricer()
    rng = random.Random(7)
    models = [("claude-sonnet-4-5", "anthropic"), ("gpt-4o", "openai"), ("o3", "openai"),
              ("claude-3-5-haiku-20241022", None), ("gemini-2.5-pro", "google")]
    for _ in range(300):
        model, provider = rng.choice(models)
        inp = rng.choice([rng.randint(0, 5000), rng.randint(150_000, 400_000)])
        cr = rng.randint(0, inp // 2)
        cw = rng.randint(0, inp - cr) if provider == "anthropic" else 0
        out = rng.randint(0, 20_000)
        rs = rng.randint(0, out)
        when = datetime(2025, rng.randint(6, 10), rng.randint(1, 28), rng.randint(0, 23), tzinfo=UTC)
        got, how = pricer.price(model, provider, to_us(when), inp, out, cr, cw, rs)
        usage = Usage(input_tokens=inp, cache_read_tokens=cr, cache_write_tokens=cw, output_tokens=out,
                      output_reasoning_tokens=rs)
        expected = float(calc_price(usage, model, provider_id=provider, genai_request_timestamp=when).total_price)
        assert how == "genai-prices"
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), (model, inp, cr, cw, out, rs)


def test_unknown_model_is_stored_unpriced_not_zero(ledger: Ledger, now: datetime) -> None:
    report = ledger.ingest_cost([
        {"ts": TS, "agent": "support-bot", "model": "acme-llm-9", "input_tokens": 1000, "output_tokens": 10},
        {"ts": TS, "agent": "support-bot", "model": "acme-llm-9", "input_tokens": 500, "output_tokens": 5},
        {"ts": TS, "agent": "support-bot", "model": "acme-llm-9", "input_tokens": 5, "cost_usd": 0.25},
    ])
    unpriced = [(u.model, u.events, u.input_tokens, u.output_tokens) for u in report.unpriced]
    assert unpriced == [("acme-llm-9", 2, 1500, 15)]
    assert report.total_cost_usd == pytest.approx(0.25)
    stored = ledger.store._run("SELECT cost_usd, priced_by FROM cost_events ORDER BY input_tokens")  # type: ignore[attr-defined]
    assert stored == [(0.25, "event"), (None, None), (None, None)]
    [row] = ledger.run_rate(timedelta(days=1), now=now).rows
    assert (row.unpriced, round(row.cost, 2)) == (2, 0.25)
    assert [(u.model, u.events) for u in ledger.unpriced(timedelta(days=1), now)] == [("acme-llm-9", 2)]


def test_cost_usd_on_the_event_wins(ledger: Ledger) -> None:
    report = ledger.ingest_cost([{"ts": TS, "agent": "a", "model": "gpt-4o", "input_tokens": 1_000_000,
                                  "cost_usd": 0.01}])
    assert report.total_cost_usd == pytest.approx(0.01)


def test_price_at_the_events_own_time() -> None:
    pricer = Pricer()
    # gpt-4o's price is fixed; the memo is keyed by the price object valid at the timestamp, so two dates agree.
    a = pricer.price("gpt-4o", "openai", to_us(datetime(2024, 6, 1, tzinfo=UTC)), 1000, 0, 0, 0, 0)
    b = pricer.price("gpt-4o", "openai", to_us(datetime(2025, 6, 1, tzinfo=UTC)), 1000, 0, 0, 0, 0)
    assert a == b == pytest.approx((0.0025, "genai-prices"))


def test_the_price_memo_switches_at_a_price_change_date_in_either_order() -> None:
    # claude-sonnet-4-6 until 2026-03-12 (UTC): above 200k input tokens $6/M in, $22.50/M out, so 300,000 in and
    # 1,000 out cost 1.80 + 0.0225 = $1.8225. From 2026-03-13 one flat price, $3/M and $15/M: 0.90 + 0.015 = $0.915.
    before, after = datetime(2026, 3, 12, 23, 59, 59, tzinfo=UTC), datetime(2026, 3, 13, tzinfo=UTC)
    for order in ([before, after, before], [after, before, after]):
        pricer = Pricer()
        got = [pricer.price("claude-sonnet-4-6", "anthropic", to_us(when), 300_000, 1_000, 0, 0, 0)[0]
               for when in order]
        assert [round(c, 4) for c in got] == [1.8225 if when == before else 0.915 for when in order]


def test_the_price_memo_follows_an_off_peak_window_to_the_second() -> None:
    # deepseek-chat: 00:30-16:30 UTC $0.27/M in and $1.10/M out (1M of each: $1.37); off-peak $0.135/M and $0.55/M
    # ($0.685). The memo holds a price for one minute at most, so 16:29:59 and 16:30:00 differ.
    pricer = Pricer()
    day = datetime(2026, 6, 1, tzinfo=UTC)
    costs = [round(pricer.price("deepseek-chat", "deepseek", to_us(day + offset), 1_000_000, 1_000_000, 0, 0, 0)[0], 4)
             for offset in (timedelta(hours=16, minutes=29, seconds=59), timedelta(hours=16, minutes=30),
                            timedelta(hours=16, minutes=29), timedelta(minutes=29, seconds=59),
                            timedelta(minutes=30))]
    assert costs == [1.37, 0.685, 1.37, 0.685, 1.37]


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_override_file_sets_negotiated_rates(ledger_factory, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"prices.{suffix}"
    if suffix == "yaml":
        path.write_text("gpt-4o:\n  input: 2.0\n  output: 8.0\n  cache_read: 0.5\n"
                        "acme-llm-9:\n  input: 1\n  output: 2\n")
    else:
        path.write_text('{"gpt-4o": {"input": 2.0, "output": 8.0, "cache_read": 0.5}, '
                        '"acme-llm-9": {"input": 1, "output": 2}}')
    led = ledger_factory(price_overrides=path)
    # gpt-4o: 600k x $2 + 400k x $0.5 + 100k x $8 = 1.2 + 0.2 + 0.8 = $2.20; acme: 1M x $1 + 1M x $2 = $3.00.
    report = led.ingest_cost([
        {"ts": TS, "agent": "a", "model": "gpt-4o", "input_tokens": 1_000_000, "cache_read_tokens": 400_000,
         "output_tokens": 100_000},
        {"ts": TS, "agent": "a", "model": "acme-llm-9", "input_tokens": 1_000_000, "output_tokens": 1_000_000},
    ])
    assert round(report.total_cost_usd, 2) == 5.20
    assert report.unpriced == []


def test_override_file_errors_name_the_model(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("gpt-4o:\n  input: 2.0\n")
    with pytest.raises(ValueError, match="gpt-4o"):
        load_overrides(path)


def test_provider_specific_override_wins_over_generic() -> None:
    pricer = Pricer(load_overrides({"m": {"input": 1, "output": 1}, "M": {"input": 5, "output": 5, "provider": "x"}}))
    assert pricer.price("m", "x", 0, 1_000_000, 0, 0, 0, 0)[0] == pytest.approx(5.0)
    assert pricer.price("m", "y", 0, 1_000_000, 0, 0, 0, 0)[0] == pytest.approx(1.0)


