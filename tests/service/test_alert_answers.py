"""The service's alert answers carry each alert's delivery state, and the service refuses a webhook it must not
post to when it is opened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orgmap.service import Service
from tests.webhook_receiver import receiver

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


@pytest.fixture()
def vault(tmp_path: Path) -> Path:
    note = tmp_path / "Agents" / "Bot.md"
    note.parent.mkdir(parents=True)
    note.write_text("---\ntype: agent\naliases: [bot]\nbudget: {daily_usd: 1, thresholds: [100]}\n---\n",
                    encoding="utf-8")
    return tmp_path


def test_the_alerts_answer_carries_attempts_last_error_and_next_attempt(vault: Path) -> None:
    with receiver(500) as hook, Service.open(vault, clock=lambda: NOW, webhook_url=hook.url) as svc:
        svc.record_cost([{"ts": (NOW - timedelta(hours=1)).isoformat(), "agent": "bot", "cost_usd": 2.0}])
        svc.ledger.flush_webhooks()
        answer = svc.alerts()
        budgets = svc.budgets()
    [alert] = answer.items
    assert (alert.delivered_at, alert.attempts, alert.last_error) == (None, 1, "HTTP 500")
    assert alert.next_attempt_at is not None and len(hook.posts) == 1
    data = answer.model_dump(mode="json")["items"][0]
    assert (data["attempts"], data["last_error"], data["delivered_at"]) == (1, "HTTP 500", None)
    assert data["next_attempt_at"] == alert.next_attempt_at.isoformat().replace("+00:00", "Z")
    assert budgets.alerts[0].attempts == 1


def test_a_webhook_the_service_must_not_post_to_is_refused_when_opened(vault: Path) -> None:
    with pytest.raises(ValueError, match="link-local"):
        Service.open(vault, webhook_url="http://169.254.169.254/latest/meta-data/")
    with pytest.raises(ValueError, match="not an http"):
        Service.open(vault, webhook_url="gopher://127.0.0.1:70/")
    Service.open(vault, webhook_url="http://169.254.169.254/", webhook_allow_link_local=True).close()
