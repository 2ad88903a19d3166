"""Change events from a real git repository built in tmp_path."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from importers.git import git_changes, load_path_map, merge_targets


def _git(repo: Path, *args: str, date: str = "2024-10-01T12:00:00+00:00") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Ada Lovelace", "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada Lovelace", "GIT_COMMITTER_EMAIL": "ada@example.com",
        "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull,
    }
    done = subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _commit(repo: Path, files: dict[str, str], message: str, date: str) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    _git(repo, "add", "-A", date=date)
    _git(repo, "commit", "-q", "-m", message, date=date)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    shas = {}
    shas["c1"] = _commit(repo, {
        "services/support/app.py": "v1", "prompts/support.md": "be kind", "README.md": "hi",
    }, "Support agent: first version", "2024-10-01T12:00:00+00:00")
    _git(repo, "tag", "-a", "v1.0", "-m", "First release", date="2024-10-02T09:00:00+00:00")
    shas["c2"] = _commit(repo, {"services/billing/main.py": "v1"}, "Billing: add invoices", "2024-10-05T12:00:00+00:00")
    shas["c3"] = _commit(repo, {"services/support/app.py": "v2", "infra/main.tf": "x"},
                         "Switch support to a bigger model\n\nLong body.", "2024-10-10T12:00:00+00:00")
    _git(repo, "tag", "v1.1", date="2024-10-10T12:00:00+00:00")
    _commit(repo, {"README.md": "hello"}, "Docs only", "2024-10-11T12:00:00+00:00")
    return repo, shas


def _targets(tmp_path: Path) -> dict[str, list[str]]:
    path_map = tmp_path / "paths.yaml"
    path_map.write_text('"prompts/support.md": Support Agent\n"infra/**": [Platform]\n')
    frontmatter = {"Support Agent": ["services/support/**"], "Billing Agent": ["services/billing"]}
    return merge_targets(frontmatter, load_path_map(path_map))


def test_commits_and_tags_become_changes_on_the_nodes_they_touched(repo, tmp_path: Path, valid) -> None:
    path, shas = repo
    events = list(git_changes(path, _targets(tmp_path)))
    for event in events:
        valid(event)
    commits = [(e["target"], e["ref"]) for e in events if e["kind"] == "commit"]
    assert commits == [
        ("Support Agent", shas["c3"]),
        ("Platform", shas["c3"]),
        ("Billing Agent", shas["c2"]),
        ("Support Agent", shas["c1"]),
    ]
    first = next(e for e in events if e["ref"] == shas["c1"])
    assert first == {
        "id": f"git:{shas['c1']}:Support Agent", "ts": "2024-10-01T12:00:00+00:00", "target": "Support Agent",
        "kind": "commit", "summary": "Support agent: first version", "ref": shas["c1"], "author": "Ada Lovelace",
        "source": "git", "details": {"files": ["prompts/support.md", "services/support/app.py"], "files_count": 2},
    }
    releases = [(e["ref"], e["target"], e["ts"]) for e in events if e["kind"] == "release"]
    assert releases == [
        ("v1.0", "Support Agent", "2024-10-02T09:00:00+00:00"),  # the first tag: files in its tree
        ("v1.1", "Support Agent", "2024-10-10T12:00:00+00:00"),  # since v1.0
        ("v1.1", "Billing Agent", "2024-10-10T12:00:00+00:00"),
        ("v1.1", "Platform", "2024-10-10T12:00:00+00:00"),
    ]
    assert next(e for e in events if e["ref"] == "v1.0")["summary"] == "v1.0: First release"
    assert len({e["id"] for e in events}) == len(events)  # one id per (change, node): re-imports are idempotent


def test_since_keeps_later_changes_only(repo, tmp_path: Path) -> None:
    path, shas = repo
    events = list(git_changes(path, _targets(tmp_path), since="2024-10-04T00:00:00Z"))
    assert {e["ref"] for e in events} == {shas["c2"], shas["c3"], "v1.1"}


def test_path_map_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "paths.json"
    bad.write_text('{"infra/**": 3}')
    with pytest.raises(ValueError, match=r"paths.json: glob 'infra/\*\*' must map to a node"):
        load_path_map(bad)


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="git log failed"):
        list(git_changes(tmp_path, {"A": ["**"]}))
