"""Retry policies: what is retried, how often, how long apart, and what is logged."""

from __future__ import annotations

import json
import logging

import pytest

from geometry_service.circuit_breaker import CircuitBreaker, CircuitOpenError
from geometry_service.composition import retry_policy
from geometry_service.config import Settings
from geometry_service.errors import PermanentError, SystemicError, TransientError
from geometry_service.retry_utils import RetryEvent, RetryPolicy, is_transient, transient_retry

FAST = RetryPolicy(max_attempts=4, base_delay_s=0.001, max_delay_s=0.004)


class Flaky:
    """Raises the given errors in turn, then returns "ok"."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def transient(code: str = "store_down") -> TransientError:
    return TransientError(code, "try later")


def test_transient_error_is_retried_until_success() -> None:
    flaky = Flaky(transient(), transient())
    assert transient_retry(FAST, name="t")(flaky) == "ok"
    assert flaky.calls == 3


def test_gives_up_after_max_attempts_and_reraises_the_last_error() -> None:
    last = transient("third")
    flaky = Flaky(transient("first"), transient("second"), transient("third-1"), last)
    with pytest.raises(TransientError) as raised:
        transient_retry(FAST, name="t")(flaky)
    assert raised.value is last
    assert flaky.calls == FAST.max_attempts


@pytest.mark.parametrize(
    "error",
    [
        PermanentError("not_step", "not a STEP file"),
        SystemicError("model_missing", "no model"),
        CircuitOpenError.for_breaker("dlq_store", 30),
        ValueError("a bug"),
        FileNotFoundError("models/brepnet.onnx"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_non_transient_errors_are_not_retried(error: BaseException) -> None:
    flaky = Flaky(error)
    with pytest.raises(type(error)):
        transient_retry(FAST, name="t")(flaky)
    assert flaky.calls == 1


@pytest.mark.parametrize(
    "error",
    [ConnectionRefusedError(), TimeoutError(), OSError(101, "Network is unreachable")],
    ids=lambda e: type(e).__name__,
)
def test_builtin_network_errors_are_transient(error: BaseException) -> None:
    assert is_transient(error)
    flaky = Flaky(error)
    assert transient_retry(FAST, name="t")(flaky) == "ok"
    assert flaky.calls == 2


def test_a_breaker_that_opens_mid_retry_stops_the_retries() -> None:
    breaker = CircuitBreaker("dlq_store", failure_threshold=2)
    flaky = Flaky(*[transient() for _ in range(10)])
    with pytest.raises(CircuitOpenError):
        transient_retry(FAST, name="t")(breaker.call, flaky)
    assert flaky.calls == 2


def test_delays_grow_exponentially_with_jitter_under_the_cap() -> None:
    settings = Settings(retry_max_attempts=5, retry_base_delay_s=1.0, retry_max_delay_s=8.0)
    events: list[RetryEvent] = []
    policy = transient_retry(retry_policy(settings), name="t", on_retry=events.append)
    policy.sleep = lambda seconds: None  # real delays, not slept
    with pytest.raises(TransientError):
        policy(Flaky(*[transient() for _ in range(5)]))
    delays = [event.delay_s for event in events]
    for delay, base in zip(delays, (1, 2, 4, 8), strict=True):
        assert base <= delay <= min(base + 1, 8)


def test_each_retry_logs_one_json_line_and_calls_on_retry(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[RetryEvent] = []
    with caplog.at_level(logging.WARNING, logger="geometry_service.retry"):
        transient_retry(FAST, name="supabase_write", on_retry=events.append)(
            Flaky(transient("store_down"))
        )
    [record] = caplog.records
    logged = json.loads(record.getMessage())
    assert logged["event"] == "retry"
    assert logged["name"] == "supabase_write"
    assert (logged["attempt"], logged["max_attempts"]) == (1, FAST.max_attempts)
    assert (logged["error_class"], logged["error_code"]) == ("TransientError", "store_down")
    assert [event.attempt for event in events] == [1]
