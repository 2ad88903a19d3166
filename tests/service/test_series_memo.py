"""The spend series keeps its complete past between questions and reads only its present: asked again, the past is
not read again; a live event of the current hour shows in the next answer with the past still kept; a late event
(here or in another process), a vault edit moving an agent to another team, and the hour turning read it again;
retention leaves it. Every answer equals a fresh process's, and the past joined to the present is, to the last bit,
the read of the whole span. No timing and no real clock: the memo counts the pasts it reads, under a clock the test
sets. Each test runs on both stores (tests/service/conftest.py)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orgmap.series_memo import ENTRIES, present_start
from orgmap.service import Service

NOW = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)
HOUR = NOW.replace(minute=0)


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def note(vault: Path, path: str, text: str) -> None:
    (vault / path).parent.mkdir(parents=True, exist_ok=True)
    (vault / path).write_text(text, encoding="utf-8")


def helpdesk_note(team: str) -> str:
    return f'---\ntype: agent\naliases: [helpdesk]\nowner: "[[{team}]]"\n---\n'


def history() -> list[dict]:
    """Four days up to the current hour of three agents' calls at odd costs (one agent no note carries)."""
    rng = random.Random(3)
    out = []
    for h in range(4 * 24 + 1):
        hour = HOUR - timedelta(hours=4 * 24 - h)
        for agent in ("helpdesk", "triage", "stray"):
            for call in range(rng.randint(0, 4)):
                out.append({"ts": (hour + timedelta(minutes=7 * call)).isoformat(), "agent": agent,
                            "cost_usd": round(rng.uniform(0.001, 0.9), 6), "id": f"{agent}-{h}-{call}"})
    return out


def event(at: datetime, name: str, cost: float, agent: str = "helpdesk") -> list[dict]:
    return [{"ts": at.isoformat(), "agent": agent, "cost_usd": cost, "id": name}]


@contextmanager
def service(vault: Path, clock: Clock, **options: object) -> Iterator[Service]:
    with Service.open(vault, clock=clock, **options) as svc:  # type: ignore[arg-type]
        yield svc


def fresh(vault: Path, clock: Clock, by: str = "agent", bucket: str = "hour") -> object:
    """The series a process with no memo answers: what a memoised answer must equal."""
    with service(vault, clock) as svc:
        return svc.spend_over_time("7d", by, bucket)


@pytest.fixture()
def vault(tmp_path: Path) -> Path:
    note(tmp_path, "Teams/Platform.md", "---\ntype: team\n---\n")
    note(tmp_path, "Teams/Search.md", "---\ntype: team\n---\n")
    note(tmp_path, "Agents/Helpdesk.md", helpdesk_note("Platform"))
    note(tmp_path, "Agents/Triage.md", '---\ntype: agent\naliases: [triage]\nowner: "[[Search]]"\n---\n')
    with service(tmp_path, Clock(NOW)) as svc:
        svc.record_cost(history())
    return tmp_path


def bucket_of(answer: object, key: str, start: datetime) -> float:
    group = next(g for g in answer.groups if g.key == key)  # type: ignore[attr-defined]
    return group.values[answer.starts.index(start)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("bucket", ["hour", "day"])
@pytest.mark.parametrize("by", ["agent", "team"])
def test_the_past_joined_to_the_present_is_the_whole_span_read_to_the_last_bit(vault: Path, by: str,
                                                                              bucket: str) -> None:
    with service(vault, Clock(NOW)) as svc:
        ledger, group_of = svc.ledger, svc.spend_answers.group_of(by)
        since, until = HOUR - timedelta(days=7), HOUR + timedelta(hours=1)
        cut = present_start(since, until, bucket, NOW)
        assert cut == (HOUR if bucket == "hour" else HOUR.replace(hour=0))
        whole = ledger.grouped_spend(since, until, by, bucket, group_of)
        past = ledger.grouped_spend(since, until, by, bucket, group_of, part=(since, cut))
        joined = ledger.grouped_spend(since, until, by, bucket, group_of, part=(cut, until), onto=past.costs)
        assert joined == whole  # floats compared exactly: the same rounding, the same bytes
        assert all(v == 0 for values in past.costs.values() for v in values[whole.starts.index(cut):])
        assert any(values[-1] for values in whole.costs.values())  # the present holds spend: the test can fail


def test_asked_again_the_past_is_kept_and_a_live_event_shows_in_the_next_answer(vault: Path) -> None:
    clock = Clock(NOW)
    with service(vault, clock) as svc:
        memo = svc.spend_answers.series
        first = svc.spend_over_time("7d", "agent", "hour")
        reads = memo.reads
        assert reads == 1 and first == fresh(vault, clock)
        assert svc.spend_over_time("7d", "agent", "hour") == first and memo.reads == reads

        svc.record_cost(event(NOW - timedelta(minutes=5), "live", 1.25))
        svc.record_cost(event(NOW.replace(minute=59, second=50), "live-ahead", 0.5))  # the current hour, ahead
        live = svc.spend_over_time("7d", "agent", "hour")
        assert memo.reads == reads  # the past still kept
        assert bucket_of(live, "Agents/Helpdesk", HOUR) == pytest.approx(bucket_of(first, "Agents/Helpdesk", HOUR)
                                                                         + 1.75)
        assert live.total_cost_usd == pytest.approx(first.total_cost_usd + 1.75)
        assert live == fresh(vault, clock)

        # day buckets: the current day is the present, the days before it are kept
        days = svc.spend_over_time("7d", "team", "day")
        reads = memo.reads
        svc.record_cost(event(HOUR - timedelta(hours=3), "earlier-today", 2.0))  # late: moves the stamp
        assert svc.spend_over_time("7d", "team", "day") == fresh(vault, clock, "team", "day")
        assert memo.reads == reads + 1
        assert svc.spend_over_time("7d", "team", "day").total_cost_usd == pytest.approx(days.total_cost_usd + 2)
        assert memo.reads == reads + 1


def test_a_late_event_another_process_a_vault_edit_and_the_hour_turning_read_the_past_again(vault: Path) -> None:
    clock = Clock(NOW)
    with service(vault, clock) as svc:
        memo = svc.spend_answers.series
        first = svc.spend_over_time("7d", "team", "hour")
        reads = memo.reads

        svc.record_cost(event(HOUR - timedelta(hours=5), "late", 3.0))
        late = svc.spend_over_time("7d", "team", "hour")
        assert memo.reads == reads + 1 and late == fresh(vault, clock, "team")
        assert bucket_of(late, "Teams/Platform", HOUR - timedelta(hours=5)) == pytest.approx(
            bucket_of(first, "Teams/Platform", HOUR - timedelta(hours=5)) + 3.0)

        with service(vault, clock) as other:  # another process on the store: its live event is read fresh
            other.record_cost(event(NOW, "elsewhere-live", 0.25, "triage"))
        assert svc.spend_over_time("7d", "team", "hour") == fresh(vault, clock, "team")
        assert memo.reads == reads + 1
        with service(vault, clock) as other:  # and its late one moves the past
            other.record_cost(event(HOUR - timedelta(days=2), "elsewhere-late", 0.75, "triage"))
        assert svc.spend_over_time("7d", "team", "hour") == fresh(vault, clock, "team")
        assert memo.reads == reads + 2

        with service(vault, clock, keep_events_days=1) as other:  # retention drops raw events only
            assert other.ledger.store.count("cost_events") < len(history())
        kept = svc.spend_over_time("7d", "team", "hour")
        assert memo.reads == reads + 2 and kept == fresh(vault, clock, "team")

        # a vault edit moves Helpdesk to Search: its whole past counts under Search now
        platform = next(g.cost_usd for g in kept.groups if g.key == "Teams/Platform")
        note(vault, "Agents/Helpdesk.md", helpdesk_note("Search"))
        svc.graph.refresh(["Agents/Helpdesk.md"])
        moved = svc.spend_over_time("7d", "team", "hour")
        assert memo.reads == reads + 3 and moved == fresh(vault, clock, "team")
        assert "Teams/Platform" not in [g.key for g in moved.groups]
        assert moved.total_cost_usd == kept.total_cost_usd and platform > 0
        search = next(g.cost_usd for g in moved.groups if g.key == "Teams/Search")
        assert search == pytest.approx(platform + next(g.cost_usd for g in kept.groups if g.key == "Teams/Search"))

        # the next hour: the past read again with nothing written, then kept
        clock.now = NOW + timedelta(hours=1)
        following = svc.spend_over_time("7d", "team", "hour")
        assert memo.reads == reads + 4 and following == fresh(vault, clock, "team")
        assert svc.spend_over_time("7d", "team", "hour") == following and memo.reads == reads + 4


def test_the_memo_keeps_the_questions_asked_last(vault: Path) -> None:
    clock = Clock(NOW)
    with service(vault, clock) as svc:
        memo = svc.spend_answers.series
        windows = [f"{d}d" for d in range(1, ENTRIES + 2)]
        for window in windows:
            svc.spend_over_time(window, "agent", "hour")
        assert memo.reads == len(windows)
        svc.spend_over_time(windows[-1], "agent", "hour")  # kept
        assert memo.reads == len(windows)
        svc.spend_over_time(windows[0], "agent", "hour")  # the least recently asked: left out
        assert memo.reads == len(windows) + 1
