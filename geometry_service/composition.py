"""The composition root: the one place that reads Settings and builds the service from it.

Every other part takes plain values (a breaker policy, a retry policy, a
cache size, a store's address), so each can be built in a test with exactly
what it needs, and a setting's effect is found by reading this file.
"""

from __future__ import annotations

import logging

from .analysis_service import AnalysisService, count_retry
from .circuit_breaker import BreakerPolicy, BreakerRegistry, BreakerState
from .config import Settings
from .dead_letter_queue import (
    DeadLetterQueue,
    FailureStore,
    PostgresStore,
    Spool,
    SQLiteStore,
    SupabaseStore,
)
from .json_logging import log_event
from .manufacturing.limits import ShopLimits
from .mesh_settings import MeshSettings
from .metrics import ServiceMetrics
from .result_cache import InProcessLRUCache, RedisCache, ResultCache
from .retry_utils import RetryPolicy, transient_retry
from .training_candidates import TrainingCandidates
from .worker_pool import GeometryPool, PoolSettings

log = logging.getLogger("geometry_service.requests")


def breaker_policy(settings: Settings) -> BreakerPolicy:
    return BreakerPolicy(
        settings.breaker_failure_threshold,
        settings.breaker_recovery_s,
        settings.breaker_slow_call_s,
    )


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        settings.retry_max_attempts, settings.retry_base_delay_s, settings.retry_max_delay_s
    )


def mesh_settings(settings: Settings) -> MeshSettings:
    return MeshSettings(
        relative_deflection=settings.mesh_relative_deflection,
        angular_deflection_rad=settings.mesh_angular_deflection_rad,
        max_triangles=settings.mesh_max_triangles,
    )


def shop_limits(settings: Settings) -> ShopLimits:
    """The ``shop_*`` settings, each under its name in ShopLimits."""
    return ShopLimits(
        peck_drill_ratio=settings.shop_peck_drill_ratio,
        gun_drill_ratio=settings.shop_gun_drill_ratio,
        max_tool_reach_ratio=settings.shop_max_tool_reach_ratio,
        min_wall_mm=settings.shop_min_wall_mm,
        drill_size_tolerance_mm=settings.shop_drill_size_tolerance_mm,
        tap_drill_tolerance_mm=settings.shop_tap_drill_tolerance_mm,
        tolerance_limit_mm=settings.shop_tolerance_limit_mm,
        machine_envelope_mm=tuple(settings.shop_machine_envelope_mm),
        stock_allowance_mm=settings.shop_stock_allowance_mm,
    )


def pool_settings(settings: Settings) -> PoolSettings:
    return PoolSettings(
        workers=settings.worker_count,
        max_tasks_per_worker=settings.worker_max_tasks,
        task_timeout_s=settings.worker_task_timeout_s,
        queue_limit=settings.queue_limit,
        memory_limit_mb=settings.worker_memory_limit_mb,
        log_level=settings.log_level,
        model_path=settings.model_path,
    )


def build_cache(settings: Settings) -> ResultCache:
    """Redis when REDIS_URL is set, else an in-process LRU."""
    if settings.redis_url:
        return RedisCache.from_url(settings.redis_url, settings.cache_ttl_s)
    return InProcessLRUCache(
        settings.cache_max_entries,
        settings.cache_ttl_s,
        max_bytes=int(settings.cache_max_mb * 1024 * 1024),
    )


def build_store(settings: Settings) -> FailureStore:
    """The store that Settings.dlq_store names: Supabase, Postgres or the embedded SQLite."""
    if settings.dlq_store == "supabase":
        return SupabaseStore(
            settings.supabase_url, settings.supabase_service_role_key, settings.dlq_table
        )
    if settings.dlq_store == "postgres":
        return PostgresStore(settings.database_url, settings.dlq_table)
    return SQLiteStore(settings.dlq_sqlite_path, settings.dlq_table)


def build_dead_letter_queue(
    settings: Settings, breakers: BreakerRegistry, metrics: ServiceMetrics
) -> DeadLetterQueue:
    return DeadLetterQueue(
        Spool(settings.dlq_spool_path),
        build_store(settings),
        breakers.get("dlq_store"),
        transient_retry(retry_policy(settings), name="dlq_store", on_retry=count_retry(metrics)),
        forward_interval_s=settings.dlq_forward_interval_s,
        batch_size=settings.dlq_batch_size,
    )


def build_service(settings: Settings, pool: GeometryPool | None = None) -> AnalysisService:
    """Every part of the service from ``settings``; ``pool`` lets tests share one worker pool."""
    metrics = ServiceMetrics()

    def on_transition(name: str, old: BreakerState, new: BreakerState) -> None:
        metrics.breaker_transitions.labels(name, new.value).inc()
        log_event(
            log,
            logging.WARNING,
            "breaker_transition",
            breaker=name,
            **{"from": old.value, "to": new.value},
        )

    breakers = BreakerRegistry(breaker_policy(settings), on_transition=on_transition)
    return AnalysisService(
        settings,
        pool or GeometryPool(pool_settings(settings)),
        breakers,
        build_dead_letter_queue(settings, breakers, metrics),
        build_cache(settings),
        metrics,
        TrainingCandidates(settings.training_candidates_dir, settings.training_candidates_max),
        mesh=mesh_settings(settings),
        shop=shop_limits(settings),
        retry=retry_policy(settings),
    )
