"""`importers.detect` and `importers.read`: format sniffing, dispatch, wrong flags, progress, laziness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import importers
from importers import FORMATS, RowError, UnknownFormat

SAMPLES = {
    "otel_traces.jsonl": "otel",
    "litellm_spend_logs.csv": "litellm",
    "litellm_payloads.json": "litellm",
    "langfuse_observations.json": "langfuse",
    "langfuse_observations.csv": "langfuse",
    "openai_usage_completions.json": "openai-usage",
    "openai_usage_embeddings.jsonl": "openai-usage",
    "openai_costs.json": "openai-costs",
    "anthropic_usage.json": "anthropic-usage",
    "anthropic_cost.json": "anthropic-cost",
    "generic_events.jsonl": "jsonl",
}


@pytest.mark.parametrize(("name", "expected"), sorted(SAMPLES.items()))
def test_detect_and_read_every_sample(data: Path, name: str, expected: str, valid) -> None:
    path = data / name
    assert importers.detect(path) == expected and expected in FORMATS
    first = list(importers.read(path))
    events = [e for e in first if isinstance(e, dict)]
    assert events, name
    for event in events:
        valid(event)
    ids = [e.get("id") for e in events if "id" in e]
    assert len(ids) == len(set(ids))  # distinct events, distinct ids
    assert list(importers.read(path)) == first  # the same file read twice: the same ids, so idempotent


def test_an_unknown_file_names_what_it_saw(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("when,who,amount\n1,2,3\n")
    with pytest.raises(UnknownFormat, match=r"CSV header \['when', 'who', 'amount'\].*--map"):
        importers.detect(path)
    with pytest.raises(UnknownFormat):
        importers.read(path)
    empty = tmp_path / "e.json"
    empty.write_text("\n")
    with pytest.raises(UnknownFormat, match="empty"):
        importers.detect(empty)


def test_a_file_of_another_format_than_named_is_one_error(data: Path) -> None:
    path = data / "otel_traces.jsonl"
    assert list(importers.read(path, "litellm")) == [
        RowError(str(path), 1, "format", "this file looks like otel, not litellm"),
    ]
    [wrong] = importers.read(data / "openai_costs.json", "openai-usage")
    assert wrong.message == "this file looks like openai-costs, not openai-usage"


def test_bad_arguments(data: Path) -> None:
    with pytest.raises(ValueError, match="unknown format 'parquet'"):
        importers.read(data / "otel_traces.jsonl", "parquet")
    with pytest.raises(ValueError, match="mapping applies to csv/jsonl"):
        importers.read(data / "otel_traces.jsonl", "otel", mapping={"agent": "x"})


def test_reading_is_lazy_and_reports_progress(tmp_path: Path) -> None:
    path = tmp_path / "spend.jsonl"
    row = {"request_id": "", "spend": 0.001, "startTime": "2024-11-01T00:00:00Z", "agent_id": "a", "prompt_tokens": 10,
           "completion_tokens": 2, "metadata": {"padding": "x" * 200}}
    with open(path, "w") as f:
        for i in range(20_000):
            f.write(json.dumps({**row, "request_id": f"r{i}"}) + "\n")
    total = path.stat().st_size
    seen: list[tuple[int, int]] = []
    events = importers.read(path, on_progress=lambda done, size: seen.append((done, size)))
    for _, _event in zip(range(10), events, strict=False):
        pass
    assert all(done < total // 2 for done, _ in seen)  # ten events did not read the whole file
    rest = list(events)
    assert len(rest) == 20_000 - 10
    assert seen[-1] == (total, total) and all(size == total for _, size in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_an_error_in_a_one_line_json_array_names_its_element(tmp_path: Path) -> None:
    """Every element of a one-line export is on line 1: the element's index is what finds it."""
    rows = [{"ts": "2026-11-01T00:00:00Z", "agent": "a"}, {"ts": "yesterday", "agent": "b"}]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    found = list(importers.read(path, "jsonl"))
    assert isinstance(found[1], RowError) and (found[1].line, found[1].element) == (1, 1)
    assert str(found[1]) == f"{path} [1]: ts: not an ISO 8601 timestamp: 'yesterday'"
