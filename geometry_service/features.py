"""The result types that every recognizer returns, whatever tier it is.

Tier 1 (the network with the rules) and tier 2 (the rules) answer in the same
shape: a caller tells them apart by ``recognition_method``, ``agreement`` and
confidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .fields_dict import fields_dict
from .recognition.taxonomy import MFCADPP_FACE_READING

STOCK = "stock"
UNNUMBERED = -1  # a feature's id until the answer's features are numbered


@dataclass
class Feature:
    """One machining feature instance: its faces and its measured dimensions."""

    id: int
    type: str  # taxonomy name: through_hole, blind_hole, rectangular_pocket, chamfer, round, ...
    subtype: str | None
    face_ids: list[int]
    parameters: dict[str, Any]
    confidence: float
    recognition_method: str  # who named it: "ml" (the network) or "geometric" (the rules)
    # Whether the other recognizer names these faces the same; None where it was
    # not consulted or has no name for the type (a boss, a turned feature).
    agreement: bool | None = None
    needs_review: bool = False  # the two recognizers disagree on it

    def to_json(self) -> dict[str, Any]:
        """The feature as JSON; ``agreement`` and ``needs_review`` only where a
        second recognizer was consulted (the public answer fills them in always).
        Shallow (fields_dict.py): ``parameters`` and ``face_ids`` are the feature's own."""
        answer = fields_dict(self)
        if self.agreement is None and not self.needs_review:
            del answer["agreement"], answer["needs_review"]
        return answer


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
    face_probabilities: list[float | None] | None = None  # the network's, for each face's label
    part_parameters: dict[str, Any] = field(default_factory=dict)
    confidence: float | None = None  # the answer's own; None: the answering tier's nominal one


def numbered(features: Sequence[Feature]) -> list[Feature]:
    """The features with ids 0, 1, ... in their order: the one numbering of every recognizer."""
    return [replace(feature, id=number) for number, feature in enumerate(features)]


def face_owners(features: Sequence[Feature], face_count: int) -> list[int | None]:
    """The id of the feature holding each face; None for a face no feature holds."""
    owner: list[int | None] = [None] * face_count
    for feature in features:
        for face in feature.face_ids:
            owner[face] = feature.id
    return owner


def face_labels(features: Sequence[Feature], owner: Sequence[int | None]) -> list[str]:
    """Each face's label: ``stock``, its feature's type, or where the feature is richer
    than MFCAD++ the MFCAD++ name of the part of it the face lies in (a counterbore's
    wall and shoulder are a ``blind_hole``, a countersink a ``chamfer``)."""
    labels = [STOCK if number is None else features[number].type for number in owner]
    for feature in features:
        for part in feature.parameters.get("segments", ()):
            reading = MFCADPP_FACE_READING.get(part.get("kind"))
            if reading is not None:
                for face in part["faces"]:
                    labels[face] = reading
    return labels
