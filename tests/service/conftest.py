"""Each service test runs on both stores: on SQLite (the vault's own file) and on a fresh PostgreSQL database, named
to `Service.open` by $ORGMAP_DB as a user would."""

from __future__ import annotations

import pytest

from ledger import is_database_url


@pytest.fixture(autouse=True)
def _store(store_location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if is_database_url(store_location):
        monkeypatch.setenv("ORGMAP_DB", store_location)
    else:
        monkeypatch.delenv("ORGMAP_DB", raising=False)
