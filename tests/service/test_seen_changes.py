"""An unrecorded change is explained by the change telemetry showed: a model swap nobody recorded is the cause the
anomaly names, and the same swap recorded by CI afterwards takes its place, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from orgmap.service import Service

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
SWAP = datetime(2026, 3, 1, 9, tzinfo=UTC)  # 27 hours before NOW


@pytest.fixture()
def vault(tmp_path: Path) -> Path:
    note = tmp_path / "Agents" / "Refund Bot.md"
    note.parent.mkdir(parents=True)
    note.write_text("---\ntype: agent\naliases: [refund-bot]\n---\n", encoding="utf-8")
    return tmp_path


def traffic() -> list[dict]:
    """Four weeks of runs of a few calls each hour, on haiku; from SWAP on, the same calls on opus at 8x the price."""
    rng = np.random.default_rng(3)
    events, start = [], NOW - timedelta(days=28)
    for h in range(28 * 24):
        hour = start + timedelta(hours=h)
        for call in range(int(rng.integers(3, 6))):
            ts = hour + timedelta(minutes=10 * call)
            swapped = ts >= SWAP
            events.append({"ts": ts.isoformat(), "agent": "refund-bot", "run_id": f"r{h}",
                           "model": "claude-opus-4-1" if swapped else "claude-haiku-4-5",
                           "cost_usd": round(float(rng.normal(0.08 if swapped else 0.01, 0.001)), 5),
                           "input_tokens": 1000, "output_tokens": 200})
    return events


def test_a_model_swap_nobody_recorded_is_explained_by_the_swap_telemetry_showed(vault: Path) -> None:
    with Service.open(vault, clock=lambda: NOW) as svc:
        svc.record_cost(traffic())
        [seen] = svc.changes(since="30d").items
        assert (seen.source, seen.kind, seen.ts, seen.node_id) == ("telemetry", "model", SWAP, "Agents/Refund Bot")
        answer = svc.explain_cost_change("Refund Bot", "7d")
        anomaly = answer.anomalies[0]
        assert anomaly.factor == "price" and not anomaly.abstained
        top = anomaly.candidates[0].change
        assert (top.id, top.kind) == (seen.id, "model")
        assert anomaly.sentence.endswith("after model change 'model changed from claude-haiku-4-5 to claude-opus-4-1 "
                                         "(seen in telemetry: 5 calls since 2026-03-01 09:00 UTC, 100% of them)'")

        # CI records the same swap after the fact: one change, the recorded one, and it is the cause now
        svc.record_change("Refund Bot", "model", "switch refunds to opus",
                          ts=(SWAP - timedelta(minutes=20)).isoformat(), ref="pr-481")
        [kept] = svc.changes(since="30d").items
        assert (kept.source, kept.ref) == ("api", "pr-481")
        again = svc.explain_cost_change("Refund Bot", "7d").anomalies[0]
        assert again.candidates[0].change.id == kept.id
