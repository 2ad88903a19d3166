"""The spend commands end to end on a real vault and store: ingest, top, allow, change, runs, budget, import, demo."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orgmap.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "orgmap" / "demo" / "vault"
HOUR = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


@pytest.fixture()
def vault(tmp_path: Path, store_location: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example company; its store, on each store in turn, named by $ORGMAP_DB as a user would."""
    target = tmp_path / "vault"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".orgmap"))
    monkeypatch.setenv("ORGMAP_DB", store_location)
    return target


def _write_jsonl(path: Path, rows: list[dict | str]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _event(i: int, agent: str = "Code Review Agent", cost: float = 0.10, **extra: object) -> dict:
    return {"id": f"e{i}", "ts": (HOUR + timedelta(minutes=i % 50)).isoformat(), "agent": agent,
            "model": "gpt-4o-mini", "provider": "openai", "input_tokens": 1000, "output_tokens": 100,
            "cost_usd": cost, "run_id": f"r{i // 2}", **extra}


def test_ingest_keeps_good_rows_reports_bad_ones_and_never_double_counts(
        vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows: list[dict | str] = [_event(i) for i in range(6)]
    rows.insert(3, '{"ts": "not json"')
    rows.append({**_event(99), "input_tokens": -5})
    events = _write_jsonl(tmp_path / "events.jsonl", rows)
    assert main(["ingest", str(events), "--vault", str(vault)]) == 1
    out = capsys.readouterr().out
    assert "6 events stored" in out and "2 rejected" in out
    assert "events.jsonl:4" in out  # the unreadable line, by its line number
    assert "input_tokens" in out  # the ledger's rejection names the field
    assert main(["ingest", str(events), "--vault", str(vault)]) == 1
    assert "0 events stored (0 cost, 0 change), 6 duplicates" in capsys.readouterr().out
    assert main(["top", "--vault", str(vault), "--window", "1d", "--json"]) == 0
    top = json.loads(capsys.readouterr().out)
    assert top["items"][0]["name"] == "Code Review Agent"
    assert top["items"][0]["cost_usd"] == pytest.approx(0.60)


def test_ingest_reads_standard_input(vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    events = _write_jsonl(tmp_path / "in.jsonl", [_event(i, "ask-data") for i in range(3)])
    with events.open("rb") as stdin:
        monkeypatch.setattr("sys.stdin", type("S", (), {"buffer": stdin})())
        assert main(["ingest", "-", "--vault", str(vault)]) == 0
    assert "3 events stored" in capsys.readouterr().out


def test_allow_exit_codes_follow_the_budget(vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Code Review Agent: daily_usd 20, hourly_usd 5, per_run_usd 1.0.
    assert main(["allow", "Code Review Agent", "--vault", str(vault)]) == 0
    assert "allow" in capsys.readouterr().out
    big = [_event(i, cost=3.0) for i in range(2)]  # one run r0 of $6.00: over per-run and the hourly cap
    main(["ingest", str(_write_jsonl(tmp_path / "big.jsonl", big)), "--vault", str(vault)])
    capsys.readouterr()
    assert main(["allow", "Code Review Agent", "--run", "r0", "--vault", str(vault), "--json"]) == 1
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["allowed"] is False and "exhausted" in verdict["reason"]
    assert main(["allow", "Churn Predictor", "--vault", str(vault)]) == 0
    assert main(["allow", "no-such-agent", "--vault", str(vault)]) == 2
    assert "no agent named" in capsys.readouterr().err


def test_change_is_recorded_and_listed_on_its_node(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["change", "ask-data", "deploy", "deploy abc123: new SQL planner", "--ref", "abc123",
                 "--vault", str(vault)]) == 0
    assert "1 change events stored" in capsys.readouterr().out
    from orgmap.service import Service

    with Service.open(vault) as svc:
        found = svc.changes("SQL Analyst Agent")
    assert [c.ref for c in found.items] == ["abc123"]
    assert found.items[0].node_id == "Agents/SQL Analyst Agent"


def test_runs_and_budget_views(vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [_event(i, retry=i) for i in range(8)]
    for row in rows:
        row["run_id"] = "loop-1"
    main(["ingest", str(_write_jsonl(tmp_path / "loop.jsonl", rows)), "--vault", str(vault)])
    capsys.readouterr()
    assert main(["runs", "--flagged", "--vault", str(vault), "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert [r["run_id"] for r in runs["items"]] == ["loop-1"]
    assert "retries" in runs["items"][0]["flags"]
    assert main(["budget", "--vault", str(vault)]) == 0
    assert "agent Code Review Agent " in capsys.readouterr().out  # named as the note names it


def test_import_git_turns_commits_into_changes_on_the_right_node(vault: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    (repo / "services" / "sql-analyst").mkdir(parents=True)
    (repo / "services" / "sql-analyst" / "planner.py").write_text("x = 1\n")
    env_git = ["git", "-C", str(repo), "-c", "user.name=Dev", "-c", "user.email=dev@example.com"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*env_git, "add", "."], check=True)
    subprocess.run([*env_git, "commit", "-q", "-m", "planner: retry on timeouts"], check=True)
    assert main(["import", "git", str(repo), "--vault", str(vault)]) == 0
    assert "1 change" in capsys.readouterr().out
    assert main(["import", "git", str(repo), "--vault", str(vault)]) == 0
    assert "1 duplicates" in capsys.readouterr().out


def test_demo_prepares_a_fresh_vault_and_refuses_a_foreign_folder(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "demo"
    args = ["demo", "--dir", str(target), "--no-serve", "--days", "14", "--scale", "0.05",
            "--now", "2026-11-20T12:00:00+00:00"]
    assert main(args) == 0
    info = json.loads((target / ".orgmap" / "demo.json").read_text())
    assert info["cost_events"] > 1000 and info["change_events"] > 0
    banner = capsys.readouterr().err
    assert "mcpServers" in banner and "dashboard:       http://127.0.0.1:8000/\n" in banner
    assert main(args) == 0  # a second run replaces the earlier demo: same seed, same data
    again = json.loads((target / ".orgmap" / "demo.json").read_text())
    assert again == info
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.md").write_text("# mine\n")
    with pytest.raises(SystemExit, match="not an orgmap demo folder"):
        main(["demo", "--dir", str(foreign), "--no-serve"])
    assert (foreign / "notes.md").read_text() == "# mine\n"


def test_example_vault_passes_check(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--vault", str(vault)]) == 0
    assert "0 errors, 0 warnings" in capsys.readouterr().out


def test_ingest_changes_takes_change_rows_and_cost_rows_together(vault: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    rows: list[dict | str] = [_event(1), {"ts": HOUR.isoformat(), "target": "ask-data", "kind": "deploy",
                                          "summary": "deploy 1a2b", "ref": "1a2b"}]
    path = _write_jsonl(tmp_path / "mixed.jsonl", rows)
    assert main(["ingest", str(path), "--changes", "--vault", str(vault)]) == 0
    assert "2 events stored (1 cost, 1 change)" in capsys.readouterr().out


def test_ordinary_mistakes_are_clear_messages_not_tracebacks(vault: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match=r"orgmap: .*nope\.yaml"):
        main(["top", "--vault", str(vault), "--prices", str(tmp_path / "nope.yaml")])
    assert main(["import", "git", str(tmp_path), "--vault", str(vault)]) == 2
    assert "orgmap: " in capsys.readouterr().err
    with pytest.raises(SystemExit, match="--now must be an ISO 8601 time"):
        main(["demo", "--dir", str(tmp_path / "d"), "--no-serve", "--now", "garbage"])
    assert main(["top", "--vault", str(vault), "--window", "30m"]) == 2
    assert "window must look like" in capsys.readouterr().err


@pytest.mark.parametrize(("command", "fmt"), [("ingest", []), ("import", ["jsonl"])])
def test_a_line_nested_too_deeply_to_parse_is_one_rejected_row(
        vault: Path, tmp_path: Path, command: str, fmt: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """A JSON line nested thousands deep overflowed the parser's recursion: the command died with a traceback."""
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    path = _write_jsonl(tmp_path / "deep.jsonl", [_event(1), deep, _event(2)])
    assert main([command, *fmt, str(path), "--vault", str(vault)]) == 1
    out = capsys.readouterr().out
    assert "2 events stored" in out and "1 rejected" in out and "deep.jsonl:2" in out


def _write_csv(path: Path, rows: list[dict]) -> Path:
    columns = list(rows[0])
    lines = [",".join(columns), *(",".join(str(r[c]) for c in columns) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "fmt", "place", "warned"), [
    ("usage.csv", "csv", "usage.csv:5: input_tokens", "usage.csv:3: ts"),  # header on line 1, the bad row fourth
    ("usage.jsonl", "jsonl", "usage.jsonl:4: input_tokens", "usage.jsonl:2: ts"),
    ("usage.json", "jsonl", "usage.json [3]: input_tokens", "usage.json [1]: ts"),  # a one-line array: elements
])
def test_import_names_the_file_place_of_a_row_the_ledger_rejects(vault: Path, tmp_path: Path, name: str, fmt: str,
                                                                 place: str, warned: str,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The ledger's rejections and warnings said "cost event N" (N counted over the import): a user could not find
    the row."""
    rows = [{**_event(i), "input_tokens": 10**29 if i == 3 else 1000} for i in range(6)]
    rows[1]["ts"] = HOUR.replace(tzinfo=None).isoformat()  # no zone: stored as UTC, with a warning
    path = tmp_path / name
    if fmt == "csv":
        _write_csv(path, rows)
    elif name.endswith(".json"):
        path.write_text(json.dumps(rows), encoding="utf-8")
    else:
        _write_jsonl(path, rows)
    assert main(["import", fmt, str(path), "--vault", str(vault)]) == 1
    out = capsys.readouterr().out
    assert "5 events stored" in out and "1 rejected" in out
    assert f"rejected: {path.parent}/{place}" in out and "cost event" not in out
    assert f"warning: {path.parent}/{warned}" in out and "warning: event" not in out
    assert main(["import", fmt, str(path), "--vault", str(vault)]) == 1
    out = capsys.readouterr().out
    assert "0 events stored (0 cost, 0 change), 5 duplicates, 1 rejected" in out and place in out


def test_every_event_of_a_row_is_placed_on_that_row(
        vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """OpenAI usage pages, one a line, with several results each: a rejected result is on its page's line."""
    start = int(HOUR.timestamp())

    def page(hour: int, tokens: list[int]) -> str:
        results = [{"object": "organization.usage.completions.result", "input_tokens": n, "output_tokens": 5,
                    "num_model_requests": 1, "project_id": f"proj_{j}", "model": "gpt-4o-mini"}
                   for j, n in enumerate(tokens)]
        bucket = {"start_time": start + 3600 * hour, "end_time": start + 3600 * (hour + 1), "results": results}
        return json.dumps({"object": "page", "data": [bucket]})

    path = _write_jsonl(tmp_path / "usage.jsonl", [page(0, [10, 20, 30]), page(1, [10, 10**29, 30])])
    assert main(["import", "openai-usage", str(path), "--vault", str(vault)]) == 1
    out = capsys.readouterr().out
    assert "5 events stored" in out and f"rejected: {path}:2: input_tokens" in out


def test_a_change_row_the_ledger_rejects_is_named_by_its_line(
        vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"ts": HOUR.isoformat(), "target": "Code Review Agent", "kind": "deploy", "summary": summary}
            for summary in ("v1", "x" * 10_001, "v3")]
    path = _write_csv(tmp_path / "changes.csv", rows)
    assert main(["import", "csv", str(path), "--vault", str(vault)]) == 1
    out = capsys.readouterr().out
    assert "2 events stored (0 cost, 2 change)" in out and f"rejected: {path}:3: summary" in out
