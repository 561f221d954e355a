"""Analysis results cached by what determines them: file content, options, model.

The same STEP file is often uploaded again (a re-quote, a retry by the edge
function); answering from cache saves the whole geometry pipeline. A result
depends on the file bytes, the analysis options and the model version, so
the key hashes all three: a new model never serves an old answer.

Two backends with one API (``get``/``set``/``stats``):

- :class:`InProcessLRUCache`, the default: bounded by entry count, by the
  bytes it holds (CACHE_MAX_MB: one NIST part's answer is 1.5 MB of JSON,
  so a count alone bounds nothing) and by TTL;
- :class:`RedisCache` when REDIS_URL is set, shared by every instance.

Both store values as zstd-compressed JSON, so a value read back is always a
fresh copy (a caller that adds ``"cached": true`` cannot alter the cache) and
large meshes take a fraction of their memory. A cache must never fail a
request: a Redis that is down, slow or holds a corrupt value reads as a miss,
and a value that cannot be stored is logged and skipped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

try:
    from compression import zstd  # Python 3.14
except ImportError:  # before 3.14, its backport (requirements.txt)
    from backports import zstd

from . import answer_json
from .json_logging import log_event

log = logging.getLogger("geometry_service.cache")

KEY_PREFIX = "geometry:result:v4:"  # v4: zstd, not zlib
"""Namespaces our keys in a shared Redis; bump the version if the value format changes."""

COMPRESSION_LEVEL = 3
"""zstd's default level: set() runs on the request path, get() on every hit.
The 23,488-triangle NIST part's cached result (1.34 MB of JSON), CPU time:
zstd 3 318 kB, written in 3.3 ms and read in 1.2; zlib 1 (before) 395 kB,
10.0 and 3.4 ms; zstd 1 358 kB, 2.3 and 1.0 ms."""

REDIS_TIMEOUT_S = 0.5
"""A cache lookup that takes longer than this is worse than a miss."""


def cache_key(file_hash: str, options: Mapping[str, Any], model_version: str) -> str:
    """The key of one analysis: options are canonicalised (sorted keys) so that
    equal options always hash alike."""
    canonical_options = json.dumps(options, sort_keys=True, separators=(",", ":"), default=str)
    material = "\x1f".join((file_hash, canonical_options, model_version))
    return KEY_PREFIX + hashlib.sha256(material.encode("utf-8")).hexdigest()


def _encode(value: dict[str, Any]) -> bytes:
    return zstd.compress(answer_json.dumps(value), COMPRESSION_LEVEL)


def _decode(blob: bytes) -> dict[str, Any]:
    return answer_json.loads(zstd.decompress(blob))


@dataclass(frozen=True)
class CacheStats:
    """``size`` (entries) and ``bytes`` (compressed values held) are None where
    counting would cost more than it tells (a shared Redis)."""

    backend: str
    hits: int
    misses: int
    size: int | None
    errors: int
    bytes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ResultCache(Protocol):
    def get(self, key: str) -> dict[str, Any] | None: ...

    def set(self, key: str, value: dict[str, Any]) -> None: ...

    def stats(self) -> CacheStats: ...


class _Counters:
    """Hit, miss and error counts, shared by request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.errors = 0

    def count(self, *, hit: bool = False, miss: bool = False, error: bool = False) -> None:
        with self._lock:
            self.hits += hit
            self.misses += miss
            self.errors += error


def _encode_or_log(value: dict[str, Any], counters: _Counters) -> bytes | None:
    try:
        return _encode(value)
    except (TypeError, ValueError):
        counters.count(error=True)
        log_event(log, logging.WARNING, "cache_value_not_json", exc_info=True)
        return None


def _decode_or_log(blob: bytes, counters: _Counters) -> dict[str, Any] | None:
    try:
        return _decode(blob)
    except (zstd.ZstdError, ValueError):
        counters.count(error=True)
        log_event(log, logging.WARNING, "cache_value_corrupt", exc_info=True)
        return None


class InProcessLRUCache:
    """A thread-safe LRU cache with a TTL, private to this process, holding at
    most ``max_entries`` values and ``max_bytes`` bytes of them (compressed);
    a value larger than ``max_bytes`` alone is not kept."""

    def __init__(
        self,
        max_entries: int = 256,
        ttl_s: float = 86_400,
        clock: Callable[[], float] = time.monotonic,
        max_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("max_entries and max_bytes must be at least 1")
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._counters = _Counters()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] <= self._clock():
                self._drop(key)
                entry = None
            if entry is not None:
                self._entries.move_to_end(key)
        self._counters.count(hit=entry is not None, miss=entry is None)
        return _decode(entry[1]) if entry is not None else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        blob = _encode_or_log(value, self._counters)
        if blob is None:
            return
        if len(blob) > self._max_bytes:
            log_event(
                log,
                logging.INFO,
                "cache_value_too_large",
                bytes=len(blob),
                max_bytes=self._max_bytes,
            )
            return
        with self._lock:
            self._drop(key)
            self._entries[key] = (self._clock() + self._ttl_s, blob)
            self._bytes += len(blob)
            while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        """Forget ``key`` if held; the caller holds the lock."""
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry[1])

    def stats(self) -> CacheStats:
        with self._lock:
            size, held = len(self._entries), self._bytes
        counters = self._counters
        return CacheStats("memory", counters.hits, counters.misses, size, counters.errors, held)


class RedisCache:
    """Results in Redis, shared by every instance, expiring after ``ttl_s``."""

    def __init__(self, client: redis.Redis, ttl_s: int = 86_400) -> None:
        self._client = client
        self._ttl_s = ttl_s
        self._counters = _Counters()
        self._failing = False
        self._state_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, ttl_s: int = 86_400) -> RedisCache:
        # No client-side retries: a retried cache lookup only delays the real work.
        client = redis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
            retry=Retry(NoBackoff(), 0),
        )
        return cls(client, ttl_s)

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            blob = self._client.get(key)
        except redis.RedisError as exc:
            self._failed("get", exc)
            self._counters.count(miss=True)
            return None
        self._succeeded()
        value = _decode_or_log(blob, self._counters) if blob is not None else None
        self._counters.count(hit=value is not None, miss=value is None)
        return value

    def set(self, key: str, value: dict[str, Any]) -> None:
        blob = _encode_or_log(value, self._counters)
        if blob is None:
            return
        try:
            self._client.set(key, blob, ex=self._ttl_s)
        except redis.RedisError as exc:
            self._failed("set", exc)
            return
        self._succeeded()

    def stats(self) -> CacheStats:
        counters = self._counters
        return CacheStats("redis", counters.hits, counters.misses, None, counters.errors)

    def _failed(self, operation: str, exc: Exception) -> None:
        """Count every failure, but log only the first of a run: a Redis outage
        must not write one warning per request."""
        self._counters.count(error=True)
        with self._state_lock:
            first, self._failing = not self._failing, True
        if first:
            log_event(
                log,
                logging.WARNING,
                "cache_unavailable",
                operation=operation,
                error_class=type(exc).__name__,
                error=str(exc),
            )

    def _succeeded(self) -> None:
        with self._state_lock:
            recovered, self._failing = self._failing, False
        if recovered:
            log_event(log, logging.INFO, "cache_recovered")
