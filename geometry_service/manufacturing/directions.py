"""The directions a 3-axis tool may come from: the part's principal frame and
every feature's own axis.

A shop clamps a prismatic part square to its block, so the six directions of
the block's frame come first; a hole or a cut square to a slanted face adds
its axis (and the opposite sense: a through hole is drilled from either
end). Directions within ``SAME_DIRECTION`` of each other are one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

SAME_DIRECTION = 1.0 - 1e-4  # cosine: about 0.8 degrees
MAX_DIRECTIONS = 32
AXIS_PARAMETERS = ("tool_access_direction", "axis")


@dataclass
class Directions:
    """Unit vectors (D, 3); the first ``principal`` are the frame's +-X, +-Y, +-Z."""

    vectors: np.ndarray
    principal: int

    def __len__(self) -> int:
        return len(self.vectors)

    def is_principal(self, index: int) -> bool:
        return index < self.principal

    def name(self, index: int) -> str:
        """'+X' ... '-Z' for the frame's directions, else the vector rounded."""
        if index < self.principal:
            return ("+", "-")[index % 2] + "XYZ"[index // 2]
        return "[" + ", ".join(f"{c:.3f}" for c in self.vectors[index]) + "]"


def candidate_directions(
    frame: np.ndarray, features: Iterable[dict[str, Any]], turning_axis: np.ndarray | None = None
) -> Directions:
    """The frame's six directions, then each distinct feature (and turning) axis, both senses."""
    frame = np.asarray(frame, dtype=float)
    principal = np.stack([sign * frame[k] for k in range(3) for sign in (1.0, -1.0)])
    extra = [np.asarray(a, dtype=float) for a in _feature_axes(features)]
    if turning_axis is not None:
        extra.append(np.asarray(turning_axis, dtype=float))
    kept = list(principal)
    for axis in extra:
        length = np.linalg.norm(axis)
        if not length > 0.0:
            continue
        for vector in (axis / length, -axis / length):
            if len(kept) < MAX_DIRECTIONS and np.max(np.asarray(kept) @ vector) < SAME_DIRECTION:
                kept.append(vector)
    return Directions(np.asarray(kept), len(principal))


def _feature_axes(features: Iterable[dict[str, Any]]) -> Iterable[list[float]]:
    for feature in features:
        for name in AXIS_PARAMETERS:
            value = feature["parameters"].get(name)
            if value is not None:
                yield value
                break
