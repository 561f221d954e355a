"""Prometheus metrics of one HTTP process, and a readable JSON summary of them.

Each app gets its own CollectorRegistry, so tests can build many apps in one
process and every app's numbers start at zero. Values owned by other objects
(breaker states, spool depth, pool queue) are read when scraped, through
callbacks, so they can never drift from the objects themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from .circuit_breaker import BREAKER_NAMES, BreakerState

STAGES = ("read", "graph", "topology", "mesh", "recognize", "worker_total", "total")
STAGE_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 60.0)
BREAKER_STATE_VALUE = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}

PROMETHEUS_CONTENT_TYPE = CONTENT_TYPE_LATEST


class ServiceMetrics:
    """Counters and histograms the analysis service updates as requests pass."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "geometry_requests",
            "Analysis requests by HTTP status and answering tier.",
            ["status", "tier"],
            registry=r,
        )
        self.stage_seconds = Histogram(
            "geometry_stage_seconds",
            "Time per pipeline stage.",
            ["stage"],
            buckets=STAGE_BUCKETS_S,
            registry=r,
        )
        self.breaker_transitions = Counter(
            "geometry_breaker_transitions",
            "Circuit breaker state changes.",
            ["name", "to_state"],
            registry=r,
        )
        self.dlq_records = Counter(
            "geometry_dlq_records",
            "Failure records written to the dead-letter spool.",
            ["error_type"],
            registry=r,
        )
        self.cache_lookups = Counter(
            "geometry_cache_lookups",
            "Result cache lookups by outcome.",
            ["outcome"],
            registry=r,
        )
        self.tier_skips = Counter(
            "geometry_tier_skips",
            "Tiers that did not answer an analysis, by tier and reason code "
            "(model_uncertain: the network abstained; not a failure).",
            ["tier", "code"],
            registry=r,
        )
        self.retries = Counter(
            "geometry_retries",
            "Retries of transient failures by operation.",
            ["operation"],
            registry=r,
        )
        self.access_refused = Counter(
            "geometry_access_refused",
            "Requests refused by the token rules, by scope and reason.",
            ["scope", "refusal"],
            registry=r,
        )
        self._breaker_state = Gauge(
            "geometry_breaker_state",
            "Breaker state: 0 closed, 1 half open, 2 open.",
            ["name"],
            registry=r,
        )
        self._spool_depth = Gauge(
            "geometry_dlq_spool_depth",
            "Failure records waiting in the local spool.",
            registry=r,
        )
        self._quarantined = Gauge(
            "geometry_dlq_quarantined",
            "Failure records no store accepts, kept in the spool's quarantine for a person.",
            registry=r,
        )
        self._worker_restarts = Gauge(
            "geometry_worker_restarts",
            "Worker processes lost to timeouts or crashes.",
            registry=r,
        )
        self._queue_depth = Gauge(
            "geometry_queue_depth",
            "Analyses running or waiting for a worker.",
            registry=r,
        )

    def bind(
        self,
        breaker_state: Callable[[str], BreakerState],
        spool_depth: Callable[[], int],
        quarantined: Callable[[], int],
        worker_restarts: Callable[[], int],
        queue_depth: Callable[[], int],
    ) -> None:
        """Attach the live sources of the gauges; they are read at each scrape."""
        for name in BREAKER_NAMES:
            self._breaker_state.labels(name).set_function(
                lambda name=name: BREAKER_STATE_VALUE[breaker_state(name)]
            )
        self._spool_depth.set_function(spool_depth)
        self._quarantined.set_function(quarantined)
        self._worker_restarts.set_function(worker_restarts)
        self._queue_depth.set_function(queue_depth)

    def observe_timings(self, timings: dict[str, Any]) -> None:
        """Record the ``*_ms`` stage timings of one answer."""
        for stage in STAGES:
            value = timings.get(f"{stage}_ms")
            if isinstance(value, (int, float)):
                self.stage_seconds.labels(stage).observe(value / 1000.0)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def summary(self) -> dict[str, Any]:
        """What ops read first: requests by status and tier, the tier shares, stage medians."""
        requests: dict[str, float] = {}
        tiers: dict[str, float] = {}
        for sample in _samples(self.requests, "_total"):
            status, tier = sample.labels["status"], sample.labels["tier"]
            requests[status] = requests.get(status, 0) + sample.value
            if tier:
                tiers[tier] = tiers.get(tier, 0) + sample.value
        answered = sum(tiers.values())
        return {
            "requests_by_status": requests,
            "requests_total": sum(requests.values()),
            "tier_distribution": {
                tier: {"count": count, "share": round(count / answered, 4)}
                for tier, count in sorted(tiers.items())
            },
            "stage_mean_ms": self._stage_means(),
            "cache": {s.labels["outcome"]: s.value for s in _samples(self.cache_lookups, "_total")},
            "dlq_records": {
                s.labels["error_type"]: s.value for s in _samples(self.dlq_records, "_total")
            },
            "retries": {s.labels["operation"]: s.value for s in _samples(self.retries, "_total")},
            "tier_skips": [
                {**s.labels, "count": s.value} for s in _samples(self.tier_skips, "_total")
            ],
            "breaker_transitions": [
                {**s.labels, "count": s.value} for s in _samples(self.breaker_transitions, "_total")
            ],
        }

    def _stage_means(self) -> dict[str, float]:
        sums = {s.labels["stage"]: s.value for s in _samples(self.stage_seconds, "_sum")}
        counts = {s.labels["stage"]: s.value for s in _samples(self.stage_seconds, "_count")}
        return {
            stage: round(1000.0 * sums[stage] / counts[stage], 2)
            for stage in sums
            if counts.get(stage)
        }


def _samples(metric: Any, suffix: str) -> list[Any]:
    return [
        sample
        for family in metric.collect()
        for sample in family.samples
        if sample.name.endswith(suffix)
    ]
