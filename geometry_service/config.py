"""All configuration, read from environment variables in this one place.

Every variable is documented in README_PRODUCTION.md with its default. The
defaults run the service embedded: no Supabase, no Redis, the bundled model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Mapping
from urllib.parse import urlparse

from .errors import SystemicError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_workers() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    """Service settings; build with :meth:`from_env`."""

    port: int = 8080
    log_level: str = "INFO"
    http_threads: int = 8

    # Input limits and request deadline.
    max_upload_mb: float = 100.0
    request_budget_s: float = 25.0

    # Geometry worker pool.
    worker_count: int = field(default_factory=_default_workers)
    worker_task_timeout_s: float = 60.0
    worker_max_tasks: int = 200
    worker_memory_limit_mb: int = 4096
    queue_limit: int = 16

    # Meshing: deflection relative to the bounding-box diagonal, and a triangle cap.
    mesh_relative_deflection: float = 0.001
    mesh_angular_deflection_rad: float = 0.35
    mesh_max_triangles: int = 2_000_000

    # Reading: every ShapeFix step of the STEP transfer, or only those real files need (cad_reader.py).
    step_full_healing: bool = False

    # Model.
    model_path: Path = PROJECT_ROOT / "models" / "brepnet.onnx"
    model_min_face_probability: float = 0.9

    # Circuit breakers.
    breaker_failure_threshold: int = 5
    breaker_recovery_s: float = 60.0
    breaker_slow_call_s: float = 10.0

    # Retries of transient failures.
    retry_max_attempts: int = 3
    retry_base_delay_s: float = 1.0
    retry_max_delay_s: float = 8.0

    # Dead-letter queue.
    dlq_spool_path: Path = PROJECT_ROOT / "var" / "dlq_spool.sqlite3"
    dlq_sqlite_path: Path = PROJECT_ROOT / "var" / "dlq.sqlite3"
    dlq_table: str = "failed_cad_analyses"
    dlq_forward_interval_s: float = 5.0
    dlq_batch_size: int = 100
    database_url: str = ""
    supabase_url: str = ""
    supabase_service_role_key: str = ""

    # Parts the network was unsure of, kept for training (not failures: not in the DLQ).
    training_candidates_dir: Path = PROJECT_ROOT / "var" / "training_candidates"
    training_candidates_max: int = 500

    # Result cache.
    redis_url: str = ""
    cache_ttl_s: int = 86_400
    cache_max_entries: int = 256

    # Access control.
    admin_token: str = ""
    service_api_key: str = ""

    # Downloads by URL.
    download_allowed_hosts: tuple[str, ...] = ()
    download_timeout_s: float = 20.0

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
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Read every field from the upper-cased variable of the same name."""
        env = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = env.get(f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, f.type, raw)
        return cls(**values)


def _parse(name: str, type_name: object, raw: str):
    kind = str(type_name)
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "Path":
            return Path(raw)
        if kind == "bool":
            return _parse_bool(raw)
        if kind.startswith("tuple"):
            return tuple(item.strip() for item in raw.split(",") if item.strip())
        return raw
    except ValueError as exc:
        raise SystemicError(
            "bad_configuration", f"{name.upper()}={raw!r} is not a valid {kind}"
        ) from exc


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)
