"""Adjacency queries over a BRepGraph that every recognizer needs.

The graph stores coedges as flat arrays; recognizers ask face-level questions
(who are my neighbours, across which edge, which faces sit at the two ends of
an edge, which edges bound my outer loop). This answers them once per part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from OCP.BRep import BRep_Tool
from OCP.BRepAdaptor import BRepAdaptor_Curve
from OCP.BRepTools import BRepTools
from OCP.TopAbs import TopAbs_EDGE
from OCP.TopExp import TopExp, TopExp_Explorer

from .brep_graph import CURVE_TYPES, SURFACE_TYPES, BRepGraph, Convexity
from .instances import copied_edges

PLANE = SURFACE_TYPES.index("plane")
CYLINDER = SURFACE_TYPES.index("cylinder")
CONE = SURFACE_TYPES.index("cone")
SPHERE = SURFACE_TYPES.index("sphere")
TORUS = SURFACE_TYPES.index("torus")
BSPLINE = SURFACE_TYPES.index("bspline")
LINE = CURVE_TYPES.index("line")
CIRCLE = CURVE_TYPES.index("circle")

CONCAVE = int(Convexity.CONCAVE)
CONVEX = int(Convexity.CONVEX)
SMOOTH = int(Convexity.SMOOTH)

ANGLE_TOL = 1e-4  # on dot products of unit vectors (about 0.006 degrees)
CURVE_SAMPLES = 16  # intervals a curved edge is sampled in
OUTLINE_STRIDE = 4  # the outline keeps every fourth sample, ends included
_CURVE_STEPS = [i / CURVE_SAMPLES for i in range(CURVE_SAMPLES + 1)]
_OUTLINE_STEPS = _CURVE_STEPS[::OUTLINE_STRIDE]


def _dot(u, v) -> float:
    """The dot product of two 3-vectors (lists or arrays), without numpy's per-call cost."""
    return u[0] * v[0] + u[1] * v[1] + u[2] * v[2]


@dataclass
class Neighbour:
    face: int
    edge: int
    convexity: int


class PartTopology:
    """Face neighbours and loops of one part, plus the size-scaled length tolerance."""

    def __init__(self, graph: BRepGraph) -> None:
        self.graph = graph
        self.face_count = graph.face_count
        pairs, edge_ids = graph.face_adjacency()
        self.neighbours: list[list[Neighbour]] = [[] for _ in range(self.face_count)]
        for (a, b), edge in zip(pairs.tolist(), edge_ids.tolist(), strict=True):
            convexity = int(graph.edge_convexity[edge])
            self.neighbours[a].append(Neighbour(b, edge, convexity))
            self.neighbours[b].append(Neighbour(a, edge, convexity))
        order = np.argsort(graph.coedge_face, kind="stable")
        starts = np.searchsorted(graph.coedge_face[order], np.arange(self.face_count + 1))
        self._face_coedges = [order[starts[i] : starts[i + 1]] for i in range(self.face_count)]
        extent = np.ptp(graph.face_centroid, axis=0).max() if self.face_count else 1.0
        self.length_tol = max(1e-6, 1e-7 * float(extent))
        self._edge_points: dict[int, np.ndarray] = {}
        self._outline_points: dict[int, np.ndarray] = {}
        self._face_edges: list[list[int] | None] = [None] * self.face_count
        self._edge_ends: np.ndarray | None = None
        # Plain floats for the pairwise tests the recognizers ask thousands of
        # times a part: numpy's per-call cost on 3-vectors is 10 x their arithmetic.
        self._axes: list[list[float]] = graph.face_axis.tolist()
        self._axis_points: list[list[float]] = graph.face_axis_point.tolist()
        self._samples: list[list[float]] = graph.face_sample_point.tolist()
        self._normals: list[list[float]] = graph.face_sample_normal.tolist()

    @property
    def edge_ends(self) -> np.ndarray:
        """(E, 2, 3): the two end points of every edge, read once per part (a copied
        edge's moved from its source's)."""
        if self._edge_ends is None:
            copies = self.graph.copies
            ends = np.zeros((self.graph.edge_count, 2, 3))
            copied = copied_edges(copies, self.graph.edge_count)
            for edge in np.flatnonzero(~copied).tolist():
                shape = self.graph.edge(edge)
                ends[edge, 0] = BRep_Tool.Pnt_s(TopExp.FirstVertex_s(shape)).Coord()
                ends[edge, 1] = BRep_Tool.Pnt_s(TopExp.LastVertex_s(shape)).Coord()
            if copied.any():
                edges = np.flatnonzero(copied)
                moved = copies.moved_points(
                    ends[copies.edge_source[edges]].reshape(-1, 3),
                    np.repeat(copies.edge_motion[edges], 2),
                )
                ends[edges] = moved.reshape(-1, 2, 3)
            self._edge_ends = ends
        return self._edge_ends

    def edge_points(self, edge: int) -> np.ndarray:
        """Points along an edge, first and last at its ends: the two ends of a
        line, evenly spaced samples on a curve, the one point of a collapsed
        edge. Several recognizers measure the same edges, so they are cached."""
        points = self._edge_points.get(edge)
        if points is None:
            points = self._copied(edge, self.edge_points)
            if points is None:
                points = self._sampled(edge, _CURVE_STEPS)
            self._edge_points[edge] = points
        return points

    def outline_points(self, edge: int) -> np.ndarray:
        """Every OUTLINE_STRIDE-th point of :meth:`edge_points`, ends kept: what the
        part's outline takes of every curve. Evaluated on their own where the full
        samples are not cached: the outline reads every curve of the part, most of
        which no recognizer samples (as1-oc-214-mat.stp: 9 of 13 ms of its outline)."""
        points = self._edge_points.get(edge)
        if points is not None:  # a line's two ends or a collapsed edge's point are all kept
            return points[::OUTLINE_STRIDE] if len(points) > 2 else points
        points = self._outline_points.get(edge)
        if points is None:
            points = self._copied(edge, self.outline_points)
            if points is None:
                points = self._sampled(edge, _OUTLINE_STEPS)
            self._outline_points[edge] = points
        return points

    def _copied(self, edge: int, points_of) -> np.ndarray | None:
        """A copied edge's points (instances.py): its source's, by ``points_of``, moved;
        None for an edge that is no copy."""
        copies = self.graph.copies
        if copies is None or copies.edge_source[edge] < 0:
            return None
        points = points_of(int(copies.edge_source[edge]))
        return copies.moved_points(points, np.full(len(points), copies.edge_motion[edge]))

    def _sampled(self, edge: int, steps: list[float]) -> np.ndarray:
        """The edge's points at ``steps`` (fractions of its parameter range)."""
        graph = self.graph
        if graph.edge_degenerate[edge]:
            return self.edge_ends[edge, :1]
        if graph.edge_curve_type[edge] == LINE:
            return self.edge_ends[edge]
        curve = BRepAdaptor_Curve(graph.edge(edge))
        first, last = curve.FirstParameter(), curve.LastParameter()
        return np.array([curve.Value(first + (last - first) * t).Coord() for t in steps])

    def face_edges(self, face: int) -> list[int]:
        """The distinct edges bounding a face."""
        edges = self._face_edges[face]
        if edges is None:
            edges = list(dict.fromkeys(self.graph.coedge_edge[self._face_coedges[face]].tolist()))
            self._face_edges[face] = edges
        return edges

    def neighbour_faces(self, face: int) -> set[int]:
        return {n.face for n in self.neighbours[face]}

    def coedges(self, face: int) -> np.ndarray:
        return self._face_coedges[face]

    def outer_loop_edges(self, face: int) -> set[int]:
        """Edge ids of the face's outer wire (islands and holes are inner wires); a
        copied face's are its source's copies."""
        copies = self.graph.copies
        if copies is not None and copies.face_source[face] >= 0:
            targets = copies.edge_copies(face)
            return {targets[edge] for edge in self.outer_loop_edges(int(copies.face_source[face]))}
        wire = BRepTools.OuterWire_s(self.graph.face(face))
        edges: set[int] = set()
        explorer = TopExp_Explorer(wire, TopAbs_EDGE)
        while explorer.More():
            edges.add(self.graph.edges.FindIndex(explorer.Current()) - 1)
            explorer.Next()
        return edges

    def same_surface(self, a: int, b: int) -> bool:
        """Two faces of one cylinder or cone: CAD systems and booleans split a
        bore or a chamfer into pieces, and those meet smoothly without being
        a blend."""
        graph = self.graph
        return (
            graph.face_surface_type[a] == graph.face_surface_type[b]
            and graph.face_surface_type[a] in (CYLINDER, CONE)
            and abs(graph.face_radius[a] - graph.face_radius[b]) < 100.0 * self.length_tol
            and self.coaxial(a, b)
        )

    def coplanar(self, a: int, b: int) -> bool:
        """Two planar faces on one plane, facing the same way: pieces of one wall or
        floor that another cut split."""
        normal, other = self._axes[a], self._axes[b]
        return (
            _dot(normal, other) > 1.0 - 1e-4
            and abs(_dot(normal, self._samples[a]) - _dot(normal, self._samples[b]))
            < 10.0 * self.length_tol
        )

    def parallel(self, u, v) -> bool:
        return abs(float(_dot(u, v))) > 1.0 - ANGLE_TOL

    def perpendicular(self, u, v) -> bool:
        return abs(float(_dot(u, v))) < ANGLE_TOL

    def coaxial(self, a: int, b: int) -> bool:
        """Two rotational faces turn about the same line."""
        axis = self._axes[a]
        if not self.parallel(axis, self._axes[b]):
            return False
        start, end = self._axis_points[a], self._axis_points[b]
        offset = [end[k] - start[k] for k in range(3)]
        along = _dot(offset, axis)
        across = [offset[k] - along * axis[k] for k in range(3)]
        return math.sqrt(_dot(across, across)) < 1e3 * self.length_tol

    def inward(self, face: int) -> bool:
        """A rotational face whose material lies outside it (a bore, not a shaft).

        Its outward normal points toward its axis.
        """
        axis = self._axes[face]
        offset = [self._samples[face][k] - self._axis_points[face][k] for k in range(3)]
        along = _dot(offset, axis)
        radial = [offset[k] - along * axis[k] for k in range(3)]
        return _dot(self._normals[face], radial) < 0.0
