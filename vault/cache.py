"""The parse cache in `<vault>/.orgmap/`: JSON (data only, never pickle: a synced vault may carry a planted file),
keyed by path, size and mtime_ns, written atomically; anything corrupt, stale or foreign (every field is
type-checked while decoding) is ignored and rebuilt."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import msgspec

from vault.codec import CodecError, NoteRecord, from_record
from vault.note import Note
from vault.scan import NoteFile
from vault.store import NoteStore, record_of

__all__ = ["CACHE_FILE", "RACY_NS", "load_cache", "save_cache", "write_state_file"]

CACHE_FILE = "parse-cache.json"
_VERSION = 1
# An mtime this close to the cache's own writing time may hide a later same-size edit in the same tick: reparse it.
RACY_NS = 2_000_000_000


class _CacheFile(msgspec.Struct):
    version: int
    written_ns: int
    entries: dict[str, tuple[int, int, NoteRecord]]  # path -> [size, mtime_ns, note]


_decoder = msgspec.json.Decoder(_CacheFile)
_encoder = msgspec.json.Encoder()


def _cache_path(root: Path) -> Path:
    return root / ".orgmap" / CACHE_FILE


def load_cache(root: Path, files: list[NoteFile]) -> dict[str, Note]:
    """The cached notes still valid for `files` (same size and mtime_ns); {} when the cache is absent or corrupt."""
    try:
        data = _decoder.decode(_cache_path(root).read_bytes())
    except (OSError, *CodecError):
        return {}
    if data.version != _VERSION:
        return {}
    entries, fresh_before = data.entries, data.written_ns - RACY_NS
    valid: dict[str, Note] = {}
    for file in files:
        entry = entries.get(file.path)
        if entry and entry[0] == file.size and entry[1] == file.mtime_ns and file.mtime_ns < fresh_before \
                and entry[2].path == file.path:
            valid[file.path] = from_record(entry[2])
    return valid


def save_cache(root: Path, files: list[NoteFile], notes: NoteStore) -> bool:
    """Write the cache atomically (temp file + rename); False when the vault's state folder is not writable. Each
    record is turned into JSON on its own, so a whole vault's notes are never decoded at once."""
    stats = {f.path: f for f in files}
    entries = {path: (stats[path].size, stats[path].mtime_ns, msgspec.Raw(_encoder.encode(record_of(record))))
               for path, record in notes.packed() if path in stats}
    payload = _encoder.encode({"version": _VERSION, "written_ns": time.time_ns(), "entries": entries})
    return write_state_file(root, CACHE_FILE, payload)


def write_state_file(root: Path, name: str, payload: bytes) -> bool:
    """Write `<root>/.orgmap/<name>` atomically (temp file + rename); False when the folder is not writable."""
    target = root / ".orgmap" / name
    try:
        target.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(payload)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return False
    return True
