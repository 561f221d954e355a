"""One JSON object per log line, so log search can filter on any field.

Modules log through :func:`log_event`: an event name and flat fields, which
come out as one object with time, level and logger. The correlation id of the
request being served is a context variable, set where the request enters (the
HTTP thread, and the worker process for its task), and every event logged
meanwhile carries it, so all lines of one request can be joined. Lines of
other libraries (gunicorn, tenacity) are wrapped the same way. Never log file
contents, keys or tokens.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

_STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_TERMINAL_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
STDOUT_LOGGER = "geometry_service.stdout"


current_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


@contextmanager
def correlation_scope(correlation_id: str | None) -> Iterator[None]:
    """Every event logged inside carries ``correlation_id``."""
    token = current_correlation_id.set(correlation_id)
    try:
        yield
    finally:
        current_correlation_id.reset(token)


def log_event(
    logger: logging.Logger, level: int, event: str, exc_info: Any = None, **fields: Any
) -> None:
    """Log one event: its name, the request's correlation id if one is being served,
    and ``fields``."""
    if not logger.isEnabledFor(level):
        return
    correlation_id = current_correlation_id.get()
    entry = {
        "event": event,
        **({"correlation_id": correlation_id} if correlation_id else {}),
        **fields,
    }
    logger.log(level, json.dumps(entry, default=str), exc_info=exc_info)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        message = record.getMessage()
        entry.update(_as_object(message) or {"message": message})
        entry.update(
            {key: value for key, value in vars(record).items() if key not in _STANDARD_ATTRIBUTES}
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _as_object(message: str) -> dict[str, Any] | None:
    if not message.startswith("{"):
        return None
    try:
        value = json.loads(message)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def configure_logging(level: str) -> None:
    """Send every logger's records to stderr as JSON lines (gunicorn's too)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("gunicorn.error", "gunicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True


def log_stdout_as_json() -> threading.Thread:
    """Turn what this process and its future children write to stdout (file
    descriptor 1) into log records, one per line, terminal colour codes removed.

    OCCT prints its failures from C++ straight to stdout, in colour, where no
    Python logging reaches, and the geometry workers inherit the HTTP process's
    stdout: without this, those lines land raw among the JSON ones. Call it
    before the worker pool starts (gunicorn.conf.py does, in post_fork). The
    returned thread ends when every writer has closed its stdout.
    """
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    os.dup2(write_end, 1)
    os.close(write_end)
    thread = threading.Thread(
        target=_log_lines, args=(read_end,), name="stdout-to-log", daemon=True
    )
    thread.start()
    return thread


def _log_lines(read_end: int) -> None:
    logger = logging.getLogger(STDOUT_LOGGER)
    with os.fdopen(read_end, "rb") as pipe:
        for raw in pipe:
            line = _TERMINAL_ESCAPES.sub("", raw.decode("utf-8", "replace")).strip()
            if line:
                logger.warning(line)
