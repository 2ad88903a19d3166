"""Budgets that act, from the vault: `criticality:` on agents, `pause:` and `notify:` on budgets, client budgets, and
where people and teams hear things (`email:`, `webhook:`, `slack_webhook:`), through the service to a real SMTP
server and real webhook receivers; settings that cannot be read are reported by `orgmap check` with their line, and
the rest of the budget still applies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ledger import SmtpSettings
from orgmap.answer_types import AlertsAnswer
from orgmap.cli.commands.spend import _show_alerts
from orgmap.service import Service
from tests.smtp_receiver import Mailbox, smtp_server
from tests.webhook_receiver import Receiver, receiver, wait_until

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def _note(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _vault(root: Path, platform: Receiver, finance: Receiver) -> None:
    _note(root, "Teams/Platform.md", f"---\ntype: team\nslack_webhook: {platform.url}\n---\n")
    _note(root, "Teams/Finance Ops.md", f"---\ntype: team\nwebhook: {finance.url}\n---\n")
    _note(root, "People/Rachel Adams.md", "---\ntype: person\nemail: rachel@example.com\n---\n")
    _note(root, "People/Maya Chen.md", "---\ntype: person\nemail: [maya@example.com, maya.chen@example.com]\n---\n")
    _note(root, "Systems/Portal.md", '---\ntype: system\nowner: "[[Platform]]"\n---\n')
    _note(root, "Agents/Bot.md", '---\ntype: agent\naliases: [bot]\npart_of: "[[Portal]]"\ncriticality: low\n'
                                 'budget:\n  daily_usd: 10\n  notify:\n    50: owner\n    75: "[[Rachel Adams]]"\n'
                                 '    90: [owner, "[[Finance Ops]]"]\n---\n')
    _note(root, "Agents/Helper.md", '---\ntype: agent\naliases: [helper]\nowner: "[[Maya Chen]]"\n'
                                    'criticality: critical\nbudget: {daily_usd: 10}\n---\n')
    _note(root, "Agents/Indexer.md", '---\ntype: agent\naliases: [indexer]\npart_of: "[[Portal]]"\n---\n')
    _note(root, "Budgets.md", '---\ntype: budgets\nclients:\n  Acme Corp: {monthly_usd: 100, owner: "[[Maya Chen]]", '
                              'pause: {80: low, 100: all}}\n---\n')


def _spend(svc: Service, agent: str, cost: float, minutes_ago: int, **dims: str) -> None:
    svc.record_cost([{"ts": (NOW - timedelta(minutes=minutes_ago)).isoformat(), "agent": agent, "cost_usd": cost,
                      **dims}])


def _open(root: Path, box: Mailbox, hook: Receiver) -> Service:
    return Service.open(root, clock=lambda: NOW, webhook_url=hook.url,
                        smtp=SmtpSettings(box.host, box.port, tls="none"), dashboard_url="http://orgmap.local/")


def test_thresholds_reach_the_owners_inherited_and_the_people_each_names(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with smtp_server() as box, receiver() as platform, receiver() as finance, receiver() as everything:
        _vault(tmp_path, platform, finance)
        with _open(tmp_path, box, everything) as svc:
            _spend(svc, "bot", 5.5, 50)  # 55%: the owner, inherited through the Portal: Platform's Slack
            _spend(svc, "bot", 2.0, 40)  # 75%: Rachel, by email
            _spend(svc, "bot", 4.0, 30)  # 115%: 90 and 100 at once: the owner and Finance Ops, one message each
            _spend(svc, "helper", 6.0, 20)  # the default: the owner (Maya, both her addresses)
            svc.ledger.flush_webhooks()
            wait_until(lambda: len(platform.posts) == 2 and len(finance.posts) == 1 and len(box.messages) == 3)
            alerts = svc.alerts(since="24h", kind="budget").items[::-1]
    assert [a.evidence["thresholds"] for a in alerts] == [[0.5], [0.75], [0.9, 1.0], [0.5]]
    assert [p.body["alert"]["evidence"]["thresholds"] for p in platform.posts] == [[0.5], [0.9, 1.0]]
    assert "Owner: Platform." in platform.posts[0].body["text"]
    assert [p.body["alert"]["evidence"]["thresholds"] for p in finance.posts] == [[0.9, 1.0]]
    [rachel] = box.to("rachel@example.com")
    assert rachel["Subject"] == "Budget agent Bot: day spend $7.50 is 75% of $10.00 (crossed 75%)"
    assert "Dashboard: http://orgmap.local/#budgets" in rachel.get_content()
    assert [m["Subject"] for m in box.to("maya@example.com")] == [m["Subject"] for m in
                                                                  box.to("maya.chen@example.com")]
    assert len(everything.posts) == 4  # the global webhook hears every alert
    assert all(d.delivered_at is not None for a in alerts for d in a.deliveries)
    assert [(d.recipient, d.destination) for d in alerts[2].deliveries] == [
        ("Teams/Platform", f"webhook:{platform.url}"), ("Teams/Finance Ops", f"webhook:{finance.url}")]
    _show_alerts(AlertsAnswer(summary="", total=4, items=alerts))  # `orgmap alerts` says where each went
    assert capsys.readouterr().out.splitlines()[2].endswith("(crossed 90%, 100%) [delivered to 2 of 2 addresses]")


def test_criticality_from_notes_decides_who_pauses_and_the_pause_state_shows_it(tmp_path: Path) -> None:
    with smtp_server() as box, receiver() as platform, receiver() as finance, receiver() as everything:
        _vault(tmp_path, platform, finance)
        with _open(tmp_path, box, everything) as svc:
            _spend(svc, "bot", 9.2, 30)  # 92% of Bot's day: Bot is low, paused
            _spend(svc, "helper", 9.9, 20)  # 99% of Helper's day: Helper is critical, runs on
            bot, helper = svc.allowance("Bot"), svc.allowance("Helper")
            _spend(svc, "indexer", 79.0, 10, client="Acme Corp")  # 79% of the client's month: below its 80% stage
            before = svc.allowance("Bot", client="Acme Corp")
            _spend(svc, "indexer", 1.5, 5, client="Acme Corp")  # 80.5%: its stage pauses low agents
            after = svc.allowance("Bot", client="Acme Corp")
            pauses = svc.pauses()
            one = svc.pauses("Helper")
    assert not bot.allowed and bot.criticality == "low"
    assert bot.reason == ("agent Agents/Bot day budget at 92%: $9.20 of $10.00; from 90% it pauses every agent that "
                          "is not critical")
    assert helper.allowed and helper.criticality == "critical"
    assert [h.scope for h in before.held_by] == ["agent"]
    assert [(h.scope, h.key, h.stage, h.level) for h in after.held_by] == [
        ("agent", "Agents/Bot", 0.9, "normal"), ("client", "Acme Corp", 0.8, "low")]
    # the indexer (normal) spent on the client, whose 80% stage pauses only low agents: it runs on
    assert [(i.agent, i.lifts_at) for i in pauses.items] == [("Agents/Bot", datetime(2026, 11, 21, tzinfo=UTC))]
    assert pauses.summary == "1 agents paused; Bot by agent Agents/Bot day at 92% until 2026-11-21 00:00 UTC"
    assert one.items == [] and one.summary == "Agents/Helper is not paused"


def test_bad_routing_and_pause_settings_are_reported_with_their_line_and_the_rest_applies(tmp_path: Path) -> None:
    _note(tmp_path, "People/Ann.md", "---\ntype: person\nemail: ann-at-example\nwebhook: http://169.254.169.254/x\n"
                                     "---\n")
    _note(tmp_path, "Agents/Bot.md", '---\ntype: agent\naliases: [bot]\nowner: "[[Ann]]"\ncriticality: vital\n'
                                     'budget:\n  daily_usd: 10\n  pause: {90: lots, 100: all}\n  notify:\n'
                                     '    50: "[[Nobody Here]]"\n    75: owner\n---\n')
    _note(tmp_path, "Budgets.md", "---\ntype: budgets\nclients:\n  Acme: {hourly_usd: 5, monthly_usd: 10, "
                                  "pause: sometimes}\n---\n")
    with Service.open(tmp_path, clock=lambda: NOW) as svc:
        found = {(p.path, p.line, p.message.split(":")[0]) for p in svc.check(limit=100).items
                 if p.code == "bad_setting"}
        _spend(svc, "bot", 9.5, 10)
        bot = svc.allowance("Bot")
        budgets = svc.budgets()
    assert found == {
        ("People/Ann.md", 3, "email"), ("People/Ann.md", 4, "webhook"),
        ("Agents/Bot.md", 5, "criticality"), ("Agents/Bot.md", 8, "pause"), ("Agents/Bot.md", 9, "notify"),
        ("Budgets.md", 4, "clients"), ("Budgets.md", 4, "pause"),
    }
    # the rest applies: the day limit, the pause's readable stage (100%), and criticality read as normal
    assert bot.allowed and bot.criticality == "normal" and bot.checks[0].periods[0].limit == 10
    assert {(s.scope, s.key) for s in budgets.items} == {("agent", "Agents/Bot"), ("client", "Acme")}


def test_the_budget_view_lists_the_soonest_to_run_out_first(tmp_path: Path) -> None:
    _note(tmp_path, "Agents/Slow.md", "---\ntype: agent\naliases: [slow]\nbudget: {monthly_usd: 1000}\n---\n")
    _note(tmp_path, "Agents/Fast.md", "---\ntype: agent\naliases: [fast]\nbudget: {monthly_usd: 100}\n---\n")
    _note(tmp_path, "Agents/Idle.md", "---\ntype: agent\naliases: [idle]\nbudget: {monthly_usd: 1}\n---\n")
    _note(tmp_path, "Agents/Over.md", "---\ntype: agent\naliases: [over]\nbudget: {daily_usd: 1}\n---\n")
    days = [NOW - timedelta(days=d, hours=3) for d in range(1, 8)]
    with Service.open(tmp_path, clock=lambda: NOW) as svc:
        svc.record_cost([{"ts": at.isoformat(), "agent": agent, "cost_usd": cost} for at in days
                         for agent, cost in (("slow", 20.0), ("fast", 5.0))])
        _spend(svc, "over", 2.0, 30)
        answer = svc.budgets()
    assert [s.key for s in answer.items] == ["Agents/Over", "Agents/Fast", "Agents/Slow", "Agents/Idle"]
    # The burn window is Nov 13 to Nov 19, whole days: seven days of spend. Fast: $35 of $100 spent in November at
    # $5/day; $65 left lasts past the month's end (10.5 days: $35 + $52.50 projected). Slow: $140 of $1000 at $20/day
    # lasts too ($140 + $210). Over ran out; Idle spends nothing.
    over, fast, slow, idle = (s.periods[0] for s in answer.items)
    assert over.runs_out_at == NOW and fast.runs_out_at is None and slow.runs_out_at is None
    assert (fast.burn_usd_per_day, fast.projected_usd, fast.burn_window) == (5.0, 87.5, "7d")
    assert (slow.burn_usd_per_day, slow.projected_usd) == (20.0, 350.0)
    assert idle.burn_usd_per_day == 0.0
