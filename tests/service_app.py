"""An app around a shared worker pool, ready to answer: what the HTTP tests build on.

Starting a pool costs seconds, so test modules share one and give each app
its own service (breakers, cache, DLQ, metrics) around it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from geometry_service.analysis_service import AnalysisService
from geometry_service.app import create_app
from geometry_service.composition import build_service
from geometry_service.config import Settings
from geometry_service.worker_pool import GeometryPool

READY_TIMEOUT_S = 30.0


def isolated_settings(folder: Path, **overrides: Any) -> Settings:
    """Settings for one test's service: one worker, no model (tier 1 blocked, so the
    rules answer the same every run), and every file it writes (failure spool and
    store, training candidates) inside ``folder``, never in the project's var/."""
    defaults = {
        "worker_count": 1,
        "model_path": folder / "no-model.onnx",
        "dlq_spool_path": folder / "spool.sqlite3",
        "dlq_sqlite_path": folder / "dlq.sqlite3",
        "training_candidates_dir": folder / "training_candidates",
    }
    return Settings(**{**defaults, **overrides})


def ready_app(settings: Settings, pool: GeometryPool) -> tuple[Flask, AnalysisService]:
    """The app and its service, once the service says it is ready."""
    service = build_service(settings, pool=pool)
    app = create_app(settings, service)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not service.ready and time.monotonic() < deadline:
        time.sleep(0.02)
    return app, service


@contextmanager
def app_builder(pool: GeometryPool) -> Iterator[Callable[[Settings], Flask]]:
    """Builds ready apps around ``pool``; on exit closes their failure queues unflushed
    (the tests read their stores themselves, and a flush could wait on a store that is down)."""
    services: list[AnalysisService] = []

    def build(settings: Settings) -> Flask:
        app, service = ready_app(settings, pool)
        services.append(service)
        return app

    try:
        yield build
    finally:
        for service in services:
            service.dlq.close(flush=False)


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """``app`` over real HTTP (werkzeug, threaded) on an ephemeral loopback port: its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="test-http-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
