"""Cost flat, outcomes halved: the service finds an anomaly on the agent's cost per outcome, counting the outcome its
note names as its unit of work (other outcomes it reports do not hide the drop)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from orgmap.service import Service

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
DROP = datetime(2026, 3, 1, 6, tzinfo=UTC)


def events() -> list[dict]:
    """Three weeks of 20 runs an hour at about $0.10; 90% of runs resolve a ticket, 45% from DROP on, while as many
    runs as ever log a `ticket_seen` outcome."""
    rng = np.random.default_rng(11)
    out: list[dict] = []
    start = NOW - timedelta(days=21)
    for h in range(21 * 24):
        hour = start + timedelta(hours=h)
        share = 0.45 if hour >= DROP else 0.9
        for run in range(int(rng.poisson(20))):
            ts = (hour + timedelta(seconds=170 * run)).isoformat()
            out.append({"ts": ts, "agent": "helpdesk", "run_id": f"r{h}-{run}", "model": "claude-haiku-4-5",
                        "cost_usd": round(float(rng.normal(0.1, 0.01)), 5), "input_tokens": 2000})
            out.append({"kind": "outcome", "ts": ts, "agent": "helpdesk", "outcome": "ticket_seen",
                        "run_id": f"r{h}-{run}"})
            if rng.random() < share:
                out.append({"kind": "outcome", "ts": ts, "agent": "helpdesk", "outcome": "ticket_resolved",
                            "run_id": f"r{h}-{run}"})
    return out


def test_cost_flat_and_resolved_tickets_halved_is_an_anomaly_on_cost_per_ticket(tmp_path: Path) -> None:
    note = tmp_path / "Agents" / "Helpdesk.md"
    note.parent.mkdir(parents=True)
    note.write_text("---\ntype: agent\naliases: [helpdesk]\noutcome: ticket_resolved\n---\n", encoding="utf-8")
    with Service.open(tmp_path, clock=lambda: NOW) as svc:
        svc.record_cost(events())
        [anomaly] = svc.explain_cost_change("Helpdesk", "7d").anomalies
        assert DROP <= anomaly.onset <= DROP + timedelta(hours=6) and anomaly.end is None
        assert anomaly.per_outcome is not None
        old, new = anomaly.per_outcome
        assert abs(old - 0.1 / 0.9) < 0.01 and abs(new - 0.1 / 0.45) < 0.02  # about $0.11 -> $0.22 a ticket
        assert "cost per outcome rose 2.0x" in anomaly.sentence
    # without the note's unit every outcome counts: ticket_seen keeps pace with the runs, so 1.9 outcomes a run
    # became 1.45, and the cost per outcome rose 1.31x, not 2x
    note.write_text("---\ntype: agent\naliases: [helpdesk]\n---\n", encoding="utf-8")
    with Service.open(tmp_path, clock=lambda: NOW) as svc:
        [diluted] = svc.explain_cost_change("Helpdesk", "7d").anomalies
        assert diluted.per_outcome is not None
        old, new = diluted.per_outcome
        assert abs(old - 0.1 / 1.9) < 0.005 and abs(new - 0.1 / 1.45) < 0.006
