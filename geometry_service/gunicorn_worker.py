"""gunicorn's gthread worker, with gunicorn's own error answers in JSON.

gunicorn answers a request it cannot parse (a bad request line, 414 URI too
long, 431 header fields too large, a bad chunk) itself, before the app sees
it, with an HTML page that no setting changes: ``Worker.handle_error`` builds
the status and message, and ``util.write_error`` sends them as HTML. This
worker lets gunicorn choose the status and message as ever, catches the page
on its way to the socket, and sends the service's JSON error body instead
(with a fresh correlation id: such a request's headers were never read).
Used through ``worker_class`` in gunicorn.conf.py.
"""

from __future__ import annotations

import html
import json
import re
import socket
import uuid
from typing import Any

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from .errors import PermanentError, SystemicError, error_body

_STATUS_LINE = re.compile(rb"^HTTP/1\.[01] (\d{3}) ([^\r\n]*)")
_PAGE_MESSAGE = re.compile(rb"</h1>\s*(.*?)\s*</body>", re.DOTALL)


class JsonErrorThreadWorker(ThreadWorker):
    def handle_error(self, req: Any, client: socket.socket, addr: Any, exc: BaseException) -> None:
        page = _CapturedPage(client)
        super().handle_error(req, page, addr, exc)
        if page.data:
            try:
                util.write_nonblock(client, json_error_response(page.data))
            except Exception:  # as gunicorn does: the client may be gone
                self.log.debug("Failed to send error message.")


class _CapturedPage:
    """Stands in for the client socket while gunicorn writes its error page; the
    rest of handle_error (the access log's environ) reads through to the socket."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0  # util.write_nonblock then writes at once, through sendall

    def sendall(self, data: bytes) -> None:
        self.data += data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def json_error_response(page: bytes) -> bytes:
    """The raw HTTP answer with the JSON error body for gunicorn's error ``page``."""
    status_line = _STATUS_LINE.match(page)
    status, reason = (
        (int(status_line[1]), status_line[2].decode("latin-1"))
        if status_line
        else (400, "Bad Request")
    )
    found = _PAGE_MESSAGE.search(page)
    message = html.unescape(found[1].decode("latin-1")).strip() if found else ""
    kind = SystemicError if status >= 500 else PermanentError
    error = kind(reason.lower().replace(" ", "_"), message or reason, status)
    correlation_id = str(uuid.uuid4())
    body = json.dumps(error_body(error, correlation_id)).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"X-Correlation-ID: {correlation_id}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body
