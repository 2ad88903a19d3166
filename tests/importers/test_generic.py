"""Generic CSV / JSON Lines with a column mapping, and `--map` parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

import importers
from importers.base import RowError
from importers.generic import parse_mapping

MAP = "ts=timestamp,agent=service,model=llm,input_tokens=tokens_in,output_tokens=tokens_out,cost_usd=usd,id=call_id"


def test_mapped_csv(data: Path, valid) -> None:
    path = data / "generic_usage.csv"
    out = list(importers.read(path, mapping=parse_mapping(MAP)))
    events = [e for e in out if isinstance(e, dict)]
    for event in events:
        valid(event)
    # epoch seconds, epoch milliseconds and ISO strings all become ISO UTC
    assert [e["ts"] for e in events] == [
        "2024-11-01T00:00:00+00:00", "2024-11-01T00:01:00.500000+00:00", "2024-11-01T00:02:00+00:00",
    ]
    assert events[0] == {
        "ts": "2024-11-01T00:00:00+00:00", "agent": "support-bot", "id": "c-1", "model": "gpt-4o",
        "input_tokens": 1200, "output_tokens": 300, "cost_usd": 0.006, "source": "csv",
        "attributes": {"region": "eu-west-1"},
    }
    # by hand: 0.006 + 0.004 + 0.00075
    assert sum(e["cost_usd"] for e in events) == pytest.approx(0.01075, abs=1e-12)
    assert [(e.line, e.field) for e in out if isinstance(e, RowError)] == [(5, "tokens_in"), (6, "service")]
    assert "mapped to column 'service'" in out[-1].message


def test_a_csv_without_the_mapped_columns_is_one_error(data: Path) -> None:
    path = data / "generic_usage.csv"
    out = list(importers.read(path, "csv"))
    assert out == [RowError(str(path), 1, "ts", "missing column(s) ts, agent; use --map field=column")]


def test_jsonl_of_cost_and_change_events(data: Path, valid) -> None:
    path = data / "generic_events.jsonl"
    assert importers.detect(path) == "jsonl"
    tool, call, deploy, bad = list(importers.read(path))
    for event in (tool, call, deploy):
        valid(event)
    assert tool["attributes"] == {"team": "cx"} and tool["source"] == "jsonl"
    assert call["id"] == "evt-77" and call["ts"] == "2024-11-01T08:01:00+00:00"
    assert deploy == {
        "ts": "2024-11-01T09:00:00+00:00", "target": "Support Agent", "kind": "deploy",
        "summary": "support-agent v2.3 to prod", "ref": "a1b2c3d", "source": "jsonl", "details": {"pipeline": "gha"},
    }
    assert (bad.line, bad.field) == (4, "kind") and "magic" in bad.message


def test_a_zoneless_iso_time_is_passed_on_for_the_ledger_to_warn(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text('{"ts": "2024-11-01T09:30:00", "agent": "a"}\n')
    [event] = importers.read(path)
    assert event["ts"] == "2024-11-01T09:30:00"


@pytest.mark.parametrize("ts", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_an_iso_time_beyond_any_year_in_utc_is_a_row_error(tmp_path: Path, ts: str) -> None:
    path = tmp_path / "e.csv"
    path.write_text(f"ts,agent,cost_usd\n{ts},a,1\n2024-11-01T09:30:00Z,a,2\n")
    bad, good = importers.read(path)
    assert bad == RowError(str(path), 2, "ts", f"out of range in UTC: {ts!r}")
    assert good["cost_usd"] == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("agent", "is not field=column"),
        ("agent=", "is not field=column"),
        ("agnt=service", "unknown event field 'agnt'"),
        ("agent=a,agent=b", "mapped twice"),
    ],
)
def test_parse_mapping_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_mapping(text)


def test_bytes_that_are_not_utf8_reject_their_row_not_the_file(tmp_path: Path) -> None:
    """One Latin-1 byte on row 3 of a CSV rejected the whole file at line 0, the good rows before and after with it."""
    path = tmp_path / "e.csv"
    path.write_bytes(b"ts,agent,cost_usd\n2024-11-01T09:00:00Z,a,1\n2024-11-01T09:01:00Z,caf\xe9,2\n"
                     b"2024-11-01T09:02:00Z,a,3\n")
    first, bad, last = importers.read(path)
    assert bad == RowError(str(path), 3, "agent", "bytes that are not UTF-8 text")
    assert (first["cost_usd"], last["cost_usd"]) == (1, 3)
