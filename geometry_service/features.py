"""The result types that every recognizer returns, whatever tier it is.

Tier 1 (the network) and tier 2 (the rules) answer in the same shape so that a
caller cannot tell them apart except by ``recognition_method`` and confidence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

STOCK = "stock"


@dataclass
class Feature:
    """One machining feature instance: its faces and its measured dimensions."""

    id: int
    type: str  # taxonomy name: through_hole, blind_hole, rectangular_pocket, chamfer, round, ...
    subtype: str | None
    face_ids: list[int]
    parameters: dict[str, Any]
    confidence: float
    recognition_method: str  # "geometric" or "ml"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Recognition:
    """What a recognizer found: the features and a label for every face.

    ``face_labels[i]`` is the feature type of face ``i`` (``"stock"`` when the face
    belongs to no feature); ``face_feature[i]`` is the id of its feature or None.
    """

    features: list[Feature]
    face_labels: list[str]
    face_feature: list[int | None]
    part_type: str  # "prismatic", "rotational" or "mixed"
    face_probabilities: list[float] | None = None
    part_parameters: dict[str, Any] = field(default_factory=dict)
