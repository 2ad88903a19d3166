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


def test_settings_of_the_wrong_type_are_reported_by_check_and_break_nothing(tmp_path: Path, doors) -> None:
    """`runs: {window_days: "7"}` (a string) was multiplied by a day's microseconds on every cost event of the agent:
    a MemoryError and a 500. `anomaly: [1]` crashed the anomaly scan. A bad `budget:` vanished without a word."""
    _note(tmp_path, "Agents/Bot.md", '---\ntype: agent\nruns: {window_days: "7", max_calls: 9}\nanomaly: [1]\n'
                                     'budget: {monthly_usd: lots, daily: 5}\n---\n')
    _note(tmp_path, "Agents/Good.md", "---\ntype: agent\nbudget: {daily_usd: 5}\nruns: {max_calls: 2}\n---\n")
    events = [{"id": f"{agent}-{i}", "ts": (NOW - timedelta(minutes=i)).isoformat(), "agent": agent, "cost_usd": 1,
               "run_id": "r1"} for i in range(3) for agent in ("Bot", "Good")]
    with doors.api_client(lambda: Service.open(tmp_path, clock=lambda: NOW)) as api:
        stored = api.post("/v1/events/cost", json=events)
        anomalies = api.get("/v1/anomalies")
        check = api.get("/v1/check").json()
        budgets = api.get("/v1/budgets").json()
    assert stored.status_code == 200 and stored.json()["accepted"] == 6
    assert anomalies.status_code == 200
    found = sorted(p["message"] for p in check["items"] if p["code"] == "bad_setting")
    assert [m.split(":")[0] for m in found] == ["anomaly", "budget", "budget", "runs"]
    assert all(m.endswith("; not applied") for m in found)
    assert "'window_days' needs a number >= 0, got '7'" in found[-1]
    assert [b["key"] for b in budgets["items"]] == ["Agents/Good"]
