"""The doors as clients really reach them: `orgmap mcp` over stdio (as Claude Desktop launches it), `orgmap serve` on
a real 127.0.0.1 port (its API and its MCP streamable-HTTP endpoint), and the token and binding rules."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import httpx2
import pytest
from mcp import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.interfaces.conftest import on_both_stores

ORGMAP = str(Path(sys.executable).with_name("orgmap"))
TOKEN = "s3cret-token"
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "test", "version": "0"}}}
MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, deadline_s: float = 30.0) -> None:
    """Poll until the server accepts connections (bounded; fails early if the process died)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"orgmap serve exited with {proc.returncode}: {proc.stderr.read().decode()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"orgmap serve did not listen on {port} within {deadline_s}s")


@pytest.fixture(scope="module")
def served(demo_vault: Path, demo_store: str) -> Iterator[str]:
    """`orgmap serve` on a free loopback port with ORGMAP_TOKEN set, on the demo store; its base URL."""
    port = free_port()
    env = {**os.environ, "ORGMAP_TOKEN": TOKEN}
    proc = subprocess.Popen([ORGMAP, "serve", "--vault", str(demo_vault), "--db", demo_store, "--port", str(port),
                             "--no-watch"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()


@pytest.fixture(scope="module")
def stdio(doors, demo_vault: Path, demo_store: str):
    """`orgmap mcp --vault ... --db ...` as a subprocess, through the SDK's stdio client."""
    params = StdioServerParameters(command=ORGMAP, args=["mcp", "--vault", str(demo_vault), "--db", demo_store])
    with doors.mcp_door(params) as door:
        yield door


def clock_free(answer: dict) -> dict:
    """The parts of a ranked answer that do not depend on the clock when the window covers all the data."""
    return {"total": answer["total"], "items": [(i["key"], i["cost_usd"]) for i in answer["items"]]}


@on_both_stores
@pytest.mark.parametrize("door", ["stdio", "http"])
def test_the_subprocess_servers_answer_as_the_in_process_one(request, mcp, door) -> None:
    """stdio and streamable HTTP give the in-memory server's answers (the subprocesses run on the real clock, so
    the spend check uses a window that covers all the demo data)."""
    remote = request.getfixturevalue("stdio") if door == "stdio" else request.getfixturevalue("http_mcp")
    for tool, arguments in [("who_owns", {"name": "support-bot"}), ("find_nodes", {"kind": "agent"}),
                            ("vault_problems", {})]:
        assert remote.call(tool, **arguments) == mcp.call(tool, **arguments)
    window = {"window": "3650d"}
    assert clock_free(remote.call("top_spenders", **window)) == clock_free(mcp.call("top_spenders", **window))
    with pytest.raises(remote.Failed, match="Support Reply Agent"):
        remote.call("who_owns", name="Suport Reply Agnt")
    assert remote.resource("note://support-bot").startswith("---\ntype: agent")


@pytest.fixture(scope="module")
def http_mcp(doors, served: str):
    """The MCP client over streamable HTTP, with the bearer token a configured client sends."""
    client = httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"},
                                timeout=httpx2.Timeout(30.0, read=300.0))
    with doors.mcp_door(streamable_http_client(f"{served}/mcp", http_client=client)) as door:
        yield door


def test_with_a_token_reads_are_open_and_writes_and_mcp_need_it(served: str) -> None:
    event = {"ts": "2026-03-02T10:00:00Z", "agent": "auth-probe", "cost_usd": 0.01, "id": "auth-probe-1"}
    with httpx.Client(base_url=served) as http:
        assert http.get("/v1/run-rate").status_code == 200
        assert http.get(quote("/v1/nodes/support-bot")).status_code == 200
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            refused = http.post("/v1/events/cost", json=event, headers=headers)
            assert refused.status_code == 401
            assert refused.json()["error"]["field"] == "authorization"
            assert http.post("/mcp", json=INIT, headers={**MCP_HEADERS, **headers}).status_code == 401
        accepted = http.post("/v1/events/cost", json=event, headers={"Authorization": f"Bearer {TOKEN}"})
        assert accepted.status_code == 200
        assert accepted.json()["accepted"] + accepted.json()["duplicates"] == 1


def test_the_mcp_endpoint_refuses_a_foreign_host_header(served: str) -> None:
    """DNS-rebinding protection: a page on evil.example resolving to 127.0.0.1 must not reach the tools."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=served) as http:
        foreign = http.post("/mcp", json=INIT, headers={**MCP_HEADERS, **auth, "host": "evil.example:8000"})
        assert foreign.status_code == 421
        assert http.post("/mcp", json=INIT, headers={**MCP_HEADERS, **auth}).status_code == 200


def test_on_loopback_without_a_token_nothing_needs_one(doors, demo_vault) -> None:
    with doors.api_client(doors.opener(demo_vault)) as api:
        answer = api.post("/v1/events/change", json=[])
        assert answer.status_code == 200
        assert api.post("/mcp", json=INIT, headers=MCP_HEADERS).status_code == 200
        assert api.post("/mcp", json=INIT, headers={**MCP_HEADERS, "host": "evil.example"}).status_code == 421


def test_a_token_guards_writes_and_mcp_in_process_too(doors, demo_vault) -> None:
    with doors.api_client(doors.opener(demo_vault), token=TOKEN) as api:
        assert api.get("/v1/budgets").status_code == 200
        assert api.post("/v1/events/change", json=[]).status_code == 401
        assert api.post("/v1/events/change", json=[], headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200
        assert api.post("/mcp", json=INIT, headers=MCP_HEADERS).status_code == 401


def test_a_token_that_is_not_ascii_is_a_wrong_token_not_a_crash(doors, demo_vault) -> None:
    """A header's bytes outside ASCII (sent raw by a client, read as Latin-1) compare as a wrong token: 401, not 500."""
    with doors.api_client(doors.opener(demo_vault), token=TOKEN) as api:
        for value in ("Bearer s3cret-tökén".encode("latin-1"), "Bearer ∞".encode(), b"Bearer \xff\xfe"):
            answer = api.post("/v1/events/change", json=[], headers={"Authorization": value})
            assert answer.status_code == 401, answer.text
            assert answer.json()["error"]["field"] == "authorization"


def test_serve_on_all_interfaces_without_a_token_refuses_to_start(demo_vault: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ORGMAP_TOKEN"}
    done = subprocess.run([ORGMAP, "serve", "--vault", str(demo_vault), "--host", "0.0.0.0", "--port",
                           str(free_port())], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "ORGMAP_TOKEN" in done.stderr


def test_serve_with_its_database_down_says_so_in_one_line_without_the_password(make_vault) -> None:
    """A PostgreSQL server down at start: `orgmap serve` fails as every command does, naming the store without its
    password, before it says it serves anything (it printed the banner, then a traceback of the server's startup)."""
    vault = make_vault({"Agents/Bot.md": "---\ntype: agent\n---\n"})
    down = free_port()  # nobody listens there
    done = subprocess.run([ORGMAP, "serve", "--vault", str(vault), "--port", str(free_port()), "--db",
                           f"postgresql://orgmap:pw-s3cret@127.0.0.1:{down}/orgmap"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert f"orgmap: cannot reach the event store at postgresql://orgmap:***@127.0.0.1:{down}/orgmap" in done.stderr
    assert "Traceback" not in done.stderr and "serving" not in done.stderr and "pw-s3cret" not in done.stderr
