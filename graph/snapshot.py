"""The built graph cached in `<vault>/.orgmap/graph-cache.json` beside the parse cache, so a warm start of an
unchanged vault skips link resolution and the per-edge work. It is used only for notes whose content digest it
carries, decoded and type-checked by msgspec; anything else (corrupt, stale, inconsistent) and the graph is rebuilt."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import msgspec
import networkx as nx

from graph.bulk import EdgeWriter
from vault.cache import write_state_file
from vault.codec import to_record
from vault.note import Note
from vault.problems import Problem

__all__ = ["GRAPH_CACHE_FILE", "Snapshot", "capture", "load_snapshot", "notes_digest", "restore_edges",
           "save_snapshot"]

GRAPH_CACHE_FILE = "graph-cache.json"
_VERSION = 1  # bump whenever resolution or edge building changes what a vault builds


class Snapshot(msgspec.Struct):
    """A graph's nodes (in order), its edges as indexes into tables of shared dicts, and the bookkeeping that
    incremental updates need (placeholders, referrers, link problems)."""

    version: int
    digest: str
    nodes: list[str]
    placeholders: dict[str, str]
    attrs: list[tuple[str, int, str | None, str | None]]  # relation, line, property, declared_by
    keydicts: list[list[tuple[str, int]]]  # edge key -> index into attrs
    succ: list[list[int]]  # per node, flat: target node index, keydict index, target, keydict... (in order)
    pred: list[list[int]]  # per node: source node indexes, in order
    referrers: dict[str, list[int]]  # link key -> node indexes
    link_problems: dict[str, list[tuple[int, str, str]]]  # note id -> (line, code, message), all warnings


_decoder = msgspec.json.Decoder(Snapshot)
_encoder = msgspec.json.Encoder()


def notes_digest(notes: Iterable[Note]) -> str:
    """A digest of the notes' content: a snapshot is only valid for exactly these notes."""
    packed = msgspec.msgpack.encode([to_record(note) for note in notes])
    return f"{_VERSION}:" + hashlib.blake2b(packed, digest_size=20).hexdigest()


def capture(digest: str, g: nx.MultiDiGraph, placeholders: Mapping[str, str],
            referrers: Mapping[str, list[str]], link_problems: Mapping[str, list[Problem]]) -> Snapshot:
    """The snapshot of a built graph; shared dicts are stored once."""
    nodes = list(g.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    attrs: list[tuple[str, int, str | None, str | None]] = []
    keydicts: list[list[tuple[str, int]]] = []
    attrs_at: dict[int, int] = {}
    keydict_at: dict[int, int] = {}
    succ: list[list[int]] = []
    for u in nodes:
        row: list[int] = []
        for v, keydict in g._succ[u].items():
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
            row += (index[v], at)
        succ.append(row)
    pred = [[index[u] for u in g._pred[v]] for v in nodes]
    problems = {src: [(p.line, p.code, p.message) for p in found] for src, found in link_problems.items()}
    return Snapshot(_VERSION, digest, nodes, dict(placeholders), attrs, keydicts, succ, pred,
                    {key: [index[src] for src in srcs] for key, srcs in referrers.items() if srcs}, problems)


def restore_edges(g: nx.MultiDiGraph, snapshot: Snapshot, writer: EdgeWriter) -> dict[str, list[str]]:
    """Fill the adjacency of `g`, whose nodes are already `snapshot.nodes`, and return the referrers (link key -> the
    notes linking by it); raises IndexError, KeyError or ValueError on a snapshot that does not hold together."""
    attrs = [writer.attrs(relation, line, prop) if by is None else
             {"relation": relation, "line": line, "property": prop, "declared_by": by}
             for relation, line, prop, by in snapshot.attrs]
    keydicts = [writer.keydict({key: attrs[at] for key, at in items}) for items in snapshot.keydicts]
    nodes, succ, pred = snapshot.nodes, g._succ, g._pred
    for u, row in zip(nodes, snapshot.succ, strict=True):
        succ[u] = dict(zip(map(nodes.__getitem__, row[::2]), map(keydicts.__getitem__, row[1::2]), strict=True))
    for v, row in zip(nodes, snapshot.pred, strict=True):
        pred[v] = {nodes[u]: succ[nodes[u]][v] for u in row}
    nx._clear_cache(g)
    return {key: [nodes[i] for i in found] for key, found in snapshot.referrers.items()}


def load_snapshot(root: Path, digest: str) -> Snapshot | None:
    """The cached snapshot when it was built from notes with this digest; None otherwise."""
    try:
        snapshot = _decoder.decode((root / ".orgmap" / GRAPH_CACHE_FILE).read_bytes())
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None
    return snapshot if snapshot.version == _VERSION and snapshot.digest == digest else None


def save_snapshot(root: Path, snapshot: Snapshot) -> bool:
    return write_state_file(root, GRAPH_CACHE_FILE, _encoder.encode(snapshot))
