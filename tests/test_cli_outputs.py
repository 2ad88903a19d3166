"""What the file commands write and print: `export -o` to a folder that does not exist is a clear error (exit 2,
no traceback); `ingest` and `import` print their summary as JSON with `--json` (counts, every rejected row with its
file, line, field and message, unattributed names, unpriced models, the total)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orgmap.cli import main
from tests.conftest import COMPANY, VaultFactory

ROWS = [
    {"id": "e1", "ts": "2026-03-02T09:00:00Z", "agent": "support-bot", "cost_usd": 1.25},
    {"id": "e2", "ts": "not a time", "agent": "support-bot", "cost_usd": 1.0},
    {"id": "e3", "ts": "2026-03-02T09:05:00Z", "agent": "ghost-bot", "cost_usd": 0.5},
    {"id": "e4", "ts": "2026-03-02T09:06:00Z", "agent": "support-bot", "model": "no-such-model-x1",
     "input_tokens": 100, "output_tokens": 10},
]


def test_export_to_a_missing_folder_is_a_clear_error(make_vault: VaultFactory, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root = make_vault(COMPANY)
    target = tmp_path / "nonexistent" / "x.json"
    assert main(["export", "--vault", str(root), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert str(target) in err and "Traceback" not in err
    assert not target.parent.exists()


@pytest.mark.parametrize("command", [["ingest"], ["import", "jsonl"]])
def test_ingest_and_import_print_their_summary_as_json(command: list[str], make_vault: VaultFactory, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str], store_location: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORGMAP_DB", store_location)
    root = make_vault(COMPANY)
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    assert main([*command, str(events), "--vault", str(root), "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    counts = ("accepted", "cost_events", "change_events", "duplicates")
    assert [summary[k] for k in counts] == [3, 3, 0, 0]
    assert [(r["file"], r["line"], r["field"]) for r in summary["rejected"]] == [(str(events), 2, "ts")]
    assert summary["rejected"][0]["message"]
    assert summary["unattributed"] == ["ghost-bot"]
    assert [u["model"] for u in summary["unpriced"]] == ["no-such-model-x1"]
    assert summary["total_cost_usd"] == pytest.approx(1.75)
    assert summary["summary"].startswith("3 events stored")
    # the same file again: every event a duplicate
    assert main([*command, str(events), "--vault", str(root), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["duplicates"] == 3


def test_demo_with_too_few_days_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--no-serve", "--dir", str(tmp_path / "demo"), "--days", "3"])
    assert exc.value.code == 2
    assert "at least 14" in capsys.readouterr().err
    assert not (tmp_path / "demo").exists()
