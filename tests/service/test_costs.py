"""Cost reports for chargeback: rows that add up to the cent, shared costs split through a two-level dependency,
the rule each split used said, and the bad inputs (no data, unpriced events, no use at all, cycles)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orgmap.errors import InvalidArgument
from orgmap.service import Service
from tests.conftest import VaultFactory

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)

# Vector Store (a $300/month tool) <- Retriever <- Agent A, Agent B (and C, idle); Vector Store <- Agent D
COMPANY = {
    "Tools/Vector Store.md": "---\ntype: tool\ncost: {monthly_usd: 300}\n---\n",
    "Agents/Retriever.md": '---\ntype: agent\nowner: "[[Team Z]]"\ndepends_on: ["[[Vector Store]]"]\n---\n',
    "Agents/Agent A.md": '---\ntype: agent\nowner: "[[Team X]]"\nuses: ["[[Retriever]]"]\n---\n',
    "Agents/Agent B.md": '---\ntype: agent\nowner: "[[Team Y]]"\nuses: ["[[Retriever]]"]\n---\n',
    "Agents/Agent C.md": '---\ntype: agent\nowner: "[[Team Y]]"\nuses: ["[[Retriever]]"]\n---\n',
    "Agents/Agent D.md": '---\ntype: agent\nowner: "[[Team X]]"\ndepends_on: ["[[Vector Store]]"]\n---\n',
    "Teams/Team X.md": "---\ntype: team\n---\n", "Teams/Team Y.md": "---\ntype: team\n---\n",
    "Teams/Team Z.md": "---\ntype: team\n---\n",
}


def _event(i: int, agent: str, cost: float, **more: object) -> dict[str, object]:
    return {"id": f"e{agent}{i}", "ts": f"2026-11-{1 + i % 28:02d}T10:00:00Z", "agent": agent, "cost_usd": cost,
            "model": "gpt-4o", "provider": "openai", "input_tokens": 100, "output_tokens": 10, **more}


def _events() -> list[dict[str, object]]:
    return [
        _event(0, "Retriever", 30.0),
        # Agent A calls through Retriever three times, Agent B once: Retriever splits by use, 3:1
        *(_event(i, "Agent A", 10 / 3, tool="Retriever", client="acme") for i in range(3)),
        _event(0, "Agent B", 20.0, tool="retriever", client="globex"),
        _event(0, "Agent D", 15.0, client="acme"),
        _event(0, "ghost-bot", 1.234),
        _event(0, "Agent A", 5.0, ts="2026-12-01T00:00:00Z", id="december-A"),  # outside the period
    ]


@pytest.fixture()
def svc(make_vault: VaultFactory) -> Service:
    root = make_vault(COMPANY)
    service = Service.open(root, clock=lambda: NOW)
    service.record_cost(_events())
    yield service
    service.close()


def _rows(answer: object) -> dict[str, tuple[float, float, float]]:
    return {r.name: (r.direct_cost_usd, r.allocated_cost_usd, r.cost_usd) for r in answer.items}  # type: ignore[attr-defined]


def test_shared_costs_reach_the_agents_through_two_levels_to_the_cent(svc: Service) -> None:
    answer = svc.costs(period="2026-11")
    # Vector Store's $300 splits by its dependents' spend, each with what depends on it (Retriever $30 + A $10 +
    # B $20 = $60, Agent D $15): 240 / 60; Retriever's 30 + 240 split by use through it (A 3 calls, B 1):
    # A 202.50, B 67.50
    assert _rows(answer) == {
        "Agent A": (10.0, 202.5, 212.5), "Agent B": (20.0, 67.5, 87.5), "Agent D": (15.0, 60.0, 75.0),
        "(unattributed)": (1.23, 0.0, 1.23), "Retriever": (30.0, -30.0, 0.0), "Vector Store": (300.0, -300.0, 0.0),
    }
    assert answer.total_cost_usd == 376.23 and answer.fixed_cost_usd == 300.0 and answer.tracked_cost_usd == 76.23
    assert round(sum(r.cost_usd for r in answer.items), 2) == answer.total_cost_usd
    assert round(sum(r.direct_cost_usd for r in answer.items), 2) == answer.total_cost_usd
    assert round(sum(r.allocated_cost_usd for r in answer.items), 2) == 0.0
    methods = {s.source.name: (s.method, s.amount_usd) for s in answer.splits}
    assert methods == {"Vector Store": ("spend", 300.0), "Retriever": ("use", 30.0)}
    assert answer.unattributed_cost_usd == 1.23 and answer.warnings == []


def test_without_allocation_each_node_keeps_its_own_cost(svc: Service) -> None:
    rows = _rows(svc.costs(period="2026-11", allocate=False))
    assert rows["Vector Store"] == (300.0, 0.0, 300.0) and rows["Agent A"] == (10.0, 0.0, 10.0)


def test_by_owner_and_by_client_are_fully_loaded_and_add_up(svc: Service) -> None:
    owners = _rows(svc.costs(period="2026-11", by="team"))
    assert owners["Team X"][2] == 287.5 and owners["Team Y"][2] == 87.5 and owners["Team Z"] == (30.0, -30.0, 0.0)
    clients = svc.costs(period="2026-11", by="client")
    # allocated cost follows each receiver's own client mix: A and D spend for acme only, B for globex
    assert _rows(clients)["acme"][2] == 287.5 and _rows(clients)["globex"][2] == 87.5
    assert round(sum(r.cost_usd for r in clients.items), 2) == clients.total_cost_usd == 376.23


def test_the_csv_has_every_row_with_the_same_figures(svc: Service) -> None:
    rows = list(csv.DictReader(io.StringIO(svc.costs_csv(period="2026-11", by="agent"))))
    assert {r["name"]: r["cost_usd"] for r in rows}["Agent A"] == "212.50"
    assert round(sum(float(r["cost_usd"]) for r in rows), 2) == 376.23


def test_a_period_with_no_data_says_so(svc: Service) -> None:
    answer = svc.costs(from_="2026-10-01", to="2026-10-05", allocate=True)
    # the fixed cost still runs: five days of a 31-day month's $300
    assert answer.total_cost_usd == round(300 * 5 / 31, 2) and answer.tracked_cost_usd == 0.0


def test_a_period_with_nothing_at_all(make_vault: VaultFactory) -> None:
    with Service.open(make_vault({"Agents/Bot.md": "---\ntype: agent\n---\n"}), clock=lambda: NOW) as svc:
        answer = svc.costs(period="2026-11")
    assert answer.total_cost_usd == 0.0 and answer.items == []
    assert answer.warnings and "no spend recorded" in answer.warnings[0]


def test_bad_periods_are_refused_naming_the_argument(svc: Service) -> None:
    for kwargs, field in (({"period": "2026-13"}, "period"), ({"period": "nov"}, "period"),
                          ({"period": "2026-02-30"}, "period"), ({"from_": "2026-11-01", "to": "11/30"}, "to"),
                          ({"from_": "yesterday"}, "from"), ({"from_": "20261101"}, "from"),
                          ({"period": "2026-11", "to": "2026-W01-1"}, "to"), ({"by": "colour"}, "by")):
        with pytest.raises(InvalidArgument) as caught:
            svc.costs(**kwargs)  # type: ignore[arg-type]
        assert caught.value.field == field, kwargs


def test_periods_that_are_not_what_they_seem_are_answered_with_a_warning(svc: Service) -> None:
    future = svc.costs(period="2027-01")
    assert future.total_cost_usd == 0.0 and future.items == []
    assert "after today: nothing is recorded yet" in future.warnings[0]
    backwards = svc.costs(from_="2026-11-20", to="2026-11-01")
    assert backwards.total_cost_usd == 0.0 and "is before from" in backwards.warnings[0]
    both = svc.costs(period="2026-11", from_="2026-10-01")
    assert both.total_cost_usd == 376.23 and "from and to are ignored" in both.warnings[0]
    long = svc.costs(from_="2000-01-01")
    kept = NOW.date() - timedelta(days=3659)  # the last 3,660 days, today included
    assert long.since.date() == kept and "at most 3660 days" in long.warnings[0]
    assert long.total_cost_usd == svc.costs(from_=kept.isoformat()).total_cost_usd
    to_only = svc.costs(to="2026-11-30")  # from the first of its month
    assert to_only.total_cost_usd == 376.23 and to_only.warnings == []


def test_dependents_with_no_use_and_no_spend_split_equally_and_it_is_said(make_vault: VaultFactory) -> None:
    root = make_vault({
        "Tools/Cache.md": "---\ntype: tool\ncost: {monthly_usd: 100}\n---\n",
        **{f"Agents/{n}.md": '---\ntype: agent\ndepends_on: ["[[Cache]]"]\n---\n' for n in ("E", "F", "G")},
    })
    with Service.open(root, clock=lambda: NOW) as svc:
        answer = svc.costs(period="2026-11")
    assert _rows(answer) == {"E": (0.0, 33.34, 33.34), "F": (0.0, 33.33, 33.33), "G": (0.0, 33.33, 33.33),
                             "Cache": (100.0, -100.0, 0.0)}
    assert [s.method for s in answer.splits] == ["equal"]
    assert any("split equally among Agents/E, Agents/F, Agents/G" in w for w in answer.warnings)


def test_a_dependency_cycle_is_allocated_once_and_reported_by_check(make_vault: VaultFactory) -> None:
    root = make_vault({
        "Agents/G.md": '---\ntype: agent\ndepends_on: ["[[H]]"]\n---\n',
        "Agents/H.md": '---\ntype: agent\ndepends_on: ["[[G]]"]\ncost: {monthly_usd: 30}\n---\n',
        "Agents/Top.md": '---\ntype: agent\ndepends_on: ["[[G]]"]\n---\n',
    })
    with Service.open(root, clock=lambda: NOW) as svc:
        answer = svc.costs(period="2026-11")
        check = svc.check()
    # G passes to H and Top (later by id than G inside the cycle, and outside it); H passes nothing back to G
    assert _rows(answer) == {"H": (30.0, 0.0, 30.0)}
    cycle = [p for p in check.items if p.code == "dependency_cycle"]
    assert len(cycle) == 1 and "Agents/G -> Agents/H -> Agents/G" in cycle[0].message


def test_a_cost_setting_orgmap_cannot_use_is_reported(make_vault: VaultFactory) -> None:
    root = make_vault({"Tools/T.md": "---\ntype: tool\ncost: {monthly_usd: lots}\n---\n"})
    with Service.open(root, clock=lambda: NOW) as svc:
        problems = [p for p in svc.check().items if p.code == "bad_setting"]
    assert problems and problems[0].path == "Tools/T.md" and "monthly_usd" in problems[0].message


def test_unpriced_events_count_tokens_not_cost_and_warn(make_vault: VaultFactory, tmp_path: Path) -> None:
    root = make_vault({"Agents/Bot.md": "---\ntype: agent\n---\n"})
    with Service.open(root, clock=lambda: NOW) as svc:
        svc.record_cost([{"ts": "2026-11-03T10:00:00Z", "agent": "Bot", "model": "no-such-model-xyz",
                          "input_tokens": 1000, "output_tokens": 50},
                         {"ts": "2026-11-03T11:00:00Z", "agent": "Bot", "cost_usd": 2.5}])
        answer = svc.costs(period="2026-11")
    [row] = answer.items
    assert (row.cost_usd, row.calls, row.tokens, row.unpriced_events) == (2.5, 2, 1050, 1)
    assert answer.unpriced_events == 1 and "1 events have no price" in answer.warnings[0]
