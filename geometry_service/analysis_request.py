"""The options of one analysis, sent from the HTTP process to a geometry worker.

Kept apart from the geometry code so that the HTTP process can build a request
without importing OCP (it never does: see worker_pool.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .errors import ErrorType
from .graceful_degradation import Tier, TierFailure
from .json_logging import correlation_scope
from .manufacturing.limits import ShopLimits
from .mesh_settings import MeshSettings
from .worker_result import WorkerResult


@dataclass(frozen=True)
class AnalysisRequest:
    """Picklable options of one analysis.

    ``blocked_tiers`` says which tiers may not run and why, decided by the
    caller (an open breaker, a missing model). ``deadline`` (epoch seconds) is
    the request's one deadline, queue wait included: tiers that would start
    after it are skipped, and the last tier answers. ``safe_mode`` is the
    second try of a file that killed a worker: read and mesh only.
    ``full_healing`` runs every ShapeFix step of the STEP reader (STEP_FULL_HEALING).
    """

    mesh: MeshSettings = MeshSettings()
    model_path: Path = Settings.model_path
    model_min_face_probability: float = Settings.model_min_face_probability
    model_min_part_agreement: float = Settings.model_min_part_agreement
    blocked_tiers: tuple[TierFailure, ...] = ()
    deadline: float | None = None  # epoch seconds
    include_mesh: bool = True
    safe_mode: bool = False
    correlation_id: str | None = None  # the worker logs under it
    shop_limits: ShopLimits = ShopLimits()
    full_healing: bool = Settings.step_full_healing


RULES_REQUESTED = TierFailure(
    Tier.BREP_ML,
    "the request asked for the rules first "
    "(POST /analyze-aag: attributed adjacency graph rules, no network)",
    "rules_requested",
    ErrorType.PERMANENT.value,
)
"""Tier 1 blocked at the caller's request: a choice, not a failure to record."""


def blocked_tiers(
    model_path: Path, inference_admitted: bool, rules_first: bool = False
) -> tuple[TierFailure, ...]:
    """Tiers that may not run for this request, with the reason for each."""
    if rules_first:
        return (RULES_REQUESTED,)
    if not model_path.is_file():
        reason = f"model not loaded: {model_path.name} not found"
        return (TierFailure(Tier.BREP_ML, reason, "model_missing", ErrorType.SYSTEMIC.value),)
    if not inference_admitted:
        reason = "the inference circuit breaker is open"
        return (TierFailure(Tier.BREP_ML, reason, "circuit_open", ErrorType.TRANSIENT.value),)
    return ()


def analyze_in_worker(path: str, request: AnalysisRequest) -> WorkerResult:
    """The task a worker runs; imports the geometry code there, never in the caller."""
    from .part_analysis import analyze_file

    with correlation_scope(request.correlation_id):
        return analyze_file(path, request)


def load_model_in_worker(path: str) -> str:
    """Load the tier-1 model in a worker (it stays loaded there) and return its version."""
    from .brepnet_wrapper import load_model

    return load_model(Path(path)).version
