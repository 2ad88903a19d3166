"""Read every note of a vault: cached notes where the file is unchanged, the rest parsed (on all cores when there are
many), each packed as soon as it is read (vault.store), so a whole vault's notes never live as objects at once.
Library code: progress goes to an optional `on_progress(done, total)` callback."""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import msgspec

from vault.cache import load_cache, save_cache
from vault.note import Note, read_note
from vault.problems import Problem
from vault.scan import NoteFile, scan_vault
from vault.store import NoteStore, Record, pack

__all__ = ["PARALLEL_THRESHOLD", "VaultNotes", "gc_paused", "load_notes", "spare_cores"]

Progress = Callable[[int, int], None]
PARALLEL_THRESHOLD = 2000  # below this many files a process pool costs more than it saves
_CHUNK = 250
_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(list[tuple[str, bytes | None]])


@dataclass(frozen=True, slots=True)
class VaultNotes:
    """The notes of a vault (packed, in path order), plus problems met while finding them (not the notes' own)."""

    root: Path
    store: NoteStore
    problems: tuple[Problem, ...]
    parsed: int  # how many notes were parsed rather than taken from the cache

    @property
    def notes(self) -> dict[str, Note]:
        """Every note by path, decoded."""
        return {self.store.path(node_id): note for node_id, note in self.store.items()}


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while a whole vault loads: it would rescan the growing heap many times over, and parsed
    notes hold no cycles. Restored afterwards (only if it was on). Nothing is frozen (gc.freeze): a frozen graph is
    never collected once dropped (networkx's views make cycles with it), so each reload would leak a whole graph."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def spare_cores(cpus: int, load: float) -> int:
    """The parse workers worth starting: the CPUs other work (the load average) leaves at least partly idle, at least
    one. Measured on 2 cores: two workers won at load 0.6 (10k notes 1.6 s against 2.1 s) and lost at load 3-5.

    >>> spare_cores(2, 0.3), spare_cores(2, 0.6), spare_cores(2, 1.2), spare_cores(2, 5.0), spare_cores(8, 2.0)
    (2, 2, 1, 1, 6)
    """
    return max(1, min(cpus, math.ceil(cpus - load)))


def _parse_chunk(job: tuple[str, list[str]]) -> list[tuple[str, Record]]:
    root, paths = job
    return [(path, pack(read_note(root, path))) for path in paths]


def _parse_chunk_packed(job: tuple[str, list[str]]) -> bytes:
    """A worker's chunk as (path, packed record) in msgpack (a fraction of pickling notes); None for a note msgpack
    cannot hold, which the parent parses itself."""
    chunk = _parse_chunk(job)
    return _encoder.encode([(path, record if isinstance(record, bytes) else None) for path, record in chunk])


def _parse_all(root: Path, paths: list[str], workers: int, on_progress: Progress | None, done: int,
               total: int) -> list[tuple[str, Record]]:
    chunks = [paths[i : i + _CHUNK] for i in range(0, len(paths), _CHUNK)]
    notes: list[tuple[str, Record]] = []
    if workers > 1 and len(paths) >= PARALLEL_THRESHOLD:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for packed in pool.imap(_parse_chunk_packed, [(str(root), chunk) for chunk in chunks]):
                notes += [(path, record if record is not None else pack(read_note(root, path)))
                          for path, record in _decoder.decode(packed)]
                if on_progress:
                    on_progress(done + len(notes), total)
        return notes
    for chunk in chunks:
        notes.extend(_parse_chunk((str(root), chunk)))
        if on_progress:
            on_progress(done + len(notes), total)
    return notes


def load_notes(root: Path, *, cache: bool = True, on_progress: Progress | None = None, workers: int | None = None,
               scanned: tuple[list[NoteFile], list[Problem]] | None = None) -> VaultNotes:
    """Every note under `root` (`scanned`: what scan_vault just found there, to save scanning twice). With `cache`,
    unchanged notes come from `.orgmap/parse-cache.json` and the cache is rewritten when anything was parsed;
    `workers` defaults to the CPUs other work leaves idle (spare_cores)."""
    root = Path(os.path.realpath(root))
    files, problems = scanned or scan_vault(root)
    cached: dict[str, Record] = load_cache(root, files) if cache else {}
    todo = [f.path for f in files if f.path not in cached]
    total = len(files)
    if on_progress:
        on_progress(len(cached), total)
    parsed = _parse_all(root, todo, workers or spare_cores(len(os.sched_getaffinity(0)), os.getloadavg()[0]),
                        on_progress, len(cached), total)
    cached.update(parsed)
    store = NoteStore(root, ((f.path, cached[f.path]) for f in files))
    if cache and parsed:
        save_cache(root, files, store)
    return VaultNotes(root, store, tuple(problems), len(parsed))
