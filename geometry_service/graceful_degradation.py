"""The four-tier degradation ladder: the highest tier that succeeds answers.

| tier | name | confidence | needs |
|---|---|---|---|
| 1 | tier_1_brep_ml | 0.95 | B-Rep graph and the ONNX model |
| 2 | tier_2_mesh_heuristics | 0.75 | B-Rep graph, rules only |
| 3 | tier_3_point_cloud | 0.60 | the mesh |
| 4 | tier_4_basic | 0.40 | the mesh, shown as is |

The ladder knows nothing of OCCT or of the model: each tier is a function
from a :class:`PartContext` to a :class:`~geometry_service.features.Recognition`,
plugged in by the caller. A tier that is not allowed (its breaker is open, its
model is missing), that cannot finish before the deadline, or that raises is
skipped, and the reason is kept: every answer says why higher tiers did not.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Callable

from .errors import ServiceError
from .features import Recognition


class Tier(IntEnum):
    BREP_ML = 1
    MESH_HEURISTICS = 2
    POINT_CLOUD = 3
    BASIC = 4

    @property
    def label(self) -> str:
        return TIER_LABELS[self]

    @property
    def confidence(self) -> float:
        return TIER_CONFIDENCE[self]


TIER_LABELS = {
    Tier.BREP_ML: "tier_1_brep_ml",
    Tier.MESH_HEURISTICS: "tier_2_mesh_heuristics",
    Tier.POINT_CLOUD: "tier_3_point_cloud",
    Tier.BASIC: "tier_4_basic",
}
TIER_CONFIDENCE = {
    Tier.BREP_ML: 0.95,
    Tier.MESH_HEURISTICS: 0.75,
    Tier.POINT_CLOUD: 0.60,
    Tier.BASIC: 0.40,
}


@dataclass
class PartContext:
    """What the tiers may use; ``graph`` is None when the B-Rep graph failed."""

    model: Any
    graph: Any
    mesh: Any
    topology: Any = None  # built once from the graph, shared by the tiers and the metrics
    outline: Any = None


TierFunction = Callable[[PartContext], Recognition]


@dataclass
class TierFailure:
    tier: Tier
    reason: str
    code: str
    error_type: str

    def to_json(self) -> dict[str, str]:
        return {"tier": self.tier.label, "reason": self.reason, "code": self.code, "error_type": self.error_type}


@dataclass
class LadderResult:
    tier: Tier
    recognition: Recognition
    degradation: list[TierFailure]
    tier_ms: dict[str, float] = field(default_factory=dict)

    @property
    def confidence(self) -> float:
        return self.tier.confidence

    def failure_of(self, tier: Tier) -> TierFailure | None:
        return next((f for f in self.degradation if f.tier == tier), None)


@dataclass
class Ladder:
    """Tier functions plus, per tier, why it may not run and its expected cost."""

    tiers: dict[Tier, TierFunction]
    unavailable: dict[Tier, TierFailure] = field(default_factory=dict)
    expected_s: dict[Tier, float] = field(default_factory=dict)

    def run(self, context: PartContext, deadline: float | None = None) -> LadderResult:
        """Try tiers from the top; the last tier must not fail (tier 4 cannot)."""
        degradation: list[TierFailure] = []
        tier_ms: dict[str, float] = {}
        for tier in Tier:
            if tier in self.unavailable:
                degradation.append(self.unavailable[tier])
                continue
            if tier not in self.tiers:
                degradation.append(TierFailure(tier, "not installed", "tier_not_installed", "systemic"))
                continue
            left = None if deadline is None else deadline - time.time()
            if left is not None and left < self.expected_s.get(tier, 0.0):
                degradation.append(
                    TierFailure(tier, f"not enough time left ({max(left, 0):.1f} s)", "deadline", "transient")
                )
                continue
            started = time.perf_counter()
            try:
                recognition = self.tiers[tier](context)
            except Exception as exc:  # a tier's failure is an answer from the tier below
                tier_ms[tier.label] = (time.perf_counter() - started) * 1000.0
                degradation.append(_failure(tier, exc))
                continue
            tier_ms[tier.label] = (time.perf_counter() - started) * 1000.0
            return LadderResult(tier, recognition, degradation, tier_ms)
        raise RuntimeError("the degradation ladder has no tier that can answer")


def _failure(tier: Tier, exc: Exception) -> TierFailure:
    if isinstance(exc, ServiceError):
        return TierFailure(tier, exc.message, exc.code, exc.error_type.value)
    return TierFailure(tier, f"{type(exc).__name__}: {exc}", "tier_failed", "systemic")
