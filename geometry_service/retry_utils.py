"""Retry policies: retry what may pass, never what cannot.

Only transient failures are retried: a ServiceError typed ``transient``, or a
builtin network error (``ConnectionError``, ``TimeoutError`` and the other
socket-level ``OSError``s such as "network unreachable" or a DNS failure).
Permanent errors (bad input) give the same answer every time, and systemic
errors (the service is broken) need a person, so retrying either only adds
latency. A :class:`CircuitOpenError` is transient too, yet it is never
retried: the breaker rejected the call to shed load, and retrying would put
that load straight back.

Delays grow exponentially from ``retry_base_delay_s`` (1, 2, 4, 8 s by default)
up to ``retry_max_delay_s``, with up to one base delay of random jitter so that
many callers failing together do not retry in lockstep. The last error is
re-raised unchanged, so callers see the real error, not a tenacity wrapper.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from .circuit_breaker import CircuitOpenError
from .errors import ErrorType, ServiceError
from .json_logging import log_event

log = logging.getLogger("geometry_service.retry")


_LOCAL_OS_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)
"""OSErrors about local files: a bug or a misconfiguration, not a network blip."""


@dataclass(frozen=True)
class RetryEvent:
    """One retry about to happen; logged, and passed to ``on_retry`` for metrics."""

    name: str
    attempt: int  # the attempt that just failed, from 1
    max_attempts: int
    delay_s: float
    error_class: str
    error_code: str | None
    message: str


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the call that raised ``exc`` may succeed."""
    if isinstance(exc, CircuitOpenError):
        return False
    if isinstance(exc, ServiceError):
        return exc.error_type is ErrorType.TRANSIENT
    return isinstance(exc, OSError) and not isinstance(exc, _LOCAL_OS_ERRORS)


def _retry_event(name: str, max_attempts: int, state: RetryCallState) -> RetryEvent:
    exc = state.outcome.exception() if state.outcome else None
    return RetryEvent(
        name=name,
        attempt=state.attempt_number,
        max_attempts=max_attempts,
        delay_s=round(state.next_action.sleep if state.next_action else 0.0, 3),
        error_class=type(exc).__name__,
        error_code=getattr(exc, "code", None),
        message=str(exc),
    )


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a transient failure is tried again."""

    max_attempts: int = 3  # the first attempt included
    base_delay_s: float = 1.0  # first wait; doubles each time, with jitter
    max_delay_s: float = 8.0


def transient_retry(
    policy: RetryPolicy,
    *,
    name: str,
    on_retry: Callable[[RetryEvent], None] | None = None,
    retryable: Callable[[BaseException], bool] = is_transient,
    budget_s: float | None = None,
) -> Retrying:
    """A tenacity policy that retries transient failures of the operation ``name``.

    Call it like a function (``transient_retry(policy, name="x")(fn, *args)``).
    Tests pass a policy with millisecond delays. ``retryable`` narrows what is retried; with
    ``budget_s`` no retry starts whose wait would end past the budget.
    """
    max_attempts = policy.max_attempts
    stop = stop_after_attempt(max_attempts)
    if budget_s is not None:
        stop = stop | stop_before_delay(budget_s)

    def before_sleep(state: RetryCallState) -> None:
        event = _retry_event(name, max_attempts, state)
        log_event(log, logging.WARNING, "retry", **asdict(event))
        if on_retry is not None:
            on_retry(event)

    return Retrying(
        stop=stop,
        wait=wait_exponential_jitter(
            multiplier=policy.base_delay_s,
            max=policy.max_delay_s,
            jitter=policy.base_delay_s,
        ),
        retry=retry_if_exception(retryable),
        before_sleep=before_sleep,
        reraise=True,
    )
