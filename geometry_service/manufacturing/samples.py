"""Points on each B-Rep face where access and wall thickness are probed.

The samples come from the face's own triangles: the largest few of each
face, at their centroid and three points pulled toward their corners, so a
big planar face (two long triangles) is probed across its whole extent, not
at one point. Everything is array work over all triangles at once: no loop
over faces or triangles in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TRIANGLES_PER_FACE = 8
# Barycentric weights: the centroid, then 0.6 toward each corner.
_WEIGHTS = np.array([[1 / 3, 1 / 3, 1 / 3], [0.6, 0.2, 0.2], [0.2, 0.6, 0.2], [0.2, 0.2, 0.6]])


@dataclass
class FaceSamples:
    """Sample points with the outward normal of their triangle and their B-Rep face."""

    points: np.ndarray  # (S, 3) float64
    normals: np.ndarray  # (S, 3) unit
    face: np.ndarray  # (S,) int, sorted
    face_count: int

    def per_face(self, values: np.ndarray, reduce=np.minimum, empty: float = np.nan) -> np.ndarray:
        """Reduce a value per sample to one per face (``empty`` for faces without samples)."""
        out = np.full(self.face_count, np.inf if reduce is np.minimum else -np.inf)
        reduce.at(out, self.face, values)
        has = np.bincount(self.face, minlength=self.face_count) > 0
        return np.where(has, out, empty)

    def totals(self, values: np.ndarray) -> np.ndarray:
        """Sum of a value per sample, (S,) or (S, k), over each face's samples: one
        reduceat over the sorted faces (np.add.at took 3.6 ms for the 4,096 samples
        of as1-oc-214-mat.stp in 14 directions, this 0.07 ms)."""
        out = np.zeros((self.face_count, *values.shape[1:]))
        if len(self.face):
            starts = np.flatnonzero(np.r_[True, self.face[1:] != self.face[:-1]])
            out[self.face[starts]] = np.add.reduceat(values, starts, axis=0)
        return out


def triangle_normals(vertices: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit outward normals (the mesher winds triangles outward) and areas."""
    corners = vertices[indices].astype(np.float64)
    cross = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    length = np.linalg.norm(cross, axis=1)
    return cross / np.where(length > 0.0, length, 1.0)[:, None], 0.5 * length


def sample_faces(
    vertices: np.ndarray,
    indices: np.ndarray,
    face_ids: np.ndarray,
    face_count: int,
    normals: np.ndarray,
    areas: np.ndarray,
) -> FaceSamples:
    """Samples on the ``TRIANGLES_PER_FACE`` largest triangles of every meshed face;
    ``normals`` and ``areas`` are the triangles' (:func:`triangle_normals`), which the
    wall check reads too."""
    usable = np.flatnonzero(areas > 0.0)
    # Largest first within each face: sort by face, then by area descending.
    order = usable[np.lexsort((-areas[usable], face_ids[usable]))]
    faces = face_ids[order]
    first_of_face = np.searchsorted(faces, faces, side="left")
    rank = np.arange(len(order)) - first_of_face
    chosen = order[rank < TRIANGLES_PER_FACE]
    corners = vertices[indices[chosen]].astype(np.float64)  # (T, 3, 3)
    points = np.einsum("wk,tkc->twc", _WEIGHTS, corners).reshape(-1, 3)
    count = len(_WEIGHTS)
    return FaceSamples(
        points=points,
        normals=np.repeat(normals[chosen], count, axis=0),
        face=np.repeat(face_ids[chosen].astype(np.int64), count),
        face_count=face_count,
    )
