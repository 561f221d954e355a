"""Measures of a triangle mesh as numpy arrays: triangle areas and enclosed volume.

No OCCT here: tier 3 (the point cloud) and the part metrics of parts with no
B-Rep graph both measure the mesh, from its vertices (V, 3) and indices (T, 3).
"""

from __future__ import annotations

import numpy as np


def triangle_areas(vertices: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Area of every triangle, (T,) float64."""
    corners = vertices[indices].astype(np.float64)
    return 0.5 * np.linalg.norm(
        np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]), axis=1
    )


def mesh_volume(vertices: np.ndarray, indices: np.ndarray) -> float:
    """Enclosed volume by the divergence theorem (signed tetrahedra from the origin)."""
    corners = vertices[indices].astype(np.float64)
    return float(
        abs(np.einsum("ij,ij->i", corners[:, 0], np.cross(corners[:, 1], corners[:, 2])).sum())
        / 6.0
    )
