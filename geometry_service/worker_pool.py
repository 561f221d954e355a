"""A pool of geometry worker processes with hard timeouts and a bounded queue.

OCCT can segfault or hang on hostile files and cannot be interrupted from
Python, so every OCCT and onnxruntime call runs in a pebble worker process:
a task past its timeout is killed with its process, a crash kills only its
worker, and pebble starts a fresh one. Workers are recycled after N tasks to
bound memory growth.

Workers are forked from a forkserver that has imported the geometry code once
(one OCP import for the pool's whole life, not one per worker start), and the
HTTP process itself never imports OCP, so a multi-threaded parent is never
forked and no parallel mesh ever ran in a process that forks.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import resource
import threading
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pebble import ProcessExpired, ProcessPool

from .errors import TransientError
from .json_logging import configure_logging, log_event

log = logging.getLogger("geometry_service.worker_pool")

PRELOAD_MODULES = ["geometry_service.part_analysis", "numpy.ma"]
"""What the forkserver imports once for every worker it forks. numpy.ma is loaded
lazily by the first ``np.unique`` (numpy 2.4 asks whether its array is masked):
25 ms of a fresh worker's first request, every WORKER_MAX_TASKS analyses."""


class WorkerTimeout(TransientError):
    default_status = 504


class WorkerLost(TransientError):
    default_status = 503


class PoolOverloaded(TransientError):
    default_status = 503

    @classmethod
    def full(cls) -> PoolOverloaded:
        return cls(
            "overloaded",
            "All geometry workers are busy and the queue is full; retry shortly.",
            details={"retry_after_s": 5},
        )


@dataclass(frozen=True)
class PoolSettings:
    workers: int = 2
    max_tasks_per_worker: int = 200
    task_timeout_s: float = 60.0
    queue_limit: int = 16
    memory_limit_mb: int = 4096
    log_level: str = "INFO"
    model_path: Path | None = None  # the model a new worker loads before its first task


@dataclass
class PoolStats:
    workers: int
    in_flight: int
    capacity: int
    completed: int  # finished tasks, whatever their outcome
    timeouts: int
    crashes: int

    @property
    def worker_restarts(self) -> int:
        return self.timeouts + self.crashes


WORKER_MATH_THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
"""One math thread per worker: the pool already runs one worker per core, and a
second BLAS thread only spins on another worker's core (NIST FTC 07's
manufacturing section: 133 ms of CPU for 66 ms of wall clock with numpy's default
threads, 66 for 65 with one)."""


def limit_math_threads() -> None:
    """Give this process and every process it starts WORKER_MATH_THREADS, unless the
    environment sets them. OpenBLAS reads them when numpy loads: call this first."""
    for name, value in WORKER_MATH_THREADS.items():
        os.environ.setdefault(name, value)


def _init_worker(memory_limit_mb: int, log_level: str, model_path: Path | None) -> None:
    """Runs once in each new worker: cap its memory, log JSON lines, silence OCCT's
    console output, load the model, and take all that out of the collector's sight
    (:func:`freeze_imports`)."""
    configure_logging(log_level)
    if memory_limit_mb > 0:
        limit = memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from .geometry.cad_reader import silence_occt

    silence_occt()
    if model_path is not None:
        load_model_early(model_path)
    freeze_imports()


def load_model_early(path: Path) -> None:
    """Load the ONNX model now (25 ms of onnxruntime's session set-up), while the worker
    waits for its first task, not during it. A missing or broken model is left for
    that task to report (tier 1 then fails with the model's error, as ever): a worker
    that failed to start would only be started again and again."""
    from .brepnet_wrapper import load_model

    try:
        load_model(path)
    except Exception as exc:  # reported by the first task that asks for the model
        log_event(log, logging.WARNING, "model_not_loaded_early", path=str(path), error=repr(exc))


def freeze_imports() -> None:
    """Move every object this process holds now (the modules the forkserver imported:
    some 217,000 after OCP, numpy and onnxruntime) into the collector's permanent
    generation. Left in its generations, they made every full collection a
    67 ms pause for the request that happened to trigger it (about one in 60 analyses);
    frozen, a collection scans only what the analyses create: over 63 analyses of
    the NIST, MFCAD and real parts, 101 ms of collection in 1 full pass became 18 ms
    in none. It also keeps the collector from writing to the pages the worker
    shares with the forkserver. Objects frozen here are never collected: call it
    once the worker is set up, before its first task."""
    gc.freeze()


class GeometryPool:
    """Run functions in worker processes; each call blocks until its result.

    ``run`` raises WorkerTimeout when a call passes its timeout, WorkerLost when
    its worker dies, and PoolOverloaded when more than ``workers + queue_limit``
    tasks are already waiting. The task's own exceptions pass through as raised.
    The timeout bounds the whole call, time waiting in the queue included: a
    caller with a deadline gets its answer, or WorkerTimeout, by that deadline.
    """

    def __init__(self, settings: PoolSettings, preload: list[str] | None = None) -> None:
        self.settings = settings
        # Before the forkserver starts, so that its numpy import and every worker see it.
        limit_math_threads()
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD_MODULES if preload is None else preload)
        self._pool = ProcessPool(
            max_workers=settings.workers,
            max_tasks=settings.max_tasks_per_worker,
            initializer=_init_worker,
            initargs=(settings.memory_limit_mb, settings.log_level, settings.model_path),
            context=context,
        )
        self._capacity = settings.workers + settings.queue_limit
        self._slots = threading.BoundedSemaphore(self._capacity)
        self._lock = threading.Lock()
        self._in_flight = 0
        self._completed = 0
        self._timeouts = 0
        self._crashes = 0

    def run(self, function: Callable[..., Any], *args: Any, timeout_s: float | None = None) -> Any:
        if not self._slots.acquire(blocking=False):
            raise PoolOverloaded.full()
        timeout = self.settings.task_timeout_s if timeout_s is None else timeout_s
        with self._lock:
            self._in_flight += 1
        try:
            future = self._pool.schedule(function, args=args, timeout=timeout)
            return self._result_within(future, timeout)
        except FutureTimeout as exc:
            self._count("timeouts")
            log_event(log, logging.WARNING, "worker_timeout", timeout_s=timeout)
            raise WorkerTimeout(
                "timeout",
                f"Geometry processing took longer than {timeout:.0f} s.",
                details={"timeout_s": timeout},
            ) from exc
        except ProcessExpired as exc:
            self._count("crashes")
            log_event(log, logging.ERROR, "worker_died", exit_code=exc.exitcode)
            raise WorkerLost(
                "worker_lost",
                "The geometry worker processing this file stopped unexpectedly.",
                details={"exit_code": exc.exitcode},
            ) from exc
        finally:
            with self._lock:
                self._in_flight -= 1
                self._completed += 1
            self._slots.release()

    def _result_within(self, future: Any, timeout: float) -> Any:
        """The task's result; FutureTimeout once ``timeout`` has passed since it was queued.

        pebble's own timeout starts when a worker picks the task up; waiting here
        as well bounds the queue wait. A task still queued or running then is
        cancelled (a running one with its worker); cancelling a finished one does nothing.
        """
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            future.cancel()
            raise

    def _count(self, name: str) -> None:
        with self._lock:
            setattr(self, f"_{name}", getattr(self, f"_{name}") + 1)

    def stats(self) -> PoolStats:
        with self._lock:
            return PoolStats(
                workers=self.settings.workers,
                in_flight=self._in_flight,
                capacity=self._capacity,
                completed=self._completed,
                timeouts=self._timeouts,
                crashes=self._crashes,
            )

    def warm_up(self, timeout_s: float = 120.0) -> None:
        """Start every worker now, so the first request does not pay for it."""
        futures = [self._pool.schedule(os.getpid) for _ in range(self.settings.workers)]
        for future in futures:
            future.result(timeout=timeout_s)

    def close(self, wait: bool = True) -> None:
        self._pool.close()
        if wait:
            self._pool.join()
        else:
            self._pool.stop()
            self._pool.join()
