"""GeometryPool contains what OCCT does to a worker: crashes, hangs and errors.

A hostile STEP file can segfault or hang OCCT (see OCCT_NOTES.md), so these
tests use real worker processes: a task that aborts its process or sleeps past
the timeout must fail alone, with the error the HTTP layer maps to its answer,
and the very next task on the same pool must succeed. One pool (two workers,
as on the two-core service, and a queue of one) serves the whole module to
keep it fast.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from geometry_service.analysis_request import AnalysisRequest, analyze_in_worker
from geometry_service.config import Settings
from geometry_service.errors import ErrorType, PermanentError
from geometry_service.worker_pool import (
    GeometryPool,
    PoolOverloaded,
    PoolSettings,
    WorkerLost,
    WorkerTimeout,
    load_model_early,
)
from tests import part_builders as parts
from tests import pool_tasks

TIMEOUT_S = 2.0
SETTINGS = PoolSettings(
    workers=2,
    max_tasks_per_worker=100,
    task_timeout_s=TIMEOUT_S,
    queue_limit=1,
    model_path=Settings().model_path,
)


@pytest.fixture(scope="module")
def pool() -> Iterator[GeometryPool]:
    geometry_pool = GeometryPool(SETTINGS)
    geometry_pool.warm_up()
    yield geometry_pool
    geometry_pool.close(wait=False)


class Concurrent:
    """A pool task run from another thread, as a concurrent request's would be."""

    def __init__(self, pool: GeometryPool, function: Callable[..., Any], *args: Any) -> None:
        self.result: Any = None
        self._thread = threading.Thread(target=self._run, args=(pool, function, args))
        self._thread.start()

    def _run(self, pool: GeometryPool, function: Callable[..., Any], args: tuple) -> None:
        self.result = pool.run(function, *args)

    def join(self) -> Any:
        self._thread.join(timeout=10.0)
        return self.result


def wait_until_in_flight(pool: GeometryPool, count: int) -> None:
    deadline = time.monotonic() + 5.0
    while pool.stats().in_flight < count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pool.stats().in_flight == count


def test_a_crashing_task_fails_alone(pool: GeometryPool) -> None:
    before = pool.stats()
    neighbour = Concurrent(pool, pool_tasks.sleep, 1.0)
    wait_until_in_flight(pool, 1)

    with pytest.raises(WorkerLost) as caught:
        pool.run(pool_tasks.abort)

    assert caught.value.code == "worker_lost"
    assert caught.value.error_type is ErrorType.TRANSIENT
    assert caught.value.http_status == 503
    assert neighbour.join() == 1.0
    assert pool.run(pool_tasks.sleep, 0.0) == 0.0
    after = pool.stats()
    assert (after.crashes - before.crashes, after.timeouts - before.timeouts) == (1, 0)


def test_a_hanging_task_is_killed_at_its_timeout(pool: GeometryPool) -> None:
    before = pool.stats()
    started = time.perf_counter()
    with pytest.raises(WorkerTimeout) as caught:
        pool.run(pool_tasks.sleep, 60.0)
    waited = time.perf_counter() - started

    assert caught.value.code == "timeout"
    assert caught.value.error_type is ErrorType.TRANSIENT
    assert caught.value.http_status == 504
    assert TIMEOUT_S <= waited < TIMEOUT_S + 5.0
    assert pool.run(pool_tasks.sleep, 0.0) == 0.0
    after = pool.stats()
    assert (after.timeouts - before.timeouts, after.crashes - before.crashes) == (1, 0)
    assert after.worker_restarts - before.worker_restarts == 1


def test_the_task_error_passes_through_with_its_code(pool: GeometryPool, tmp_path: Path) -> None:
    text = tmp_path / "notes.step"
    text.write_text("these are not the geometry you are looking for\n")

    with pytest.raises(PermanentError) as caught:
        pool.run(analyze_in_worker, str(text), AnalysisRequest())

    assert (caught.value.code, caught.value.http_status) == ("not_step", 415)
    assert caught.value.error_type is ErrorType.PERMANENT


def test_a_full_pool_refuses_more_work(pool: GeometryPool, tmp_path: Path) -> None:
    """Capacity is workers + queue_limit; the next task is refused at once, not queued."""
    gate = tmp_path / "open"
    capacity = SETTINGS.workers + SETTINGS.queue_limit
    holders = [Concurrent(pool, pool_tasks.wait_for, str(gate), 10.0) for _ in range(capacity)]
    try:
        wait_until_in_flight(pool, capacity)
        with pytest.raises(PoolOverloaded) as caught:
            pool.run(pool_tasks.sleep, 0.0)
        assert caught.value.code == "overloaded"
        assert caught.value.http_status == 503
        assert caught.value.details["retry_after_s"] > 0
    finally:
        gate.touch()
        results = [holder.join() for holder in holders]

    assert results == [True] * capacity
    assert pool.stats().in_flight == 0
    assert pool.run(pool_tasks.sleep, 0.0) == 0.0


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
def test_a_worker_multiplies_matrices_in_one_thread(pool: GeometryPool) -> None:
    # A second BLAS thread would spin on the other worker's core (worker_pool.WORKER_MATH_THREADS).
    assert pool.run(pool_tasks.threads_after_matrix_product) == 1


def test_a_worker_keeps_the_preloaded_modules_out_of_the_collector(pool: GeometryPool) -> None:
    # Scanned in full, what the forkserver imported made a collection a 67 ms pause
    # (worker_pool.freeze_imports); the geometry code alone is tens of thousands of objects.
    assert pool.run(pool_tasks.frozen_objects) > 20_000


def test_a_worker_is_warm_before_its_first_task(pool: GeometryPool) -> None:
    # numpy.ma (imported by the first np.unique) and the ONNX session were 50 ms of a
    # fresh worker's first request (worker_pool.PRELOAD_MODULES, load_model_early).
    assert pool.run(pool_tasks.warm_state) == (True, 1)


def test_a_model_that_fails_to_load_early_is_left_for_the_task_to_report(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")

    load_model_early(broken)  # must not raise: a worker that cannot start is restarted forever

    assert "model_not_loaded_early" in caplog.text


def test_a_real_part_analyzes_through_the_pool(pool: GeometryPool, tmp_path: Path) -> None:
    path = parts.write_step(parts.box_with_through_hole(), tmp_path / "holed.step")

    result = pool.run(analyze_in_worker, str(path), AnalysisRequest())

    assert result.metadata["face_count"] == 7
    assert result.metadata["solid_count"] == 1
    assert len(result.faces) == 7
    mesh = result.mesh  # arrays across the process boundary, written as JSON by the HTTP process
    assert mesh.triangle_count > 0 and mesh.indices.shape == (mesh.triangle_count, 3)
    assert mesh.face_count == 7
    assert np.all(np.diff(mesh.face_offsets()) > 0)  # every face has triangles
