"""The smallest turned box the part fits in: the stock a shop would saw off.

A machined part's tightest box nearly always lies square to one of its own
faces or to its turning axis, so the candidates are the axis-aligned frame
and one frame per distinct plane normal or rotation axis (largest area
first, those holding at least 5 % of the area). Square to each candidate direction, the other two sides come from the
minimum-area rectangle (rotating calipers) of the part's outline projected
on the plane; the candidate with the least volume wins. Outline points are
the edge ends and samples along curved edges; along the three chosen axes
circular edges are then bounded exactly (a sampled circle falls short of its
true extent) and spheres and tori add their bulges, so a block or a turned
bar measures to the micron.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from OCP.BRepAdaptor import BRepAdaptor_Curve

from ..geometry.brep_graph import BRepGraph
from .measure import min_area_rectangle, plane_basis
from .stock import bulge_points
from .topology import CIRCLE, CONE, CYLINDER, PLANE, PartTopology

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

    def to_json(self) -> dict[str, list]:
        return {
            "center": self.center.tolist(),
            "axes": [[float(round(c, 12)) + 0.0 for c in axis] for axis in self.axes],
            "size": self.size.tolist(),
        }


@dataclass
class _Arcs:
    """Circular edges as arrays: centre, in-plane axes, radius, parameter range."""

    center: np.ndarray
    x: np.ndarray
    y: np.ndarray
    radius: np.ndarray
    first: np.ndarray
    last: np.ndarray

    def extent(self, direction: np.ndarray) -> tuple[float, float]:
        """Exact lowest and highest projection of the arcs on ``direction``."""
        if not len(self.radius):
            return math.inf, -math.inf
        base = self.center @ direction
        a, b = self.x @ direction, self.y @ direction
        peak = np.arctan2(b, a)  # angle of the highest point on the full circle
        amplitude = self.radius * np.hypot(a, b)
        ends = [base + self.radius * (a * np.cos(t) + b * np.sin(t)) for t in (self.first, self.last)]
        low, high = np.minimum(*ends), np.maximum(*ends)
        high = np.where(_angle_within(peak, self.first, self.last), base + amplitude, high)
        low = np.where(_angle_within(peak + np.pi, self.first, self.last), base - amplitude, low)
        return float(low.min()), float(high.max())


def _angle_within(angle: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Whether each angle falls in its arc's parameter range."""
    offset = np.mod(angle - first, 2.0 * np.pi)
    return offset <= (last - first) + 1e-12


def minimal_box(topology: PartTopology) -> OrientedBox:
    """The least-volume box over the candidate frames."""
    points, arcs = _outline(topology)
    best = _box_in_frame(np.eye(3), points, arcs)
    for direction in _candidate_directions(topology):
        u, v = plane_basis(direction)
        flat = np.stack([points @ u, points @ v], axis=1)
        _, _, along = min_area_rectangle(flat)
        x = along[0] * u + along[1] * v
        frame = np.stack([x, np.cross(direction, x), direction])
        box = _box_in_frame(frame, points, arcs)
        if box.volume < best.volume * (1.0 - 1e-9):
            best = box
    return _with_bulges(best, topology.graph)


def _box_in_frame(frame: np.ndarray, points: np.ndarray, arcs: _Arcs) -> OrientedBox:
    low, high = np.empty(3), np.empty(3)
    for k in range(3):
        along = points @ frame[k]
        arc_low, arc_high = arcs.extent(frame[k])
        low[k] = min(float(along.min()), arc_low)
        high[k] = max(float(along.max()), arc_high)
    center = frame.T @ ((low + high) / 2.0)
    return OrientedBox(center, frame, high - low)


def _with_bulges(box: OrientedBox, graph: BRepGraph) -> OrientedBox:
    """The box grown to the sphere and torus extremes along its own axes."""
    bulges = bulge_points(graph, box.axes)
    if not len(bulges):
        return box
    local = bulges @ box.axes.T
    centre = box.axes @ box.center
    low = np.minimum(centre - box.size / 2.0, local.min(axis=0))
    high = np.maximum(centre + box.size / 2.0, local.max(axis=0))
    return OrientedBox(box.axes.T @ ((low + high) / 2.0), box.axes, high - low)


def _candidate_directions(topology: PartTopology) -> list[np.ndarray]:
    """Plane normals and rotation axes, largest total area first, each once
    (a normal and its opposite are one direction)."""
    graph = topology.graph
    kinds = graph.face_surface_type
    faces = np.flatnonzero(np.isin(kinds, (PLANE, CYLINDER, CONE)))
    directions = graph.face_axis[faces]
    flip = directions[np.arange(len(faces)), np.argmax(np.abs(directions), axis=1)] < 0
    directions = np.where(flip[:, None], -directions, directions)
    area = graph.face_area[faces]
    chosen: list[np.ndarray] = []
    weights: list[float] = []
    for direction, weight in zip(directions, area):
        for i, other in enumerate(chosen):
            if float(direction @ other) > _SAME_DIRECTION:
                weights[i] += float(weight)
                break
        else:
            chosen.append(direction)
            weights.append(float(weight))
    order = np.argsort(weights)[::-1][:MAX_CANDIDATES]
    least = MIN_AREA_SHARE * float(graph.face_area.sum())
    return [
        chosen[i]
        for i in order
        if weights[i] >= least and np.max(np.abs(chosen[i])) <= _SAME_DIRECTION
    ]  # the axis-aligned frame covers the axis directions


def _outline(topology: PartTopology) -> tuple[np.ndarray, _Arcs]:
    """Points on every edge the faces use, and the circular edges exactly."""
    graph = topology.graph
    edges = np.unique(graph.coedge_edge).tolist()
    points = np.concatenate([topology.edge_points(e) for e in edges])
    circles = [e for e in edges if graph.edge_curve_type[e] == CIRCLE and not graph.edge_degenerate[e]]
    rows = []
    for edge in circles:
        curve = BRepAdaptor_Curve(graph.edge(edge))
        circle = curve.Circle()
        position = circle.Position()
        rows.append(
            (
                *position.Location().Coord(),
                *position.XDirection().Coord(),
                *position.YDirection().Coord(),
                circle.Radius(),
                curve.FirstParameter(),
                curve.LastParameter(),
            )
        )
    table = np.array(rows, dtype=float).reshape(-1, 12)
    arcs = _Arcs(table[:, 0:3], table[:, 3:6], table[:, 6:9], table[:, 9], table[:, 10], table[:, 11])
    return points, arcs

