"""The CLI is a door like the others: each service question has a command (or is exempt, with the reason written
down), and `orgmap ... --json` prints the very JSON the HTTP API answers for the same question."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from orgmap.cli import build_parser, main
from tests.interfaces.conftest import NOW, on_both_stores
from tests.interfaces.test_parity import NOT_QUESTIONS, service_questions

# method -> the command that asks it
CLI: dict[str, str] = {
    "owners_of": "owners", "dependents_of": "dependents", "dependencies_of": "dependencies", "node": "show",
    "note_markdown": "show", "find": "find", "portfolio_of": "portfolio", "spend": "spend", "run_rate": "top",
    "budgets": "budget", "pauses": "pauses", "allowance": "allow", "unattributed": "unattributed", "changes": "changes",
    "runs": "runs",
    "alerts": "alerts", "check": "check", "graph_data": "export", "graph_graphml": "export",
    "record_change": "change", "record_changes": "change", "anomalies": "anomalies",
    "explain_cost_change": "anomalies", "set_anomaly_state": "anomalies", "import_files": "import",
    "import_git": "import", "ingest_jsonl": "ingest", "costs": "costs", "costs_csv": "costs",
    "costs_focus_csv": "costs", "reconcile": "reconcile",
}
CLI_EXEMPT = {
    "record_cost": "the CLI records cost events from files (orgmap ingest, orgmap import), not one JSON batch",
    "receive_otlp": "a receiver of machines' telemetry over HTTP (POST /v1/traces)",
    "receive_litellm": "a receiver of machines' telemetry over HTTP (POST /v1/litellm)",
    "spend_over_time": "the dashboard's chart series (GET /v1/spend/series); in a terminal: orgmap top, orgmap spend",
}

# (command line, HTTP path, query) asking the same question
CASES: list[tuple[list[str], str, dict[str, Any]]] = [
    (["owners", "support-bot"], "/v1/nodes/support-bot/owners", {}),
    (["dependents", "Vector Store", "--depth", "4", "--window", "21d", "--limit", "15"],
     "/v1/nodes/Vector Store/dependents", {"depth": 4, "window": "21d", "limit": 15}),
    (["dependencies", "Support Reply Agent", "--limit", "15"], "/v1/nodes/Support Reply Agent/dependencies",
     {"limit": 15}),
    (["show", "Agents/Code Review Agent"], "/v1/nodes/Agents/Code Review Agent", {}),
    (["show", "Platform Team"], "/v1/nodes/Platform Team", {}),
    (["find", "support", "--limit", "25"], "/v1/nodes", {"q": "support", "limit": 25}),
    (["find", "--kind", "agent", "--limit", "25"], "/v1/nodes", {"kind": "agent", "limit": 25}),
    (["portfolio", "Elena Petrova", "--window", "24h", "--limit", "15"], "/v1/owners/Elena Petrova/portfolio",
     {"window": "24h", "limit": 15}),
    (["spend", "pr-reviewer", "--window", "24h", "--bucket", "hour"], "/v1/agents/pr-reviewer/spend",
     {"window": "24h", "bucket": "hour"}),
    (["top", "--by", "team", "--limit", "10"], "/v1/run-rate", {"by": "team", "limit": 10}),
    (["top", "--by", "model", "--window", "24h", "--limit", "10"], "/v1/run-rate",
     {"by": "model", "window": "24h", "limit": 10}),
    (["top", "--model", "gpt-4o-mini", "--project", "acme-corp"], "/v1/run-rate",
     {"model": "gpt-4o-mini", "project": "acme-corp", "limit": 20}),
    (["top", "--by", "model", "--client", "Acme Corp", "--limit", "10"], "/v1/run-rate",
     {"by": "model", "client": "Acme Corp", "limit": 10}),
    (["budget"], "/v1/budgets", {"limit": 500}),
    (["pauses"], "/v1/pauses", {"limit": 500}),
    (["pauses", "support-bot"], "/v1/pauses", {"agent": "support-bot", "limit": 500}),
    (["allow", "support-bot", "--run", "run-1", "--project", "acme"], "/v1/agents/support-bot/allowance",
     {"run_id": "run-1", "project": "acme"}),
    (["unattributed", "--window", "21d", "--limit", "15"], "/v1/unattributed", {"window": "21d", "limit": 15}),
    (["changes", "--target", "Support Reply Agent", "--limit", "10"], "/v1/changes",
     {"target": "Support Reply Agent", "limit": 10}),
    (["runs", "--agent", "Code Review Agent", "--since", "7d", "--top", "10"], "/v1/agents/Code Review Agent/runs",
     {"since": "7d", "limit": 10}),
    (["runs", "--since", "7d", "--flagged"], "/v1/runs", {"since": "7d", "flagged": "true", "limit": 20}),
    (["alerts", "--since", "21d", "--kind", "budget", "--limit", "10"], "/v1/alerts",
     {"since": "21d", "kind": "budget", "limit": 10}),
    (["check"], "/v1/check", {"limit": 500}),
    (["anomalies", "--since", "21d"], "/v1/anomalies", {"since": "21d", "limit": 50}),
    (["anomalies", "--agent", "Code Review Agent", "--since", "21d"], "/v1/agents/Code Review Agent/anomalies",
     {"since": "21d"}),
    (["export"], "/v1/graph", {}),
    (["costs", "--period", "2026-02", "--by", "client", "--limit", "500"], "/v1/costs",
     {"period": "2026-02", "by": "client", "limit": 500}),
    (["reconcile", "--from", "2026-02-10", "--to", "2026-02-20"], "/v1/reconcile", {"from": "2026-02-10",
                                                                                    "to": "2026-02-20"}),
]


def commands() -> set[str]:
    parser = build_parser()
    return set(next(a for a in parser._subparsers._actions if a.dest == "command").choices)  # type: ignore[union-attr]


def test_every_question_has_a_command_or_is_exempt() -> None:
    questions = service_questions() - NOT_QUESTIONS
    missing = questions - set(CLI) - set(CLI_EXEMPT)
    assert not missing, f"Service questions with no CLI command: {sorted(missing)} (add them to CLI or CLI_EXEMPT)"
    assert not (set(CLI) | set(CLI_EXEMPT)) - service_questions(), "the table names a gone method"
    assert set(CLI.values()) <= commands()


def test_the_cases_ask_every_read_command() -> None:
    asked = {argv[0] for argv, *_ in CASES}
    writes = {"change", "import", "ingest"}
    assert {c for m, c in CLI.items() if m not in ("graph_graphml", "note_markdown")} - writes == asked


def cli_json(argv: list[str], vault: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    capsys.readouterr()
    flags = ["--vault", str(vault)] if argv[0] in ("owners", "find", "check", "export") else \
        ["--vault", str(vault), "--as-of", NOW.isoformat()]
    code = main([*argv, *flags, *([] if argv[0] == "export" else ["--json"])])
    out = capsys.readouterr().out
    assert code in (0, 1), out  # 1: a deny, or a vault with errors
    return json.loads(out)


@on_both_stores
@pytest.mark.parametrize(("argv", "path", "query"), CASES, ids=[" ".join(argv) for argv, *_ in CASES])
@pytest.mark.usefixtures("cli_on_demo_store")
def test_same_question_same_answer_as_http(api, demo_vault: Path, capsys: pytest.CaptureFixture[str],
                                           argv: list[str], path: str, query: dict[str, Any]) -> None:
    by_http = api.get(quote(path), params=query)
    assert by_http.status_code == 200, by_http.text
    assert cli_json(argv, demo_vault, capsys) == by_http.json()


def test_the_note_is_the_same_through_the_cli_and_the_route(api, demo_vault: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["show", "support-bot", "--markdown", "--vault", str(demo_vault)]) == 0
    by_http = api.get(quote("/v1/nodes/support-bot/markdown"))
    assert capsys.readouterr().out == by_http.text == (demo_vault / "Agents" / "Support Reply Agent.md").read_text()


def test_a_recorded_change_reads_back_the_same_through_the_cli_and_http(doors, tmp_path: Path, store_for,
                                                                        capsys: pytest.CaptureFixture[str],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    vault = doors.copy_company(tmp_path)
    monkeypatch.setenv("ORGMAP_DB", store_for(vault))
    argv = ["change", "support-bot", "deploy", "deploy abc123", "--at", "2026-03-02T09:00:00+00:00", "--ref",
            "abc123", "--id", "chg-cli-1", "--vault", str(vault), "--as-of", NOW.isoformat(), "--json"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["accepted"], first["duplicates"], first["unattributed"]) == (1, 0, [])
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["duplicates"] == 1  # the same id is stored once
    with doors.api_client(doors.opener(vault, store_for(vault))) as api:
        by_http = api.get("/v1/changes", params={"since": "1d", "target": "Support Reply Agent"}).json()
    assert [(c["id"], c["target"], c["node_id"], c["source"]) for c in by_http["items"]] == [
        ("chg-cli-1", "support-bot", "Agents/Support Reply Agent", "cli")]
    assert cli_json(["changes", "--since", "1d", "--target", "Support Reply Agent", "--limit", "20"], vault,
                    capsys) == by_http


@on_both_stores
@pytest.mark.parametrize("fmt", ["csv", "focus"])
def test_the_cost_files_are_the_same_through_the_cli_and_http(api, demo_vault: Path, demo_store: str, tmp_path: Path,
                                                              fmt: str) -> None:
    out = tmp_path / f"costs.{fmt}.csv"
    code = main(["costs", "--period", "2026-02", "--by", "owner", "--format", fmt, "-o", str(out), "--vault",
                 str(demo_vault), "--db", demo_store, "--as-of", NOW.isoformat()])
    by_http = api.get("/v1/costs", params={"period": "2026-02", "by": "owner", "format": fmt})
    assert code == 0 and by_http.status_code == 200 and by_http.headers["content-type"].startswith("text/csv")
    assert out.read_text(encoding="utf-8") == by_http.text and len(by_http.text.splitlines()) > 10
    if fmt == "csv":  # content negotiation asks for the same file
        assert api.get("/v1/costs", params={"period": "2026-02", "by": "owner"},
                       headers={"Accept": "text/csv"}).text == by_http.text
