"""Admission control and draining, on a real service around a one-slot worker pool.

Admission is counted from before the upload is read: a request past the
pool's capacity gets its 503 at once, without its body being read, and a
draining service (SIGTERM) turns new requests away at once too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from geometry_service.analysis_service import AnalysisService
from geometry_service.errors import PermanentError
from geometry_service.received_file import ReceivedFile
from geometry_service.worker_pool import GeometryPool, PoolSettings
from tests.service_app import isolated_settings, ready_app

AT_ONCE_S = 0.5


@pytest.fixture(scope="module")
def one_slot_pool() -> Iterator[GeometryPool]:
    pool = GeometryPool(PoolSettings(workers=1, queue_limit=0))
    pool.warm_up()
    yield pool
    pool.close(wait=False)


@pytest.fixture
def service(one_slot_pool: GeometryPool, tmp_path: Path) -> Iterator[AnalysisService]:
    _, service = ready_app(isolated_settings(tmp_path, queue_limit=0), one_slot_pool)
    yield service
    service.dlq.close(flush=False)


def never_read() -> ReceivedFile:
    raise AssertionError("the upload of a request that was not admitted must not be read")


def test_past_capacity_the_answer_is_503_at_once_and_the_body_is_never_read(
    service: AnalysisService,
) -> None:
    uploading, release = threading.Event(), threading.Event()

    def slow_upload() -> ReceivedFile:
        uploading.set()
        release.wait(10)
        raise TimeoutError("the client stopped sending")

    first = threading.Thread(target=service.analyze, args=(slow_upload, "slow-1"))
    first.start()
    assert uploading.wait(5)
    started = time.monotonic()
    answer = service.analyze(never_read, "turned-away")
    waited = time.monotonic() - started
    release.set()
    first.join()

    assert answer.status == 503 and waited < AT_ONCE_S
    assert (answer.body["error"]["code"], answer.body["error"]["error_type"]) == (
        "overloaded",
        "transient",
    )
    assert answer.headers["Retry-After"] == "5"
    assert answer.body["correlation_id"] == "turned-away"


def missing_file() -> ReceivedFile:
    raise PermanentError("missing_file", "no file", 400)


def test_a_finished_request_gives_its_place_back(service: AnalysisService) -> None:
    """One place only: were it kept by a failed request, the next would be turned away."""
    for attempt in range(3):
        assert service.analyze(missing_file, f"missing-{attempt}").status == 400


def test_a_draining_service_turns_new_requests_away_at_once(service: AnalysisService) -> None:
    assert service.ready
    service.drain()
    started = time.monotonic()
    answer = service.analyze(never_read, "late")
    assert time.monotonic() - started < AT_ONCE_S
    assert answer.status == 503 and answer.body["error"]["code"] == "shutting_down"
    assert not service.ready
