"""Frontmatter settings of the wrong type over the real HTTP API: reported by check, never a crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from orgmap.service import Service

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def _note(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_settings_of_the_wrong_type_are_reported_by_check_and_break_nothing(tmp_path: Path, doors, use_store) -> None:
    """`runs: {window_days: "7"}` (a string) was multiplied by a day's microseconds on every cost event of the agent:
    a MemoryError and a 500. `anomaly: [1]` crashed the anomaly scan. A bad `budget:` vanished without a word."""
    _note(tmp_path, "Agents/Bot.md", '---\ntype: agent\nruns: {window_days: "7", max_calls: 9}\nanomaly: [1]\n'
                                     'budget: {monthly_usd: lots, daily: 5}\noutcome: [a, b]\n---\n')
    _note(tmp_path, "Agents/Good.md", "---\ntype: agent\nbudget: {daily_usd: 5}\nruns: {max_calls: 2}\n---\n")
    events = [{"id": f"{agent}-{i}", "ts": (NOW - timedelta(minutes=i)).isoformat(), "agent": agent, "cost_usd": 1,
               "run_id": "r1"} for i in range(3) for agent in ("Bot", "Good")]
    db = use_store(tmp_path)
    with doors.api_client(lambda: Service.open(tmp_path, db=db, clock=lambda: NOW)) as api:
        stored = api.post("/v1/events/cost", json=events)
        anomalies = api.get("/v1/anomalies")
        check = api.get("/v1/check").json()
        budgets = api.get("/v1/budgets").json()
    assert stored.status_code == 200 and stored.json()["accepted"] == 6
    assert anomalies.status_code == 200
    found = sorted(p["message"] for p in check["items"] if p["code"] == "bad_setting")
    assert [m.split(":")[0] for m in found] == ["anomaly", "budget", "budget", "outcome", "runs"]
    assert "outcome: its unit of work is one outcome name, got ['a', 'b']; not applied" in found
    assert all(m.endswith("; not applied") for m in found)
    assert "'window_days' needs a number from 0 to 1,000,000, got '7'" in found[-1]
    assert [b["key"] for b in budgets["items"]] == ["Agents/Good"]


def test_settings_too_large_for_a_timestamp_are_reported_not_a_500(tmp_path: Path, doors, use_store) -> None:
    """`runs: {window_days: 10**18}` overflowed SQLite's integer on every cost event of the agent (a 500); a
    `budget:` of .inf was applied as a limit no spend reaches, shown as null."""
    _note(tmp_path, "Agents/Bot.md", "---\ntype: agent\nruns: {window_days: 1000000000000000000}\n"
                                     "budget: {daily_usd: .inf}\n---\n")
    event = {"id": "e1", "ts": NOW.isoformat(), "agent": "Bot", "cost_usd": 1, "run_id": "r1"}
    db = use_store(tmp_path)
    with doors.api_client(lambda: Service.open(tmp_path, db=db, clock=lambda: NOW)) as api:
        stored = api.post("/v1/events/cost", json=event)
        check = api.get("/v1/check").json()
        budgets = api.get("/v1/budgets").json()
    assert stored.status_code == 200 and stored.json()["accepted"] == 1
    found = sorted(p["message"].split(":")[0] for p in check["items"] if p["code"] == "bad_setting")
    assert found == ["budget", "runs"] and budgets["items"] == []
