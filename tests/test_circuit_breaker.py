"""Circuit breaker: state machine, what counts as failure, stats, registry."""

from __future__ import annotations

import pickle
import threading

import pytest

from geometry_service.circuit_breaker import (
    BREAKER_NAMES,
    BreakerPolicy,
    BreakerRegistry,
    BreakerState,
    CircuitBreaker,
    CircuitOpenError,
)
from geometry_service.composition import breaker_policy
from geometry_service.config import Settings
from geometry_service.errors import ErrorType, PermanentError, SystemicError, TransientError
from tests.fakes import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1000.0)


@pytest.fixture
def transitions() -> list[tuple[str, str, str]]:
    return []


@pytest.fixture
def breaker(clock: FakeClock, transitions: list) -> CircuitBreaker:
    return CircuitBreaker(
        "inference",
        failure_threshold=5,
        recovery_timeout_s=60,
        slow_call_s=10,
        clock=clock,
        on_transition=lambda name, old, new: transitions.append((name, old.value, new.value)),
    )


WORKER_LOST = TransientError("worker_lost", "worker died")


def fail(exc: BaseException = WORKER_LOST):
    raise exc


def trip(breaker: CircuitBreaker, times: int = 5) -> None:
    for _ in range(times):
        with pytest.raises(TransientError):
            breaker.call(fail)


def test_opens_after_threshold_consecutive_failures(breaker: CircuitBreaker) -> None:
    trip(breaker, 4)
    assert breaker.state is BreakerState.CLOSED
    trip(breaker, 1)
    assert breaker.state is BreakerState.OPEN


def test_success_resets_the_consecutive_count(breaker: CircuitBreaker) -> None:
    trip(breaker, 4)
    breaker.call(lambda: "ok")
    trip(breaker, 4)
    assert breaker.state is BreakerState.CLOSED
    assert breaker.stats().consecutive_failures == 4


def test_open_breaker_rejects_without_calling(breaker: CircuitBreaker, clock: FakeClock) -> None:
    trip(breaker)
    clock.advance(15)
    called = []
    with pytest.raises(CircuitOpenError) as raised:
        breaker.call(called.append, 1)
    assert called == []
    error = raised.value
    assert (error.code, error.http_status, error.error_type) == (
        "circuit_open",
        503,
        ErrorType.TRANSIENT,
    )
    assert error.retry_after_s == pytest.approx(45)
    assert breaker.allow() is False
    assert breaker.stats().rejections == 2


def test_circuit_open_error_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(CircuitOpenError.for_breaker("download", 12.5)))
    assert isinstance(error, CircuitOpenError)
    assert error.retry_after_s == 12.5


def test_half_open_admits_exactly_one_trial(breaker: CircuitBreaker, clock: FakeClock) -> None:
    trip(breaker)
    clock.advance(60)
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow() is True
    assert breaker.allow() is False
    with pytest.raises(CircuitOpenError):
        breaker.before_call()


def test_half_open_trial_success_closes(
    breaker: CircuitBreaker, clock: FakeClock, transitions: list
) -> None:
    trip(breaker)
    clock.advance(60)
    assert breaker.call(lambda: 42) == 42
    assert breaker.state is BreakerState.CLOSED
    assert transitions == [
        ("inference", "closed", "open"),
        ("inference", "open", "half_open"),
        ("inference", "half_open", "closed"),
    ]


def test_half_open_trial_failure_reopens_for_a_full_period(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    trip(breaker)
    clock.advance(60)
    trip(breaker, 1)
    assert breaker.state is BreakerState.OPEN
    clock.advance(59)
    assert breaker.allow() is False
    clock.advance(1)
    assert breaker.allow() is True


def test_slow_call_counts_as_failure_even_though_it_returned(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    def slow() -> str:
        clock.advance(11)
        return "late"

    for _ in range(5):
        assert breaker.call(slow) == "late"
    stats = breaker.stats()
    assert stats.state is BreakerState.OPEN
    assert (stats.slow_calls, stats.failures, stats.successes) == (5, 5, 0)


def test_explicit_protocol_counts_slow_success(breaker: CircuitBreaker) -> None:
    breaker.before_call()
    breaker.record_success(10.5)
    breaker.before_call()
    breaker.record_success(0.2)
    stats = breaker.stats()
    assert (stats.calls, stats.successes, stats.slow_calls) == (2, 1, 1)


@pytest.mark.parametrize("state_before_trial", ["closed", "half_open"])
def test_permanent_errors_never_count_and_pass_through(
    breaker: CircuitBreaker, clock: FakeClock, state_before_trial: str
) -> None:
    if state_before_trial == "half_open":
        trip(breaker)
        clock.advance(60)
    bad_input = PermanentError("not_step", "not a STEP file")
    for _ in range(10):
        with pytest.raises(PermanentError):
            breaker.call(fail, bad_input)
    stats = breaker.stats()
    assert stats.state.value == state_before_trial
    assert stats.permanent_errors == 10
    assert breaker.allow() is True  # the trial slot was freed every time


def test_systemic_and_unclassified_errors_count(breaker: CircuitBreaker) -> None:
    trip(breaker, 2)
    for exc in (SystemicError("model_missing", "no model"), RuntimeError("bug"), KeyError("x")):
        with pytest.raises(type(exc)):
            breaker.call(fail, exc)
    assert breaker.state is BreakerState.OPEN


def test_stats_snapshot_and_transition_history(breaker: CircuitBreaker, clock: FakeClock) -> None:
    breaker.call(lambda: None)
    trip(breaker)
    breaker.allow()
    stats = breaker.stats().to_dict()
    assert stats["name"] == "inference"
    assert stats["state"] == "open"
    assert (stats["calls"], stats["successes"], stats["failures"]) == (6, 1, 5)
    assert (stats["rejections"], stats["consecutive_failures"]) == (1, 5)
    assert stats["opened_at"].endswith("+00:00")
    assert stats["transitions"][0]["from"] == "closed"
    assert stats["transitions"][0]["to"] == "open"


def test_transition_history_is_capped(breaker: CircuitBreaker, clock: FakeClock) -> None:
    for _ in range(15):
        trip(breaker)
        clock.advance(60)
        breaker.call(lambda: None)
    assert len(breaker.stats().transitions) == 20


def test_reset_closes_and_keeps_lifetime_counters(breaker: CircuitBreaker) -> None:
    trip(breaker)
    breaker.reset()
    stats = breaker.stats()
    assert stats.state is BreakerState.CLOSED
    assert (stats.consecutive_failures, stats.failures, stats.opened_at) == (0, 5, None)
    assert breaker.call(lambda: "ok") == "ok"


def test_callback_may_read_stats_without_deadlock(clock: FakeClock) -> None:
    seen: list[BreakerState] = []
    breakers: list[CircuitBreaker] = []
    breakers.append(
        CircuitBreaker(
            "download",
            failure_threshold=1,
            clock=clock,
            on_transition=lambda name, old, new: seen.append(breakers[0].stats().state),
        )
    )
    trip(breakers[0], 1)
    assert seen == [BreakerState.OPEN]


def test_concurrent_half_open_admits_one(breaker: CircuitBreaker, clock: FakeClock) -> None:
    trip(breaker)
    clock.advance(60)
    barrier = threading.Barrier(16)
    admitted = []

    def contender() -> None:
        barrier.wait()
        admitted.append(breaker.allow())

    threads = [threading.Thread(target=contender) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert admitted.count(True) == 1


def test_registry_builds_named_breakers_from_settings() -> None:
    settings = Settings(breaker_failure_threshold=2, breaker_recovery_s=3, breaker_slow_call_s=4)
    registry = BreakerRegistry(breaker_policy(settings))
    assert set(registry.all_stats()) == set(BREAKER_NAMES)
    breaker = registry.get("dlq_store")
    assert (breaker.failure_threshold, breaker.recovery_timeout_s, breaker.slow_call_s) == (2, 3, 4)


def test_registry_reset_one_or_all() -> None:
    registry = BreakerRegistry(BreakerPolicy(failure_threshold=1))
    for name in ("inference", "download"):
        trip(registry.get(name), 1)
    registry.reset("inference")
    assert registry.all_stats()["inference"]["state"] == "closed"
    assert registry.all_stats()["download"]["state"] == "open"
    registry.reset()
    assert {s["state"] for s in registry.all_stats().values()} == {"closed"}


def test_registry_unknown_name_is_a_404() -> None:
    with pytest.raises(PermanentError) as raised:
        BreakerRegistry().get("nope")
    assert (raised.value.code, raised.value.http_status) == ("unknown_breaker", 404)
