"""All configuration, read from environment variables in this one place.

Every variable is documented in README_PRODUCTION.md with its default. The
defaults run the service embedded: no Supabase, no Redis, the bundled model.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .errors import SystemicError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
OPS_THREADS = 4
"""HTTP threads kept beyond the admitted analyses, for /health, /ready and ops calls."""


def _default_workers() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Bounds:
    """The values a numeric setting accepts: from ``minimum`` (inclusive) or
    ``above`` (exclusive), up to ``maximum`` (inclusive); always finite."""

    minimum: float | None = None
    above: float | None = None
    maximum: float | None = None

    def problem(self, value: float) -> str | None:
        """What is wrong with ``value``, in words, or None."""
        if not math.isfinite(value):
            return "must be a finite number"
        if self.minimum is not None and value < self.minimum:
            return f"must be at least {self.minimum:g}"
        if self.above is not None and not value > self.above:
            return f"must be more than {self.above:g}"
        if self.maximum is not None and value > self.maximum:
            return f"must be at most {self.maximum:g}"
        return None


def _bounded(default: Any = MISSING, *, factory: Any = MISSING, **bounds: float) -> Any:
    """A field with its accepted range, checked by :meth:`Settings.from_env`."""
    return field(default=default, default_factory=factory, metadata={"bounds": Bounds(**bounds)})


POSITIVE = {"above": 0}
AT_LEAST_ONE = {"minimum": 1}
NOT_NEGATIVE = {"minimum": 0}

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class Settings:
    """Service settings; build with :meth:`from_env`, which refuses values out of range."""

    port: int = _bounded(8080, minimum=1, maximum=65535)
    log_level: str = "INFO"
    http_threads: int = _bounded(8, **AT_LEAST_ONE)

    # Input limits and request deadline.
    max_upload_mb: float = _bounded(100.0, **POSITIVE)
    request_budget_s: float = _bounded(25.0, **POSITIVE)

    # Geometry worker pool.
    worker_count: int = _bounded(factory=_default_workers, **AT_LEAST_ONE)
    worker_task_timeout_s: float = _bounded(60.0, **POSITIVE)
    worker_max_tasks: int = _bounded(200, **AT_LEAST_ONE)
    worker_memory_limit_mb: int = _bounded(4096, **NOT_NEGATIVE)  # 0: no limit
    queue_limit: int = _bounded(16, **NOT_NEGATIVE)

    # Meshing: deflection relative to the bounding-box diagonal, and a triangle cap.
    mesh_relative_deflection: float = _bounded(0.001, above=0, maximum=1)
    mesh_angular_deflection_rad: float = _bounded(0.35, above=0, maximum=math.pi)
    mesh_max_triangles: int = _bounded(500_000, **AT_LEAST_ONE)

    # Shop limits of the manufacturability checks (geometry_service/manufacturing/).
    shop_peck_drill_ratio: float = _bounded(4.0, **POSITIVE)
    shop_gun_drill_ratio: float = _bounded(10.0, **POSITIVE)
    shop_max_tool_reach_ratio: float = _bounded(4.0, **POSITIVE)
    shop_min_wall_mm: float = _bounded(1.0, **POSITIVE)
    shop_drill_size_tolerance_mm: float = _bounded(0.01, **POSITIVE)
    shop_tap_drill_tolerance_mm: float = _bounded(0.05, **POSITIVE)
    shop_tolerance_limit_mm: float = _bounded(0.01, **POSITIVE)
    shop_machine_envelope_mm: tuple[float, ...] = (762.0, 406.0, 508.0)
    shop_stock_allowance_mm: float = _bounded(1.0, **NOT_NEGATIVE)

    # Reading: every ShapeFix step of the STEP transfer, or only those real files need
    # (cad_reader.py).
    step_full_healing: bool = False

    # Model.
    model_path: Path = PROJECT_ROOT / "models" / "brepnet.onnx"
    model_min_face_probability: float = _bounded(0.9, minimum=0, maximum=1)
    model_min_part_agreement: float = _bounded(0.5, minimum=0, maximum=1)

    # Circuit breakers.
    breaker_failure_threshold: int = _bounded(5, **AT_LEAST_ONE)
    breaker_recovery_s: float = _bounded(60.0, **POSITIVE)
    breaker_slow_call_s: float = _bounded(10.0, **POSITIVE)

    # Retries of transient failures.
    retry_max_attempts: int = _bounded(3, **AT_LEAST_ONE)
    retry_base_delay_s: float = _bounded(1.0, **NOT_NEGATIVE)
    retry_max_delay_s: float = _bounded(8.0, **NOT_NEGATIVE)

    # Dead-letter queue.
    dlq_spool_path: Path = PROJECT_ROOT / "var" / "dlq_spool.sqlite3"
    dlq_sqlite_path: Path = PROJECT_ROOT / "var" / "dlq.sqlite3"
    dlq_table: str = "failed_cad_analyses"
    dlq_forward_interval_s: float = _bounded(5.0, **POSITIVE)
    dlq_batch_size: int = _bounded(100, **AT_LEAST_ONE)
    database_url: str = ""
    supabase_url: str = ""
    supabase_service_role_key: str = ""

    # Parts the network was unsure of, kept for training (not failures: not in the DLQ).
    training_candidates_dir: Path = PROJECT_ROOT / "var" / "training_candidates"
    training_candidates_max: int = _bounded(500, **NOT_NEGATIVE)

    # Result cache.
    redis_url: str = ""
    cache_ttl_s: int = _bounded(86_400, **AT_LEAST_ONE)
    cache_max_entries: int = _bounded(256, **AT_LEAST_ONE)
    cache_max_mb: float = _bounded(64.0, **POSITIVE)

    # Access control.
    admin_token: str = ""
    service_api_key: str = ""
    production: bool = False

    # Downloads by URL.
    download_allowed_hosts: tuple[str, ...] = ()
    download_timeout_s: float = _bounded(20.0, **POSITIVE)
    download_allow_private: bool = False

    @property
    def request_threads(self) -> int:
        """HTTP threads: never fewer than the analyses admitted plus room for health and
        ops, so that admission control, not a full thread pool, decides who waits."""
        return max(self.http_threads, self.worker_count + self.queue_limit + OPS_THREADS)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def dlq_store(self) -> str:
        """Which remote store the DLQ forwards to: supabase, postgres or sqlite."""
        if self.supabase_url and self.supabase_service_role_key:
            return "supabase"
        if self.database_url:
            return "postgres"
        return "sqlite"

    @property
    def allowed_download_hosts(self) -> tuple[str, ...]:
        """Hosts files may be downloaded from: the configured list, else Supabase's host."""
        if self.download_allowed_hosts:
            return self.download_allowed_hosts
        host = urlparse(self.supabase_url).hostname if self.supabase_url else None
        return (host,) if host else ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every field from the upper-cased variable of the same name; a value
        that does not parse, or is out of range, stops the start, naming the variable."""
        env = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = env.get(f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, f.type, raw)
        settings = cls(**values)
        problems = settings.problems()
        if problems:
            raise SystemicError("bad_configuration", "; ".join(problems))
        return settings

    def problems(self) -> list[str]:
        """Every setting out of its range, and every rule between settings broken, in words.
        Only from_env enforces them: tests build Settings with values no operator should use."""
        problems = []
        for f in fields(self):
            bounds = f.metadata.get("bounds")
            problem = bounds.problem(getattr(self, f.name)) if bounds is not None else None
            if problem:
                problems.append(f"{f.name.upper()}={getattr(self, f.name)!r} {problem}")
        if self.log_level.upper() not in LOG_LEVELS:
            problems.append(f"LOG_LEVEL={self.log_level!r} must be one of {', '.join(LOG_LEVELS)}")
        if self.production:
            missing = [
                name.upper()
                for name in ("admin_token", "service_api_key")
                if not getattr(self, name)
            ]
            if missing:
                problems.append(f"PRODUCTION=true needs {' and '.join(missing)} set")
        return problems


def _parse(name: str, type_name: object, raw: str):
    kind = str(type_name)
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            return _parse_bool(raw)
        if kind == "Path":
            return Path(raw)
        if kind == "tuple[float, ...]":
            return tuple(float(item) for item in raw.split(",") if item.strip())
        if kind == "bool":
            return _parse_bool(raw)
        if kind.startswith("tuple"):
            return tuple(item.strip() for item in raw.split(",") if item.strip())
        return raw
    except ValueError as exc:
        raise SystemicError(
            "bad_configuration", f"{name.upper()}={raw!r} is not a valid {kind}"
        ) from exc


_BOOLEAN_WORDS = {
    "true": True,
    "1": True,
    "yes": True,
    "on": True,
    "false": False,
    "0": False,
    "no": False,
    "off": False,
}


def _parse_bool(raw: str) -> bool:
    try:
        return _BOOLEAN_WORDS[raw.strip().lower()]
    except KeyError:
        raise ValueError(raw) from None
