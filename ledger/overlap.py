"""Work handed to one background thread, one job at a time, so the caller prepares the next job meanwhile: ingest
validates and prices batch N+1 while batch N's transaction runs. The database driver (sqlite3's step, psycopg's
I/O) releases the GIL, so the two overlap on two cores. Jobs run in the order given; a job's error is raised to
the caller at its next `submit` or at `close`, and nothing after it runs."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["Overlapped"]


class Overlapped:
    """At most one job running in the background and none queued: `submit` waits for the one before (raising its
    error), `close` waits for the last. The thread starts with the first job."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None

    def submit(self, job: Callable[[], None]) -> None:
        self.wait()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._name)
        self._pending = self._pool.submit(job)

    def wait(self) -> None:
        """Wait for the job running, if any (its error raised here)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Wait for the last job, then stop the thread."""
        try:
            self.wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown()
