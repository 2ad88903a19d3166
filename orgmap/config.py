"""Where things are: the vault (--vault, else ORGMAP_VAULT, else the current directory), orgmap's state folder, and the
event store (--db, else ORGMAP_DB, else a SQLite file in the state folder; a `postgresql://` URL names a database).

A folder with no notes and no store is not taken for a vault: reporting on it would print $0 and an empty table (and
create a store there) when the user only forgot `--vault`.
"""

from __future__ import annotations

import os
from pathlib import Path

from ledger import is_database_url

__all__ = ["STATE_DIRNAME", "STORE_NAME", "NotAVault", "resolve_vault", "state_dir", "store_location"]

STATE_DIRNAME = ".orgmap"
STORE_NAME = "orgmap.db"
_HOW = "point orgmap at a vault with --vault DIR or $ORGMAP_VAULT"


class NotAVault(Exception):
    """The folder orgmap would read is missing, or holds no notes and no store: the message says where orgmap
    looked, why there, and how to point it at a vault."""


def resolve_vault(explicit: str | os.PathLike[str] | None = None, *, db: str | os.PathLike[str] | None = None) -> Path:
    """The vault root: an explicit path wins, then $ORGMAP_VAULT, then the current directory. NotAVault when that
    folder is missing, or has no notes (`*.md` outside dot-folders) and no store (`db`, else $ORGMAP_DB, else its
    own; a database URL counts as a store)."""
    env = os.environ.get("ORGMAP_VAULT")
    chosen, why = ((explicit, "--vault names it") if explicit else (env, "$ORGMAP_VAULT names it") if env
                   else (os.getcwd(), "it is the current directory (no --vault given, $ORGMAP_VAULT unset)"))
    path = Path(chosen).expanduser().resolve()
    if not path.is_dir():
        raise NotAVault(f"vault folder not found: {path} (orgmap looked there because {why}); {_HOW}")
    db = db or os.environ.get("ORGMAP_DB") or None
    if db is not None and is_database_url(db):
        return path
    store = Path(db) if db else path / STATE_DIRNAME / STORE_NAME
    if not store.is_file() and not _has_notes(path):
        raise NotAVault(f"{path} is not a vault: it has no notes (*.md) and no store ({store}); orgmap looked there "
                        f"because {why}; {_HOW}")
    return path


def _has_notes(root: Path) -> bool:
    """Whether any Markdown note lies under `root`, dot-folders (.obsidian, .git, .orgmap) skipped; stops at the
    first one found."""
    for _folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if any(f.lower().endswith(".md") for f in files):
            return True
    return False


def state_dir(vault: Path) -> Path:
    """orgmap's own folder inside the vault (Obsidian ignores dot-folders); created on demand."""
    path = vault / STATE_DIRNAME
    path.mkdir(exist_ok=True)
    return path


def store_location(vault: Path, db: str | os.PathLike[str] | None = None) -> str:
    """The event store of `vault`: `db` (--db), else $ORGMAP_DB, else `<vault>/.orgmap/orgmap.db`; a
    `postgresql://` URL names a PostgreSQL database, anything else a SQLite file."""
    chosen = db or os.environ.get("ORGMAP_DB")
    return str(chosen) if chosen else str(state_dir(vault) / STORE_NAME)
