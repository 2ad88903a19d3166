"""OpenAI Usage/Costs and Anthropic usage/cost report pages -> aggregate events, totals by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from importers import anthropic_usage, openai_usage
from importers.base import RowError
from importers.file_rows import records


def _read(module, path: Path) -> tuple[list[dict], list[RowError]]:
    out = list(module.events(records(path), str(path)))
    return [e for e in out if isinstance(e, dict)], [e for e in out if isinstance(e, RowError)]


def test_openai_completions_usage_page(data: Path, valid) -> None:
    events, errors = _read(openai_usage, data / "openai_usage_completions.json")
    assert errors == []
    for event in events:
        valid(event)
        assert (event["aggregate"], event["period_s"], event["source"], event["kind"]) == (
            True, 86400, "openai-usage", "llm",
        )
        assert "cost_usd" not in event  # the ledger prices usage rows
    # by hand: input 120000 + 50000 + 90000, of which cached 80000 + 30000; 300 + 120 + 250 requests
    assert sum(e["input_tokens"] for e in events) == 260_000
    assert sum(e.get("cache_read_tokens", 0) for e in events) == 110_000
    assert sum(e["output_tokens"] for e in events) == 32_000
    assert sum(e["runs"] for e in events) == 670
    first, second, third = events
    assert (first["agent"], first["attributes"]["project_id"]) == ("key_8f3a", "proj_support")
    assert second["agent"] == "proj_support"  # no api key in the group: the project
    assert (first["ts"], third["ts"]) == ("2024-11-01T00:00:00+00:00", "2024-11-02T00:00:00+00:00")
    assert len({e["id"] for e in events}) == 3


def test_openai_embeddings_jsonl_of_pages_with_a_truncated_last_page(data: Path) -> None:
    path = data / "openai_usage_embeddings.jsonl"
    events, errors = _read(openai_usage, path)
    assert [(e["kind"], e["input_tokens"], e["runs"], e["period_s"]) for e in events] == [
        ("embedding", 1_000_000, 40, 3600), ("embedding", 250_000, 10, 3600),
    ]
    assert [(e.line, e.field) for e in errors] == [(3, "")] and "truncated" in errors[0].message


def test_openai_costs_list_of_pages(data: Path, valid) -> None:
    events, errors = _read(openai_usage, data / "openai_costs.json")
    for event in events:
        valid(event)
        assert (event["kind"], event["runs"], event["source"]) == ("other", 0, "openai-costs")
        assert "input_tokens" not in event
    # by hand: 0.4125 + 0.15 + 0.3 (the EUR row is refused, not converted)
    assert sum(e["cost_usd"] for e in events) == pytest.approx(0.8625, abs=1e-12)
    items = [e["attributes"]["line_item"] for e in events]
    assert items == ["gpt-4o-2024-08-06, input", "gpt-4o-2024-08-06, output", "gpt-4o-mini-2024-07-18, input"]
    [eur] = errors
    assert eur.field == "data[0].results[0].amount.currency"
    assert eur.message == "cost in 'eur'; orgmap keeps costs in USD"


def test_anthropic_usage_report_adds_cache_to_uncached_input(data: Path, valid) -> None:
    events, errors = _read(anthropic_usage, data / "anthropic_usage.json")
    assert errors == []
    for event in events:
        valid(event)
    keyed, default = events
    # 1000 uncached + 5000 cache reads + 2000 (5m) + 500 (1h) cache writes
    assert (keyed["input_tokens"], keyed["cache_read_tokens"], keyed["cache_write_tokens"]) == (8500, 5000, 2500)
    assert (keyed["agent"], keyed["attributes"]["workspace_id"]) == (
        "apikey_01Rj2N8SVvo6BePZj99NhmiT", "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
    )
    assert (keyed["ts"], keyed["period_s"], keyed["aggregate"]) == ("2025-08-01T00:00:00+00:00", 86400, True)
    assert "runs" not in keyed  # the usage report has no request count
    assert (default["agent"], default["input_tokens"], default["output_tokens"]) == ("anthropic", 300, 100)


def test_anthropic_cost_report_amounts_are_cents(data: Path, valid) -> None:
    events, errors = _read(anthropic_usage, data / "anthropic_cost.json")
    for event in events:
        valid(event)
    # "123.45" + "0.50" + "3.00" cents = $1.2345 + $0.005 + $0.03
    assert [e["cost_usd"] for e in events] == [1.2345, 0.005, 0.03]
    assert sum(e["cost_usd"] for e in events) == pytest.approx(1.2695, abs=1e-12)
    assert [e["attributes"]["cost_type"] for e in events] == ["tokens", "tokens", "web_search"]
    assert all(e["kind"] == "other" and e["runs"] == 0 for e in events)
    [number] = errors
    assert number.field == "data[0].results[3].amount" and "decimal string of cents" in number.message


def test_a_page_of_another_shape_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"object": "list", "items": []}')
    events, errors = _read(openai_usage, path)
    assert events == [] and [(e.line, e.field) for e in errors] == [(1, "data")]
    bad_bucket = tmp_path / "y.json"
    bad_bucket.write_text('{"data": [{"starting_at": "2025-08-02T00:00:00Z", "ending_at": "2025-08-01T00:00:00Z"}]}')
    _, [backwards] = _read(anthropic_usage, bad_bucket)
    assert backwards.field == "data[0].ending_at"
