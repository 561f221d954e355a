"""An upload that must arrive within the request's budget, however slowly the client sends.

A client that drips one byte every few seconds never trips a per-read socket
timeout (and gunicorn's body reader loops until it has the bytes asked for),
so it could hold a request thread for minutes. Instead, a timer shuts the
connection's read side at the deadline, which ends any read in progress, and
the body stream answers every read after the deadline with 408
``upload_timeout``. The timer is cancelled when the request ends.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, BinaryIO

from .errors import PermanentError


def upload_timed_out(budget_s: float) -> PermanentError:
    return PermanentError(
        "upload_timeout",
        f"The upload did not arrive within the request's budget of {budget_s:.0f} s.",
        408,
    )


class DeadlineStream:
    """A WSGI input stream that raises 408 once ``deadline`` (time.monotonic()) has passed."""

    def __init__(self, stream: BinaryIO, deadline: float, budget_s: float) -> None:
        self._stream = stream
        self._deadline = deadline
        self._budget_s = budget_s

    def _checked(self, data: bytes) -> bytes:
        if time.monotonic() >= self._deadline:
            raise upload_timed_out(self._budget_s)
        return data

    def read(self, size: int = -1) -> bytes:
        return self._checked(self._stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._checked(self._stream.readline(size))

    def __iter__(self):
        while line := self.readline():
            yield line


class UploadDeadline:
    """The guard of one request's body; :meth:`cancel` it when the request ends."""

    def __init__(self, connection: socket.socket | None, left_s: float) -> None:
        self._timer = threading.Timer(max(left_s, 0.0), self._stop_reading, (connection,))
        self._timer.daemon = True
        if connection is not None:
            self._timer.start()

    @staticmethod
    def _stop_reading(connection: socket.socket) -> None:
        try:
            connection.shutdown(socket.SHUT_RD)
        except OSError:
            pass  # the client has gone already

    def cancel(self) -> None:
        self._timer.cancel()


def bound_upload(environ: dict[str, Any], deadline: float, budget_s: float) -> UploadDeadline:
    """Make this request's body end by ``deadline``; call before anything reads it."""
    environ["wsgi.input"] = DeadlineStream(environ["wsgi.input"], deadline, budget_s)
    return UploadDeadline(environ.get("gunicorn.socket"), deadline - time.monotonic())
