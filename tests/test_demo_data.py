"""The demo data: deterministic, valid per docs/events.md, realistic in rhythm and skew, and its planted incidents
are really in the raw events. Names are checked against the example vault's files."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from genai_prices import Usage, calc_price

from orgmap.demo.company import PROFILES, UNATTRIBUTED
from orgmap.demo.data import DemoData, generate, generate_scaled

ROOT = Path(__file__).resolve().parent.parent
VAULT = ROOT / "orgmap" / "demo" / "vault"
NOW = datetime(2025, 6, 20, 15, 30, tzinfo=UTC)  # a Friday afternoon
KINDS = {"llm", "tool", "embedding", "retrieval", "other"}
CHANGE_KINDS = {"deploy", "prompt", "model", "config", "schedule", "dependency", "release", "commit", "vault_edit",
                "other"}
TOKEN_FIELDS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens")


def _ts(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def cost_event_problems(event: dict[str, Any]) -> list[str]:
    """What docs/events.md's validation would reject in a cost event (field names in the messages)."""
    problems = [f"missing {name}" for name in ("ts", "agent") if not event.get(name)]
    if "ts" in event and _ts(event["ts"]) is None:
        problems.append("ts: not ISO 8601 with a zone")
    if event.get("kind", "llm") not in KINDS:
        problems.append(f"kind: unknown {event['kind']!r}")
    for name in TOKEN_FIELDS:
        value = event.get(name, 0)
        if type(value) is not int or not 0 <= value <= 10_000_000:
            problems.append(f"{name}: {value!r}")
    if event.get("cache_read_tokens", 0) + event.get("cache_write_tokens", 0) > event.get("input_tokens", 0):
        problems.append("cache tokens above input_tokens")
    if event.get("reasoning_tokens", 0) > event.get("output_tokens", 0):
        problems.append("reasoning_tokens above output_tokens")
    cost = event.get("cost_usd", 0)
    if type(cost) not in (int, float) or cost < 0:
        problems.append(f"cost_usd: {cost!r}")
    for name in ("id", "model", "provider", "tool", "run_id", "project", "task", "status", "source"):
        if name in event and not isinstance(event[name], str):
            problems.append(f"{name}: not a string")
    if type(event.get("retry", 0)) is not int or event.get("retry", 0) < 0:
        problems.append("retry: not an int >= 0")
    return problems


def _vault_agents() -> dict[str, dict[str, Any]]:
    agents = {}
    for path in (VAULT / "Agents").glob("*.md"):
        agents[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
    return agents


def _note_names() -> set[str]:
    return {path.stem for path in VAULT.rglob("*.md")}


def _resolver() -> dict[str, str]:
    names = {}
    for name, meta in _vault_agents().items():
        for key in (name, *meta.get("aliases", []), *meta.get("cost_keys", [])):
            names[key.casefold()] = name
    return names


@pytest.fixture(scope="module")
def demo() -> tuple[DemoData, list[dict[str, Any]]]:
    data = generate(now=NOW)
    return data, list(data.cost_events)


def _by_agent(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    resolve, grouped = _resolver(), defaultdict(list)
    for event in events:
        grouped[resolve.get(event["agent"].casefold(), event["agent"])].append(event)
    return grouped


def _runs(events: list[dict[str, Any]], since: datetime, until: datetime) -> dict[str, list[dict[str, Any]]]:
    runs = defaultdict(list)
    for event in events:
        if since <= datetime.fromisoformat(event["ts"]) < until:
            runs[event["run_id"]].append(event)
    return runs


def _llm(run: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event for event in run if event["kind"] == "llm"]


def test_same_seed_gives_the_same_data_and_another_seed_does_not() -> None:
    def sample(seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[Any]]:
        data = generate(seed=seed, days=14, now=NOW, scale=0.2)
        return list(data.cost_events), data.change_events, data.incidents

    first, again, other = sample(3), sample(3), sample(4)
    assert len(first[0]) > 5000
    assert first == again
    assert first[0] != other[0]
    assert {event["id"] for event in first[0]}.isdisjoint(event["id"] for event in other[0])


def test_the_schema_check_rejects_what_docs_events_md_rejects() -> None:
    good = {"ts": "2025-06-01T10:00:00+00:00", "agent": "a", "input_tokens": 10, "cache_read_tokens": 5}
    assert cost_event_problems(good) == []
    assert cost_event_problems({**good, "ts": "2025-06-01T10:00:00"}) == ["ts: not ISO 8601 with a zone"]
    assert cost_event_problems({**good, "kind": "chat"}) == ["kind: unknown 'chat'"]
    assert cost_event_problems({**good, "input_tokens": 4}) == ["cache tokens above input_tokens"]
    assert cost_event_problems({**good, "output_tokens": 2.5}) == ["output_tokens: 2.5"]
    assert cost_event_problems({**good, "input_tokens": -1}) == ["input_tokens: -1", "cache tokens above input_tokens"]
    assert cost_event_problems({**good, "cost_usd": "1.0"}) == ["cost_usd: '1.0'"]
    assert cost_event_problems({"agent": "a"}) == ["missing ts"]


def test_every_cost_event_is_valid_unique_and_in_time_order(demo: tuple[DemoData, list[dict[str, Any]]]) -> None:
    data, events = demo
    assert 100_000 <= len(events) <= 300_000
    bad = [(event, problems) for event in events if (problems := cost_event_problems(event))]
    assert bad[:3] == []
    assert len({event["id"] for event in events}) == len(events)
    stamps = [datetime.fromisoformat(event["ts"]) for event in events]
    assert stamps == sorted(stamps)
    assert data.start <= stamps[0] and stamps[-1] < data.end == NOW
    assert stamps[-1] > NOW - timedelta(hours=1) and stamps[0] < data.start + timedelta(hours=1)


def test_llm_events_leave_pricing_to_the_ledger_and_fees_carry_their_cost(
        demo: tuple[DemoData, list[dict[str, Any]]]) -> None:
    _, events = demo
    kinds = Counter(event["kind"] for event in events)
    assert kinds["tool"] > 1000 and kinds["retrieval"] > 1000 and kinds["embedding"] > 1000
    assert all(event["cost_usd"] > 0 for event in events if event["kind"] in ("tool", "retrieval"))
    explicit = {event["agent"] for event in events if event["kind"] == "llm" and "cost_usd" in event}
    assert explicit == {"legacy-ticket-router"}
    priced = {(event["model"], event["provider"]) for event in events
              if event["kind"] in ("llm", "embedding") and "cost_usd" not in event}
    for model, provider in priced:  # genai-prices knows every model the ledger must price
        assert calc_price(Usage(input_tokens=1000, output_tokens=100), model, provider_id=provider).total_price > 0
    assert any("cache_read_tokens" in e for e in events) and any("cache_write_tokens" in e for e in events)
    assert any(e.get("reasoning_tokens", 0) > 0 for e in events)


def test_runs_group_several_calls(demo: tuple[DemoData, list[dict[str, Any]]]) -> None:
    _, events = demo
    sizes = Counter(event["run_id"] for event in events)
    assert statistics.mean(sizes.values()) > 2
    agents_per_run = defaultdict(set)
    for event in events:
        agents_per_run[event["run_id"]].add(event["agent"])
    assert all(len(names) == 1 for names in agents_per_run.values())


def test_weekday_office_hours_are_busier_than_weekend_nights(demo: tuple[DemoData, list[dict[str, Any]]]) -> None:
    _, events = demo
    per_hour: Counter[tuple[str, int]] = Counter()
    for event in events:
        moment = datetime.fromisoformat(event["ts"])
        per_hour[(event["ts"][:13], moment.weekday() * 24 + moment.hour)] += 1
    office = [n for (_, slot), n in per_hour.items() if slot // 24 < 5 and 9 <= slot % 24 < 17]
    nights = [n for (_, slot), n in per_hour.items() if slot // 24 >= 5 and slot % 24 < 6]
    assert statistics.mean(office) > 4 * statistics.mean(nights)
    batch = Counter(datetime.fromisoformat(e["ts"]).hour for e in events if e["agent"] == "Lead Scoring Agent")
    assert batch.most_common(1)[0][0] == 1 and batch[1] > 0.9 * sum(batch.values())


def test_the_schedule_change_moves_the_nightly_batch(demo: tuple[DemoData, list[dict[str, Any]]]) -> None:
    data, events = demo
    moved = next(c for c in data.change_events if c["kind"] == "schedule")
    assert moved["target"] == "Invoice Reconciler"
    when = datetime.fromisoformat(moved["ts"])
    hours: dict[bool, Counter[int]] = {True: Counter(), False: Counter()}
    for event in events:
        if event["agent"] == "Invoice Reconciler":
            moment = datetime.fromisoformat(event["ts"])
            hours[moment > when][moment.hour] += 1
    assert set(hours[False]) == {2} and set(hours[True]) == {3}


def test_three_agents_dominate_the_tokens(demo: tuple[DemoData, list[dict[str, Any]]]) -> None:
    _, events = demo
    tokens = Counter({agent: sum(e.get("input_tokens", 0) + e.get("output_tokens", 0) for e in group)
                      for agent, group in _by_agent(events).items()})
    top = tokens.most_common(3)
    assert {name for name, _ in top} == {"Support Reply Agent", "Code Review Agent", "Support Triage Agent"}
    assert sum(n for _, n in top) > 0.5 * sum(tokens.values())


def test_events_use_names_aliases_cost_keys_and_unknown_names(demo: tuple[DemoData, list[dict[str, Any]]]) -> None:
    _, events = demo
    used = Counter(event["agent"] for event in events)
    resolve, agents = _resolver(), _vault_agents()
    unknown = {name for name in used if name.casefold() not in resolve}
    assert unknown == {"legacy-ticket-router", "hackathon-slackbot"}
    aliases = {a for meta in agents.values() for a in meta.get("aliases", [])}
    cost_keys = {k for meta in agents.values() for k in meta.get("cost_keys", [])}
    assert set(used) & aliases and set(used) & cost_keys and set(used) & set(agents)
    assert {resolve[name.casefold()] for name in used if name not in unknown} == set(agents)


def test_profiles_match_the_vault_notes() -> None:
    agents, notes = _vault_agents(), _note_names()
    assert {profile.name for profile in PROFILES} == set(agents)
    assert not {profile.name for profile in UNATTRIBUTED} & notes
    models = {path.stem: yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
              for path in (VAULT / "Models").glob("*.md")}
    for profile in PROFILES:
        meta = agents[profile.name]
        assert {name for name, _ in profile.names} <= set(meta.get("aliases", []) + meta.get("cost_keys", []))
        model = meta["model"].strip("[]")
        assert profile.model == model or profile.model in models[model].get("aliases", []), profile.name


def test_change_events_are_valid_and_name_existing_notes(demo: tuple[DemoData, list[dict[str, Any]]]) -> None:
    data, _ = demo
    notes = _note_names()
    assert {"deploy", "prompt", "config", "model"} <= {change["kind"] for change in data.change_events}
    for change in data.change_events:
        assert change["kind"] in CHANGE_KINDS and change["summary"] and change["id"]
        assert change["target"] in notes and change["author"] in notes
        assert data.start < datetime.fromisoformat(change["ts"]) < data.end
    assert [c["ts"] for c in data.change_events] == sorted(c["ts"] for c in data.change_events)


def test_each_incident_follows_its_cause(demo: tuple[DemoData, list[dict[str, Any]]]) -> None:
    data, _ = demo
    changes = {change["id"]: change for change in data.change_events}
    assert {incident.kind for incident in data.incidents} == {
        "retry_loop", "model_switch", "prompt_bloat", "dependency_change", "unexplained_growth"}
    for incident in data.incidents:
        if incident.cause_change_id is None:
            recent = [c for c in data.change_events if c["target"] in incident.agents
                      and incident.onset - timedelta(days=7) < datetime.fromisoformat(c["ts"]) < incident.onset]
            assert recent == []
            continue
        cause = changes[incident.cause_change_id]
        assert datetime.fromisoformat(cause["ts"]) < incident.onset
        depends = _vault_agents()[incident.agents[0]].get("depends_on", [])
        assert cause["target"] in incident.agents or f"[[{cause['target']}]]" in depends


def _incident(data: DemoData, kind: str) -> Any:
    return next(incident for incident in data.incidents if incident.kind == kind)


def test_the_runaway_retry_loop_is_in_the_events(demo: tuple[DemoData, list[dict[str, Any]]]) -> None:
    data, events = demo
    loop = _incident(data, "retry_loop")
    mine = _by_agent(events)["Code Review Agent"]

    def tokens(run: list[dict[str, Any]]) -> int:
        return sum(e["input_tokens"] + e["output_tokens"] for e in _llm(run))

    before = _runs(mine, loop.onset - timedelta(days=14), loop.onset)
    during = _runs(mine, loop.onset, loop.end)
    normal = statistics.median(tokens(run) for run in before.values())
    assert 60 * normal < tokens(during[loop.run_id]) < 200 * normal
    assert len(during[loop.run_id]) >= 100
    retried = [run for run in during.values() if any(e.get("retry", 0) > 0 for e in run)]
    assert len(retried) > 0.2 * len(during)
    assert not any(e.get("retry") for run in before.values() for e in run)


def test_the_model_switch_raises_the_price_per_token(demo: tuple[DemoData, list[dict[str, Any]]]) -> None:
    data, events = demo
    switch = _incident(data, "model_switch")
    mine = [e for e in _by_agent(events)["Sales Research Agent"] if e["kind"] == "llm"]
    before = {e["model"] for e in mine if datetime.fromisoformat(e["ts"]) < switch.onset - timedelta(hours=1)}
    after = {e["model"] for e in mine if datetime.fromisoformat(e["ts"]) > switch.onset + timedelta(hours=1)}
    assert (before, after) == ({"gpt-4.1-mini"}, {"gpt-4.1"})
    usage = Usage(input_tokens=4000, output_tokens=700)
    ratio = calc_price(usage, "gpt-4.1", provider_id="openai").total_price / calc_price(
        usage, "gpt-4.1-mini", provider_id="openai").total_price
    assert ratio == pytest.approx(switch.size)


def test_the_prompt_change_bloats_tokens_per_run(demo: tuple[DemoData, list[dict[str, Any]]]) -> None:
    data, events = demo
    bloat = _incident(data, "prompt_bloat")
    mine = _by_agent(events)["Support Reply Agent"]

    def per_run(since: datetime, until: datetime) -> float:
        return statistics.median(sum(e["input_tokens"] for e in run) for run in _runs(mine, since, until).values())

    week = timedelta(days=7)
    ratio = per_run(bloat.onset, bloat.onset + week) / per_run(bloat.onset - week, bloat.onset)
    assert 1.4 < ratio < 1.8


def test_the_retriever_change_raises_every_callers_volume(demo: tuple[DemoData, list[dict[str, Any]]]) -> None:
    data, events = demo
    change = _incident(data, "dependency_change")
    grouped, week = _by_agent(events), timedelta(days=7)

    def per_run(agent: str, kind: str, since: datetime, until: datetime) -> float:
        runs = _runs(grouped[agent], since, until).values()
        return statistics.mean(sum(e["kind"] == kind for e in run) for run in runs)

    assert len(change.agents) >= 3
    for agent in change.agents:
        for kind, least in (("llm", 1.3), ("retrieval", 2.5)):
            after = per_run(agent, kind, change.onset, change.onset + week)
            assert after > least * per_run(agent, kind, change.onset - week, change.onset), (agent, kind)
    calm = per_run("SQL Analyst Agent", "llm", change.onset, change.onset + week)
    assert calm == pytest.approx(per_run("SQL Analyst Agent", "llm", change.onset - week, change.onset), rel=0.15)


def test_the_unexplained_growth_is_more_runs(demo: tuple[DemoData, list[dict[str, Any]]]) -> None:
    data, events = demo
    growth = _incident(data, "unexplained_growth")
    mine = _by_agent(events)["Tracking Assistant"]
    last = _runs(mine, data.end - timedelta(days=7), data.end)
    base = _runs(mine, growth.onset - timedelta(days=14), growth.onset - timedelta(days=7))
    assert len(last) > 1.8 * len(base)


def test_vault_agents_choose_who_gets_traffic() -> None:
    data = generate(["support reply agent", "Brand New Agent"], days=14, now=NOW, scale=0.5)
    assert data.agents == ("Support Reply Agent", "Brand New Agent")
    assert [incident.kind for incident in data.incidents] == ["prompt_bloat"]
    used = Counter(event["agent"] for event in data.cost_events)
    assert used["Brand New Agent"] > 0 and used["support-bot"] > 0
    assert set(used) <= {"Support Reply Agent", "support-bot", "key_8f3a", "Brand New Agent",
                         "legacy-ticket-router", "hackathon-slackbot"}


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        generate(now=datetime(2025, 6, 20))
    with pytest.raises(ValueError, match="at least 14"):
        generate(now=NOW, days=3)
    with pytest.raises(ValueError, match="scale"):
        generate(now=NOW, scale=0)


def test_generate_scaled_streams_about_the_asked_volume() -> None:
    events = list(generate_scaled(40, 20_000, seed=1, days=10))
    assert 17_000 < len(events) < 23_000
    assert events == list(generate_scaled(40, 20_000, seed=1, days=10))
    assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)
    calls = Counter(event["agent"] for event in events)
    assert set(calls) <= {f"agent-{i:04d}" for i in range(1, 41)}
    assert sum(n for _, n in calls.most_common(4)) > 0.25 * len(events)  # 10% of the agents
    assert not [problems for event in events if (problems := cost_event_problems(event))]
