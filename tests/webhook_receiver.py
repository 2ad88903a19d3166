"""A real webhook receiver on 127.0.0.1 (http.server on a thread) for the alert delivery tests: it answers with the
statuses it is given, or never answers, and keeps every POST it got."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Post:
    key: str | None  # the Idempotency-Key header
    body: dict[str, Any]
    at: float  # time.monotonic() on arrival


@dataclass
class Receiver:
    url: str
    posts: list[Post] = field(default_factory=list)

    def posted_keys(self) -> list[str | None]:
        return [p.key for p in self.posts]


@contextmanager
def receiver(*statuses: int, hang: bool = False, delay_s: float = 0.0) -> Iterator[Receiver]:
    """Answer the n-th POST of an idempotency key with `statuses[n - 1]` (the last one repeats; 200 when none are
    given), after `delay_s`; with `hang`, never answer (until the receiver shuts)."""
    answers = statuses or (200,)
    release = threading.Event()
    lock = threading.Lock()
    seen: Counter[str | None] = Counter()
    hook = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            key = self.headers.get("Idempotency-Key")
            with lock:
                hook.posts.append(Post(key, body, time.monotonic()))
                seen[key] += 1
                nth = seen[key]
            if hang:
                release.wait()
                return
            time.sleep(delay_s)
            self.send_response(answers[min(nth, len(answers)) - 1])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hook.url = f"http://127.0.0.1:{server.server_port}/hook"
    try:
        yield hook
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def wait_until(condition: Callable[[], object], timeout_s: float = 5.0) -> None:
    """Poll `condition()` until it is true; fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)
