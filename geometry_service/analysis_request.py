"""The options of one analysis, sent from the HTTP process to a geometry worker.

Kept apart from the geometry code so that the HTTP process can build a request
without importing OCP (it never does: see worker_pool.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import Settings


@dataclass(frozen=True)
class MeshSettings:
    relative_deflection: float = 0.001  # of the bounding-box diagonal
    angular_deflection_rad: float = 0.35
    max_triangles: int = 2_000_000

    @classmethod
    def from_settings(cls, settings: Settings) -> "MeshSettings":
        return cls(
            relative_deflection=settings.mesh_relative_deflection,
            angular_deflection_rad=settings.mesh_angular_deflection_rad,
            max_triangles=settings.mesh_max_triangles,
        )


@dataclass(frozen=True)
class AnalysisRequest:
    """Picklable options of one analysis.

    ``blocked_tiers`` maps a tier number to the (code, reason) that keeps it from
    running, decided by the caller (an open breaker, a missing model).
    """

    mesh: MeshSettings = MeshSettings()
    blocked_tiers: dict[int, tuple[str, str]] = field(default_factory=dict)
    deadline: float | None = None  # epoch seconds
    include_mesh: bool = True


def blocked_tiers(settings: Settings, inference_admitted: bool) -> dict[int, tuple[str, str]]:
    """Tiers that may not run for this request, with a code and a reason for each."""
    if not settings.model_path.is_file():
        return {1: ("model_missing", f"model not loaded: {settings.model_path.name} not found")}
    if not inference_admitted:
        return {1: ("circuit_open", "the inference circuit breaker is open")}
    return {}


def analyze_in_worker(path: str, request: AnalysisRequest) -> dict:
    """The task a worker runs; imports the geometry code there, never in the caller."""
    from .part_analysis import analyze_file

    return analyze_file(path, request)
