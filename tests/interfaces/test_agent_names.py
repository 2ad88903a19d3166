"""Agent names as cost events and questions use them: agents first (a tool named like an agent cannot take its spend),
aliases and cost keys accepted wherever an agent is, and a node that is not an agent answered clearly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from orgmap.cli import main
from orgmap.errors import NotAnAgent, NotFound
from orgmap.service import Service
from tests.conftest import COMPANY, VaultFactory

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
REFUND = "---\ntype: agent\naliases: [refunder]\ncost_keys: [proj_refunds]\n---\n"
# A tool note whose file name is the agent's: before, the shorter path won and took "Refund Agent"'s spend.
IMPOSTOR = {"X/Refund Agent.md": "---\ntype: tool\n---\n"}


def _spend(vault: Path, names: list[str]) -> Service:
    svc = Service.open(vault, clock=lambda: NOW)
    svc.record_cost([{"id": f"e-{i}", "ts": "2026-03-02T10:00:00Z", "agent": name, "cost_usd": 1.0}
                     for i, name in enumerate(names)])
    return svc


def test_cost_events_go_to_the_agent_not_a_note_of_another_kind_with_its_name(make_vault: VaultFactory,
        use_store) -> None:
    vault = make_vault({**COMPANY, "Agents/Refund Agent.md": REFUND, **IMPOSTOR})
    use_store(vault)
    with _spend(vault, ["Refund Agent", "refund agent", "refunder", "PROJ_REFUNDS", "X/Refund Agent"]) as svc:
        rows = {i.key: i.cost_usd for i in svc.run_rate("1d", "agent", 50).items}
        assert rows == {"Agents/Refund Agent": 4.0, "X/Refund Agent": 1.0}  # an exact path still means that note
        shared = [p for p in svc.check(limit=500).items if p.code == "shared_name"]
        assert [(p.path, p.severity) for p in shared] == [("X/Refund Agent.md", "warning")]
        assert "Agents/Refund Agent" in shared[0].message


def test_an_alias_or_a_cost_key_names_the_agent_wherever_an_agent_is_asked_for(make_vault: VaultFactory,
        use_store) -> None:
    vault = make_vault({**COMPANY, "Agents/Refund Agent.md": REFUND, **IMPOSTOR})
    use_store(vault)
    with _spend(vault, ["proj_refunds"]) as svc:
        for name in ("proj_refunds", "PROJ_REFUNDS", "refunder", "Refund Agent"):
            assert svc.allowance(name).agent == "Agents/Refund Agent"
            assert svc.spend(name, "1d").total_cost_usd == 1.0
            assert svc.runs(name, "1d").summary.startswith("0 runs of Agents/Refund Agent")
            assert svc.explain_cost_change(name, "7d").agent.id == "Agents/Refund Agent"
        with pytest.raises(NotFound, match="no agent named 'proj_refundz'"):
            svc.allowance("proj_refundz")


@pytest.mark.parametrize("name", ["Salesforce CRM", "Platform Team", "Bob"])
def test_a_node_that_is_not_an_agent_is_a_clear_answer_not_a_crash(make_vault: VaultFactory, name: str) -> None:
    vault = make_vault(COMPANY)
    with Service.open(vault, clock=lambda: NOW) as svc:
        for ask in (lambda: svc.explain_cost_change(name), lambda: svc.anomalies("7d", name),
                    lambda: svc.spend(name), lambda: svc.allowance(name), lambda: svc.runs(name)):
            with pytest.raises(NotAnAgent, match="not an agent") as found:
                ask()
            assert found.value.field == "agent"


def test_the_doors_say_it_is_not_an_agent(make_vault: VaultFactory, doors, capsys: pytest.CaptureFixture[str]) -> None:
    vault = make_vault(COMPANY)
    with doors.api_client(doors.opener(vault)) as api:
        answer = api.get("/v1/agents/Salesforce CRM/anomalies")
        assert answer.status_code == 404
        assert answer.json()["error"]["field"] == "agent"
        assert "not an agent" in answer.json()["error"]["message"]
        assert api.get("/v1/agents/proj_support/allowance").json()["agent"] == "Agents/Support Agent"
    with doors.mcp_in_memory(doors.opener(vault)) as mcp, pytest.raises(mcp.Failed, match="not an agent"):
        mcp.call("explain_cost_change", agent="Salesforce CRM")
    assert main(["anomalies", "--agent", "Salesforce CRM", "--vault", str(vault)]) == 2
    assert "is Integrations/Salesforce CRM (kind integration), not an agent" in capsys.readouterr().err
