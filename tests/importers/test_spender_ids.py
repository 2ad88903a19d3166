"""A provider usage row names its spender by several ids at once (Anthropic: API key and workspace; OpenAI: API key,
project and user). An agent whose `cost_keys` lists any of them owns the row, and every id stays on the stored event,
so editing `cost_keys` later re-attributes past spend as an alias does."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from importers import anthropic_usage, openai_usage
from ledger import Ledger
from ledger.events import EventError, validate_cost
from ledger.schema import migrate
from ledger.sqlite_store import SQLiteDialect
from orgmap.service import Service
from tests.conftest import COMPANY, VaultFactory

NOW = datetime(2025, 8, 3, 12, 0, tzinfo=UTC)
RESEARCH = "---\ntype: agent\nowner: '[[Platform Team]]'\ncost_keys: [wrkspc_research]\n---\n"


def _row(key: str, workspace: str, uncached: int) -> dict:
    return {"uncached_input_tokens": uncached, "cache_read_input_tokens": 0, "output_tokens": 0,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "api_key_id": key, "workspace_id": workspace, "model": "claude-sonnet-4-20250514",
            "service_tier": "standard", "context_window": "0-200k"}


def _report(path: Path) -> Path:
    page = {"data": [{"starting_at": "2025-08-02T00:00:00Z", "ending_at": "2025-08-03T00:00:00Z",
                      "results": [_row("apikey_research", "wrkspc_research", 1_000_000),
                                  _row("apikey_shared", "wrkspc_shared", 2_000_000)]}],
            "has_more": False, "next_page": None}
    path.write_text(json.dumps(page), encoding="utf-8")
    return path


def _figures(svc: Service) -> tuple[dict[str, float], float, dict[str, float]]:
    rate = svc.run_rate("30d", "agent", 50)
    rows = {i.key: i.cost_usd for i in rate.items}
    unattributed = svc.unattributed("30d")
    assert round(rate.unattributed_cost_usd, 2) == round(unattributed.total_cost_usd, 2)  # to the cent
    return rows, unattributed.total_cost_usd, {i.name: i.cost_usd for i in unattributed.items}


def test_a_row_keyed_by_a_workspace_only_an_agent_lists_is_that_agents(make_vault: VaultFactory,
                                                                      tmp_path: Path) -> None:
    vault = make_vault({**COMPANY, "Agents/Research Agent.md": RESEARCH})
    report = _report(tmp_path / "usage.json")
    with Service.open(vault, clock=lambda: NOW) as svc:
        assert svc.import_files([report], format="anthropic-usage").cost.accepted == 2
        rows, unattributed, names = _figures(svc)
        research = rows["Agents/Research Agent"]
        assert research > 0 and names == {"apikey_shared": pytest.approx(2 * research)}
        assert unattributed == pytest.approx(2 * research)
    note = vault / "Agents/Support Agent.md"
    note.write_text(note.read_text(encoding="utf-8").replace("cost_keys: [proj_support, key_8f3a]",
                                                             "cost_keys: [proj_support, key_8f3a, WRKSPC_SHARED]"),
                    encoding="utf-8")
    with Service.open(vault, clock=lambda: NOW) as svc:  # the vault reloaded: the past re-attributes
        rows, unattributed, names = _figures(svc)
        assert rows["Agents/Support Agent"] == pytest.approx(2 * research)
        assert rows["Agents/Research Agent"] == pytest.approx(research)
        assert unattributed == 0 and names == {}
        assert svc.spend("wrkspc_shared", "30d").total_cost_usd == pytest.approx(2 * research)


def test_the_first_id_an_agent_lists_wins(make_vault: VaultFactory, tmp_path: Path) -> None:
    keyed = "---\ntype: agent\nowner: '[[Platform Team]]'\ncost_keys: [apikey_research]\n---\n"
    vault = make_vault({**COMPANY, "Agents/Research Agent.md": RESEARCH, "Agents/Keyed Agent.md": keyed})
    with Service.open(vault, clock=lambda: NOW) as svc:
        svc.import_files([_report(tmp_path / "usage.json")], format="anthropic-usage")
        rows, _, names = _figures(svc)
        assert "Agents/Keyed Agent" in rows and "Agents/Research Agent" not in rows  # the API key, then the workspace
        assert list(names) == ["apikey_shared"]


def test_importers_keep_every_id_of_the_row() -> None:
    page = {"data": [{"start_time": 1754006400, "end_time": 1754092800, "results": [
        {"object": "organization.usage.completions.result", "input_tokens": 10, "output_tokens": 1,
         "project_id": "proj_a", "api_key_id": "key_a", "user_id": "user_a", "model": "gpt-4o"},
        {"object": "organization.usage.completions.result", "input_tokens": 10, "output_tokens": 1,
         "project_id": "proj_a", "model": "gpt-4o"}]}]}
    first, second = openai_usage.events([(1, page)], "usage.json")
    assert isinstance(first, dict) and isinstance(second, dict)
    assert (first["agent"], first["agent_ids"]) == ("key_a", ["proj_a", "user_a"])
    assert second["agent"] == "proj_a" and "agent_ids" not in second
    [event] = anthropic_usage.events([(1, {"data": [{"starting_at": "2025-08-02T00:00:00Z",
                                                    "ending_at": "2025-08-03T00:00:00Z",
                                                    "results": [_row("k", "w", 1)]}]})], "u.json")
    assert isinstance(event, dict) and (event["agent"], event["agent_ids"]) == ("k", ["w"])


@pytest.mark.parametrize(("ids", "message"), [
    ("wrk", "must be a list of strings"), ([1.5], "must be a list of strings"), ([""], "must not be empty"),
    (["x"] * 17, "at most 16 ids"), (["\ud800"], "not valid text"),
])
def test_bad_agent_ids_are_rejected_by_field(ids: object, message: str) -> None:
    with pytest.raises(EventError, match=message) as found:
        validate_cost({"ts": "2025-08-02T00:00:00Z", "agent": "k", "agent_ids": ids})
    assert found.value.field == "agent_ids"


def test_agent_ids_from_csv_and_the_content_id_without_them_is_unchanged() -> None:
    base = {"ts": "2025-08-02T00:00:00Z", "agent": "k", "cost_usd": 1.0}
    assert validate_cost({**base, "agent_ids": '["w", " p "]'}).agent_ids == ("w", "p")
    assert validate_cost({**base, "agent_ids": ""}).agent_ids == ()
    assert validate_cost(base).id == validate_cost({**base, "agent_ids": []}).id != \
        validate_cost({**base, "agent_ids": ["w"]}).id


def test_an_older_store_migrates_and_its_events_still_resolve_by_name(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = SQLiteDialect(path)
    migrate(conn, target=5)
    conn.execute("INSERT INTO agent_names VALUES ('support-bot', 'support-bot')")
    conn.close()
    with Ledger.open(path, clock=lambda: NOW) as led:
        led.set_resolver(lambda name: {"support-bot": "agents/support", "wrk_1": "agents/triage"}.get(name.casefold()))
        led.ingest_cost([{"ts": "2025-08-03T10:00:00Z", "agent": "key_9", "agent_ids": ["WRK_1"], "cost_usd": 2.0},
                         {"ts": "2025-08-03T10:00:00Z", "agent": "support-bot", "cost_usd": 1.0}])
        rows = {r.key: r.cost for r in led.run_rate(timedelta(days=1)).rows}
        assert rows == {"agents/triage": 2.0, "agents/support": 1.0}
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT agent, agent_ids FROM cost_events WHERE agent = 'key_9'").fetchone() == \
        ("key_9", '["WRK_1"]')
    conn.close()
