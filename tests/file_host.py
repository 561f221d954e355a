"""A file host on loopback (an ephemeral port) for the download tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = tuple[int, bytes] | Callable[["FileHandler"], None]
"""A canned answer (status, body), or a function that answers through the handler."""


class FileHandler(BaseHTTPRequestHandler):
    """Answers GETs from ``routes`` (404 elsewhere) and records every path asked for in ``hits``;
    subclass it to give a test its own routes and hits."""

    routes: dict[str, Route] = {}
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.hits.append(self.path)
        route = self.routes.get(self.path, (404, b"missing"))
        if callable(route):
            route(self)
        else:
            self.answer(*route)

    def answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def serving(handler: type[FileHandler]) -> Iterator[int]:
    """Serve ``handler`` on 127.0.0.1 and yield its port; request threads never block
    the shutdown."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
