"""Forgetting `--vault` is an error, not an empty report: a folder with no notes and no store stops the command with
exit 2, says where orgmap looked and how to point it at a vault, and nothing is created there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orgmap.cli import main
from tests.conftest import COMPANY, VaultFactory

ORGMAP = Path(sys.executable).with_name("orgmap")


def test_top_in_a_folder_that_is_not_a_vault_exits_2_and_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "todo.txt").write_text("not a note\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "ORGMAP_VAULT"}
    done = subprocess.run([str(ORGMAP), "top"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert str(tmp_path) in done.stderr
    assert "--vault" in done.stderr and "ORGMAP_VAULT" in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["todo.txt"]


@pytest.mark.parametrize("command", [["top"], ["check"], ["export"], ["change", "A", "deploy", "x"],
                                     ["alerts"], ["ingest", "-"]])
def test_every_command_refuses_an_empty_folder_named_by_the_environment(
        command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ORGMAP_VAULT", str(tmp_path))
    assert main(command) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path}" in err and "$ORGMAP_VAULT" in err
    assert list(tmp_path.iterdir()) == []


def test_a_missing_vault_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["top", "--vault", str(tmp_path / "nope")]) == 2
    assert "not found" in capsys.readouterr().err


def test_a_folder_with_notes_or_a_store_is_a_vault(make_vault: VaultFactory, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    root = make_vault(COMPANY)
    assert main(["top", "--vault", str(root)]) == 0
    assert (root / ".orgmap" / "orgmap.db").is_file()
    # a store alone (every note moved away) is still a vault: its history is there to report
    for note in root.rglob("*.md"):
        note.unlink()
    capsys.readouterr()
    assert main(["top", "--vault", str(root)]) == 0
    # and so is an empty folder whose store is named with --db
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["top", "--vault", str(empty), "--db", str(root / ".orgmap" / "orgmap.db")]) == 0
