"""Where things are: the vault (--vault, else ORGMAP_VAULT, else the current directory) and orgmap's state folder."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["STATE_DIRNAME", "resolve_vault", "state_dir"]

STATE_DIRNAME = ".orgmap"


def resolve_vault(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The vault root: an explicit path wins, then $ORGMAP_VAULT, then the current directory."""
    chosen = explicit or os.environ.get("ORGMAP_VAULT") or os.getcwd()
    path = Path(chosen).expanduser().resolve()
    if not path.is_dir():
        raise SystemExit(f"orgmap: vault folder not found: {path}")
    return path


def state_dir(vault: Path) -> Path:
    """orgmap's own folder inside the vault (Obsidian ignores dot-folders); created on demand."""
    path = vault / STATE_DIRNAME
    path.mkdir(exist_ok=True)
    return path
