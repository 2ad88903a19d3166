"""Notes as compact records for the parse cache (JSON) and for parse workers (msgpack). msgspec checks every field's
type while decoding, in C: a planted or corrupt record is refused whole, and a warm start builds no Python per link."""

from __future__ import annotations

from typing import Any

import msgspec

from vault.links import Link
from vault.note import Note
from vault.problems import Problem, Severity

__all__ = ["CodecError", "NoteRecord", "from_record", "to_record"]

CodecError = (msgspec.DecodeError, msgspec.ValidationError)


class NoteRecord(msgspec.Struct, frozen=True):
    """A note as stored: the same keys as Note.to_json, problems as [line, severity, code, message]."""

    path: str
    frontmatter: dict[str, Any]
    property_links: tuple[tuple[str, Link], ...]
    links: tuple[Link, ...]
    tags: tuple[str, ...]
    aliases: tuple[str, ...]
    problems: tuple[tuple[int, Severity, str, str], ...]


def to_record(note: Note) -> NoteRecord:
    problems = tuple((p.line, p.severity, p.code, p.message) for p in note.problems)
    return NoteRecord(note.path, note.frontmatter, note.property_links, note.links, note.tags, note.aliases, problems)


def from_record(record: NoteRecord) -> Note:
    """The note a record holds (decoded records are already type-checked).

    >>> note = Note("A.md", {"n": 1}, (("owner", Link("T", 2)),), (Link("B", 4, embed=True),), ("t",), (),
    ...             (Problem("A.md", 4, "warning", "x", "y"),))
    >>> from_record(msgspec.json.decode(msgspec.json.encode(to_record(note)), type=NoteRecord)) == note
    True
    """
    problems = tuple(Problem(record.path, line, severity, code, message)
                     for line, severity, code, message in record.problems)
    return Note(record.path, record.frontmatter, record.property_links, record.links, record.tags, record.aliases,
                problems)
