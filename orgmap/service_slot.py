"""Where an interface's handlers find the service (passed in, never a module global), and, for a server a client
launches per session (`orgmap mcp`), the service opened on first need rather than before the first answer.

This module imports nothing heavy, so a door can hold a slot without loading the graph (networkx), the answer
types or the ledger: `orgmap mcp` answers `initialize` before any of those are imported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from orgmap.errors import OrgmapError

if TYPE_CHECKING:
    from orgmap.service import Service

__all__ = ["ServiceSlot", "ServiceUnavailable"]


class ServiceUnavailable(OrgmapError):
    """The service could not be opened (a malformed prices file, an unreadable store...): every question says why."""


class ServiceSlot:
    """Holds the service an interface answers from: given, filled by the host, or opened by `opener` on the first
    `get()` (once, under a lock, so a warm-up thread and a first question never open it twice)."""

    def __init__(self, service: Service | None = None, *, opener: Callable[[], Service] | None = None) -> None:
        self.service = service
        self.opener = opener
        self._lock = threading.Lock()
        self._failure: str | None = None
        self._closed = False

    def get(self) -> Service:
        if self.service is None and self.opener is not None:
            with self._lock:
                if self.service is None and not self._closed and self._failure is None:
                    try:
                        self.service = self.opener()
                    except (Exception, SystemExit) as exc:  # the CLI's opener exits with its message
                        self._failure = str(exc.code if isinstance(exc, SystemExit) else exc)
        if self._failure is not None:
            raise ServiceUnavailable(self._failure)
        if self._closed:
            raise ServiceUnavailable("the orgmap session has ended")
        if self.service is None:
            raise RuntimeError("the orgmap service is not open (the server's lifespan has not started)")
        return self.service

    def close(self) -> None:
        """Close a service the slot opened itself; a later `get()` opens nothing."""
        with self._lock:
            self._closed = True
            if self.opener is not None and self.service is not None:
                self.service.close()
                self.service = None
