"""Shared fixtures: real vaults written into tmp_path."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

VaultFactory = Callable[[dict[str, str | bytes]], Path]


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def age(root: Path, seconds: int = 3600) -> None:
    """Set every note's mtime an hour back, as for a vault not edited just now (the caches distrust fresh mtimes)."""
    for path in root.rglob("*.md"):
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - seconds * 10**9))


@pytest.fixture
def make_vault(tmp_path: Path) -> VaultFactory:
    """Write `{relative path: content}` under a fresh vault folder and return its root."""
    root = tmp_path / "vault"
    root.mkdir()
    return lambda files: write_files(root, files)


COMPANY: dict[str, str | bytes] = {
    "Agents/Support Agent.md": (
        "---\ntype: agent\naliases: [support-bot]\ncost_keys: [proj_support, key_8f3a]\n"
        'owner: "[[Platform Team]]"\ndepends_on: ["[[Vector Store]]", "[[Salesforce CRM]]"]\n'
        'model: "[[claude-sonnet-4-5]]"\nbudget: {monthly_usd: 3000, daily_usd: 150}\ntags: [support, production]\n'
        "---\n# Support Agent\nAnswers L1 tickets from [[Zendesk]].\n"
    ),
    "Agents/Triage Agent.md": '---\ntype: agent\npart_of: "[[Support Suite]]"\nuses: ["[[Support Agent]]"]\n---\n',
    "Agents/Orphan Agent.md": "---\ntype: agent\n---\nNobody owns me.\n",
    "Systems/Support Suite.md": '---\nowner: "[[Ann]]"\n---\n',
    "Systems/Vector Store.md": '---\ndepends_on: "[[Postgres]]"\n---\n',
    "Systems/Postgres.md": "# Postgres\n",
    "Integrations/Salesforce CRM.md": "---\ntype: integration\n---\n",
    "Integrations/Zendesk.md": "",
    "Models/claude-sonnet-4-5.md": "---\nprovider: anthropic\n---\n",
    "Teams/Platform Team.md": '---\nmembers: ["[[Bob]]"]\n---\n',
    "People/Ann.md": '---\nmember_of: "[[Platform Team]]"\n---\n',
    "People/Bob.md": "# Bob\n",
}
