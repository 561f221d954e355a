"""The smallest turned box the part fits in: the stock a shop would saw off.

A machined part's tightest box nearly always lies square to one of its own
faces or to its turning axis, so the candidates are the axis-aligned frame and
one frame per distinct plane normal or rotation axis (largest area first,
those holding at least 5 % of the area). Square to each candidate direction,
the other two sides come from the minimum-area rectangle (rotating calipers)
of the part's outline projected on the plane; the candidate with the least
volume wins. Outline points are the edge ends and samples along curved edges;
along the three chosen axes circular edges are then bounded exactly (a sampled
circle falls short of its true extent) and spheres and tori add their bulges,
so a block or a turned bar measures to the micron.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .brep_graph import BRepGraph
from .elementary_faces import cross
from .measure import min_area_rectangle, plane_basis
from .outline import PartOutline, bulge_points
from .topology import CONE, CYLINDER, PLANE, PartTopology

MAX_CANDIDATES = 8  # directions tried beyond the axis-aligned frame
MIN_AREA_SHARE = 0.05  # of the part's area, on faces square to (or turning about) a direction
_SAME_DIRECTION = 1.0 - 1e-9


@dataclass
class OrientedBox:
    """A box by centre, three unit axes (rows) and the size along each."""

    center: np.ndarray
    axes: np.ndarray
    size: np.ndarray

    @property
    def volume(self) -> float:
        return float(np.prod(self.size))

    @classmethod
    def axis_aligned(cls, lower: np.ndarray, upper: np.ndarray) -> OrientedBox:
        return cls((lower + upper) / 2.0, np.eye(3), upper - lower)

    def to_json(self) -> dict[str, list]:
        return {
            "center": self.center.tolist(),
            "axes": [[float(round(c, 12)) + 0.0 for c in axis] for axis in self.axes],
            "size": self.size.tolist(),
        }


def minimal_box(topology: PartTopology, outline: PartOutline) -> OrientedBox:
    """The least-volume box over the candidate frames."""
    points = outline.points
    best = _box_in_frame(np.eye(3), outline)
    for direction in _candidate_directions(topology):
        u, v = plane_basis(direction)
        flat = np.stack([points @ u, points @ v], axis=1)
        _, _, along = min_area_rectangle(flat)
        x = along[0] * u + along[1] * v
        frame = np.stack([x, cross(direction, x), direction])
        box = _box_in_frame(frame, outline)
        if box.volume < best.volume * (1.0 - 1e-9):
            best = box
    return _with_bulges(best, topology.graph)


def _box_in_frame(frame: np.ndarray, outline: PartOutline) -> OrientedBox:
    low, high = np.empty(3), np.empty(3)
    for k in range(3):
        low[k], high[k] = outline.extent(frame[k])
    center = frame.T @ ((low + high) / 2.0)
    return OrientedBox(center, frame, high - low)


def _with_bulges(box: OrientedBox, graph: BRepGraph) -> OrientedBox:
    """The box grown to the sphere and torus extremes along its own axes."""
    centre = box.axes @ box.center
    reach = np.stack([centre - box.size / 2.0, centre + box.size / 2.0], axis=1)
    bulges = bulge_points(graph, box.axes, reach)
    if not len(bulges):
        return box
    local = bulges @ box.axes.T
    low = np.minimum(centre - box.size / 2.0, local.min(axis=0))
    high = np.maximum(centre + box.size / 2.0, local.max(axis=0))
    return OrientedBox(box.axes.T @ ((low + high) / 2.0), box.axes, high - low)


def _candidate_directions(topology: PartTopology) -> list[np.ndarray]:
    """Plane normals and rotation axes off the coordinate axes (the
    axis-aligned frame covers those), largest total area first, each once (a
    normal and its opposite are one direction; directions equal to 1e-6 are
    grouped by rounding)."""
    graph = topology.graph
    kinds = graph.face_surface_type
    faces = np.flatnonzero((kinds == PLANE) | (kinds == CYLINDER) | (kinds == CONE))
    directions = graph.face_axis[faces]
    flip = directions[np.arange(len(faces)), np.argmax(np.abs(directions), axis=1)] < 0
    directions = np.where(flip[:, None], -directions, directions)
    slanted = np.max(np.abs(directions), axis=1) <= _SAME_DIRECTION
    if not slanted.any():
        return []
    directions = directions[slanted]
    _, first, group = np.unique(
        np.round(directions, 6), axis=0, return_index=True, return_inverse=True
    )
    weights = np.bincount(group.ravel(), weights=graph.face_area[faces][slanted])
    least = MIN_AREA_SHARE * float(graph.face_area.sum())
    order = [i for i in np.argsort(weights)[::-1][:MAX_CANDIDATES] if weights[i] >= least]
    return [directions[first[i]] for i in order]  # a face's own direction, not the rounded key
