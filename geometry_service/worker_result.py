"""What a geometry worker hands back for one file, typed.

Everything in the /analyze answer that depends on the file alone: which tier
answered and why the ones above did not, the mesh (as arrays: they pickle as
raw buffers), the faces, features, metadata and manufacturing section in
their JSON shape, and the worker's timings. The HTTP process drives the
inference breaker, the metrics, the dead-letter queue and the cache from its
fields, and public_answer.py turns it into the answer; nothing the caller
should not see (the tier's number, the model's content hash) is in it to leak.
No OCP, no Flask: it is imported on both sides of the process boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ErrorType
from .graceful_degradation import Tier, TierFailure
from .mesh_data import MeshArrays

FAILURE_TYPES = (ErrorType.TRANSIENT.value, ErrorType.SYSTEMIC.value)
"""Degradations that are failures (a crash, a timeout, an open breaker, a bug) and
leave a dead-letter record; a permanent one (an unsure model, a surface model) is the
part itself, and is not."""


@dataclass(frozen=True)
class WorkerResult:
    """One file's analysis, as the worker returns it and the result cache keeps it."""

    tier: Tier
    confidence: float
    degradation: tuple[TierFailure, ...]  # every tier above ``tier``, and why it did not answer
    timings: dict[str, Any]  # worker stages in ms; ``tiers_ms`` per tier that ran
    mesh: MeshArrays | None  # None where the request asked for no mesh
    faces: list[dict[str, Any]]
    features: list[dict[str, Any]]
    metadata: dict[str, Any]
    manufacturing: dict[str, Any] | None  # None for a part without recognized features
    machining_summary: dict[str, Any] | None
    warnings: list[str]

    @property
    def failures(self) -> list[TierFailure]:
        """The degradations that were failures, not facts of the part."""
        return [item for item in self.degradation if item.error_type in FAILURE_TYPES]

    @property
    def cacheable(self) -> bool:
        """False where a tier was lost to something passing (a crash, the deadline, an
        open breaker): the next request for the file may get a better answer."""
        return not any(item.error_type == ErrorType.TRANSIENT.value for item in self.degradation)

    def tier_ms(self, tier: Tier) -> float | None:
        """How long ``tier`` ran; None where it never started."""
        return self.timings["tiers_ms"].get(tier.label)

    def failure_of(self, tier: Tier) -> TierFailure:
        """Why ``tier``, above the one that answered, did not."""
        return next(item for item in self.degradation if item.tier is tier)

    def to_cache(self) -> dict[str, Any]:
        """The form the result cache stores (JSON-ready; the mesh in its binary form)."""
        return {
            "tier": self.tier.label,
            "confidence": self.confidence,
            "degradation": [item.to_json() for item in self.degradation],
            "timings": self.timings,
            "mesh": self.mesh.binary_form() if self.mesh is not None else None,
            "faces": self.faces,
            "features": self.features,
            "metadata": self.metadata,
            "manufacturing": self.manufacturing,
            "machining_summary": self.machining_summary,
            "warnings": self.warnings,
        }

    @classmethod
    def from_cache(cls, stored: dict[str, Any]) -> WorkerResult:
        mesh = stored["mesh"]
        return cls(
            tier=Tier.from_label(stored["tier"]),
            confidence=stored["confidence"],
            degradation=tuple(TierFailure.from_json(item) for item in stored["degradation"]),
            timings=stored["timings"],
            mesh=MeshArrays.from_binary_form(mesh) if mesh is not None else None,
            faces=stored["faces"],
            features=stored["features"],
            metadata=stored["metadata"],
            manufacturing=stored["manufacturing"],
            machining_summary=stored["machining_summary"],
            warnings=stored["warnings"],
        )
