"""`orgmap costs` and `orgmap reconcile` in the terminal, on a real vault and store: the table adds up, shared costs
say how they were split, a bad period exits 2 naming the argument."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orgmap.cli import main
from tests.conftest import VaultFactory
from tests.service.test_costs import COMPANY, _events

AS_OF = ["--as-of", "2026-12-07T12:00:00+00:00"]


@pytest.fixture()
def vault(make_vault: VaultFactory, tmp_path: Path, store_location: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The company of tests/service/test_costs.py with its events; its store, on each store in turn, named by
    $ORGMAP_DB as a user would."""
    monkeypatch.setenv("ORGMAP_DB", store_location)
    root = make_vault(COMPANY)
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(json.dumps(e) for e in _events()) + "\n", encoding="utf-8")
    assert main(["ingest", str(events), "--vault", str(root)]) == 0
    return root


def test_the_costs_table_has_direct_allocated_and_loaded_columns_and_a_total(
        vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["costs", "--period", "2026-11", "--by", "team", "--vault", str(vault), *AS_OF]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["team", "direct", "allocated", "cost", "calls", "tokens"]
    total = next(line for line in lines if line.startswith("total"))
    assert total.split() == ["total", "$376.23", "$0.00", "$376.23"]
    assert any(line.startswith("Team X") and "$287.50" in line for line in lines)
    assert "Vector Store: $300.00 split by spend to Agent A 60.0%, Agent B 20.0%, Agent D 20.0%" in out


def test_reconcile_says_there_is_no_bill_and_a_bad_period_exits_2(
        vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["reconcile", "--period", "2026-11", "--vault", str(vault), *AS_OF]) == 0
    assert "warning: no bill imported" in capsys.readouterr().out
    assert main(["costs", "--period", "2026-13", "--vault", str(vault), *AS_OF]) == 2
    assert "period '2026-13' is not a month YYYY-MM or a day YYYY-MM-DD" in capsys.readouterr().err
