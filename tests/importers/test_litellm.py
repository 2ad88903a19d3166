"""LiteLLM spend logs (CSV / JSON) and the live logging-callback payload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from importers import litellm
from importers.base import RowError
from importers.file_rows import records


def _read(path: Path) -> list:
    return list(litellm.events(records(path, required=litellm.REQUIRED_COLUMNS), str(path)))


def test_spend_log_csv(data: Path, valid) -> None:
    path = data / "litellm_spend_logs.csv"
    out = _read(path)
    events = [e for e in out if isinstance(e, dict)]
    for event in events:
        valid(event)
    # LiteLLM priced them: 0.012345 + 0.0035 + 0.00002 + 0 = 0.015865 USD
    assert sum(e["cost_usd"] for e in events) == pytest.approx(0.015865, abs=1e-9)
    assert [e["agent"] for e in events] == [
        "support-agent",  # agent_id
        "Billing Bot",  # request tag agent:NAME
        "search-indexer",  # key alias
        "deadbeefhash",  # hashed key, for cost_keys
    ]
    first = events[0]
    assert first["id"] == "litellm:chatcmpl-7f1c2d"
    assert first["ts"] == "2024-11-01T09:00:00.250000+00:00"
    assert (first["input_tokens"], first["cache_read_tokens"], first["cache_write_tokens"]) == (2000, 1500, 200)
    assert (first["run_id"], first["client"], first["duration_ms"], first["provider"]) == (
        "sess-1", "acme-corp", 3500.0, "anthropic",
    )
    assert first["attributes"]["cache_hit"] is False and first["attributes"]["team_id"] == "team-support"
    assert events[1]["reasoning_tokens"] == 40 and events[1]["duration_ms"] == 1500.0
    assert events[2]["kind"] == "embedding"
    assert events[3]["status"] == "error" and events[3]["cost_usd"] == 0.0
    errors = [e for e in out if isinstance(e, RowError)]
    assert errors == [
        RowError(str(path), 6, "spend", "not a number: 'abc'"),
        RowError(str(path), 7, "completion_tokens", "row ends before column 'completion_tokens' (truncated?)"),
    ]


def test_the_same_rows_as_json_lines_give_the_same_events(data: Path, tmp_path: Path) -> None:
    import csv

    with open(data / "litellm_spend_logs.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get("agent_id") is not None][:4]
    jsonl = tmp_path / "spend.jsonl"
    jsonl.write_text("".join(json.dumps({**r, "metadata": json.loads(r["metadata"])}) + "\n" for r in rows))
    from_csv = [e for e in _read(data / "litellm_spend_logs.csv") if isinstance(e, dict)]
    assert _read(jsonl) == from_csv


def test_a_csv_without_the_request_id_column_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "spend.csv"
    path.write_text("id,spend\nx,1\ny,2\n")
    assert _read(path) == [
        RowError(str(path), 1, "request_id", "missing column(s) request_id; header: ['id', 'spend']"),
    ]


def test_live_payloads(data: Path, valid) -> None:
    payloads = json.loads((data / "litellm_payloads.json").read_text())
    first, second = litellm.events_from_litellm_payload(payloads)
    valid(first)
    assert first["id"] == "litellm:chatcmpl-live-01"
    assert first["agent"] == "Refund Agent"  # named in the requester metadata
    assert first["ts"] == "2024-11-01T09:20:00.500000+00:00" and first["duration_ms"] == 1500.0
    assert (first["input_tokens"], first["cache_read_tokens"], first["cost_usd"]) == (1200, 1024, 0.00213)
    assert first["run_id"] == "trace-77"
    assert second["agent"] == "e3b0c44298fc1c149afbf4c8996fb924"  # only the key hash is known
    [single] = litellm.events_from_litellm_payload(payloads[0])
    assert single == first


def test_live_payload_errors_name_the_item() -> None:
    bad = {"id": "x", "response_cost": -1, "startTime": 1730452800, "metadata": {"user_api_key_hash": "k"}}
    out = litellm.events_from_litellm_payload([{"hello": 1}, bad])
    assert out[0].line == 1 and out[0].field == "request_id"
    assert (out[1].line, out[1].field) == (2, "response_cost")
