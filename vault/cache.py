"""The parse cache in `<vault>/.orgmap/`: JSON (data only, never pickle: a synced vault may carry a planted file),
keyed by path, size and mtime_ns, written atomically; anything corrupt, stale or foreign (every field is
type-checked while decoding) is ignored and rebuilt."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import msgspec

from vault.codec import CodecError, NoteRecord
from vault.scan import NoteFile
from vault.store import NoteStore, Record, pack, record_of

__all__ = ["CACHE_FILE", "RACY_NS", "load_cache", "save_cache", "write_state_file"]

CACHE_FILE = "parse-cache.json"
_VERSION = 1
# An mtime this close to the cache's own writing time may hide a later same-size edit in the same tick: reparse it.
RACY_NS = 2_000_000_000


class _CacheFile(msgspec.Struct):
    version: int
    written_ns: int
    entries: dict[str, tuple[int, int, msgspec.Raw]]  # path -> [size, mtime_ns, note], each note decoded on its own


_decoder = msgspec.json.Decoder(_CacheFile)
_record_decoder = msgspec.json.Decoder(NoteRecord)
_encoder = msgspec.json.Encoder()


def _cache_path(root: Path) -> Path:
    return root / ".orgmap" / CACHE_FILE


def load_cache(root: Path, files: list[NoteFile]) -> dict[str, Record]:
    """The cached notes still valid for `files` (same size and mtime_ns), packed one by one (a whole vault's notes
    decoded at once were 4 KB a note); {} when the cache is absent or corrupt, and a record that does not decode (or
    claims another path) is left out, to be parsed again."""
    try:
        data = _decoder.decode(_cache_path(root).read_bytes())
    except (OSError, *CodecError):
        return {}
    if data.version != _VERSION:
        return {}
    entries, fresh_before = data.entries, data.written_ns - RACY_NS
    valid: dict[str, Record] = {}
    for file in files:
        entry = entries.get(file.path)
        if entry and entry[0] == file.size and entry[1] == file.mtime_ns and file.mtime_ns < fresh_before:
            try:
                record = _record_decoder.decode(entry[2])
            except CodecError:
                continue
            if record.path == file.path:
                valid[file.path] = pack(record)
    return valid


def save_cache(root: Path, files: list[NoteFile], notes: NoteStore) -> bool:
    """Write the cache atomically (temp file + rename); False when the vault's state folder is not writable. Written
    a record at a time, so neither a whole vault's notes nor the whole file are ever in memory at once."""
    stats = {f.path: f for f in files}

    def chunks() -> Iterator[bytes]:
        yield b'{"version":%d,"written_ns":%d,"entries":{' % (_VERSION, time.time_ns())
        comma = b""
        for path, record in notes.packed():
            if path in stats:
                entry = (stats[path].size, stats[path].mtime_ns, msgspec.Raw(_encoder.encode(record_of(record))))
                yield comma + _encoder.encode(path) + b":" + _encoder.encode(entry)
                comma = b","
        yield b"}}"

    return write_state_file(root, CACHE_FILE, chunks())


def write_state_file(root: Path, name: str, payload: bytes | Iterable[bytes]) -> bool:
    """Write `<root>/.orgmap/<name>` atomically (temp file + rename), from bytes or from chunks written as they come;
    False when the folder is not writable."""
    target = root / ".orgmap" / name
    try:
        target.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(payload, bytes):
                    out.write(payload)
                else:
                    out.writelines(payload)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return False
    return True
