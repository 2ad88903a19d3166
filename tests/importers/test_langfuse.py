"""Langfuse observations exports: JSON array and CSV, usage-key normalisation, what becomes an event."""

from __future__ import annotations

from pathlib import Path

import pytest

from importers import langfuse
from importers.base import RowError
from importers.file_rows import records


def _read(path: Path) -> list:
    return list(langfuse.events(records(path, required=langfuse.REQUIRED_COLUMNS), str(path)))


@pytest.mark.parametrize("name", ["langfuse_observations.json", "langfuse_observations.csv"])
def test_export_files(data: Path, name: str, valid) -> None:
    out = _read(data / name)
    events = [e for e in out if isinstance(e, dict)]
    for event in events:
        valid(event)
    # the SPAN, the AGENT without usage and the TOOL that cost nothing are not cost events
    assert [e["id"] for e in events] == [f"langfuse:obs-00{i}" for i in (1, 2, 3, 4, 5)]
    # costs by hand: 0.00945 + 0.0012 + (0.0005 + 0.0004) + 0.0001 + 0.005 = 0.01665
    assert sum(e["cost_usd"] for e in events) == pytest.approx(0.01665, abs=1e-9)
    answer, plan, summarise, embed, tool = events
    # input without cache (300) + cache reads 1000 + writes 200, confirmed by total 2000 = 300+500+1000+200
    assert (answer["input_tokens"], answer["cache_read_tokens"], answer["cache_write_tokens"]) == (1500, 1000, 200)
    assert answer["ts"] == "2024-05-29T13:46:19.963000+00:00" and answer["duration_ms"] == 2500.0
    assert (answer["agent"], answer["run_id"], answer["client"]) == ("Support Agent", "tr-1", "acme-corp")
    # no total: input and output are read as excluding cache and reasoning
    assert (plan["input_tokens"], plan["output_tokens"], plan["reasoning_tokens"]) == (1000, 150, 60)
    # total 1100 = input + output: input already held the 800 cached tokens
    assert (summarise["input_tokens"], summarise["status"]) == (1000, "error")
    assert (embed["kind"], embed["agent"]) == ("embedding", "embed-docs")  # no trace name: the observation's
    assert (tool["kind"], tool["tool"], tool["cost_usd"]) == ("tool", "web_search", 0.005)
    [error] = [e for e in out if isinstance(e, RowError)]
    assert error.field == "start_time" and "29/05/2024" in error.message
    assert error.line == (9 if name.endswith(".csv") else 185)


def test_other_usage_keys_count_toward_their_side() -> None:
    tokens = langfuse.usage_tokens({"input": 100, "input_audio": 40, "output": 10, "output_audio": 5})
    assert tokens == {"input_tokens": 140, "output_tokens": 15}


def test_a_row_of_another_format_is_rejected() -> None:
    with pytest.raises(ValueError, match="not a Langfuse observation"):
        langfuse.convert({"request_id": "x", "spend": 1}, "f", 1)
