"""Two `orgmap serve` replicas on one PostgreSQL database, each with its own copy of the vault, under concurrent
clients: every event posted to both is stored once, rollups and runs are exact (a run fed through both is one run),
each budget threshold fires one alert, and an edit made to both vault copies is one change event."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import write_files
from tests.interfaces.test_transports_and_auth import free_port, wait_for_port

ORGMAP = str(Path(sys.executable).with_name("orgmap"))
AGENT = ("---\ntype: agent\naliases: [support-bot]\nmodel: \"[[{model}]]\"\n"
         "budget: {{daily_usd: 10}}\n---\n# Support Agent\n")
EVENTS, RUNS, COST = 600, 20, 0.05  # $30 in all against a $10 daily budget: every threshold crossed


@pytest.fixture
def replicas(tmp_path: Path, postgres_url: str) -> list[str]:
    """Two `orgmap serve` processes on the test database, each watching its own copy of the vault."""
    procs: list[subprocess.Popen] = []
    urls = []
    for name in ("one", "two"):
        vault = write_files(tmp_path / name, {"Agents/Support Agent.md": AGENT.format(model="m1"),
                                              "Models/m1.md": "", "Models/m2.md": ""})
        port = free_port()
        procs.append(subprocess.Popen([ORGMAP, "serve", "--vault", str(vault), "--port", str(port)],
                                      env={**os.environ, "ORGMAP_DB": postgres_url},
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        wait_for_port(port, procs[-1], deadline_s=60)
        urls.append(f"http://127.0.0.1:{port}")
    yield urls
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stderr.close()
    shutil.rmtree(tmp_path / "one", ignore_errors=True)


def _events() -> list[dict]:
    now = datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return [{"id": f"e{i}", "ts": max(now - timedelta(seconds=i), today).isoformat(), "agent": "support-bot",
             "cost_usd": COST, "run_id": f"r{i % RUNS}"} for i in range(EVENTS)]


def test_two_replicas_store_each_event_once_and_fire_each_alert_once(replicas: list[str], tmp_path: Path) -> None:
    events = _events()
    batches = [events[i : i + 50] for i in range(0, EVENTS, 50)]
    # every batch goes to both replicas, at once, from four clients
    posts = [(url, batch) for batch in batches for url in (replicas if len(batch) % 2 else replicas[::-1])]

    def post(job: tuple[str, list[dict]]) -> dict:
        with httpx.Client(timeout=60) as client:
            response = client.post(f"{job[0]}/v1/events/cost", json=job[1])
        assert response.status_code == 200, response.text
        return response.json()

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(post, posts))
    assert sum(a["accepted"] for a in answers) == EVENTS
    assert sum(a["duplicates"] for a in answers) == EVENTS

    with httpx.Client(timeout=60) as client:
        for url in replicas:
            rate = client.get(f"{url}/v1/run-rate", params={"window": "2d"}).json()
            [row] = rate["items"]
            assert (rate["total_cost_usd"], row["name"], row["cost_usd"]) == (30.0, "Support Agent", 30.0), rate
            runs = client.get(f"{url}/v1/runs", params={"since": "2d", "limit": 50}).json()["items"]
            assert sorted((r["run_id"], r["calls"], r["cost_usd"]) for r in runs) == \
                sorted((f"r{i}", EVENTS // RUNS, 1.5) for i in range(RUNS))
            alerts = client.get(f"{url}/v1/alerts", params={"kind": "budget"}).json()["items"]
            daily = Counter(a["evidence"]["threshold"] for a in alerts if a["evidence"]["period"] == "day")
            assert daily and set(daily.values()) == {1}, daily  # each threshold fired once, by one replica
            assert max(daily) == 1.0

    for name in ("one", "two"):  # the same edit reaches both copies of the vault (a git pull, a sync)
        (tmp_path / name / "Agents" / "Support Agent.md").write_text(AGENT.format(model="m2"), encoding="utf-8")
    with httpx.Client(timeout=60) as client:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            seen = [client.get(f"{url}/v1/nodes/Support Agent").json() for url in replicas]
            if all("m2" in str(node) for node in seen):
                break
            time.sleep(0.2)
        time.sleep(1.0)  # both watchers have applied the edit; their change events are written with it
        for url in replicas:
            changes = client.get(f"{url}/v1/changes", params={"kind": "model"}).json()["items"]
            assert [c["summary"] for c in changes] == ["model changed from [[m1]] to [[m2]] in the vault"], changes


def test_a_database_lost_under_a_running_server_is_a_503_naming_it_without_its_password(
        doors, make_vault, postgres_url: str, postgres_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    from ledger import postgres_store
    from orgmap.service import Service

    monkeypatch.setattr(postgres_store, "_WAIT_S", 1.0)
    vault = make_vault({"Agents/Support Agent.md": AGENT.format(model="m1")})
    name = postgres_url.rsplit("/", 1)[1]
    password = postgres_url.split(":")[2].split("@")[0]
    with doors.api_client(lambda: Service.open(vault, db=postgres_url)) as client:
        assert client.post("/v1/events/cost", json=_events()[:10]).json()["accepted"] == 10
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        try:
            response = client.get("/v1/run-rate")
        finally:
            with psycopg.connect(postgres_server, autocommit=True) as admin:
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        message = response.json()["error"]["message"]
        assert message.startswith("lost the event store at postgresql://postgres:***@127.0.0.1") and \
            password not in message
        # back once the database is: the pool replaces its terminated connections within a few seconds
        for _ in range(50):
            if (status := client.get("/v1/run-rate").status_code) == 200:
                break
            time.sleep(0.2)
        assert status == 200
