"""The parse cache in `<vault>/.orgmap/`: JSON (data only, never pickle: a synced vault may carry a planted file),
keyed by path, size and mtime_ns, written atomically; anything corrupt, stale or foreign is ignored and rebuilt."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from vault.note import Note
from vault.scan import NoteFile

__all__ = ["CACHE_FILE", "load_cache", "save_cache"]

CACHE_FILE = "parse-cache.json"
_VERSION = 1
# An mtime this close to the cache's own writing time may hide a later same-size edit in the same tick: reparse it.
_RACY_NS = 2_000_000_000


def _cache_path(root: Path) -> Path:
    return root / ".orgmap" / CACHE_FILE


def load_cache(root: Path, files: list[NoteFile]) -> dict[str, Note]:
    """The cached notes still valid for `files` (same size and mtime_ns); {} when the cache is absent or corrupt."""
    try:
        data = json.loads(_cache_path(root).read_bytes())
        if data.get("version") != _VERSION:
            return {}
        entries = data["entries"]
        written = int(data["written_ns"])
        valid: dict[str, Note] = {}
        for file in files:
            entry = entries.get(file.path)
            if entry and entry[0] == file.size and entry[1] == file.mtime_ns and file.mtime_ns < written - _RACY_NS:
                note = Note.from_json(entry[2])
                if note.path == file.path:
                    valid[file.path] = note
        return valid
    except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError):
        return {}


def save_cache(root: Path, files: list[NoteFile], notes: dict[str, Note]) -> bool:
    """Write the cache atomically (temp file + rename); False when the vault's state folder is not writable."""
    entries = {f.path: [f.size, f.mtime_ns, notes[f.path].to_json()] for f in files if f.path in notes}
    payload = {"version": _VERSION, "written_ns": time.time_ns(), "entries": entries}
    target = _cache_path(root)
    try:
        target.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".parse-cache.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(payload, out, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return False
    return True
