"""Result cache: keys, LRU and TTL in process, Redis, and Redis failing as a miss."""

from __future__ import annotations

import logging
import random
import uuid

import pytest
import redis

from geometry_service.composition import build_cache
from geometry_service.config import Settings
from geometry_service.result_cache import (
    COMPRESSION_LEVEL,
    InProcessLRUCache,
    RedisCache,
    cache_key,
    zstd,
)
from tests.fakes import FakeClock, closed_port

RESULT = {"success": True, "features": [{"type": "hole", "diameter": 6.0}], "mesh": [0.5] * 100}


def test_cache_key_depends_on_file_options_and_model() -> None:
    base = cache_key("a" * 64, {"deflection": 0.1, "tier": "auto"}, "brepnet-1")
    assert base == cache_key("a" * 64, {"tier": "auto", "deflection": 0.1}, "brepnet-1")
    assert base != cache_key("b" * 64, {"deflection": 0.1, "tier": "auto"}, "brepnet-1")
    assert base != cache_key("a" * 64, {"deflection": 0.2, "tier": "auto"}, "brepnet-1")
    assert base != cache_key("a" * 64, {"deflection": 0.1, "tier": "auto"}, "brepnet-2")


def test_lru_round_trip_returns_a_copy() -> None:
    cache = InProcessLRUCache(max_entries=4)
    cache.set("k", RESULT)
    first = cache.get("k")
    assert first == RESULT
    first["cached"] = True
    assert "cached" not in cache.get("k")


def test_lru_evicts_least_recently_used() -> None:
    cache = InProcessLRUCache(max_entries=2)
    cache.set("a", {"n": 1})
    cache.set("b", {"n": 2})
    cache.get("a")  # now b is the least recently used
    cache.set("c", {"n": 3})
    assert cache.get("b") is None
    assert cache.get("a") == {"n": 1}
    assert cache.get("c") == {"n": 3}
    assert cache.stats().size == 2


def test_lru_entries_expire_after_ttl() -> None:
    clock = FakeClock()
    cache = InProcessLRUCache(max_entries=4, ttl_s=10, clock=clock)
    cache.set("k", {"n": 1})
    clock.now = 9.9
    assert cache.get("k") == {"n": 1}
    clock.now = 10.0
    assert cache.get("k") is None
    assert cache.stats().size == 0


def test_lru_counts_hits_and_misses() -> None:
    cache = InProcessLRUCache()
    cache.get("missing")
    cache.set("k", {"n": 1})
    cache.get("k")
    cache.get("k")
    stats = cache.stats()
    assert (stats.backend, stats.hits, stats.misses, stats.size, stats.errors) == (
        "memory",
        2,
        1,
        1,
        0,
    )


def test_a_value_json_cannot_hold_is_skipped_not_raised() -> None:
    cache = InProcessLRUCache()
    cache.set("k", {"bad": object()})
    assert cache.get("k") is None
    assert cache.stats().errors == 1


def test_build_cache_picks_the_backend() -> None:
    assert isinstance(build_cache(Settings()), InProcessLRUCache)
    assert isinstance(build_cache(Settings(redis_url="redis://127.0.0.1:1/0")), RedisCache)


@pytest.fixture
def redis_cache(redis_url: str):
    cache = RedisCache.from_url(redis_url, ttl_s=30)
    keys: list[str] = []
    yield cache, keys
    client = redis.Redis.from_url(redis_url)
    if keys:
        client.delete(*keys)
    client.close()


def test_redis_round_trip_with_ttl_and_compression(redis_cache, redis_url: str) -> None:
    cache, keys = redis_cache
    key = cache_key(uuid.uuid4().hex, {}, "test")
    keys.append(key)
    assert cache.get(key) is None
    cache.set(key, RESULT)
    assert cache.get(key) == RESULT
    raw = redis.Redis.from_url(redis_url)
    stored = raw.get(key)
    assert len(stored) < len(str(RESULT))  # zstd-compressed, not plain JSON
    assert 0 < raw.ttl(key) <= 30
    raw.close()
    stats = cache.stats()
    assert (stats.backend, stats.hits, stats.misses, stats.size) == ("redis", 1, 1, None)


def test_redis_corrupt_value_is_a_miss(redis_cache, redis_url: str) -> None:
    cache, keys = redis_cache
    key = cache_key(uuid.uuid4().hex, {}, "test")
    keys.append(key)
    raw = redis.Redis.from_url(redis_url)
    raw.set(key, b"not zstd")
    raw.close()
    assert cache.get(key) is None
    assert cache.stats().errors == 1


def test_redis_down_is_a_miss_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    cache = RedisCache.from_url(f"redis://127.0.0.1:{closed_port()}/0")
    with caplog.at_level(logging.WARNING, logger="geometry_service.cache"):
        cache.set("k", RESULT)
        assert cache.get("k") is None
        assert cache.get("k") is None
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.errors) == (0, 2, 3)
    assert len([r for r in caplog.records if "cache_unavailable" in r.getMessage()]) == 1


def _incompressible(n_bytes: int, seed: int) -> dict:
    """A value whose compressed form is about ``n_bytes``: random hex compresses only ~2x."""
    return {"mesh": random.Random(seed).randbytes(n_bytes).hex()}


def test_lru_is_bounded_in_bytes() -> None:
    cache = InProcessLRUCache(max_entries=100, max_bytes=50_000)
    for n in range(10):
        cache.set(f"k{n}", _incompressible(10_000, n))  # ~10 kB each once compressed
    stats = cache.stats()
    assert stats.bytes <= 50_000 and 3 <= stats.size < 10
    assert cache.get("k9") is not None and cache.get("k0") is None  # the oldest went first


def test_lru_skips_a_value_larger_than_its_byte_budget() -> None:
    cache = InProcessLRUCache(max_entries=100, max_bytes=5_000)
    cache.set("small", {"n": 1})
    cache.set("huge", _incompressible(20_000, 1))
    assert cache.get("huge") is None and cache.get("small") == {"n": 1}
    assert cache.stats().bytes == len(zstd.compress(b'{"n":1}', COMPRESSION_LEVEL))


def test_replacing_a_key_counts_its_bytes_once() -> None:
    cache = InProcessLRUCache(max_entries=10, max_bytes=1_000_000)
    for _ in range(3):
        cache.set("k", _incompressible(10_000, 7))
    assert cache.stats().size == 1 and cache.stats().bytes < 12_000


def test_cache_max_mb_sets_the_byte_budget() -> None:
    cache = build_cache(Settings(cache_max_mb=0.01))
    cache.set("huge", _incompressible(20_000, 2))
    assert cache.get("huge") is None
