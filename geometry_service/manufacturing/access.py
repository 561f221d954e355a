"""Which faces a 3-axis tool reaches, from which directions: rays cast
from samples on every face out along each candidate direction.

A sample is reached from direction d when its face looks that way (its
outward normal is not against d: walls parallel to d are cut by the tool's
flank) and a ray from it along d leaves the part without hitting it. A
face's share of reached samples per direction gives full access (every
sample), partial access (some: material is left in the rest) or none (an
undercut). All rays of a part go to Embree in one batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .directions import Directions
from .ray_scene import RayScene
from .samples import FaceSamples

FACING_TOLERANCE = (
    0.01  # cosine: a wall drafted under 0.6 degrees into the part still counts as parallel
)
FULL_SHARE = 0.95  # of a face's samples reached: the face is reached from that direction
RAY_OFFSET = 1e-5  # of the part's size: rays start this far off the face, out of it and along d


@dataclass
class FaceAccess:
    """Per face: the share of its samples reached from each direction, (F, D),
    and the share reached from none, (F,); NaN rows for faces with no triangles.

    The derived masks are worked out once: set-up planning asks them once per
    feature, and each is a pass over every face (on a plate of 3,306 holes that
    was 0.9 s of the manufacturing section)."""

    reached: np.ndarray
    unreached: np.ndarray
    directions: Directions
    ray_count: int

    @cached_property
    def full(self) -> np.ndarray:
        """(F, D) bool: the face is reached from the direction."""
        return np.nan_to_num(self.reached) >= FULL_SHARE

    @cached_property
    def partial(self) -> np.ndarray:
        return np.nan_to_num(self.reached) > 0.0

    @cached_property
    def sampled(self) -> np.ndarray:
        return ~np.isnan(self.unreached)

    def inaccessible_faces(self) -> np.ndarray:
        """Faces with samples of which no direction reaches any: undercuts."""
        return np.flatnonzero(self.sampled & ~self.partial.any(axis=1))

    def partly_reached_faces(self) -> np.ndarray:
        """Faces reached in part, with samples that no direction reaches: material left behind."""
        return np.flatnonzero(
            self.sampled & self.partial.any(axis=1) & (np.nan_to_num(self.unreached) > 0.0)
        )


def face_access(
    scene: RayScene, samples: FaceSamples, directions: Directions, size: float
) -> FaceAccess:
    """Cast every (sample, direction) ray that faces its direction, in one batch."""
    vectors = directions.vectors
    facing = samples.normals @ vectors.T > -FACING_TOLERANCE  # (S, D)
    sample_index, direction_index = np.nonzero(facing)
    offset = RAY_OFFSET * max(size, 1.0)
    origins = (
        samples.points[sample_index]
        + offset * samples.normals[sample_index]
        + offset * vectors[direction_index]
    )
    free = ~scene.blocked(origins, vectors[direction_index])
    reached = np.zeros(facing.shape, dtype=bool)
    reached[sample_index[free], direction_index[free]] = True

    face_count = samples.face_count
    per_face = np.bincount(samples.face, minlength=face_count).astype(float)
    counts = samples.totals(reached)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(per_face[:, None] > 0, counts / per_face[:, None], np.nan)
        unreached = (
            np.bincount(
                samples.face, weights=(~reached.any(axis=1)).astype(float), minlength=face_count
            )
            / per_face
        )
    return FaceAccess(share, unreached, directions, len(origins))
