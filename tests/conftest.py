"""Shared fixtures: real vaults written into tmp_path, and the event stores tests run against: a SQLite file, and a
fresh database on the PostgreSQL server named by $ORGMAP_TEST_DATABASE_URL (`.ci/run` starts one). Without that
server the PostgreSQL cases skip, and fail under CI=true."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

VaultFactory = Callable[[dict[str, str | bytes]], Path]
STORES = ("sqlite", "postgresql")


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


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of the test PostgreSQL server (its `postgres` database); skips without one, fails under CI=true."""
    url = os.environ.get("ORGMAP_TEST_DATABASE_URL")
    if not url:
        why = "no PostgreSQL server to test against: $ORGMAP_TEST_DATABASE_URL is unset (.ci/run starts one)"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    return url


def database_url(server: str, name: str) -> str:
    """The URL of database `name` on the server `server` names."""
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def create_database(server: str) -> str:
    """Create a fresh, empty database on `server` and return its URL."""
    import psycopg

    name = f"orgmap_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(server, name)


def drop_database(server: str, url: str) -> None:
    """Drop the database `url` names on `server`, whoever still holds it open."""
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{urlsplit(url).path.lstrip("/")}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the test server (dropped afterwards, whoever still holds it open)."""
    url = create_database(postgres_server)
    yield url
    drop_database(postgres_server, url)


@pytest.fixture(params=STORES)
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's event store is: a SQLite file in tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "store" / "orgmap.db")
    return request.getfixturevalue("postgres_url")
