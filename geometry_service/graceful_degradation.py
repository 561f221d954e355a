"""The four-tier degradation ladder: the highest tier that succeeds answers.

| tier | name | confidence | needs |
|---|---|---|---|
| 1 | tier_1_brep_ml | up to 0.95, where network and rules agree | B-Rep graph, ONNX model, rules |
| 2 | tier_2_mesh_heuristics | 0.75 | B-Rep graph, rules only |
| 3 | tier_3_point_cloud | 0.60 | the mesh |
| 4 | tier_4_basic | 0.40 | the mesh, shown as is |

The ladder knows nothing of OCCT or of the model: each tier is a function
from the caller's context (part_analysis.PartContext in the worker) to a
:class:`~geometry_service.features.Recognition`, plugged in by the caller. A
tier that is not allowed (its breaker is open, its model is missing), that
would start after the deadline, or that raises is skipped, and the reason is
kept: every answer says why higher tiers did not. The last tier always runs,
deadline or not: an answer from it beats no answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Generic, TypeVar

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

    @classmethod
    def from_label(cls, label: str) -> Tier:
        return TIER_BY_LABEL[label]


TIER_LABELS = {
    Tier.BREP_ML: "tier_1_brep_ml",
    Tier.MESH_HEURISTICS: "tier_2_mesh_heuristics",
    Tier.POINT_CLOUD: "tier_3_point_cloud",
    Tier.BASIC: "tier_4_basic",
}
TIER_BY_LABEL = {label: tier for tier, label in TIER_LABELS.items()}
TIER_CONFIDENCE = {
    Tier.BREP_ML: 0.95,
    Tier.MESH_HEURISTICS: 0.75,
    Tier.POINT_CLOUD: 0.60,
    Tier.BASIC: 0.40,
}


Context = TypeVar("Context")  # what every tier reads: the caller's, the ladder never looks in


@dataclass
class TierFailure:
    tier: Tier
    reason: str
    code: str
    error_type: str

    def to_json(self) -> dict[str, str]:
        return {
            "tier": self.tier.label,
            "reason": self.reason,
            "code": self.code,
            "error_type": self.error_type,
        }

    @classmethod
    def from_json(cls, stored: dict[str, str]) -> TierFailure:
        return cls(
            Tier.from_label(stored["tier"]), stored["reason"], stored["code"], stored["error_type"]
        )


@dataclass
class LadderResult:
    tier: Tier
    recognition: Recognition
    degradation: list[TierFailure]
    tier_ms: dict[str, float] = field(default_factory=dict)

    @property
    def confidence(self) -> float:
        """The recognition's own confidence where it measured one, else the tier's."""
        if self.recognition.confidence is not None:
            return self.recognition.confidence
        return self.tier.confidence


LAST_TIER = max(Tier)


@dataclass
class Ladder(Generic[Context]):
    """Tier functions plus, per tier, why it may not run.

    ``clock`` is the wall clock the deadline is read against (epoch seconds:
    the deadline crosses from the HTTP process into a worker); tests inject one.
    """

    tiers: dict[Tier, Callable[[Context], Recognition]]
    unavailable: dict[Tier, TierFailure] = field(default_factory=dict)
    clock: Callable[[], float] = time.time

    def run(self, context: Context, deadline: float | None = None) -> LadderResult:
        """Try tiers from the top; the last tier always runs, and must not fail (tier 4 cannot)."""
        degradation: list[TierFailure] = []
        tier_ms: dict[str, float] = {}
        for tier in list(Tier)[:-1]:
            skipped = self._why_not(tier, deadline)
            if skipped is not None:
                degradation.append(skipped)
                continue
            try:
                recognition = self._timed(tier, context, tier_ms)
            except Exception as exc:  # a tier's failure is an answer from the tier below
                degradation.append(_failure(tier, exc))
                continue
            return LadderResult(tier, recognition, degradation, tier_ms)
        return LadderResult(
            LAST_TIER, self._timed(LAST_TIER, context, tier_ms), degradation, tier_ms
        )

    def _timed(self, tier: Tier, context: Context, tier_ms: dict[str, float]) -> Recognition:
        started = time.perf_counter()
        try:
            return self.tiers[tier](context)
        finally:
            tier_ms[tier.label] = (time.perf_counter() - started) * 1000.0

    def _why_not(self, tier: Tier, deadline: float | None) -> TierFailure | None:
        if tier in self.unavailable:
            return self.unavailable[tier]
        if tier not in self.tiers:
            return TierFailure(tier, "not installed", "tier_not_installed", "systemic")
        if deadline is not None and self.clock() >= deadline:
            return TierFailure(
                tier, "the request's time budget ran out before this tier", "deadline", "transient"
            )
        return None


def _failure(tier: Tier, exc: Exception) -> TierFailure:
    if isinstance(exc, ServiceError):
        return TierFailure(tier, exc.message, exc.code, exc.error_type.value)
    return TierFailure(tier, f"{type(exc).__name__}: {exc}", "tier_failed", "systemic")
