"""The anomaly scan is memoised between questions: asked again with nothing written it is not run again (the
dashboard's run-rate rows and its anomaly list share one scan). What a scan reads moves it: a late event of a past
hour, one written in the hour's last minute, a change, an anomaly state, an agent's ids growing, another process's
past-hour event, a vault edit, the hour turning. What it does not read leaves it: live events of the current hour
(here or in another process), alert deliveries, retention. No timing and no real clock: the service counts the
scans it runs, under a clock the test sets. Each test runs on both stores (tests/service/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ledger.timeutil import to_us
from orgmap.service import Service

NOW = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)
JUMP = datetime(2026, 3, 1, 6, tzinfo=UTC)
NOTE = "---\ntype: agent\naliases: [helpdesk]\n---\n"


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def events() -> list[dict]:
    """Three weeks of ten $0.10 runs an hour, three times as many from JUMP on: a level shift still going."""
    out = []
    start = NOW.replace(minute=0) - timedelta(days=21)
    for h in range(21 * 24):
        hour = start + timedelta(hours=h)
        for run in range(30 if hour >= JUMP else 10):
            out.append({"ts": (hour + timedelta(seconds=100 * run)).isoformat(), "agent": "helpdesk",
                        "run_id": f"r{h}-{run}", "cost_usd": 0.1, "id": f"e{h}-{run}"})
    return out


def event(at: datetime, name: str, **more: object) -> list[dict]:
    return [{"ts": at.isoformat(), "agent": "helpdesk", "cost_usd": 0.1, "id": name, **more}]


@contextmanager
def service(vault: Path, clock: Clock, **options: object) -> Iterator[Service]:
    with Service.open(vault, clock=clock, **options) as svc:  # type: ignore[arg-type]
        yield svc


def fresh(vault: Path, clock: Clock) -> object:
    """The anomalies a process with no memo answers: what a memoised answer must equal."""
    with service(vault, clock) as svc:
        return svc.anomalies("7d")


def vault_with_history(tmp_path: Path, clock: Clock) -> Path:
    """The vault with its agent's three weeks recorded (by a process of its own, as an importer would)."""
    note = tmp_path / "Agents" / "Helpdesk.md"
    note.parent.mkdir(parents=True)
    note.write_text(NOTE, encoding="utf-8")
    with service(tmp_path, clock) as svc:
        svc.record_cost(events())
    return tmp_path


def test_live_events_of_the_current_hour_keep_the_scan_and_late_ones_the_last_minute_and_the_next_hour_do_not(
        tmp_path: Path) -> None:
    clock = Clock(NOW)
    vault = vault_with_history(tmp_path, clock)
    with service(vault, clock) as svc:
        memo = svc.anomaly_answers
        first = svc.anomalies("7d")
        assert first.total == 1 and first.items[0].onset >= JUMP and first.items[0].end is None
        scans = memo.scans
        assert svc.anomalies("7d") == first and memo.scans == scans  # asked again: answered from the memo
        row = svc.run_rate("7d", "agent").items[0]
        assert row.anomaly is not None and row.anomaly.id == first.items[0].id  # the rows share the list's scan
        assert memo.scans == scans

        # live ingest: events of the current hour, even dated ahead of the clock, are read once the hour is whole
        svc.record_cost(event(NOW - timedelta(minutes=5), "live-1"))
        svc.record_cost(event(NOW.replace(minute=59, second=50), "live-ahead"))
        svc.record_cost([{"ts": NOW.isoformat(), "agent": "helpdesk", "outcome": "ticket", "kind": "outcome",
                          "id": "live-outcome"}])
        assert svc.anomalies("7d") == first and memo.scans == scans
        assert fresh(vault, clock) == first  # (what a scan without a memo answers too)

        # a late event (an hour the scan reads whole): scanned again, and its cost is in the scan's excess
        svc.record_cost(event(NOW - timedelta(hours=1), "late", cost_usd=5.0))
        late = svc.anomalies("7d")
        assert memo.scans == scans + 1 and late == fresh(vault, clock)
        assert late.items[0].id == first.items[0].id and late.items[0].excess_usd > first.items[0].excess_usd
        svc.record_cost([{"ts": (NOW - timedelta(hours=2)).isoformat(), "agent": "helpdesk", "outcome": "ticket",
                          "kind": "outcome", "id": "late-outcome"}])
        svc.anomalies("7d")
        assert memo.scans == scans + 2

        # the hour's last minute: a reader whose clock is a little ahead scans this hour whole already
        clock.now = NOW.replace(minute=58, second=59)
        svc.record_cost(event(clock.now, "before-the-last-minute"))
        svc.anomalies("7d")
        assert memo.scans == scans + 2
        clock.now = NOW.replace(minute=59, second=0)
        svc.record_cost(event(clock.now - timedelta(minutes=30), "in-the-last-minute"))
        svc.anomalies("7d")
        assert memo.scans == scans + 3

        # the next hour: scanned again with nothing written, then kept
        clock.now = NOW.replace(minute=0) + timedelta(hours=1, minutes=1)
        following = svc.anomalies("7d")
        assert memo.scans == scans + 4 and following.items[0].id == first.items[0].id
        assert svc.anomalies("7d") == following and memo.scans == scans + 4


def test_a_change_a_state_new_ids_another_process_and_a_vault_edit_rescan(tmp_path: Path) -> None:
    clock = Clock(NOW)
    vault = vault_with_history(tmp_path, clock)
    with service(vault, clock) as svc:
        memo = svc.anomaly_answers
        first = svc.anomalies("7d")
        scans = memo.scans

        svc.record_changes([{"ts": (JUMP - timedelta(hours=1)).isoformat(), "target": "Helpdesk", "kind": "deploy",
                             "summary": "deploy 9f1: retry every call", "id": "chg-1"}])
        explained = svc.anomalies("7d")
        assert memo.scans == scans + 1 and explained.items[0].cause_id == "chg-1"  # the new change is its cause

        svc.set_anomaly_state(first.items[0].id, "acknowledged")  # (it scans the agent to find the anomaly)
        scans = memo.scans
        assert svc.anomalies("7d").items[0].state == "acknowledged" and memo.scans == scans + 1
        assert svc.run_rate("7d", "agent").items[0].anomaly is None  # acknowledged: no longer open
        assert memo.scans == scans + 1

        # a live event carrying an id its agent key never had: the key's past may now resolve elsewhere
        svc.record_cost(event(NOW, "with-ids", agent_ids=["wrk_7"]))
        svc.anomalies("7d")
        assert memo.scans == scans + 2
        svc.record_cost(event(NOW, "same-ids", agent_ids=["wrk_7"]))  # the same ids again: nothing moved
        svc.anomalies("7d")
        assert memo.scans == scans + 2

        # another process (a second server on the same store): its live event is not read, its late one is
        with service(vault, clock) as other:
            other.record_cost(event(NOW, "elsewhere-live"))
        svc.anomalies("7d")
        assert memo.scans == scans + 2
        with service(vault, clock) as other:
            other.record_cost(event(NOW - timedelta(hours=3), "elsewhere-late"))
        svc.anomalies("7d")
        assert memo.scans == scans + 3
        svc.anomalies("7d")
        assert memo.scans == scans + 3

        # a vault edit: the agent's note now raises its dollar floor above the shift, so it is no anomaly
        (vault / "Agents" / "Helpdesk.md").write_text(
            NOTE.replace("type: agent\n", "type: agent\nanomaly: {min_excess_usd_day: 1000}\n"), encoding="utf-8")
        svc.graph.refresh(["Agents/Helpdesk.md"])
        assert svc.anomalies("7d").total == 0 and memo.scans == scans + 4


def test_alert_deliveries_and_retention_leave_the_scan(tmp_path: Path) -> None:
    clock = Clock(NOW)
    vault = vault_with_history(tmp_path, clock)
    with service(vault, clock) as svc:
        memo = svc.anomaly_answers
        first = svc.anomalies("7d")  # raises the anomaly's alert
        scans = memo.scans
        ledger = svc.ledger
        assert [a.kind for a in ledger.alerts()] == ["anomaly"]

        # an outbox (this process's or a replica's with a webhook) claims the alert and records its attempt
        claimed = ledger.store.claim_alert(to_us(NOW), to_us(NOW + timedelta(minutes=1)), 0)
        assert claimed is not None
        ledger.store.mark_failed(claimed[0], "503 from the receiver", to_us(NOW + timedelta(minutes=1)))
        assert svc.anomalies("7d") == first and memo.scans == scans

        # a process keeping a week of raw events drops the older ones: the rollups a scan reads stay
        with service(vault, clock, keep_events_days=7) as other:
            assert other.ledger.apply_retention() == 0  # opening it dropped them already
            dropped = other.ledger.store.count("cost_events")
        assert dropped < len(events())
        assert svc.anomalies("7d") == first and memo.scans == scans
    with service(vault, clock) as fresh:  # and a fresh scan finds what the memo kept
        assert fresh.anomalies("7d") == first


def test_many_agent_pages_do_not_push_out_the_scan_every_page_shares(tmp_path: Path) -> None:
    """The memo drops the least recently asked scan when full, not all of them: the all-agents scan the dashboard's
    table and anomaly list share stays while more agent pages (each its own scan) are opened than the memo holds."""
    from orgmap.anomaly_answers import _MEMO_SCANS

    clock = Clock(NOW)
    vault = vault_with_history(tmp_path, clock)
    with service(vault, clock) as svc:
        memo = svc.anomaly_answers
        shared = memo.scan_anomalies(timedelta(days=7))
        agent = [shared[0].agent]
        scans = memo.scans
        pages = _MEMO_SCANS + 5  # more distinct questions than the memo keeps
        for days in range(1, pages + 1):
            memo.scan_anomalies(timedelta(days=days, hours=1), agent)
            assert memo.scan_anomalies(timedelta(days=7)) == shared  # the shared scan asked between pages
        assert memo.scans == scans + pages  # each page scanned once, the shared scan never again
        scans = memo.scans
        memo.scan_anomalies(timedelta(days=1, hours=1), agent)  # the oldest page's scan was dropped
        assert memo.scans == scans + 1

