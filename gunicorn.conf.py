"""gunicorn settings for the geometry service.

One HTTP worker process with threads: the circuit breakers, metrics, cache
and dead-letter client must be one state for every request, and the real
work runs in the geometry worker pool that this process owns. On SIGTERM
gunicorn stops accepting, lets requests finish within graceful_timeout, and
worker_exit then closes the pool and flushes the dead-letter spool.
"""

import gc
import signal

from geometry_service.config import Settings
from geometry_service.json_logging import log_stdout_as_json

_settings = Settings.from_env()

bind = f"0.0.0.0:{_settings.port}"
workers = 1
# gthread, with gunicorn's own error answers (400, 414, 431...) as JSON like the app's.
worker_class = "geometry_service.gunicorn_worker.JsonErrorThreadWorker"
threads = _settings.request_threads
timeout = int(_settings.request_budget_s + 35)
graceful_timeout = int(_settings.request_budget_s + 5)
keepalive = 5
# No control socket: its default is one path per user ($XDG_RUNTIME_DIR/gunicorn.ctl), so
# stopping one instance deleted every other instance's socket; nothing here uses gunicornc.
control_socket_disable = True
accesslog = None
errorlog = "-"
loglevel = _settings.log_level.lower()


def post_fork(server, worker):
    # Before the app (and its geometry worker pool) starts: OCCT's own prints on
    # stdout, from this process and the workers it forks, become JSON log lines.
    log_stdout_as_json()


def post_worker_init(worker):
    """Once the app is loaded, keep what it holds out of the garbage collector's
    generations (gc.freeze): scanned in full, its 102,000 objects made a collection
    a 47-52 ms pause for every request thread at once. Then, on SIGTERM, first stop
    admitting analyses (new requests get 503 at once while gunicorn drains those
    in flight), and let gunicorn's own handler run."""
    gc.freeze()
    service = _service_of(worker)
    if service is None:
        return
    graceful_stop = signal.getsignal(signal.SIGTERM)

    def drain_then_stop(signum, frame):
        service.drain()
        graceful_stop(signum, frame)

    signal.signal(signal.SIGTERM, drain_then_stop)


def worker_exit(server, worker):
    service = _service_of(worker)
    if service is not None:
        service.close()


def _service_of(worker):
    """The analysis service of the worker's app (None for another app, or before it loaded)."""
    app = getattr(worker, "wsgi", None)
    return getattr(app, "extensions", {}).get("geometry_service") if app is not None else None


# gunicorn's own lines (master and worker) as JSON too, like the service's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "geometry_service.json_logging.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"handlers": ["stderr"], "level": loglevel.upper()},
    "loggers": {
        "gunicorn.error": {"handlers": [], "propagate": True},
        # The service logs one JSON line per request itself; access lines would repeat it.
        "gunicorn.access": {"handlers": [], "propagate": True, "level": "WARNING"},
    },
}
