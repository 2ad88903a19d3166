"""The notes of a loaded vault kept packed: one msgpack record per note (~0.7 KB, against ~4 KB as Note, Link and
dict objects), decoded when a note is asked for. A graph needs its notes' links only to re-link a note that changes,
so a 50k-note vault no longer holds 800k Link objects, and a warm start takes the records as they are stored."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import msgspec

from vault.codec import CodecError, NoteRecord, from_record, to_record
from vault.note import Note, note_id, read_note

__all__ = ["NoteStore", "Record", "pack", "record_of"]

Record = bytes | Note  # a packed note, or the note itself where msgpack cannot hold it
_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(NoteRecord)


def pack(note: Note | NoteRecord) -> Record:
    """The note's record as msgpack; the note itself when msgpack cannot hold it (an integer beyond 64 bits)."""
    try:
        return _encoder.encode(to_record(note) if isinstance(note, Note) else note)
    except (OverflowError, msgspec.EncodeError, UnicodeEncodeError):
        return note if isinstance(note, Note) else from_record(note)


def record_of(record: Record) -> NoteRecord:
    """The NoteRecord a stored record holds (raises CodecError for one that does not decode)."""
    return to_record(record) if isinstance(record, Note) else _decoder.decode(record)


class NoteStore(Mapping[str, Note]):
    """Note id -> Note, stored packed. A record that does not decode (a cache file altered by hand: records are
    type-checked when read) reads as its file on disk, and as unknown (None) to `decoded`, so a change to that note
    is always applied in full.

    >>> store = NoteStore(None)
    >>> store.put(Note("A.md", {"type": "agent"}))
    >>> store["A"].frontmatter, list(store), store.path("A")
    ({'type': 'agent'}, ['A'], 'A.md')
    """

    def __init__(self, root: Path | None, records: Iterable[tuple[str, Record]] = ()) -> None:
        self.root = root
        self._records: dict[str, tuple[str, Record]] = {note_id(path): (path, packed) for path, packed in records}

    def put(self, note: Note) -> None:
        self._records[note.id] = (note.path, pack(note))

    def remove(self, node_id: str) -> None:
        del self._records[node_id]

    def path(self, node_id: str) -> str:
        return self._records[node_id][0]

    def packed(self) -> Iterator[tuple[str, Record]]:
        """(path, record) for every note, in order: what a cache stores."""
        return iter(self._records.values())

    def decoded(self, node_id: str) -> Note | None:
        """The note as stored; None when absent or when its record does not decode."""
        found = self._records.get(node_id)
        if found is None:
            return None
        record = found[1]
        if isinstance(record, Note):
            return record
        try:
            decoded = _decoder.decode(record)
        except CodecError:
            return None
        return from_record(decoded) if decoded.path == found[0] else None

    def __getitem__(self, node_id: str) -> Note:
        note = self.decoded(node_id)
        if note is None:
            path = self._records[node_id][0]  # KeyError when absent, as a Mapping should
            return read_note(self.root, path) if self.root is not None else Note(path)
        return note

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._records

    def __iter__(self) -> Iterator[str]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)
