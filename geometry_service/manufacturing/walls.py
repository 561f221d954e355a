"""Wall thickness: from each face sample, a ray straight into the material to
where it comes out again.

The distance to the first face the ray meets is the material's thickness
there, when that face looks back at the sample (its normal against the
ray's): a ray that leaves through a side face at a grazing angle measures
no wall. Faces thinner than the shop's limit are paired with the face on
the other side of the wall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ray_scene import RayScene
from .samples import FaceSamples

OPPOSING = -0.7  # cosine between the sample's and the exit face's normals: a wall, not a corner
RAY_OFFSET = 1e-5  # of the part's size, into the material


@dataclass
class ThinWall:
    faces: tuple[int, int]  # the face probed and the face on the other side
    thickness: float  # thinnest measured, mm


def thin_walls(
    scene: RayScene,
    samples: FaceSamples,
    triangle_normals: np.ndarray,
    triangle_face: np.ndarray,
    size: float,
    min_wall: float,
) -> list[ThinWall]:
    """Walls thinner than ``min_wall``, one per pair of faces, thinnest first."""
    offset = RAY_OFFSET * max(size, 1.0)
    inward = -samples.normals
    hits = scene.first_hits(samples.points + offset * inward, inward)
    hit = ~hits.missed
    opposing = np.zeros(len(hit), dtype=bool)
    opposing[hit] = (
        np.einsum("ij,ij->i", triangle_normals[hits.triangle[hit]], samples.normals[hit]) < OPPOSING
    )
    thickness = hits.distance + offset
    thin = np.flatnonzero(opposing & (thickness < min_wall))
    if not len(thin):
        return []
    pairs = np.sort(
        np.stack([samples.face[thin], triangle_face[hits.triangle[thin]]], axis=1), axis=1
    )
    keys, group = np.unique(pairs, axis=0, return_inverse=True)
    least = np.full(len(keys), np.inf)
    np.minimum.at(least, group.ravel(), thickness[thin])
    order = np.argsort(least)
    return [ThinWall((int(keys[k, 0]), int(keys[k, 1])), float(least[k])) for k in order]
