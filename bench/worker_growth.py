"""Memory growth of one geometry worker over many analyses.

A worker lives for ``max_tasks_per_worker`` requests; if OCCT or our code
keeps memory per part, the worker grows until the pool recycles it, or until
RLIMIT_AS kills it mid-request. This runs the real worker task (analyze_file)
over a mix of parts in a one-worker pool that never recycles, and compares the
worker's RSS after the warm-up (caches and allocator pools filled) with its
RSS at the end.

One pass over the mix does not fill the pools: over the 87 parts of make bench
the RSS went on rising for about 200 more analyses, then stayed flat (MB every
100 analyses after one pass: 242 261 272 273 274 274 275 276 276 277 277), so
one pass read +14.4 % for a worker that was not growing, and the same run at the
commit before read +5.0 % only because the allocator gave 23 MB back just
before its last reading. Three passes start the count on the plateau.
"""

from __future__ import annotations

import ctypes
import itertools
import resource
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from geometry_service.worker_pool import GeometryPool, PoolSettings

from .parts import BenchPart

SAMPLES = 10  # RSS readings along the run, for the trend
WARM_UP_PASSES = 3


@dataclass(frozen=True)
class WorkerMemory:
    pid: int
    rss_mb: float
    peak_rss_mb: float


@dataclass
class GrowthResult:
    """Worker RSS after the warm-up and at the end of ``parts`` analyses."""

    parts: int
    distinct_parts: int
    warm_rss_mb: float
    final_rss_mb: float
    peak_rss_mb: float
    recycled: bool  # the worker was replaced during the run: the figures mean nothing
    trend_mb: list[float] = field(default_factory=list)

    @property
    def growth(self) -> float:
        return (self.final_rss_mb - self.warm_rss_mb) / self.warm_rss_mb

    def to_json(self) -> dict:
        return asdict(self) | {"growth": self.growth}


def worker_memory() -> WorkerMemory:
    """Task: the worker's own pid, resident set and peak resident set.

    The free heap goes back to the system first (glibc's malloc_trim), so the
    resident set counts what the worker holds, not what the allocator happens
    to keep: untrimmed, one run's readings went 278, 281, 252, 261 MB and the
    next started at 243, and the target read +15 % in a run that ended where
    the others did.
    """
    _trim_heap()
    process = psutil.Process()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return WorkerMemory(process.pid, process.memory_info().rss / 2**20, peak_kb / 2**10)


def _trim_heap() -> None:
    """Hand glibc's free heap back to the system; a no-op where libc has no malloc_trim."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)


def analyze(path: str) -> int:
    """Task: the worker's real job on one file; only the face count comes back over the pipe."""
    from geometry_service.analysis_request import AnalysisRequest
    from geometry_service.part_analysis import analyze_file

    return analyze_file(Path(path), AnalysisRequest()).metadata["face_count"]


def measure_growth(
    parts: list[BenchPart], count: int, task_timeout_s: float = 300.0
) -> GrowthResult:
    """Analyze every part WARM_UP_PASSES times to warm up, then ``count`` parts
    cycling through ``parts``."""
    settings = PoolSettings(
        workers=1,
        max_tasks_per_worker=WARM_UP_PASSES * len(parts) + count + SAMPLES + 4,
        task_timeout_s=task_timeout_s,
        queue_limit=1,
    )
    pool = GeometryPool(settings)
    try:
        for part in parts * WARM_UP_PASSES:
            pool.run(analyze, str(part.path))
        warm = pool.run(worker_memory)
        trend = [warm.rss_mb]
        every = max(1, count // SAMPLES)
        for done, part in enumerate(itertools.islice(itertools.cycle(parts), count), start=1):
            pool.run(analyze, str(part.path))
            if done % every == 0 and done < count:
                trend.append(pool.run(worker_memory).rss_mb)
        final = pool.run(worker_memory)
    finally:
        pool.close()
    trend.append(final.rss_mb)
    return GrowthResult(
        parts=count,
        distinct_parts=len(parts),
        warm_rss_mb=warm.rss_mb,
        final_rss_mb=final.rss_mb,
        peak_rss_mb=final.peak_rss_mb,
        recycled=final.pid != warm.pid,
        trend_mb=trend,
    )
