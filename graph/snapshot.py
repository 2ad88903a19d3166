"""The built graph cached in `<vault>/.orgmap/graph-cache.msgpack`, so a warm start of an unchanged vault reads this
one file: the note files' (path, size, mtime_ns) it was built from, the notes' packed records (vault.store), the
node attributes, the edges as indexes into tables of shared dicts, and the bookkeeping incremental updates need. It
is used only when every note file has exactly those stats (a file modified within the racy window of its writing is
parsed again and must give its cached record), decoded and type-checked by msgspec; anything else (changed, corrupt,
inconsistent) and the graph is rebuilt."""

from __future__ import annotations

import sys
import time
from array import array
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import msgspec
import networkx as nx

from graph.bulk import EdgeWriter, adjacency, node_table
from vault.cache import RACY_NS, write_state_file
from vault.note import note_id, read_note
from vault.problems import Problem, Severity
from vault.scan import NoteFile
from vault.store import Record, pack

__all__ = ["GRAPH_CACHE_FILE", "Snapshot", "capture", "load_snapshot", "restore_edges", "restore_node_attrs",
           "save_snapshot"]

GRAPH_CACHE_FILE = "graph-cache.msgpack"
_VERSION = 3  # bump whenever parsing, resolution or edge building changes what a vault builds


class Snapshot(msgspec.Struct, array_like=True):
    """A graph and what it was built from: per note file (in scan order) its stats, packed record and node
    attributes; the nodes in graph order; edges as indexes into tables of shared dicts; placeholders, referrers and
    problems."""

    version: int
    byteorder: str  # of the index rows below (native uint32 arrays)
    written_ns: int
    files: list[tuple[str, int, int]]  # path, size, mtime_ns
    records: list[bytes]  # per file: the note's packed record
    attr_keys: list[str]
    attr_values: list[Any]  # the distinct node attribute values, each decoded once and shared by the nodes having it
    node_attrs: list[bytes]  # per file: its node's attributes but `path` (the file's), as (key, value) index pairs
    note_problems: dict[str, list[tuple[int, Severity, str, str]]]  # note id -> (line, severity, code, message)
    nodes: list[str]
    placeholders: dict[str, str]
    attrs: list[tuple[str, int, str | None, str | None]]  # relation, line, property, declared_by
    keydicts: list[list[tuple[str, int]]]  # edge key -> index into attrs
    succ: list[bytes]  # per node, flat: target node index, keydict index, target, keydict... (in order)
    pred: list[bytes]  # per node: source node indexes, in order
    referrers: dict[str, bytes]  # link key -> node indexes
    link_problems: dict[str, list[tuple[int, str, str]]]  # note id -> (line, code, message), all warnings


_decoder = msgspec.msgpack.Decoder(Snapshot)
_encoder = msgspec.msgpack.Encoder()


def capture(files: Iterable[NoteFile], records: Iterable[tuple[str, Record]], g: nx.MultiDiGraph,
            placeholders: Mapping[str, str], referrers: Mapping[str, list[str]],
            problems: Mapping[str, tuple[Problem, ...]], link_problems: Mapping[str, list[Problem]]) -> Snapshot | None:
    """The snapshot of a graph built from `files`, whose notes' packed records are `records` (same order); None when
    a note has no packed record (msgpack cannot hold it): the parse cache serves that vault."""
    packed = [record for _, record in records]
    if not all(isinstance(record, bytes) for record in packed):
        return None
    nodes = list(g.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    attrs: list[tuple[str, int, str | None, str | None]] = []
    keydicts: list[list[tuple[str, int]]] = []
    attrs_at: dict[int, int] = {}
    keydict_at: dict[int, int] = {}
    succ: list[bytes] = []
    adj_succ, adj_pred = adjacency(g)
    for u in nodes:
        row = array("I")
        for v, keydict in adj_succ[u].items():
            at = keydict_at.get(id(keydict))
            if at is None:
                items: list[tuple[str, int]] = []
                for key, data in keydict.items():
                    if id(data) not in attrs_at:
                        attrs_at[id(data)] = len(attrs)
                        attrs.append((data["relation"], data["line"], data.get("property"), data.get("declared_by")))
                    items.append((key, attrs_at[id(data)]))
                at = keydict_at[id(keydict)] = len(keydicts)
                keydicts.append(items)
            row.extend((index[v], at))
        succ.append(row.tobytes())
    pred = [_packed(map(index.__getitem__, adj_pred[v])) for v in nodes]
    stats = [(f.path, f.size, f.mtime_ns) for f in files]
    table = node_table(g)
    keys, values, node_attrs = _attr_table([table[note_id(path)] for path, _, _ in stats])
    return Snapshot(_VERSION, sys.byteorder, time.time_ns(), stats, packed,  # type: ignore[arg-type]
                    keys, values, node_attrs,
                    {src: [(p.line, p.severity, p.code, p.message) for p in found] for src, found in problems.items()},
                    nodes, dict(placeholders), attrs, keydicts, succ, pred,
                    {key: _packed(map(index.__getitem__, srcs)) for key, srcs in referrers.items() if srcs},
                    {src: [(p.line, p.code, p.message) for p in found] for src, found in link_problems.items()})


def _attr_table(nodes: list[dict[str, Any]]) -> tuple[list[str], list[msgspec.Raw], list[bytes]]:
    """Node attributes as tables of distinct keys and values (a vault repeats a few kinds, statuses, dates and tags
    thousands of times) and per node its index pairs; `path`, always the last attribute, is left to the file."""
    key_at: dict[str, int] = {}
    value_at: dict[bytes, int] = {}
    values: list[msgspec.Raw] = []
    rows: list[bytes] = []
    for attrs in nodes:
        row = array("I")
        for key, value in attrs.items():
            if key != "path":
                packed = _encoder.encode(value)
                at = value_at.setdefault(packed, len(values))
                if at == len(values):
                    values.append(msgspec.Raw(packed))
                row.extend((key_at.setdefault(key, len(key_at)), at))
        rows.append(row.tobytes())
    return list(key_at), values, rows


def restore_node_attrs(snapshot: Snapshot) -> list[dict[str, Any]]:
    """Each file's node attributes (equal values are one shared object: the graph is read-only to callers); raises
    IndexError or ValueError on a snapshot that does not hold together."""
    keys, values = snapshot.attr_keys, snapshot.attr_values
    found = []
    for (path, _, _), packed in zip(snapshot.files, snapshot.node_attrs, strict=True):
        row = _indexes(packed)
        attrs = dict(zip(map(keys.__getitem__, row[::2]), map(values.__getitem__, row[1::2]), strict=True))
        attrs["path"] = path
        found.append(attrs)
    return found


def restore_edges(g: nx.MultiDiGraph, snapshot: Snapshot, writer: EdgeWriter) -> dict[str, list[str]]:
    """Fill the adjacency of `g`, whose nodes are already `snapshot.nodes`, and return the referrers (link key -> the
    notes linking by it), consuming the snapshot's edge tables; raises IndexError, KeyError or ValueError on a
    snapshot that does not hold together."""
    attrs: list[dict[str, object]] = [
        writer.attrs(relation, line, prop) if by is None else
        {"relation": relation, "line": line, "property": prop, "declared_by": by}
        for relation, line, prop, by in snapshot.attrs]
    keydicts = [writer.keydict({key: attrs[at] for key, at in items}) for items in snapshot.keydicts]
    nodes, (succ, pred) = snapshot.nodes, adjacency(g)
    for u, packed in zip(nodes, snapshot.succ, strict=True):
        row = _indexes(packed)
        succ[u] = dict(zip(map(nodes.__getitem__, row[::2]), map(keydicts.__getitem__, row[1::2]), strict=True))
    snapshot.succ = []  # consumed: freed before the next table is built (a 50k vault's peak memory)
    for v, packed in zip(nodes, snapshot.pred, strict=True):
        pred[v] = {u: succ[u][v] for u in map(nodes.__getitem__, _indexes(packed))}
    snapshot.pred = []
    nx._clear_cache(g)
    referrers = {key: list(map(nodes.__getitem__, _indexes(found))) for key, found in snapshot.referrers.items()}
    snapshot.referrers = {}
    return referrers


def _packed(indexes: Iterable[int]) -> bytes:
    return array("I", indexes).tobytes()


def _indexes(packed: bytes) -> memoryview:
    """A row of node or table indexes, read in place; ValueError when its length is not whole indexes."""
    if len(packed) % 4:
        raise ValueError("an index row of a partial index")
    return memoryview(packed).cast("I")


def load_snapshot(root: Path, files: list[NoteFile]) -> Snapshot | None:
    """The cached snapshot when it was built from exactly these files; None otherwise. A file modified in the racy
    window before the snapshot was written (or dated in the future) may hide a same-size edit in the same mtime
    tick, so its stats are not trusted: it is parsed again and must give the very record the snapshot holds."""
    try:
        snapshot = _decoder.decode((root / ".orgmap" / GRAPH_CACHE_FILE).read_bytes())
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None
    fresh_before = snapshot.written_ns - RACY_NS
    if snapshot.version != _VERSION or snapshot.byteorder != sys.byteorder or len(snapshot.files) != len(files) or \
            len(snapshot.records) != len(files) or snapshot.files != [(f.path, f.size, f.mtime_ns) for f in files]:
        return None
    for f, record in zip(files, snapshot.records, strict=True):
        if f.mtime_ns >= fresh_before and pack(read_note(root, f.path)) != record:
            return None
    return snapshot


def save_snapshot(root: Path, snapshot: Snapshot) -> bool:
    return write_state_file(root, GRAPH_CACHE_FILE, _encoder.encode(snapshot))
