"""`orgmap mcp` starts quickly, checked without a clock: a client launches it for every session, so its first answers
(`initialize`, `tools/list`, a graph question) must not wait for what only later questions need. The server process
is looked at from outside (Linux `/proc`): until a spend question comes, the event store is not open and numpy (the
anomaly code) is not loaded; the spend question then opens the store and answers. `bench/mcp_start_bench.py` measures
the time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mcp import StdioServerParameters

from orgmap.service import Service
from orgmap.service_slot import ServiceSlot, ServiceUnavailable
from tests.interfaces.conftest import NOW, ToolFailed, copy_company, mcp_door

pytestmark = pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads the server's /proc entries")

# The server, started as the `orgmap` script starts it, writing its process id first so the test can look at it.
SERVER = "import os, sys; open(sys.argv[1], 'w').write(str(os.getpid())); from orgmap.cli import main; " \
         "sys.exit(main(sys.argv[2:]))"


def store_open(pid: int, store: Path) -> bool:
    """Whether process `pid` holds the event store file open."""
    fds = Path(f"/proc/{pid}/fd")
    links = []
    for fd in fds.iterdir():
        try:
            links.append(os.readlink(fd))
        except OSError:  # closed meanwhile
            continue
    return str(store.resolve()) in links


def numpy_loaded(pid: int) -> bool:
    """Whether process `pid` has numpy's compiled core mapped (numpy imported)."""
    return "_multiarray_umath" in Path(f"/proc/{pid}/maps").read_text()


def server_pid(pid_file: Path) -> int:
    """The id the server wrote when it started (it has, once the client is connected)."""
    for _ in range(100):
        if pid_file.exists() and pid_file.read_text():
            return int(pid_file.read_text())
        time.sleep(0.05)
    raise AssertionError("the server did not write its process id")


def test_first_answers_need_neither_the_store_nor_numpy(demo_vault: Path, tmp_path: Path) -> None:
    vault = tmp_path / "company"
    shutil.copytree(demo_vault, vault)
    store = vault / ".orgmap" / "orgmap.db"
    pid_file = tmp_path / "pid"
    params = StdioServerParameters(command=sys.executable, args=[
        "-c", SERVER, str(pid_file), "mcp", "--vault", str(vault), "--as-of", NOW.isoformat()])
    with mcp_door(params) as client:
        assert len(client.tools()) > 10
        owners = client.call("who_owns", name="Code Review Agent")
        assert owners["summary"]
        pid = server_pid(pid_file)
        assert not store_open(pid, store), "the store was opened before a question needed it"
        assert not numpy_loaded(pid), "numpy (the anomaly code) was imported before a question needed it"

        spend = client.call("top_spenders")
        assert spend["total_cost_usd"] > 0, spend["summary"]
        assert store_open(pid, store)


def test_a_session_without_spend_questions_creates_no_store(tmp_path: Path) -> None:
    vault = copy_company(tmp_path)
    pid_file = tmp_path / "pid"
    params = StdioServerParameters(command=sys.executable, args=[
        "-c", SERVER, str(pid_file), "mcp", "--vault", str(vault)])
    with mcp_door(params) as client:
        assert client.call("who_owns", name="Code Review Agent")["summary"]
    assert not (vault / ".orgmap" / "orgmap.db").exists()


def test_a_lazy_store_opens_with_the_first_question_that_needs_it(tmp_path: Path) -> None:
    vault = copy_company(tmp_path)
    store = vault / ".orgmap" / "orgmap.db"
    with Service.open(vault, lazy_store=True, clock=lambda: NOW) as svc:
        assert svc.owners_of("Code Review Agent").summary
        assert not store.exists()
        assert svc.run_rate().summary
        assert store.exists()


def test_light_parts_of_the_ledger_do_not_import_numpy() -> None:
    """The answer types, the service and the MCP server import without numpy; an export whose name is also a
    submodule's (`ledger.anomaly.detect`) is still the function, whichever is imported first."""
    code = ("import sys, mcp_server.server, orgmap.service, ledger.anomaly.model; assert 'numpy' not in sys.modules; "
            "import ledger.anomaly.detect; from ledger.anomaly import detect; assert callable(detect), detect; "
            "from ledger import Ledger, CostEvent; assert 'numpy' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_what_initialize_needs_imports_neither_the_graph_nor_the_answer_types() -> None:
    """`orgmap mcp` answers `initialize` with only the CLI, the server module and the slot imported: networkx (the
    graph), the answer types and the tools' set-up wait for the warm-up or the first question that needs them."""
    code = ("import sys; from orgmap.cli import build_parser; build_parser(); import mcp_server.server, "
            "orgmap.service_slot, orgmap.cli.commands.mcp; "
            "heavy = [m for m in ('networkx', 'orgmap.answer_types', 'orgmap.service', 'mcp_server.tools', "
            "'orgmap.demo.data', 'ledger.store') if m in sys.modules]; assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_a_bad_prices_file_is_explained_by_the_questions_that_need_it(tmp_path: Path) -> None:
    """What the service reads after `initialize` (here a prices file that does not exist, read with the store) is
    what the questions needing it answer, every time, while the others still work: no server dying under its
    client."""
    vault = copy_company(tmp_path)
    params = StdioServerParameters(command=sys.executable, args=[
        "-c", SERVER, str(tmp_path / "pid"), "mcp", "--vault", str(vault), "--prices", str(tmp_path / "nope.yaml")])
    with mcp_door(params) as client:
        assert "Priya Natarajan" in client.text("who_owns", name="Code Review Agent")
        for _ in range(2):
            with pytest.raises(ToolFailed, match=r"nope\.yaml"):
                client.call("top_spenders")


def test_a_slot_that_cannot_open_says_why_on_every_get_and_tries_once() -> None:
    calls = []

    def opener() -> Service:
        calls.append(1)
        raise SystemExit("orgmap: cannot read /x/prices.yaml")

    slot = ServiceSlot(opener=opener)
    for _ in range(2):
        with pytest.raises(ServiceUnavailable, match=r"prices\.yaml"):
            slot.get()
    assert calls == [1]


def test_the_session_watches_the_vault_once_answering(tmp_path: Path) -> None:
    """The watcher starts after the first answer, and then edits reach the answers."""
    vault = copy_company(tmp_path)
    note = vault / "Agents" / "Code Review Agent.md"
    params = StdioServerParameters(command=sys.executable, args=[
        "-c", SERVER, str(tmp_path / "pid"), "mcp", "--vault", str(vault)])
    with mcp_door(params) as client:
        assert "Priya Natarajan" in client.text("who_owns", name="Code Review Agent")
        edited = note.read_text(encoding="utf-8").replace("[[Priya Natarajan]]", "[[Grace Liu]]")
        for _ in range(20):  # written again each second: the watcher starts once `initialize` is answered
            note.write_text(edited, encoding="utf-8")
            for _ in range(10):
                if "Grace Liu" in client.text("who_owns", name="Code Review Agent"):
                    return
                time.sleep(0.1)
        raise AssertionError("the vault edit never reached the answer: the session does not watch the vault")
