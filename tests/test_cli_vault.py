"""`orgmap check`, `show` and `export` on real vaults: output and exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import networkx as nx
import pytest

from orgmap.cli import main
from tests.conftest import COMPANY, VaultFactory


def test_check_warnings_only_exits_0(make_vault: VaultFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_vault(COMPANY)
    assert main(["check", "--vault", str(root)]) == 0
    out, err = capsys.readouterr()
    assert "Agents/Orphan Agent.md: warning: agent Agents/Orphan Agent has no owner" in out
    assert out.strip().endswith("12 notes: 0 errors, 1 warnings")
    assert "loaded 12 notes" in err


def test_check_errors_exit_1_with_path_and_line(make_vault: VaultFactory, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_vault({"Bad.md": "---\ntype: agent\nowner: [x\n---\n", "Bin.md": b"\x00", "A.md": "[[Nope]]",
                       "B.md": "---\nowner: [[A]]\n---\n"})
    monkeypatch.setenv("ORGMAP_VAULT", str(root))
    assert main(["check", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    found = {(p["path"], p["line"], p["severity"], p["code"]) for p in report["items"]}
    assert found == {("Bad.md", 4, "error", "bad_yaml"), ("Bin.md", 0, "error", "binary_file"),
                     ("A.md", 1, "warning", "dangling_link"), ("B.md", 2, "warning", "unquoted_link")}
    assert (report["errors"], report["warnings"], report["notes"]) == (2, 2, 4)


def test_check_defaults_to_the_current_directory(make_vault: VaultFactory, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root = make_vault({"A.md": "[[B]]", "B.md": ""})
    monkeypatch.delenv("ORGMAP_VAULT", raising=False)
    monkeypatch.chdir(root)
    assert main(["check"]) == 0
    assert "2 notes: 0 errors, 0 warnings" in capsys.readouterr().out


def test_show_by_alias(make_vault: VaultFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_vault(COMPANY)
    assert main(["show", "support-bot", "--vault", str(root)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Support Agent  (agent)  Agents/Support Agent.md"
    assert "  owner: Teams/Platform Team" in out
    assert "  dependency: depends_on Systems/Vector Store" in out
    assert "  dependent: used_by Agents/Triage Agent" in out
    assert "  link: links_to Integrations/Zendesk" in out


def test_show_json_with_inherited_owner(make_vault: VaultFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_vault(COMPANY)
    assert main(["show", "triage agent", "--vault", str(root), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["owners"] == [{"id": "People/Ann", "name": "Ann", "kind": "person",
                               "inherited_from": "Systems/Support Suite", "teams": ["Teams/Platform Team"],
                               "lead": None, "members": []}]
    assert [(d["id"], d["relation"], d["depth"]) for d in info["dependencies"]] == [
        ("Agents/Support Agent", "uses", 1)]


def test_show_unknown_name_suggests_close_matches(make_vault: VaultFactory,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = make_vault(COMPANY)
    assert main(["show", "Suport Agnt", "--vault", str(root)]) == 2
    err = capsys.readouterr().err
    assert "no node named 'Suport Agnt'; did you mean 'Agents/Support Agent'" in err


def test_export_json_node_link(make_vault: VaultFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_vault(COMPANY)
    out = tmp_path / "g.json"
    assert main(["export", "--vault", str(root), "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    g = nx.node_link_graph(data, edges="edges")
    assert g.is_multigraph() and g.is_directed()
    assert g.nodes["Agents/Support Agent"]["budget"] == {"monthly_usd": 3000, "daily_usd": 150}
    assert {d["relation"] for *_, d in g.edges(data=True)} >= {"owned_by", "depends_on", "member_of", "links_to"}
    assert "wrote" in capsys.readouterr().err


def test_export_graphml_to_stdout(make_vault: VaultFactory, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    root = make_vault(COMPANY)
    assert main(["export", "--vault", str(root), "--format", "graphml"]) == 0
    g = nx.read_graphml(io.BytesIO(capfdbinary.readouterr().out))
    assert json.loads(g.nodes["Agents/Support Agent"]["aliases"]) == ["support-bot"]
    assert g.number_of_nodes() == 12


def test_commands_never_write_notes(make_vault: VaultFactory, tmp_path: Path) -> None:
    root = make_vault({**COMPANY, "Bad.md": "---\n: [\n---\n", "Bin.md": b"\x00\xff"})
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    main(["check", "--vault", str(root)])
    main(["show", "Bob", "--vault", str(root)])
    main(["export", "--vault", str(root), "-o", str(tmp_path / "out.json")])
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".orgmap" not in p.parts}
    assert after == before


def test_names_cannot_forge_output_lines_or_drive_the_terminal(make_vault: VaultFactory,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A file name with a newline, an alias with a terminal escape: printed as escapes, one line per problem."""
    root = make_vault({"Evil\nAgents/Fake.md: error: planted [bad_yaml].md": "---\ntype: agent\nowner: [x\n---\n",
                       "A.md": "---\ntype: agent\naliases: [\"a\\u001b[2J\"]\nowner: \"[[B]]\"\n---\n",
                       "B.md": "---\ntype: team\n---\n"})
    assert main(["check", "--vault", str(root)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["Evil\\nAgents/Fake.md: error: planted [bad_yaml].md:4: error: "
                     + lines[0].split(".md:4: error: ", 1)[1], "3 notes: 1 errors, 0 warnings"]
    assert main(["show", "A", "--vault", str(root)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "aliases: a\\x1b[2J" in out
