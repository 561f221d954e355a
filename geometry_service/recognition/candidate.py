"""What a recognizer module hands back before the orchestrator numbers it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..features import UNNUMBERED, Feature


@dataclass
class Candidate:
    """A recognized feature: its type, faces and measured parameters, not yet numbered."""

    type: str
    face_ids: list[int]
    parameters: dict[str, Any] = field(default_factory=dict)
    subtype: str | None = None
    confidence: float = 0.75

    def feature(self, recognition_method: str) -> Feature:
        """The feature this candidate becomes; its id is given when the answer's
        features are numbered together (features.numbered)."""
        return Feature(
            id=UNNUMBERED,
            type=self.type,
            subtype=self.subtype,
            face_ids=[int(f) for f in self.face_ids],
            parameters=self.parameters,
            confidence=self.confidence,
            recognition_method=recognition_method,
        )
