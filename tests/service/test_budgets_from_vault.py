"""Budgets and run rules come from the vault's frontmatter: agents, owners (covering what they own), projects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orgmap.service import Service
from orgmap.vault_settings import read_settings

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def _note(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture()
def vault(tmp_path: Path) -> Path:
    _note(tmp_path, "Teams/Platform.md", "---\ntype: team\nbudget: {daily_usd: 10, thresholds: [80, 100]}\n---\n")
    _note(tmp_path, "Systems/Portal.md", '---\ntype: system\nowner: "[[Platform]]"\n---\n')
    _note(tmp_path, "Agents/Bot.md", '---\ntype: agent\naliases: [bot]\npart_of: "[[Portal]]"\n'
                                     'budget: {per_run_usd: 1.5, monthly_usd: 100}\nruns: {max_retries: 1}\n---\n')
    _note(tmp_path, "Agents/Other.md", '---\ntype: agent\nowner: "[[Platform]]"\nbudget: {daily_usd: "lots"}\n---\n')
    _note(tmp_path, "Budgets.md", "---\ntype: budgets\nprojects:\n  acme: {monthly_usd: 2}\n---\n")
    return tmp_path


def test_budget_specs_are_read_from_agents_owners_and_the_budgets_note(vault: Path) -> None:
    with Service.open(vault, clock=lambda: NOW) as svc, svc.graph.read() as g:
        specs = {(s.scope, s.key): s for s in read_settings(g).budgets}
    assert set(specs) == {("agent", "Agents/Bot"), ("owner", "Teams/Platform"), ("project", "acme")}
    assert specs[("agent", "Agents/Bot")].per_run_usd == 1.5
    # the team's budget covers the agent it owns directly and the one it owns through the system (part_of)
    assert set(specs[("owner", "Teams/Platform")].agents) == {"Agents/Bot", "Agents/Other"}
    assert specs[("owner", "Teams/Platform")].thresholds == (0.8, 1.0)
    assert specs[("project", "acme")].monthly_usd == 2


def test_allowance_denies_on_the_owners_and_the_projects_budget(vault: Path) -> None:
    event = {"ts": (NOW - timedelta(hours=1)).isoformat(), "agent": "bot", "cost_usd": 2.5, "project": "acme",
             "run_id": "r1"}
    with Service.open(vault, clock=lambda: NOW) as svc:
        svc.record_cost([event])
        run = svc.allowance("Bot", run_id="r1")
        assert not run.allowed
        assert run.reason == "agent Agents/Bot run budget exhausted: $2.50 of $1.50; from 100% it pauses every agent"
        assert svc.allowance("Bot", run_id="a-fresh-run").allowed  # the ceiling is per run
        project = svc.allowance("Other", project="acme")
        assert not project.allowed
        assert project.reason == ("project acme month budget exhausted: $2.50 of $2.00; from 100% it pauses every "
                                  "agent")
        svc.record_cost([{**event, "run_id": "r2", "cost_usd": 8.0, "project": None, "agent": "Other"}])
        owner = svc.allowance("Other")
        assert not owner.allowed and "Teams/Platform" in owner.reason


def test_a_runaway_run_is_flagged_by_the_agents_own_retry_rule(vault: Path) -> None:
    calls = [{"ts": (NOW - timedelta(minutes=30 - i)).isoformat(), "agent": "bot", "cost_usd": 0.01,
              "run_id": "loop", "retry": i} for i in range(3)]
    with Service.open(vault, clock=lambda: NOW) as svc:
        svc.record_cost(calls)
        flagged = svc.runs("Bot", since="24h", flagged=True)
    assert [r.run_id for r in flagged.items] == ["loop"]
    assert "retries" in flagged.items[0].flags
