"""Circuit breakers: stop calling a dependency that keeps failing.

A breaker sits in front of one dependency (inference workers, the DLQ store,
file downloads). After ``failure_threshold`` consecutive failures it opens and
rejects calls at once, so a broken dependency costs callers a fast 503 instead
of a timeout each, and the dependency gets room to recover. After
``recovery_timeout_s`` it lets exactly one trial call through (half-open): the
trial's outcome decides whether the breaker closes again or stays open.

What counts as a failure matters as much as the counting:

- an exception whose ``error_type`` is ``permanent`` is the caller's bad input,
  not the dependency's fault, so it never counts (and it passes through);
- a call that returns but takes longer than ``slow_call_s`` counts as a failure,
  because a dependency that answers too late is as useless as one that fails.

One breaker is shared by all request threads, so every state change happens
under one lock; transition callbacks run outside it, so a callback may read
the breaker's stats without deadlocking.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

from .errors import ErrorType, PermanentError, TransientError

T = TypeVar("T")

TransitionCallback = Callable[[str, "BreakerState", "BreakerState"], None]

BREAKER_NAMES: tuple[str, ...] = ("inference", "dlq_store", "download")
"""The dependencies the service guards, one breaker each."""

TRANSITION_HISTORY = 20
"""How many recent transitions stats keep: enough to see flapping, bounded."""


class BreakerState(str, Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpenError(TransientError):
    """A call was rejected without running because its breaker is open.

    It is transient (the dependency may recover) but retry policies must not
    retry it: retrying a rejection only spins until the breaker lets a trial
    through, which is exactly the load the breaker exists to shed.
    """

    @classmethod
    def for_breaker(cls, name: str, retry_after_s: float) -> CircuitOpenError:
        return cls(
            "circuit_open",
            f"{name} is unavailable (circuit breaker open)",
            503,
            {"breaker": name, "retry_after_s": round(retry_after_s, 3)},
        )

    @property
    def retry_after_s(self) -> float:
        """Seconds until the breaker may admit a trial call (for Retry-After)."""
        return float(self.details.get("retry_after_s", 0.0))


@dataclass(frozen=True)
class Transition:
    from_state: BreakerState
    to_state: BreakerState
    at: str  # wall-clock ISO 8601, UTC: ops read it, not the breaker

    def to_dict(self) -> dict[str, str]:
        return {"from": self.from_state.value, "to": self.to_state.value, "at": self.at}


@dataclass(frozen=True)
class BreakerStats:
    """A consistent snapshot of one breaker, for /circuit-breaker and metrics.

    ``failures`` counts every outcome held against the dependency, slow calls
    included; ``slow_calls`` is the part of it that returned, but too late.
    ``permanent_errors`` are calls that failed on bad input and were not held
    against the dependency.
    """

    name: str
    state: BreakerState
    calls: int
    successes: int
    failures: int
    slow_calls: int
    permanent_errors: int
    rejections: int
    consecutive_failures: int
    opened_at: str | None
    transitions: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["state"] = self.state.value
        return data


def _utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class CircuitBreaker:
    """A thread-safe circuit breaker for one named dependency.

    Use :meth:`call` to run work through the breaker, or, when the work runs
    elsewhere (a worker pool future), the explicit protocol: :meth:`before_call`
    (or :meth:`allow`), then exactly one of :meth:`record_success`,
    :meth:`record_failure` or :meth:`release`. An admitted call that reports nothing would hold
    the half-open trial slot forever.
    """

    def __init__(
        self,
        name: str,
        failure_threshold: int = 5,
        recovery_timeout_s: float = 60.0,
        slow_call_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        on_transition: TransitionCallback | None = None,
        wall_clock: Callable[[], str] = _utc_now_iso,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.name = name
        self.failure_threshold = failure_threshold
        self.recovery_timeout_s = recovery_timeout_s
        self.slow_call_s = slow_call_s
        self._clock = clock
        self._wall_clock = wall_clock
        self._on_transition = on_transition
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._opened_at_mono = 0.0  # meaningful only while open
        self._opened_at_wall: str | None = None
        self._trial_in_flight = False
        self._consecutive_failures = 0
        self._calls = 0
        self._successes = 0
        self._failures = 0
        self._slow_calls = 0
        self._permanent_errors = 0
        self._rejections = 0
        self._transitions: deque[Transition] = deque(maxlen=TRANSITION_HISTORY)

    # -- running work ------------------------------------------------------

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` through the breaker; raise CircuitOpenError when rejected."""
        self.before_call()
        started = self._clock()
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            # BaseException too: an interrupted trial must still free its slot.
            self.record_failure(exc)
            raise
        self.record_success(self._clock() - started)
        return result

    def allow(self) -> bool:
        """Admit a call (True) or count a rejection (False); see :meth:`before_call`."""
        try:
            self.before_call()
        except CircuitOpenError:
            return False
        return True

    def before_call(self) -> None:
        """Admit one call or raise CircuitOpenError.

        Closed admits everything; open admits nothing until the recovery
        timeout has passed; half-open admits one trial at a time, because the
        point of the trial is to probe a dependency that may still be down
        without sending it the whole backlog.
        """
        with self._lock:
            transition = self._expire_open_locked()
            rejection = self._admit_locked()
        self._notify(transition)
        if rejection is not None:
            raise rejection

    def record_success(self, duration_s: float) -> None:
        """Report an admitted call that returned after ``duration_s`` seconds."""
        with self._lock:
            self._trial_in_flight = False
            if duration_s > self.slow_call_s:
                self._slow_calls += 1
                transition = self._count_failure_locked()
            else:
                self._successes += 1
                self._consecutive_failures = 0
                transition = self._close_if_half_open_locked()
        self._notify(transition)

    def record_failure(self, exc: BaseException | None = None) -> None:
        """Report an admitted call that raised ``exc``.

        A permanent error (bad input) frees the trial slot but neither closes
        nor reopens the breaker: it proves nothing about the dependency.
        """
        with self._lock:
            self._trial_in_flight = False
            if getattr(exc, "error_type", None) == ErrorType.PERMANENT:
                self._permanent_errors += 1
                transition = None
            else:
                transition = self._count_failure_locked()
        self._notify(transition)

    def release(self) -> None:
        """Give back an admitted call that never reached the dependency.

        The work ended before it (the queue was full, the time ran out, the
        input had no geometry for it): it frees a half-open trial slot and counts
        nothing, because it proves nothing about the dependency.
        """
        with self._lock:
            self._trial_in_flight = False

    # -- inspection and control --------------------------------------------

    @property
    def state(self) -> BreakerState:
        return self.stats().state

    def stats(self) -> BreakerStats:
        """A snapshot; an open breaker past its timeout reads as half-open."""
        with self._lock:
            transition = self._expire_open_locked()
            snapshot = BreakerStats(
                name=self.name,
                state=self._state,
                calls=self._calls,
                successes=self._successes,
                failures=self._failures,
                slow_calls=self._slow_calls,
                permanent_errors=self._permanent_errors,
                rejections=self._rejections,
                consecutive_failures=self._consecutive_failures,
                opened_at=self._opened_at_wall,
                transitions=[t.to_dict() for t in self._transitions],
            )
        self._notify(transition)
        return snapshot

    def reset(self) -> None:
        """Force the breaker closed (ops override); lifetime counters are kept
        so that rates computed from them stay monotonic."""
        with self._lock:
            self._trial_in_flight = False
            self._consecutive_failures = 0
            transition = self._move_locked(BreakerState.CLOSED)
        self._notify(transition)

    # -- state machine, all called with the lock held ----------------------

    def _admit_locked(self) -> CircuitOpenError | None:
        if self._state is BreakerState.OPEN:
            return self._reject_locked(self._remaining_open_s())
        if self._state is BreakerState.HALF_OPEN:
            if self._trial_in_flight:
                # Should the trial fail, the breaker reopens for a full period.
                return self._reject_locked(self.recovery_timeout_s)
            self._trial_in_flight = True
        self._calls += 1
        return None

    def _reject_locked(self, retry_after_s: float) -> CircuitOpenError:
        self._rejections += 1
        return CircuitOpenError.for_breaker(self.name, retry_after_s)

    def _remaining_open_s(self) -> float:
        elapsed = self._clock() - self._opened_at_mono
        return max(0.0, self.recovery_timeout_s - elapsed)

    def _expire_open_locked(self) -> Transition | None:
        if self._state is BreakerState.OPEN and self._remaining_open_s() <= 0:
            return self._move_locked(BreakerState.HALF_OPEN)
        return None

    def _count_failure_locked(self) -> Transition | None:
        self._failures += 1
        self._consecutive_failures += 1
        if self._state is BreakerState.HALF_OPEN or (
            self._state is BreakerState.CLOSED
            and self._consecutive_failures >= self.failure_threshold
        ):
            return self._move_locked(BreakerState.OPEN)
        return None

    def _close_if_half_open_locked(self) -> Transition | None:
        if self._state is BreakerState.HALF_OPEN:
            return self._move_locked(BreakerState.CLOSED)
        return None

    def _move_locked(self, new_state: BreakerState) -> Transition | None:
        if new_state is self._state:
            return None
        transition = Transition(self._state, new_state, self._wall_clock())
        self._state = new_state
        self._transitions.append(transition)
        if new_state is BreakerState.OPEN:
            self._opened_at_mono = self._clock()
            self._opened_at_wall = transition.at
        elif new_state is BreakerState.CLOSED:
            self._opened_at_wall = None
        return transition

    def _notify(self, transition: Transition | None) -> None:
        if transition is not None and self._on_transition is not None:
            self._on_transition(self.name, transition.from_state, transition.to_state)


@dataclass(frozen=True)
class BreakerPolicy:
    """When every breaker of the service opens, and for how long."""

    failure_threshold: int = 5
    recovery_timeout_s: float = 60.0
    slow_call_s: float = 10.0


class BreakerRegistry:
    """The service's breakers by name, all with one policy."""

    def __init__(
        self,
        policy: BreakerPolicy = BreakerPolicy(),
        on_transition: TransitionCallback | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._breakers: Mapping[str, CircuitBreaker] = {
            name: CircuitBreaker(
                name,
                failure_threshold=policy.failure_threshold,
                recovery_timeout_s=policy.recovery_timeout_s,
                slow_call_s=policy.slow_call_s,
                clock=clock,
                on_transition=on_transition,
            )
            for name in BREAKER_NAMES
        }

    def get(self, name: str) -> CircuitBreaker:
        """The breaker called ``name``; an unknown name is the caller's error (404)."""
        try:
            return self._breakers[name]
        except KeyError:
            raise PermanentError(
                "unknown_breaker",
                f"no circuit breaker named {name!r}",
                404,
                {"known": sorted(self._breakers)},
            ) from None

    def all_stats(self) -> dict[str, dict[str, Any]]:
        return {name: breaker.stats().to_dict() for name, breaker in self._breakers.items()}

    def reset(self, name: str | None = None) -> None:
        """Reset one breaker, or every breaker when ``name`` is None."""
        targets = self._breakers.values() if name is None else (self.get(name),)
        for breaker in targets:
            breaker.reset()
