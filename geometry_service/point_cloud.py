"""Tier 3: what a point cloud sampled from the mesh can still tell a shop.

When neither recognizer can answer, the triangle mesh still gives the stock
size, the principal axes, whether the part is turned (rotational) or milled
(prismatic), and its volume. Pure numpy, no B-Rep needed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .geometry.mesh_measures import mesh_volume, triangle_areas

SAMPLE_COUNT = 20_000
ANGLE_SECTORS = 72
ROUNDNESS_TOLERANCE = 0.03


@dataclass(frozen=True)
class PointCloudSummary:
    point_count: int
    volume_mm3: float
    surface_area_mm2: float
    stock_size: list[float]  # axis-aligned extents (x, y, z)
    oriented_stock_size: list[float]  # extents along the principal axes, largest first
    principal_axes: list[list[float]]  # rows, unit vectors, matching oriented_stock_size
    centroid: list[float]
    part_type: str  # "rotational" or "prismatic"
    rotation_axis: list[float] | None

    def to_json(self) -> dict:
        return asdict(self)


def sample_surface(
    vertices: np.ndarray, indices: np.ndarray, count: int, seed: int = 0
) -> np.ndarray:
    """Points spread over the mesh surface in proportion to triangle area."""
    corners = vertices[indices].astype(np.float64)
    areas = triangle_areas(vertices, indices)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(corners), size=count, p=areas / areas.sum())
    r1, r2 = rng.random((2, count))
    flip = r1 + r2 > 1.0
    r1[flip], r2[flip] = 1.0 - r1[flip], 1.0 - r2[flip]
    a, b, c = corners[chosen, 0], corners[chosen, 1], corners[chosen, 2]
    return a + r1[:, None] * (b - a) + r2[:, None] * (c - a)


def summarize_point_cloud(
    vertices: np.ndarray, indices: np.ndarray, samples: int = SAMPLE_COUNT
) -> PointCloudSummary:
    if len(indices) == 0:
        raise ValueError("the mesh has no triangles to sample")
    area = float(triangle_areas(vertices, indices).sum())
    points = sample_surface(vertices, indices, samples)
    centroid = points.mean(axis=0)
    centred = points - centroid
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(centred.T))
    axes = eigenvectors.T[::-1]  # largest variance first
    projected = centred @ axes.T
    extents = projected.max(axis=0) - projected.min(axis=0)
    order = np.argsort(extents)[::-1]
    rotation_axis = _rotation_axis(centred, axes)
    return PointCloudSummary(
        point_count=len(points),
        volume_mm3=mesh_volume(vertices, indices),
        surface_area_mm2=area,
        stock_size=(points.max(axis=0) - points.min(axis=0)).tolist(),
        oriented_stock_size=extents[order].tolist(),
        principal_axes=axes[order].tolist(),
        centroid=centroid.tolist(),
        part_type="rotational" if rotation_axis is not None else "prismatic",
        rotation_axis=None if rotation_axis is None else rotation_axis.tolist(),
    )


def _rotation_axis(centred: np.ndarray, axes: np.ndarray) -> np.ndarray | None:
    """The principal axis about which the outline is round, if there is one.

    Round means: seen along the axis, the farthest point in every angular sector
    lies at the same distance from the axis, within a few percent.
    """
    for axis in axes:
        other = np.linalg.svd(np.eye(3) - np.outer(axis, axis))[0][:, :2]
        planar = centred @ other
        centre = 0.5 * (planar.max(axis=0) + planar.min(axis=0))
        offset = planar - centre
        radius = np.hypot(offset[:, 0], offset[:, 1])
        sector = (
            (np.arctan2(offset[:, 1], offset[:, 0]) + np.pi) / (2 * np.pi) * ANGLE_SECTORS
        ).astype(int)
        outer = np.zeros(ANGLE_SECTORS)
        np.maximum.at(outer, np.clip(sector, 0, ANGLE_SECTORS - 1), radius)
        if outer.min() > 0 and (outer.max() - outer.min()) / outer.max() < ROUNDNESS_TOLERANCE:
            return axis
    return None
