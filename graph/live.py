"""LiveGraph: a CompanyGraph kept current by a watchdog observer. File events are gathered until the vault is quiet
for `debounce` seconds (an editor's burst of saves is one update), then applied as one batch on one worker thread."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from graph.company import CompanyGraph, NoteChange
from vault.scan import is_note_path

__all__ = ["DEFAULT_DEBOUNCE", "Listener", "LiveGraph"]

DEFAULT_DEBOUNCE = 0.075
Listener = Callable[[list[NoteChange]], None]
_log = logging.getLogger(__name__)
_IGNORED = frozenset({"opened", "closed_no_write"})


class _Handler(FileSystemEventHandler):
    def __init__(self, live: LiveGraph) -> None:
        self._live = live

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _IGNORED:
            self._live._note_event(event)


class LiveGraph:
    """Watches `graph.root` and applies changes. Use as a context manager, or call start() and stop()."""

    def __init__(self, graph: CompanyGraph, *, debounce: float = DEFAULT_DEBOUNCE) -> None:
        if graph.root is None:
            raise ValueError("a live graph needs a graph loaded from a vault folder")
        self.graph = graph
        self.debounce = debounce
        self._root = Path(os.path.realpath(graph.root))
        self._cond = threading.Condition()
        self._paths: set[str] = set()
        self._dirs: set[str] = set()
        self._renames: dict[str, str] = {}
        self._last_event = 0.0
        self._stopping = False
        self._listeners: list[Listener] = []
        self._observer: Observer | None = None  # type: ignore[valid-type]
        self._worker: threading.Thread | None = None

    def __enter__(self) -> LiveGraph:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(changes)` after each applied batch (on the watcher's thread); returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def start(self) -> None:
        if self._worker is not None:
            return
        self._stopping = False
        self._worker = threading.Thread(target=self._run, name="orgmap-vault-apply", daemon=True)
        self._worker.start()
        observer = Observer()
        observer.schedule(_Handler(self), str(self._root), recursive=True)
        observer.start()
        self._observer = observer

    def stop(self) -> None:
        """Stop watching and join the threads; pending changes are applied first. Safe to call twice."""
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join()
        worker, self._worker = self._worker, None
        if worker is not None:
            with self._cond:
                self._stopping = True
                self._cond.notify_all()
            worker.join()

    def wait_for(self, revision: int, timeout: float | None = None) -> bool:
        """Block until the graph's revision reaches `revision`; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self.graph.revision >= revision, timeout)

    # -- the watcher side --

    def _relative(self, path: str | bytes) -> str | None:
        text = os.fsdecode(path)
        try:
            relative = Path(text).relative_to(self._root).as_posix()
        except ValueError:
            return None
        return None if relative == "." or any(p.startswith(".") for p in relative.split("/")) else relative

    def _note_event(self, event: FileSystemEvent) -> None:
        src = self._relative(event.src_path)
        dest = self._relative(event.dest_path) if event.dest_path else None
        with self._cond:
            if event.is_directory:
                self._dirs.update(p for p in (src, dest) if p is not None and event.event_type != "modified")
            else:
                self._paths.update(p for p in (src, dest) if p is not None and is_note_path(p))
                if src and dest and is_note_path(src) and is_note_path(dest):
                    self._renames[dest] = src
            self._last_event = time.monotonic()
            self._cond.notify_all()

    def _take_batch(self) -> tuple[set[str], dict[str, str]] | None:
        """Wait for a quiet period after events; None once stopping with nothing pending."""
        with self._cond:
            while True:
                pending = self._paths or self._dirs
                if not pending:
                    if self._stopping:
                        return None
                    self._cond.wait()
                    continue
                quiet = self._last_event + self.debounce - time.monotonic()
                if quiet > 0 and not self._stopping:
                    self._cond.wait(quiet)
                    continue
                paths, dirs, renames = self._paths, self._dirs, self._renames
                self._paths, self._dirs, self._renames = set(), set(), {}
                break
        for folder in dirs:
            paths |= self._notes_under(folder)
        return paths, renames

    def _notes_under(self, folder: str) -> set[str]:
        """Known notes under a folder that moved or vanished, and notes now on disk under it (inside the vault)."""
        prefix = folder + "/"
        found = {path for path in self.graph.notes_paths() if path.startswith(prefix)}
        base = self._root / folder
        if base.is_dir() and os.path.realpath(base).startswith(str(self._root) + os.sep):
            for directory, subdirs, files in os.walk(base):
                subdirs[:] = [d for d in subdirs if not d.startswith(".")]
                rel = Path(directory).relative_to(self._root).as_posix()
                found.update(f"{rel}/{name}" for name in files if is_note_path(f"{rel}/{name}"))
        return found

    def _run(self) -> None:
        while (batch := self._take_batch()) is not None:
            paths, renames = batch
            try:
                changes = self.graph.refresh(paths, renames)
            except Exception:  # a bug here must not kill the watcher: log it and keep watching
                _log.exception("orgmap: could not apply vault changes %s", sorted(paths))
                continue
            with self._cond:
                self._cond.notify_all()
            if changes:
                for listener in list(self._listeners):
                    try:
                        listener(changes)
                    except Exception:
                        _log.exception("orgmap: a vault change listener failed")
